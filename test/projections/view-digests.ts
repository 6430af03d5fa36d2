import type pg from 'pg';
import { type Position } from '../../src/infrastructure/event-store/position.js';

/** Count and md5 of a table's rows in primary-key order: equal digests, equal tables. */
export interface TableDigest {
  readonly rows: number;
  readonly md5: string;
}

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

export async function digest(pool: pg.Pool, table: string): Promise<TableDigest> {
  const key = await primaryKey(pool, table);
  const { rows } = await pool.query<TableDigest>(
    `SELECT count(*)::int AS rows,
            coalesce(md5(string_agg(t::text, E'\\n' ORDER BY ${key})), '') AS md5
       FROM ${table} t`,
  );
  return rows[0]!;
}

/** A few rows of `a` that `b` lacks, as text: what a difference looks like. */
export async function rowsMissing(pool: pg.Pool, a: string, b: string): Promise<string[]> {
  const { rows } = await pool.query<{ row: string }>(
    `SELECT x::text AS row FROM (SELECT * FROM ${a} EXCEPT ALL SELECT * FROM ${b}) x LIMIT 3`,
  );
  return rows.map((row) => row.row);
}

export interface CheckpointRow {
  projection: string;
  commit_position: string;
  prepare_position: string;
  status: string;
  last_error: string | null;
  events_applied: string;
}

export function positionOf(row: CheckpointRow): Position {
  return { commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) };
}
