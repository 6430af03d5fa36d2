import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { DATABASE_POOL } from '../../src/infrastructure/database/database.tokens.js';
import { type CommandResultData, DEPOSIT, OPEN_ACCOUNT } from '../e2e/graphql-operations.js';
import { type GraphQLResponse, useTestApp } from '../support/test-app.js';
import { PROJECTION_NAMES } from '../../src/shared/view-tables.js';

const PROJECTIONS = `query { projections { name position lagEvents status parked } }`;
const ACCOUNT = `query ($id: ID!, $consistency: ConsistencyInput) {
  account(id: $id, consistency: $consistency) { id name balance available status }
}`;
const REBUILD = `mutation ($input: RebuildProjectionInput!) {
  rebuildProjection(input: $input) {
    projection swapped position eventsApplied seconds
    parity { table equal liveRows shadowRows liveChecksum shadowChecksum }
  }
}`;
const REBUILD_ALL = `mutation {
  rebuildAllProjections {
    projection swapped position eventsApplied seconds
    parity { table equal liveRows shadowRows liveChecksum shadowChecksum }
  }
}`;
const REPLAY = `mutation ($input: ReplayParkedEventsInput!) {
  replayParkedEvents(input: $input) { replayed failed }
}`;
const RESTART = `mutation ($input: RestartProjectionInput!) { restartProjection(input: $input) }`;
const PARKED = `query ($projection: String) {
  parkedEvents(projection: $projection) {
    id projection position eventId eventType streamId error attempts parkedAt
  }
}`;

interface ProjectionRow {
  name: string;
  position: string;
  lagEvents: number | null;
  status: string;
  parked: number;
}
interface RebuildReportData {
  projection: string;
  swapped: boolean;
  position: string;
  eventsApplied: number;
  seconds: number;
  parity: {
    table: string;
    equal: boolean;
    liveRows: number;
    shadowRows: number;
    liveChecksum: string;
    shadowChecksum: string;
  }[];
}
interface AccountData {
  id: string;
  name: string;
  balance: string;
  available: string;
  status: string;
}

const CATCH_UP_TIMEOUT_MS = 30_000;

// The embedded default, projectors running in the app.
const ledger = useTestApp();

function data<T>(response: GraphQLResponse, name: string): T {
  expect(response.errors).toBeUndefined();
  return (response.data as Record<string, T>)[name]!;
}

function codeOf(response: GraphQLResponse): string | undefined {
  expect(response.errors, 'expected an error').toBeDefined();
  return response.errors![0]!.extensions?.code;
}

async function command(mutation: string, input: object, name: string): Promise<CommandResultData> {
  return data<CommandResultData>(await ledger.gql(mutation, { input }), name);
}

async function openAccount(name: string): Promise<string> {
  return (
    await command(OPEN_ACCOUNT, { customerId: 'admin-e2e', name, currency: 'USD' }, 'openAccount')
  ).id;
}

async function deposit(accountId: string, amount: string): Promise<CommandResultData> {
  return command(DEPOSIT, { accountId, amount, reference: 'admin-e2e' }, 'depositFunds');
}

/** Polls the `projections` query until every projector has applied the whole log. */
async function waitUntilCaughtUp(): Promise<ProjectionRow[]> {
  const deadline = Date.now() + CATCH_UP_TIMEOUT_MS;
  for (;;) {
    const rows = data<ProjectionRow[]>(await ledger.gql(PROJECTIONS), 'projections');
    if (rows.length > 0 && rows.every((row) => row.lagEvents === 0)) return rows;
    if (Date.now() > deadline) throw new Error(`projectors not caught up: ${JSON.stringify(rows)}`);
    await sleep(50);
  }
}

async function account(id: string, atLeast?: string): Promise<AccountData> {
  const consistency = atLeast === undefined ? undefined : { atLeast };
  return data<AccountData>(await ledger.gql(ACCOUNT, { id, consistency }), 'account');
}

