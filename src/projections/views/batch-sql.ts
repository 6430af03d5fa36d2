import type pg from 'pg';
import { chunked, copyFrom, copyText } from '../../infrastructure/database/copy-from-stdin.js';
import { isPipelined } from '../../infrastructure/database/pipelined-connection.js';
import { type TableNames } from '../engine/projection.js';

/**
 * The few SQL building blocks the view projections share. Every table write of a batch
 * is one statement: rows that update others are one `INSERT ... SELECT FROM unnest(...)`
 * (each column travels as one array parameter), and rows that are only ever appended
 * are one INSERT or, many of them, one COPY.
 */

/** PostgreSQL types of the columns the views use. */
export type SqlType = 'text' | 'numeric' | 'timestamptz' | 'smallint' | 'bigint' | 'date';

/** A column of a batch written through unnest, with how a folded row gives its value. */
export interface Column<Row> {
  readonly name: string;
  readonly type: SqlType;
  /** Bigints are sent as decimal strings: exact, and numeric parses them as such. */
  readonly value: (row: Row) => string | number | bigint | null;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/**
 * The quoted physical table for a logical one. A missing mapping is a bug in the
 * caller; writing to the live table instead would corrupt it during a rebuild.
 */
export function physicalTable(tables: TableNames, logical: string): string {
  const physical = tables[logical];
  if (physical === undefined) throw new Error(`No physical table given for ${logical}`);
  return quoteIdentifier(physical);
}

/**
 * `INSERT INTO <table> AS target (...) SELECT ... FROM unnest($1::t1[], ...) <onConflict>`.
 * `onConflict` may refer to the current row as `target` and the new one as `EXCLUDED`.
 * Nothing is sent for no rows. The rows must hold each conflict key at most once:
 * callers fold the batch per key first.
 */
export async function insertRows<Row>(
  client: pg.ClientBase,
  table: string,
  columns: readonly Column<Row>[],
  rows: readonly Row[],
  onConflict = '',
): Promise<void> {
  if (rows.length === 0) return;
  const names = columns.map((column) => quoteIdentifier(column.name)).join(', ');
  const arrays = columns.map((column, index) => `$${index + 1}::${column.type}[]`).join(', ');
  const params = columns.map((column) =>
    rows.map((row) => {
      const value = column.value(row);
      return typeof value === 'bigint' ? value.toString() : value;
    }),
  );
  await client.query(
    `INSERT INTO ${table} AS target (${names})
     SELECT * FROM unnest(${arrays})
     ${onConflict}`,
    params,
  );
}

/**
 * A COPY costs a round trip more than an INSERT (the server first answers that it is
 * ready for the data): a live batch's few rows go faster by INSERT, a rebuild's many by
 * COPY. A pipelined connection (a projector's) cannot COPY.
 */
const COPY_FROM_ROWS = 100;

/**
 * Appends rows to a table whose rows are never updated: no ON CONFLICT, so a row whose
 * key exists already fails the whole statement, as a repeated batch must. Many rows go
 * by `COPY <table> (...) FROM STDIN`, the fastest way into PostgreSQL.
 */
export async function appendRows<Row>(
  client: pg.ClientBase,
  table: string,
  columns: readonly Column<Row>[],
  rows: readonly Row[],
): Promise<void> {
  if (rows.length < COPY_FROM_ROWS || isPipelined(client)) {
    return insertRows(client, table, columns, rows);
  }
  const names = columns.map((column) => quoteIdentifier(column.name)).join(', ');
  function* lines(): Generator<string> {
    for (const row of rows) {
      yield `${columns.map((column) => copyText(column.value(row))).join('\t')}\n`;
    }
  }
  await copyFrom(client, `COPY ${table} (${names}) FROM STDIN`, chunked(lines()));
}

/** `col = EXCLUDED.col, ...`: the new row's values win for these columns. */
export function takeExcluded(columns: readonly string[]): string {
  return columns
    .map((name) => `${quoteIdentifier(name)} = EXCLUDED.${quoteIdentifier(name)}`)
    .join(', ');
}

/**
 * One table's rows as a rebuild's bulk load folds them in memory, by key: which changed
 * since the last flush, and which the table has already. A flush writes the changed
 * ones: those the table lacks by appendRows (COPY when many: a step of a long log adds
 * most of its rows), the others by one upsert that overwrites them with the folded row,
 * which holds the whole state (the load wrote every row, so it needs to read none back).
 */
export class StagedRows<Row> {
  private readonly changed = new Set<string>();
  private readonly written = new Set<string>();

  constructor(
    readonly rows: Map<string, Row>,
    private readonly columns: readonly Column<Row>[],
    /** The table's key columns: the conflict target of the overwrite. */
    private readonly keyColumns: readonly string[],
  ) {}

  touch(key: string): void {
    this.changed.add(key);
  }

  async flush(client: pg.ClientBase, table: string): Promise<void> {
    const fresh: Row[] = [];
    const rewritten: Row[] = [];
    for (const key of this.changed) {
      (this.written.has(key) ? rewritten : fresh).push(this.rows.get(key)!);
      this.written.add(key);
    }
    this.changed.clear();
    const keys = this.keyColumns.map(quoteIdentifier).join(', ');
    const others = this.columns
      .map((column) => column.name)
      .filter((name) => !this.keyColumns.includes(name));
    await appendRows(client, table, this.columns, fresh);
    await insertRows(
      client,
      table,
      this.columns,
      rewritten,
      `ON CONFLICT (${keys}) DO UPDATE SET ${takeExcluded(others)}`,
    );
  }
}
