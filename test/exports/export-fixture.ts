import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type pg from 'pg';
import {
  HistoryGenerator,
  defaultHistoryOptions,
} from '../../test-kit/trading-history.generator.js';
import { loadHistory } from '../../test-kit/history-loader.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import { type ExportCommand } from '../../src/exports/export-manifest.js';

export const TEST_COMMAND: ExportCommand = {
  source: 'cli',
  request: 'export (test)',
  commandId: null,
  userId: null,
};

/** Loads a seeded trading history of at least `events` events into the log. */
export async function loadTradingLog(pool: pg.Pool, events: number, seed = 7): Promise<void> {
  const generator = new HistoryGenerator(
    seededRandom(seed, 'exports'),
    defaultHistoryOptions(events),
  );
  await loadHistory(pool, generator, events);
}

export function temporaryDirectory(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'ledger-export-'));
}

export async function removeDirectory(path: string): Promise<void> {
  await rm(path, { recursive: true, force: true });
}

/** Every file below `root`, relative, sorted. */
export async function filesBelow(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(root.length + 1))
    .sort();
}

export async function bytesOf(root: string): Promise<Map<string, Buffer>> {
  const files = (await filesBelow(root)).filter((path) => !path.startsWith('_manifests'));
  return new Map(
    await Promise.all(files.map(async (path) => [path, await readFile(join(root, path))] as const)),
  );
}

/** Runs one query over the exported files with a DuckDB of its own; rows as plain JS values. */
export async function queryExport<T>(sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** `read_parquet` over a dataset of an export directory, with the day as a column. */
export const parquetOf = (directory: string, dataset: string): string =>
  `read_parquet('${directory}/${dataset}/*/*.parquet', hive_partitioning = true)`;
