import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type pg from 'pg';
import { randomUUID } from 'node:crypto';
import { type EventStore } from '../../src/event-store/event-store.port.js';
import { type Currency } from '../../src/domain/money.js';
import { customerCash, transfer } from '../../src/domain/ledger.js';
import { encodeEvent } from '../../src/events/event-codec.js';
import { accountStream } from '../../src/events/stream-names.js';
import { type DomainEvent } from '../../src/events/event-catalog.js';
import { type Position, comparePositions } from '../../src/event-store/position.js';
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

/** How long a test waits for the log's readable head to reach an append it made. */
const HEAD_TIMEOUT_MS = 10_000;

/**
 * Waits until readers of the log see `position`: headPosition() answers below the reading
 * horizon, which any transaction on the server just taking its id or ending holds back
 * for a moment, and an export runs up to the head as readers see it.
 */
export async function waitForHead(store: EventStore, position: Position): Promise<void> {
  const deadline = Date.now() + HEAD_TIMEOUT_MS;
  while (comparePositions(await store.headPosition(), position) < 0) {
    if (Date.now() > deadline) throw new Error('the log head did not reach the append in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The metadata of an event appended by a test. */
function testMetadata(occurredAt: string): Record<string, string> {
  const id = randomUUID();
  return { correlationId: id, causationId: id, commandId: id, userId: 'test', occurredAt };
}

/** Appends events to a stream through the port; answers the last one's position. */
export async function appendEvents(
  store: EventStore,
  streamId: string,
  events: readonly DomainEvent[],
  occurredAt: string,
): Promise<Position> {
  const { position } = await store.appendToStream(
    streamId,
    events.map((event) => ({
      id: randomUUID(),
      ...encodeEvent(event),
      metadata: testMetadata(occurredAt),
    })),
    { expectedRevision: 'any' },
  );
  return position;
}

export function deposit(accountId: string, amountMinor: bigint): DomainEvent {
  return {
    type: 'FundsDeposited',
    data: {
      paymentId: randomUUID(),
      amountMinor,
      reference: 'test',
      postings: transfer('external-bank', customerCash(accountId), amountMinor),
    },
  };
}

/** Opens an account (and deposits into it, given an amount) after what the log holds. */
export async function appendAccount(
  store: EventStore,
  currency: Currency,
  depositMinor?: bigint,
  occurredAt = new Date().toISOString(),
): Promise<{ accountId: string; position: Position }> {
  const accountId = randomUUID();
  const opened: DomainEvent = {
    type: 'AccountOpened',
    data: { accountId, customerId: 'c-test', name: 'Test', currency },
  };
  const events = depositMinor === undefined ? [opened] : [opened, deposit(accountId, depositMinor)];
  return {
    accountId,
    position: await appendEvents(store, accountStream(accountId), events, occurredAt),
  };
}
