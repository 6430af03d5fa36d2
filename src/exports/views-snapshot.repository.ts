import type pg from 'pg';
import { type Position } from '../event-store/position.js';
import { withTransaction } from '../infrastructure/database/transaction.js';
import { type ViewSnapshot } from './view-snapshots.js';

/** Rows per page of a view: bounded, whatever the view's size. */
const PAGE_ROWS = 10_000;

/** A view row as PostgreSQL hands it over: each column as text, in the snapshot's order. */
export type ViewRow = readonly (string | null)[];

const SQL = {
  // Every later read of the transaction sees the same committed state as the first.
  begin: `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`,
  // Times as text in UTC, the form DuckDB reads back into TIMESTAMPTZ.
  utc: `SET LOCAL TimeZone = 'UTC'`,
  checkpoints: `SELECT projection, commit_position::text AS commit, prepare_position::text AS prepare
                FROM ledger_projection_checkpoints WHERE projection = ANY($1::text[])`,
  page(view: ViewSnapshot, after: boolean): string {
    const columns = view.columns.map((c) => `${c.name}::text`).join(', ');
    const keys = view.key.map((k) => k.name).join(', ');
    const params = view.key.map((k, i) => `$${i + 1}::${k.sqlType}`).join(', ');
    const where = after ? `WHERE (${keys}) > (${params})` : '';
    return `SELECT ${columns} FROM ${view.table} ${where} ORDER BY ${keys} LIMIT ${PAGE_ROWS}`;
  },
} as const;

/** Reads inside one snapshot transaction. */
export interface SnapshotReader {
  /** The position each named projector had applied, in this snapshot. */
  positions(projections: readonly string[]): Promise<Map<string, Position>>;
  /** The view's rows in key order, page by page. */
  pages(view: ViewSnapshot): AsyncGenerator<ViewRow[]>;
}

/** All SQL of a views snapshot: one consistent read of the views and their checkpoints. */
export class ViewsSnapshotRepository {
  constructor(private readonly pool: pg.Pool) {}

  read<T>(work: (reader: SnapshotReader) => Promise<T>): Promise<T> {
    return withTransaction(this.pool, async (client) => {
      await client.query(SQL.begin);
      await client.query(SQL.utc);
      return work({
        positions: (projections) => positionsOf(client, projections),
        pages: (view) => pagesOf(client, view),
      });
    });
  }
}

async function positionsOf(
  client: pg.ClientBase,
  projections: readonly string[],
): Promise<Map<string, Position>> {
  const { rows } = await client.query<{ projection: string; commit: string; prepare: string }>(
    SQL.checkpoints,
    [projections],
  );
  return new Map(
    rows.map((r) => [r.projection, { commit: BigInt(r.commit), prepare: BigInt(r.prepare) }]),
  );
}

async function* pagesOf(client: pg.ClientBase, view: ViewSnapshot): AsyncGenerator<ViewRow[]> {
  const keyIndexes = view.key.map((k) => view.columns.findIndex((c) => c.name === k.name));
  let last: ViewRow | undefined;
  for (;;) {
    const { rows } = await client.query<(string | null)[]>({
      text: SQL.page(view, last !== undefined),
      values: last === undefined ? [] : keyIndexes.map((index) => last![index]),
      rowMode: 'array',
    });
    if (rows.length > 0) yield rows;
    if (rows.length < PAGE_ROWS) return;
    last = rows[rows.length - 1];
  }
}
