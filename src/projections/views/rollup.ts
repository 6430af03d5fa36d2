import type pg from 'pg';
import { type ViewTable } from '../../shared/view-tables.js';
import { type TableNames } from '../engine/projection.js';
import {
  type Column,
  type SqlType,
  StagedRows,
  insertRows,
  physicalTable,
  quoteIdentifier,
} from './batch-sql.js';

/** A row of a rollup: its dimensions (the key) and the sums it adds up. */
export interface RollupRow {
  readonly dims: readonly string[];
  readonly sums: bigint[];
}

/** A rollup's rows by key: a batch's deltas, or a bulk load's totals. */
export type RollupRows = Map<string, RollupRow>;

type ColumnSpec = readonly [name: string, type: SqlType];

/**
 * A table of sums by dimensions. A live batch adds its deltas to the rows in place
 * (`x = target.x + EXCLUDED.x`), so it never reads them: the runner applies each batch
 * exactly once. A bulk load adds up the totals in memory and writes them whole.
 */
export class Rollup {
  readonly columns: readonly Column<RollupRow>[];
  private readonly dimNames: readonly string[];
  private readonly sumNames: readonly string[];

  constructor(
    readonly table: ViewTable,
    dims: readonly ColumnSpec[],
    sums: readonly ColumnSpec[],
  ) {
    this.dimNames = dims.map(([name]) => name);
    this.sumNames = sums.map(([name]) => name);
    this.columns = [
      ...dims.map(([name, type], index) => ({
        name,
        type,
        value: (row: RollupRow) => row.dims[index]!,
      })),
      ...sums.map(([name, type], index) => ({
        name,
        type,
        value: (row: RollupRow) => row.sums[index]!,
      })),
    ];
  }

  /** Adds `sums` to the row of `dims`, which it makes when missing. */
  add(rows: RollupRows, dims: readonly string[], sums: readonly bigint[]): void {
    if (dims.length !== this.dimNames.length || sums.length !== this.sumNames.length) {
      throw new Error(`${this.table}: ${dims.length} dimensions and ${sums.length} sums given`);
    }
    const key = dims.join('\u0000');
    const row = rows.get(key);
    if (row === undefined) {
      rows.set(key, { dims, sums: [...sums] });
      return;
    }
    sums.forEach((value, index) => (row.sums[index]! += value));
  }

  /** Adds a batch's deltas to the table's rows. */
  addDeltas(client: pg.ClientBase, tables: TableNames, deltas: RollupRows): Promise<void> {
    const keys = this.dimNames.map(quoteIdentifier).join(', ');
    const sums = this.sumNames
      .map(quoteIdentifier)
      .map((name) => `${name} = target.${name} + EXCLUDED.${name}`)
      .join(', ');
    return insertRows(
      client,
      physicalTable(tables, this.table),
      this.columns,
      [...deltas.values()],
      `ON CONFLICT (${keys}) DO UPDATE SET ${sums}`,
    );
  }

  /** A bulk load's totals, written whole at each flush. */
  staged(): StagedRollup {
    return new StagedRollup(this, new StagedRows(new Map(), this.columns, this.dimNames));
  }
}

/** A rollup's totals as a bulk load adds them up across batches. */
export class StagedRollup {
  constructor(
    private readonly rollup: Rollup,
    private readonly staged: StagedRows<RollupRow>,
  ) {}

  merge(deltas: RollupRows): void {
    for (const [key, delta] of deltas) {
      this.rollup.add(this.staged.rows, delta.dims, delta.sums);
      this.staged.touch(key);
    }
  }

  flush(client: pg.ClientBase, tables: TableNames): Promise<void> {
    return this.staged.flush(client, physicalTable(tables, this.rollup.table));
  }
}