describe('projection admin over GraphQL', () => {
  it('rebuilds accounts blue/green: swapped, parity equal, and the view keeps answering and following', async () => {
    const first = await openAccount('first');
    const second = await openAccount('second');
    await deposit(first, '100.00');
    await deposit(first, '0.50');
    await deposit(second, '7.25');
    const caughtUp = await waitUntilCaughtUp();
    expect(caughtUp.find((row) => row.name === 'accounts')?.status).toBe('running');

    const report = data<RebuildReportData>(
      await ledger.gql(REBUILD, { input: { name: 'accounts' } }),
      'rebuildProjection',
    );
    expect(report.projection).toBe('accounts');
    expect(report.swapped).toBe(true);
    // Two opens and three deposits at least (other tests' writes may come on top).
    expect(report.eventsApplied).toBeGreaterThanOrEqual(5);
    expect(report.seconds).toBeGreaterThanOrEqual(0);
    expect(report.position).toMatch(/^\d+\.\d+$/);
    expect(report.parity.map((table) => table.table).sort()).toEqual([
      'view_account_statements',
      'view_accounts',
    ]);
    for (const table of report.parity) {
      expect(table).toMatchObject({ equal: true, liveRows: table.shadowRows });
      expect(table.liveChecksum).toBe(table.shadowChecksum);
    }
    expect(report.parity.find((table) => table.table === 'view_accounts')?.liveRows).toBe(2);

    // The swapped-in tables answer as the old ones did...
    expect(await account(first)).toMatchObject({
      id: first,
      name: 'first',
      balance: '100.50',
      available: '100.50',
      status: 'OPEN',
    });
    expect(await account(second)).toMatchObject({ balance: '7.25' });

    // ...and the live projector keeps writing into them.
    const later = await deposit(first, '9.50');
    expect(await account(first, later.position)).toMatchObject({ balance: '110.00' });
    const third = await openAccount('third');
    const opened = await deposit(third, '1.00');
    expect(await account(third, opened.position)).toMatchObject({ name: 'third', balance: '1.00' });

    // A rebuild of every view, in one pass over the grown log, agrees with the live copies.
    await waitUntilCaughtUp();
    const all = data<RebuildReportData[]>(await ledger.gql(REBUILD_ALL), 'rebuildAllProjections');
    expect(all.map((report) => report.projection).sort()).toEqual([...PROJECTION_NAMES].sort());
    for (const report of all) {
      expect(report.swapped).toBe(true);
      expect(report.parity.every((table) => table.equal)).toBe(true);
    }
    expect(await account(first)).toMatchObject({ balance: '110.00' });
  });

  it('answers NOT_FOUND for a projection it does not have', async () => {
    const input = { name: 'no-such-projection' };
    expect(codeOf(await ledger.gql(REBUILD, { input }))).toBe('NOT_FOUND');
    expect(codeOf(await ledger.gql(REPLAY, { input }))).toBe('NOT_FOUND');
    expect(codeOf(await ledger.gql(RESTART, { input }))).toBe('NOT_FOUND');
    expect(codeOf(await ledger.gql(PARKED, { projection: 'no-such-projection' }))).toBe(
      'NOT_FOUND',
    );
    const response = await ledger.gql(REBUILD, { input });
    expect(response.errors![0]!.message).toContain('no-such-projection');
  });

  it('refuses an empty or over-long name as VALIDATION_FAILED, naming the field', async () => {
    for (const name of ['', 'x'.repeat(65)]) {
      const response = await ledger.gql(REBUILD, { input: { name } });
      expect(codeOf(response)).toBe('VALIDATION_FAILED');
      expect(response.errors![0]!.extensions?.fields?.map((f) => f.field)).toContain('name');
    }
    const parked = await ledger.gql(PARKED, { projection: '' });
    expect(codeOf(parked)).toBe('VALIDATION_FAILED');
  });

  it('lists no parked events, replays none, and restarts a running projector', async () => {
    expect(data<unknown[]>(await ledger.gql(PARKED), 'parkedEvents')).toEqual([]);
    expect(
      data<unknown[]>(await ledger.gql(PARKED, { projection: 'accounts' }), 'parkedEvents'),
    ).toEqual([]);
    expect(
      data<unknown>(
        await ledger.gql(REPLAY, { input: { name: 'accounts' } }),
        'replayParkedEvents',
      ),
    ).toEqual({ replayed: 0, failed: 0 });
    expect(
      data<boolean>(
        await ledger.gql(RESTART, { input: { name: 'accounts' } }),
        'restartProjection',
      ),
    ).toBe(true);
    const rows = await waitUntilCaughtUp();
    expect(rows.find((row) => row.name === 'accounts')).toMatchObject({
      status: 'running',
      parked: 0,
    });
  });

  it('refuses a rebuild while another admin operation holds the projection (any process)', async () => {
    // Another process's rebuild or replay holds this session lock for its whole run.
    const pool = ledger.app.get<pg.Pool>(DATABASE_POOL);
    const holder = await pool.connect();
    try {
      await holder.query("SELECT pg_advisory_lock(hashtext('ledger-projection-admin:' || $1))", [
        'accounts',
      ]);
      const busy = await ledger.gql(REBUILD, { input: { name: 'accounts' } });
      expect(codeOf(busy)).toBe('CONCURRENCY_CONFLICT');
      expect(busy.errors![0]!.message).toMatch(/rebuild or replay of projection accounts/);
      expect(codeOf(await ledger.gql(REPLAY, { input: { name: 'accounts' } }))).toBe(
        'CONCURRENCY_CONFLICT',
      );
      // Other projections are not held.
      expect(
        data<unknown>(
          await ledger.gql(REPLAY, { input: { name: 'orders' } }),
          'replayParkedEvents',
        ),
      ).toEqual({ replayed: 0, failed: 0 });
    } finally {
      await holder.query("SELECT pg_advisory_unlock(hashtext('ledger-projection-admin:' || $1))", [
        'accounts',
      ]);
      holder.release();
    }
    const report = data<RebuildReportData>(
      await ledger.gql(REBUILD, { input: { name: 'accounts' } }),
      'rebuildProjection',
    );
    expect(report.swapped).toBe(true);
  });

  it('lists a parked event with its details, and counts a replay that cannot find it as failed', async () => {
    // Stands in for an event the orders projector gave up on: its id is in no stream,
    // so a replay cannot find it and leaves it parked.
    const pool = ledger.app.get<pg.Pool>(DATABASE_POOL);
    const eventId = randomUUID();
    await pool.query(
      `INSERT INTO ledger_projection_parked
         (projection, commit_position, prepare_position, event_id, event_type, stream_id, error, attempts)
       VALUES ('orders', 42, 7, $1, 'OrderPlaced.v1', 'order-missing', 'TypeError: boom\nat line 1', 5)`,
      [eventId],
    );
    const expected = {
      projection: 'orders',
      position: '42.7',
      eventId,
      eventType: 'OrderPlaced.v1',
      streamId: 'order-missing',
      error: 'TypeError: boom\nat line 1',
      attempts: 5,
    };
    const all = data<Record<string, unknown>[]>(await ledger.gql(PARKED), 'parkedEvents');
    expect(all).toEqual([expect.objectContaining(expected)]);
    expect(all[0]!.id).toMatch(/^\d+$/);
    expect(new Date(all[0]!.parkedAt as string).getTime()).not.toBeNaN();
    expect(
      data<unknown[]>(await ledger.gql(PARKED, { projection: 'accounts' }), 'parkedEvents'),
    ).toEqual([]);

    expect(
      data<unknown>(await ledger.gql(REPLAY, { input: { name: 'orders' } }), 'replayParkedEvents'),
    ).toEqual({ replayed: 0, failed: 1 });
    expect(
      data<unknown[]>(await ledger.gql(PARKED, { projection: 'orders' }), 'parkedEvents'),
    ).toEqual([expect.objectContaining(expected)]);
  });
});
