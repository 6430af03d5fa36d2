import { join } from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { type Column, type Dataset, type ExportFormat } from './export-datasets.js';

/** A value of one staged cell, as DuckDB's appender takes it. */
export type Cell = bigint | number | string | null;

/** How each format is written: one file per dataset, day and segment. */
const FORMATS: Readonly<Record<ExportFormat, { extension: string; copyOptions: string }>> = {
  parquet: {
    extension: 'parquet',
    copyOptions: 'FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1',
  },
  ndjson: { extension: 'ndjson', copyOptions: 'FORMAT json' },
  csv: { extension: 'csv', copyOptions: 'FORMAT csv, HEADER true' },
};

export function extensionOf(format: ExportFormat): string {
  return FORMATS[format].extension;
}

/**
 * DuckDB's own memory for staged rows; past it, it spills to the staging folder. With one
 * segment staged at a time on each of two connections, this keeps the process's memory
 * flat however long the log. (128MB served one connection; two ran out of it mid-segment
 * on the bench's log: the rows being parsed and written cannot be spilled.)
 */
const DUCKDB_MEMORY_LIMIT = '192MB';

export interface StagedFile {
  readonly dataset: Dataset['name'];
  /** `YYYY-MM-DD`: the day partition; null for a dataset written whole. */
  readonly date: string | null;
  /** Where it is staged. */
  readonly path: string;
  /** Its name in its day's folder: `<dataset>-<segment>.<extension>`. */
  readonly fileName: string;
  readonly rows: number;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** A SQL string literal. */
export const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;

// Times and the views' wide integers are staged as text and cast on the way out: the
// appender takes text, and PostgreSQL hands them over as text.
const castOnTheWayOut = (column: Column): boolean =>
  column.type === 'TIMESTAMPTZ' || column.type === 'HUGEINT';
export const stagedType = (column: Column): string =>
  castOnTheWayOut(column) ? 'VARCHAR' : column.type;
const selected = (column: Column): string =>
  castOnTheWayOut(column) ? `${column.name}::${column.type} AS ${column.name}` : column.name;

function appendCell(appender: DuckDBAppender, column: Column, value: Cell): void {
  if (value === null) return appender.appendNull();
  switch (column.type) {
    case 'UBIGINT':
      return appender.appendUBigInt(value as bigint);
    case 'BIGINT':
      return appender.appendBigInt(value as bigint);
    case 'INTEGER':
      return appender.appendInteger(value as number);
    case 'UTINYINT':
      return appender.appendUTinyInt(value as number);
    case 'VARCHAR':
    case 'HUGEINT':
    case 'TIMESTAMPTZ':
      return appender.appendVarchar(value as string);
  }
}

/** Where the rows of each dataset's `staged_<dataset>` relation come from. */
export type StagingMode =
  /** Appended row by row (append), written out sorted by the dataset's order. */
  | 'appended'
  /**
   * Relations the caller defines itself, whose rows are already in the dataset's order:
   * written out as they stand (sorting wide rows again costs more than all the rest).
   * Beside each, `staged_<dataset>_days` (date, rows): its days and how many rows each,
   * counted where the caller can count them cheaply (grouping the wide relation itself
   * cost an eighth of a segment's time in DuckDB).
   */
  | 'relations';

/**
 * Rows of one segment staged in an in-process DuckDB, then written out day by day, each
 * day's rows in log order: one thread, explicit order and names chosen by the caller, so
 * the same rows always give the same bytes.
 */
export class DuckDbStaging {
  private readonly appenders = new Map<Dataset['name'], DuckDBAppender>();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly datasets: readonly Dataset[],
    private readonly mode: StagingMode,
    /** The first staging of an instance owns it; those from `another` share it. */
    private readonly ownsInstance = true,
  ) {}

  static async open(
    datasets: readonly Dataset[],
    spillDirectory: string,
    mode: StagingMode = 'appended',
  ): Promise<DuckDbStaging> {
    const instance = await DuckDBInstance.create(':memory:', {
      threads: '1',
      // Written out as staged, the rows must come back in the order they were staged in.
      preserve_insertion_order: 'true',
      memory_limit: DUCKDB_MEMORY_LIMIT,
      temp_directory: spillDirectory,
      autoinstall_known_extensions: 'false',
    });
    const connection = await instance.connect();
    const staging = new DuckDbStaging(instance, connection, datasets, mode);
    if (mode === 'relations') return staging;
    for (const dataset of datasets) {
      const columns = dataset.columns.map((c) => `${c.name} ${stagedType(c)}`).join(', ');
      await connection.run(`CREATE TABLE staged_${dataset.name} (${columns}, date VARCHAR)`);
    }
    await staging.openAppenders();
    return staging;
  }

