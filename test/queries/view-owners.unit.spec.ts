import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { VIEW_PROJECTIONS } from '../../src/projections/views/index.js';
import {
  PROJECTION_NAMES,
  type ProjectionName,
  type ViewTable,
  VIEW_TABLES,
  projectionsOf,
  viewTablesOf,
} from '../../src/shared/view-tables.js';

// Where the two sides of shared/view-tables.ts meet: the projections that write the view
// tables, the queries that wait on their owners, and the migrations that create them.

const QUERIES = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/queries');
// Views and the report rollups alike: both are kept by projectors.
const VIEW_TABLE_NAME = /\b(?:view|report)_[a-z_]+\b/g;

function source(path: string): string {
  return readFileSync(path, 'utf8');
}

function viewTablesNamedIn(text: string): string[] {
  return [...new Set(text.match(VIEW_TABLE_NAME) ?? [])].sort();
}

function queryHandlers(): string[] {
  return readdirSync(QUERIES, { recursive: true, encoding: 'utf8' })
    .filter((path) => path.endsWith('.query.ts'))
    .map((path) => join(QUERIES, path));
}

/** The view tables the repositories a query handler imports read. */
function tablesReadBy(handler: string): string[] {
  const repositories = [...source(handler).matchAll(/from '\.\.\/repositories\/([\w.-]+)\.js'/g)];
  return viewTablesNamedIn(
    repositories
      .map(([, name]) => source(join(QUERIES, 'repositories', `${name ?? ''}.ts`)))
      .join('\n'),
  );
}

/** The view tables a query handler names to projectionsOf, i.e. the ones it waits on. */
function tablesWaitedOnBy(handler: string): string[] {
  const waits = [...source(handler).matchAll(/projectionsOf\(\[([^\]]*)\]\)/g)];
  return viewTablesNamedIn(waits.map(([, tables]) => tables).join('\n'));
}

describe('view tables and their projectors', () => {
  it('has a projection for every projector name, and no other', () => {
    expect(VIEW_PROJECTIONS.map((projection) => projection.name).sort()).toEqual(
      [...PROJECTION_NAMES].sort(),
    );
  });

  it('gives each projection exactly the tables the shared list assigns to it', () => {
    for (const projection of VIEW_PROJECTIONS) {
      const name = projection.name as ProjectionName;
      expect(projection.tables, name).toEqual(viewTablesOf(name));
    }
    const written = VIEW_PROJECTIONS.flatMap((projection) => projection.tables);
    expect(written.sort()).toEqual([...VIEW_TABLES].sort());
  });

  it('lists every view table the migrations create', () => {
    const created = MIGRATIONS.flatMap((migration) => [
      ...migration.sql.matchAll(/CREATE TABLE ((?:view|report)_[a-z_]+)/g),
    ]).map(([, table]) => table);
    expect(created.sort()).toEqual([...VIEW_TABLES].sort());
  });

  it('answers the owners of the tables a read names, each once', () => {
    expect(projectionsOf(['view_account_statements', 'view_accounts'])).toEqual(['accounts']);
    expect(projectionsOf(['view_orders', 'view_holdings'])).toEqual(['orders', 'holdings']);
  });

  describe.each(queryHandlers().map((path) => [basename(path), path] as const))(
    '%s',
    (_name, handler) => {
      it('waits on the owner of every view table it reads', () => {
        const read = tablesReadBy(handler);
        for (const table of read) expect(VIEW_TABLES).toContain(table);
        const owners = projectionsOf(read as ViewTable[]);
        const waitedOn = projectionsOf(tablesWaitedOnBy(handler) as ViewTable[]);
        expect(waitedOn).toEqual(expect.arrayContaining(owners));
      });
    },
  );
});
