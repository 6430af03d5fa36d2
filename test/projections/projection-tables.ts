import type pg from 'pg';
import { type Position, comparePositions } from '../../src/event-store/position.js';
import {
  type ProjectedEvent,
  type Projection,
  type TableNames,
  bulkLoadOf,
} from '../../src/projections/engine/projection.js';
import { VIEW_PROJECTIONS } from '../../src/projections/views/index.js';
import { inTransaction } from '../support/in-transaction.js';

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

/**
 * Bulk-loads the batches into empty tables as a rebuild does: in steps of `stepBatches`
 * batches, each step a transaction of its own that ends with a flush (by default one
 * step for them all).
 */
export async function bulkLoadBatches(
  pool: pg.Pool,
  projection: Projection,
  batches: readonly (readonly ProjectedEvent[])[],
  tables: TableNames,
  stepBatches = batches.length,
): Promise<void> {
  const load = bulkLoadOf(projection, tables);
  for (let start = 0; start < batches.length; start += Math.max(stepBatches, 1)) {
    await inTransaction(pool, async (client) => {
      for (const batch of batches.slice(start, start + stepBatches)) await load.add(client, batch);
      await load.flush(client);
    });
  }
}

/** The table's primary-key columns, quoted and comma-separated: an ORDER BY that is total. */
async function primaryKey(pool: pg.Pool, table: string): Promise<string> {
  const { rows } = await pool.query<{ key: string | null }>(
    `SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.ordinality) AS key
       FROM pg_index i
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ordinality)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1::regclass AND i.indisprimary`,
    [table],
  );
  const key = rows[0]?.key;
  if (!key) throw new Error(`${table} has no primary key`);
  return key;
}

export type Row = Record<string, unknown>;

/** Every row of a table in primary-key order (numeric as string, timestamptz as Date). */
export async function selectAll(pool: pg.Pool, table: string): Promise<Row[]> {
  const key = await primaryKey(pool, table);
  return (await pool.query<Row>(`SELECT * FROM ${table} ORDER BY ${key}`)).rows;
}

/** Count and md5 of a table's rows in primary-key order: equal digests, equal tables. */
export interface TableDigest {
  readonly rows: number;
  readonly md5: string;
}

export async function digest(pool: pg.Pool, table: string): Promise<TableDigest> {
  const key = await primaryKey(pool, table);
  const { rows } = await pool.query<TableDigest>(
    `SELECT count(*)::int AS rows,
            coalesce(md5(string_agg(t::text, E'\\n' ORDER BY ${key})), '') AS md5
       FROM ${table} t`,
  );
  return rows[0]!;
}

/** The log's last event's position, read from its table (not below the readers' horizon). */
export async function lastLogPosition(pool: pg.Pool): Promise<Position> {
  const { rows } = await pool.query<{ commit: string; seq: string }>(
    'SELECT tx_id::text AS commit, seq::text FROM ledger_events ORDER BY tx_id DESC, seq DESC LIMIT 1',
  );
  return { commit: BigInt(rows[0]!.commit), prepare: BigInt(rows[0]!.seq) };
}

/** Whether every view's live checkpoint has reached `position`. */
export async function viewsReached(pool: pg.Pool, position: Position): Promise<boolean> {
  const rows = await checkpointRows(pool);
  return VIEW_PROJECTIONS.every((view) => {
    const row = rows.get(view.name);
    return row !== undefined && comparePositions(positionOf(row), position) >= 0;
  });
}

/** The digest of every view's live table, by table: what a rebuild must leave as it was. */
export async function viewDigests(pool: pg.Pool): Promise<Record<string, TableDigest>> {
  const digests: Record<string, TableDigest> = {};
  for (const table of VIEW_PROJECTIONS.flatMap((view) => view.tables)) {
    digests[table] = await digest(pool, table);
  }
  return digests;
}

/** A few rows of `a` that `b` lacks, as text: what a difference looks like. */
export async function rowsMissing(pool: pg.Pool, a: string, b: string): Promise<string[]> {
  const { rows } = await pool.query<{ row: string }>(
    `SELECT x::text AS row FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}) x LIMIT 3`,
  );
  return rows.map((row) => row.row);
}

/** A table of a projection beside its reference copy, with a few rows of any difference. */
export interface TableComparison {
  readonly table: string;
  readonly projected: TableDigest;
  readonly reference: TableDigest;
  readonly onlyProjected?: string[];
  readonly onlyReference?: string[];
}

/** Compares each of a projection's tables with its reference copy, built from the same log. */
export async function compareTables(
  pool: pg.Pool,
  projected: TableNames,
  reference: TableNames,
): Promise<TableComparison[]> {
  const comparisons: TableComparison[] = [];
  for (const [logical, table] of Object.entries(projected)) {
    const shadow = reference[logical]!;
    const mine = await digest(pool, table);
    const theirs = await digest(pool, shadow);
    const equal = mine.rows === theirs.rows && mine.md5 === theirs.md5;
    comparisons.push({
      table: logical,
      projected: mine,
      reference: theirs,
      ...(equal
        ? {}
        : {
            onlyProjected: await rowsMissing(pool, table, shadow),
            onlyReference: await rowsMissing(pool, shadow, table),
          }),
    });
  }
  return comparisons;
}

export interface CheckpointRow {
  projection: string;
  commit_position: string;
  prepare_position: string;
  status: string;
  last_error: string | null;
  events_applied: string;
}

/** Every checkpoint row, by projection (checkpoint) name. */
export async function checkpointRows(pool: pg.Pool): Promise<Map<string, CheckpointRow>> {
  const { rows } = await pool.query<CheckpointRow>(
    `SELECT projection, commit_position::text, prepare_position::text, status, last_error,
            events_applied::text FROM ledger_projection_checkpoints`,
  );
  return new Map(rows.map((row) => [row.projection, row]));
}

export function positionOf(row: CheckpointRow): Position {
  return { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) };
}
