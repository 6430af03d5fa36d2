import type pg from 'pg';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import {
  type ProjectedEvent,
  type Projection,
  type TableNames,
  bulkLoadOf,
} from '../../src/projections/engine/projection.js';
import { inTransaction } from '../support/in-transaction.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** A migrated database of its own for one spec file. */
export interface ProjectionDatabase {
  readonly pool: pg.Pool;
  close(): Promise<void>;
}

export async function openProjectionDatabase(): Promise<ProjectionDatabase> {
  const database: TestDatabase = await createTestDatabase();
  const pool = createPool({ connectionString: database.url, max: 4 });
  await migrate(pool, MIGRATIONS);
  return {
    pool,
    close: async () => {
      await pool.end();
      await database.drop();
    },
  };
}

/** Logical = physical: the live tables. */
export function liveTables(projection: Projection): TableNames {
  return Object.fromEntries(projection.tables.map((table) => [table, table]));
}

/** Empty copies `<table>_<suffix>` of the projection's tables, as a blue/green rebuild makes. */
export async function shadowTables(
  pool: pg.Pool,
  projection: Projection,
  suffix: string,
): Promise<TableNames> {
  const tables: Record<string, string> = {};
  for (const table of projection.tables) {
    const shadow = `${table}_${suffix}`;
    await pool.query(`DROP TABLE IF EXISTS ${shadow}`);
    await pool.query(`CREATE TABLE ${shadow} (LIKE ${table} INCLUDING ALL)`);
    tables[table] = shadow;
  }
  return tables;
}

export async function truncate(pool: pg.Pool, tables: TableNames): Promise<void> {
  await pool.query(`TRUNCATE ${Object.values(tables).join(', ')}`);
}

/** Applies each batch in a transaction of its own, as the projection engine does. */
export async function applyBatches(
  pool: pg.Pool,
  projection: Projection,
  batches: readonly (readonly ProjectedEvent[])[],
  tables: TableNames = liveTables(projection),
): Promise<void> {
  for (const batch of batches) {
    await inTransaction(pool, (client) => projection.apply(client, batch, tables));
  }
}

/** Bulk-loads the batches into empty tables in one transaction, as a rebuild does. */
export async function bulkLoadBatches(
  pool: pg.Pool,
  projection: Projection,
  batches: readonly (readonly ProjectedEvent[])[],
  tables: TableNames,
): Promise<void> {
  await inTransaction(pool, async (client) => {
    const load = bulkLoadOf(projection, tables);
    for (const batch of batches) await load.add(client, batch);
    await load.finish(client);
  });
}

export type Row = Record<string, unknown>;

/** Every row of a table in primary-key order (numeric as string, timestamptz as Date). */
export async function selectAll(pool: pg.Pool, table: string): Promise<Row[]> {
  const { rows } = await pool.query<{ key: string }>(
    `SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ordinality) AS key
       FROM pg_index i
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ordinality)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1::regclass AND i.indisprimary`,
    [table],
  );
  const key = rows[0]?.key;
  if (!key) throw new Error(`${table} has no primary key`);
  return (await pool.query<Row>(`SELECT * FROM ${table} ORDER BY ${key}`)).rows;
}

/** Cuts the log into consecutive batches of random sizes from 1 to maxSize. */
export function splitRandomly<T>(
  items: readonly T[],
  random: () => number,
  maxSize: number,
): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length;) {
    const size = 1 + Math.floor(random() * maxSize);
    batches.push(items.slice(start, start + size));
    start += size;
  }
  return batches;
}