  /**
   * A second connection to the same database, for relations staged beside this one's (each
   * connection's TEMP tables and views are its own). With one thread set, DuckDB runs each
   * statement on the thread that issued it, and each connection issues from a thread of
   * its own: two connections stage two segments at once, on two cores. Its close() leaves
   * the database to this one's.
   */
  async another(): Promise<DuckDbStaging> {
    if (this.mode !== 'relations') throw new Error('only staged relations can share a database');
    const connection = await this.instance.connect();
    return new DuckDbStaging(this.instance, connection, this.datasets, this.mode, false);
  }

  private async openAppenders(): Promise<void> {
    for (const dataset of this.datasets) {
      this.appenders.set(
        dataset.name,
        await this.connection.createAppender(`staged_${dataset.name}`),
      );
    }
  }

  /** Runs a statement on the staging database (tables of the caller's own, beside the stage). */
  async run(sql: string, values?: Parameters<DuckDBConnection['run']>[1]): Promise<void> {
    await this.connection.run(sql, values);
  }

  /** A query's rows as plain JS values. */
  async rows<T extends unknown[]>(sql: string): Promise<T[]> {
    return (await this.connection.runAndReadAll(sql)).getRowsJS() as T[];
  }

  /** `date` is the row's day partition (ignored for a dataset written whole). */
  append(dataset: Dataset, date: string, row: readonly Cell[]): void {
    const appender = this.appenders.get(dataset.name)!;
    dataset.columns.forEach((column, index) => appendCell(appender, column, row[index]!));
    appender.appendVarchar(date);
    appender.endRow();
  }

  /**
   * Writes the staged rows of every dataset into `directory`, one file per day named
   * after the dataset and `baseName`, and empties the stage.
   */
  async writeOut(directory: string, baseName: string, format: ExportFormat): Promise<StagedFile[]> {
    for (const appender of this.appenders.values()) appender.closeSync();
    this.appenders.clear();
    const files: StagedFile[] = [];
    for (const dataset of this.datasets)
      files.push(...(await this.writeDataset(dataset, directory, baseName, format)));
    if (this.mode === 'relations') return files;
    for (const dataset of this.datasets)
      await this.connection.run(`DELETE FROM staged_${dataset.name}`);
    await this.openAppenders();
    return files;
  }

  private async writeDataset(
    dataset: Dataset,
    directory: string,
    baseName: string,
    format: ExportFormat,
  ): Promise<StagedFile[]> {
    const table = `staged_${dataset.name}`;
    const days = await this.connection.runAndReadAll(
      this.mode === 'relations'
        ? `SELECT date, rows FROM ${table}_days ORDER BY date`
        : dataset.partitioned
          ? `SELECT date, count(*)::INTEGER AS rows FROM ${table} GROUP BY date ORDER BY date`
          : `SELECT NULL AS date, count(*)::INTEGER AS rows FROM ${table}`,
    );
    const files: StagedFile[] = [];
    const columns = dataset.columns.map(selected).join(', ');
    for (const [date, rows] of days.getRowsJS() as [string | null, number][]) {
      if (date !== null && !DATE.test(date)) {
        throw new Error(`an event's day is not a date: ${JSON.stringify(date)}`);
      }
      const fileName = `${dataset.name}-${baseName}.${extensionOf(format)}`;
      const path = join(directory, `${date ?? 'whole'}-${fileName}`);
      const where = date === null ? '' : `WHERE date = ${quote(date)}`;
      const order = this.mode === 'appended' ? `ORDER BY ${dataset.orderBy}` : '';
      await this.connection.run(
        `COPY (SELECT ${columns} FROM ${table} ${where} ${order}) ` +
          `TO ${quote(path)} (${FORMATS[format].copyOptions})`,
      );
      files.push({ dataset: dataset.name, date, path, fileName, rows });
    }
    return files;
  }

  close(): void {
    for (const appender of this.appenders.values()) appender.closeSync();
    this.appenders.clear();
    this.connection.closeSync();
    if (this.ownsInstance) this.instance.closeSync();
  }
}
