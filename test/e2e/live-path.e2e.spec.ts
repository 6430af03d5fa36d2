import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { SimulatedExchange } from '../../src/market/simulated-exchange.js';
import { loadHistory, startSagasAfterLog } from '../../test-kit/history-loader.js';
import { HistoryGenerator } from '../../test-kit/trading-history.generator.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import { LedgerClient, TEST_MARKET, TEST_SAGAS } from '../sagas/support/saga-test-kit.js';
import { type TestApp, bearerFor, startTestApp } from '../support/test-app.js';
import { type TestDatabase, createTestDatabase } from '../support/test-database.js';
import { type CommandResultData, DEPOSIT, OPEN_ACCOUNT } from './graphql-operations.js';
import { PROJECTION_NAMES } from '../../src/shared/view-tables.js';

/**
 * The live path (commands, projections, sagas, consistent reads) keeps moving while
 * something else holds a long transaction: another database's writer, a writer in the
 * app's own database that is not an append, a blue/green rebuild. Only a running append
 * holds the log's readers back, and the operator can see which one.
 */

const ACCOUNT = `query ($id: ID!, $consistency: ConsistencyInput) {
  account(id: $id, consistency: $consistency) { id balance }
}`;
const HORIZON = `{ projections { name horizonHeldBy { pid database heldMs } } }`;
const REBUILD_ALL = `mutation { rebuildAllProjections { projection swapped } }`;
/** Far above a consistent read's usual few milliseconds, far below the 12 s stalls it replaces. */
const READ_BOUND_MS = 2_000;
/** Events in the log before the rebuild test: enough for a rebuild of several seconds. */
const HISTORY_EVENTS = 20_000;

let database: TestDatabase;
let other: TestDatabase;
let ledger: TestApp;
let client: LedgerClient;

beforeAll(async () => {
  [database, other] = await Promise.all([createTestDatabase(), createTestDatabase()]);
  const pool = createPool({ connectionString: database.url, max: 2 });
  try {
    await migrate(pool, MIGRATIONS);
    const random = seededRandom(13);
    const generator = new HistoryGenerator(random, { tradingAccounts: 300, maxRunning: 64 });
    await loadHistory(pool, generator, HISTORY_EVENTS);
    await startSagasAfterLog(pool);
  } finally {
    await pool.end();
  }
  ledger = await startTestApp(
    { databaseUrl: database.url, sagas: TEST_SAGAS },
    { market: TEST_MARKET },
  );
  client = new LedgerClient(ledger);
  await caughtUp(120_000);
}, 180_000);
afterAll(async () => {
  await ledger?.close();
  await database?.drop();
  await other?.drop();
});

