import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comparePositions, decodePosition } from '../../src/event-store/position.js';
import { READ_DATABASE_POOL } from '../../src/infrastructure/database/database.tokens.js';
import { type ReadPool } from '../../src/infrastructure/database/read-pool.js';
import { DEPOSIT, OPEN_ACCOUNT } from '../e2e/graphql-operations.js';
import { type StreamingReplica, startStreamingReplica } from '../support/streaming-replica.js';
import {
  type GraphQLResponse,
  type TestApp,
  bearerFor,
  startTestApp,
  temporaryDataDir,
} from '../support/test-app.js';

const ACCOUNT = `query ($id: ID!, $consistency: ConsistencyInput) {
  account(id: $id, consistency: $consistency) { id balance }
}`;

interface AccountRead {
  readonly balance: string;
  readonly position: string;
  readonly stale: boolean;
  readonly tookMs: number;
}

let cluster: StreamingReplica;
let ledger: TestApp;
let dataDir: Awaited<ReturnType<typeof temporaryDataDir>>;
let primary: pg.Client;
let replica: pg.Client;

beforeAll(async () => {
  cluster = await startStreamingReplica();
  dataDir = await temporaryDataDir();
  ledger = await startTestApp({
    dataDir: dataDir.dir,
    databaseUrl: cluster.primaryUrl,
    readReplica: { url: cluster.replicaUrl },
  });
  // The app migrated the primary: the replica has the tables once it has replayed that.
  await cluster.caughtUp();
  primary = new pg.Client(cluster.primaryUrl);
  replica = new pg.Client(cluster.replicaUrl);
  await Promise.all([primary.connect(), replica.connect()]);
}, 60_000);

afterAll(async () => {
  await replica?.query('SELECT pg_wal_replay_resume()').catch(() => undefined);
  await Promise.all([primary?.end(), replica?.end()]);
  await ledger?.close();
  await dataDir?.remove();
  await cluster?.stop();
});

async function command(
  mutation: string,
  input: Record<string, unknown>,
): Promise<{ id: string; position: string }> {
  const response = await ledger.gql<Record<string, { id: string; position: string }>>(mutation, {
    input,
  });
  expect(response.errors).toBeUndefined();
  return Object.values(response.data!)[0]!;
}

async function openAccount(customerId: string): Promise<string> {
  return (await command(OPEN_ACCOUNT, { customerId, name: 'replica', currency: 'USD' })).id;
}

async function deposit(accountId: string, amount: string): Promise<string> {
  return (await command(DEPOSIT, { accountId, amount, reference: randomUUID() })).position;
}

async function readAccount(
  id: string,
  consistency?: { atLeast: string; timeoutMs: number },
): Promise<AccountRead> {
  const started = Date.now();
  const response = (await ledger.gql(ACCOUNT, { id, consistency })) as GraphQLResponse<{
    account: { balance: string };
  }> & { extensions?: { consistency?: { position: string; stale: boolean } } };
  expect(response.errors).toBeUndefined();
  return {
    balance: response.data!.account.balance,
    position: response.extensions!.consistency!.position,
    stale: response.extensions!.consistency!.stale,
    tookMs: Date.now() - started,
  };
}

function atLeast(position: string, token: string): boolean {
  return comparePositions(decodePosition(position)!, decodePosition(token)!) >= 0;
}

/** The primary's own row of the account view: what a read on the primary would answer. */
async function primaryBalanceMinor(id: string): Promise<string | undefined> {
  const { rows } = await primary.query<{ balance: string }>(
    'SELECT balance_minor::text AS balance FROM view_accounts WHERE account_id = $1',
    [id],
  );
  return rows[0]?.balance;
}

async function replicaLagSeconds(): Promise<number | undefined> {
  const response = await ledger.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: await bearerFor('ops', ['admin']) },
  });
  const line = response.body
    .split('\n')
    .find((text) => text.startsWith('ledger_read_replica_lag_seconds '));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

describe('queries on a streaming replica (DATABASE_READ_URL)', () => {
  it('reads through a pool on the replica', () => {
    const reads = ledger.app.get<ReadPool>(READ_DATABASE_POOL);
    expect(reads.replica).toBe(true);
    expect(reads.pool.options.connectionString).toBe(cluster.replicaUrl);
  });

  it("answers a consistent read from the replica once it has replayed the command's position", async () => {
    const accountId = await openAccount('c-1');
    const token = await deposit(accountId, '12.50');
    const read = await readAccount(accountId, { atLeast: token, timeoutMs: 10_000 });
    expect(read).toMatchObject({ balance: '12.50', stale: false });
    expect(atLeast(read.position, token)).toBe(true);
  });

  it('waits on the replica while its replay is paused, answers stale at the timeout, and answers once replay resumes', async () => {
    const accountId = await openAccount('c-2');
    const before = await deposit(accountId, '1.00');
    await readAccount(accountId, { atLeast: before, timeoutMs: 10_000 });
    await cluster.caughtUp();

    await replica.query('SELECT pg_wal_replay_pause()');
    const token = await deposit(accountId, '2.00');
    // The primary's projector has applied the deposit: a read there would see it.
    await expect.poll(() => primaryBalanceMinor(accountId), { timeout: 10_000 }).toBe('300');

    const stale = await readAccount(accountId, { atLeast: token, timeoutMs: 1_000 });
    expect(stale.stale).toBe(true);
    expect(stale.balance).toBe('1.00');
    expect(atLeast(stale.position, before)).toBe(true);
    expect(atLeast(stale.position, token)).toBe(false);
    expect(stale.tookMs).toBeGreaterThanOrEqual(950);
    // What the primary sent and the replica has not replayed shows as lag.
    expect(await replicaLagSeconds()).toBeGreaterThan(0);

    const waiting = readAccount(accountId, { atLeast: token, timeoutMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const resumedAt = Date.now();
    await replica.query('SELECT pg_wal_replay_resume()');
    const fresh = await waiting;
    expect(fresh).toMatchObject({ balance: '3.00', stale: false });
    expect(atLeast(fresh.position, token)).toBe(true);
    expect(fresh.tookMs).toBeGreaterThanOrEqual(500);
    // Polled with backoff up to a quarter of a second, not the full timeout.
    expect(Date.now() - resumedAt).toBeLessThan(5_000);

    await cluster.caughtUp();
    expect(await replicaLagSeconds()).toBe(0);
  });
});
