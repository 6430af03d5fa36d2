import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { type TestApp, startTestApp } from '../support/test-app.js';
import { type TestDatabase, createTestDatabase } from '../support/test-database.js';
import { LedgerClient, TEST_MARKET, TEST_SAGAS } from '../sagas/support/saga-test-kit.js';
import { DEPOSIT } from './graphql-operations.js';

/**
 * An app with nothing to do must wait on its wake-ups (LISTEN/NOTIFY, the store's
 * signal, the next due time), not poll the database: every follower and scheduler then
 * costs one look a second at most, a few transactions a second in all.
 *
 * PostgreSQL reports a backend's transaction counts up to 10 s late while it sits idle
 * (PGSTAT_IDLE_INTERVAL; at once when it ends), and the pool closes connections idle for
 * 10 s: the startup's own transactions (migrations, first reads) would land in a window
 * that opened sooner, so the app settles past both before the count starts.
 */
const SETTLE_MS = 12_000;
const WINDOW_MS = 5_000;
const MAX_IDLE_TRANSACTIONS_PER_SECOND = 5;

const ACCOUNT = `query ($id: ID!, $consistency: ConsistencyInput) {
  account(id: $id, consistency: $consistency) { balance } }`;

let database: TestDatabase;
let ledger: TestApp;
/** On the server's maintenance database: its own queries do not count in the app's. */
let monitor: pg.Client;

beforeAll(async () => {
  database = await createTestDatabase();
  monitor = new pg.Client({ connectionString: inject('pgServerUrl') });
  await monitor.connect();
  ledger = await startTestApp(
    { databaseUrl: database.url, projectionsEnabled: true, sagas: TEST_SAGAS },
    { market: TEST_MARKET },
  );
});
afterAll(async () => {
  await ledger?.close();
  await monitor?.end();
  await database?.drop();
});

/** Transactions the app's database has committed or rolled back, as last reported. */
async function transactions(): Promise<number> {
  // A fresh read: a backend keeps the counters it read until its transaction ends.
  await monitor.query('SELECT pg_stat_clear_snapshot()');
  const { rows } = await monitor.query<{ count: string }>(
    `SELECT (xact_commit + xact_rollback)::text AS count FROM pg_stat_database WHERE datname = $1`,
    [database.name],
  );
  return Number(rows[0]!.count);
}

describe('an idle app', () => {
  it(
    `runs under ${MAX_IDLE_TRANSACTIONS_PER_SECOND} transactions a second, and still reacts at once`,
    { timeout: 90_000 },
    async () => {
      await sleep(SETTLE_MS);
      const before = await transactions();
      const startedMs = performance.now();
      await sleep(WINDOW_MS);
      const after = await transactions();
      const perSecond = (after - before) / ((performance.now() - startedMs) / 1_000);
      expect(perSecond).toBeLessThan(MAX_IDLE_TRANSACTIONS_PER_SECOND);

      // The wake-ups still work after the quiet: a deposit is read back consistently,
      // and an order placed now is worked through to its end.
      const client = new LedgerClient(ledger);
      const accountId = await client.openFundedAccount('1000.00');
      const deposit = await client.mutate(DEPOSIT, {
        accountId,
        amount: '25.00',
        reference: 'after the quiet',
      });
      const read = await ledger.gql<{ account: { balance: string } }>(ACCOUNT, {
        id: accountId,
        consistency: { atLeast: deposit.position, timeoutMs: 5_000 },
      });
      expect(read.errors).toBeUndefined();
      expect(read.data?.account.balance).toBe('1025.00');

      const orderId = await client.placeOrder({
        accountId,
        side: 'BUY',
        type: 'MARKET',
        instrument: 'AAPL',
        quantity: '1',
      });
      expect((await client.finalOrder(orderId)).status).toBe('COMPLETED');
    },
  );
});