/** Waits (bounded) until every projector has applied the whole log. */
async function caughtUp(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await ledger.gql<{ projections: { lagEvents: number }[] }>(
      '{ projections { lagEvents } }',
    );
    const lags = response.data?.projections.map((p) => p.lagEvents) ?? [];
    if (lags.length > 0 && lags.every((lag) => lag === 0)) return;
    if (Date.now() > deadline) throw new Error(`projections still behind: ${lags.join(', ')}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Deposits into `accountId` and reads the deposit back with its consistency token. */
async function depositAndReadBack(accountId: string): Promise<{ ms: number; stale: boolean }> {
  const written = await client.mutate(DEPOSIT, { accountId, amount: '1.00', reference: 'live' });
  const started = performance.now();
  const response = await ledger.gql<{ account: { balance: string } }>(ACCOUNT, {
    id: accountId,
    consistency: { atLeast: written.position, timeoutMs: 10_000 },
  });
  expect(response.errors).toBeUndefined();
  const stale = (response as { extensions?: { consistency?: { stale?: boolean } } }).extensions
    ?.consistency?.stale;
  return { ms: performance.now() - started, stale: stale !== false };
}

async function openAccount(): Promise<string> {
  const opened: CommandResultData = await client.mutate(OPEN_ACCOUNT, {
    customerId: 'live-path',
    name: 'Live',
    currency: 'USD',
  });
  return opened.id;
}

/** A connection that has begun a transaction and written, and keeps it open. */
async function openWriter(pool: pg.Pool): Promise<pg.PoolClient> {
  const writer = await pool.connect();
  await writer.query('BEGIN');
  await writer.query(`CREATE TABLE long_writer_${randomUUID().replaceAll('-', '')} (n int)`);
  return writer;
}

describe('the live path never stalls', () => {
  it('keeps projections, sagas and consistent reads moving past long writers that are not appends', async () => {
    const elsewhere = createPool({ connectionString: other.url, max: 1 });
    const here = createPool({ connectionString: database.url, max: 1 });
    const writers = [await openWriter(elsewhere), await openWriter(here)];
    try {
      const accountId = await openAccount();
      for (let i = 0; i < 20; i++) {
        const { ms, stale } = await depositAndReadBack(accountId);
        expect(stale).toBe(false);
        expect(ms).toBeLessThan(READ_BOUND_MS);
      }
      const funded = await client.openFundedAccount('1000.00');
      ledger.app.get(SimulatedExchange).setFailureRate(0);
      const orderId = await client.placeOrder({
        accountId: funded,
        side: 'BUY',
        type: 'MARKET',
        instrument: 'AAPL',
        quantity: '1',
      });
      expect((await client.finalOrder(orderId)).status).toBe('COMPLETED');
    } finally {
      for (const writer of writers) {
        await writer.query('ROLLBACK');
        writer.release();
      }
      await elsewhere.end();
      await here.end();
    }
  });

  it('answers consistent reads within the bound while a blue/green rebuild of every view runs', async () => {
    const accountId = await openAccount();
    let rebuilding = true;
    const rebuild = ledger.gql<{ rebuildAllProjections: { swapped: boolean }[] }>(REBUILD_ALL);
    void rebuild.finally(() => (rebuilding = false));
    const reads: { ms: number; stale: boolean }[] = [];
    while (rebuilding) reads.push(await depositAndReadBack(accountId));
    const reports = (await rebuild).data!.rebuildAllProjections;
    expect(reports.map((report) => report.swapped)).toEqual(PROJECTION_NAMES.map(() => true));
    // The rebuild took long enough for reads to overlap it.
    expect(reads.length).toBeGreaterThan(3);
    expect(reads.filter((read) => read.stale)).toEqual([]);
    expect(Math.max(...reads.map((read) => read.ms))).toBeLessThan(READ_BOUND_MS);
  });

  it('shows the append that holds the readers back, in projections and on /metrics', async () => {
    const pool = createPool({ connectionString: database.url, max: 1 });
    const appender = await pool.connect();
    try {
      const pid = (await appender.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!
        .pid;
      await appender.query('BEGIN');
      await appender.query(
        `SELECT * FROM ledger_append('held-1', 'any', NULL, $1::uuid[], '{Held.v1}', '{"{}"}', '{"{}"}')`,
        [[randomUUID()]],
      );
      const held = await ledger.gql<{
        projections: { horizonHeldBy: { pid: number; heldMs: number } | null }[];
      }>(HORIZON);
      expect(held.errors).toBeUndefined();
      for (const projection of held.data!.projections) {
        expect(projection.horizonHeldBy).toMatchObject({ pid });
      }
      const metrics = await ledger.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: await bearerFor('test-admin', ['admin']) },
      });
      expect(metrics.body).toMatch(
        new RegExp(`ledger_log_horizon_held_seconds\\{[^}]*pid="${pid}"[^}]*\\} [0-9.e-]+`),
      );
    } finally {
      await appender.query('ROLLBACK');
      appender.release();
      await pool.end();
    }
    const released = await ledger.gql<{ projections: { horizonHeldBy: unknown }[] }>(HORIZON);
    expect(released.data!.projections.map((p) => p.horizonHeldBy)).toEqual(
      PROJECTION_NAMES.map(() => null),
    );
  });
});
