import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { comparePositions, encodePosition } from '../../src/event-store/position.js';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { CheckpointsRepository } from '../../src/projections/engine/checkpoints.repository.js';
import { ParkedEventsRepository } from '../../src/projections/engine/parked-events.repository.js';
import { DEFAULT_RETRY, ProjectionRunner } from '../../src/projections/engine/projection-runner.js';
import { VIEW_PROJECTIONS } from '../../src/projections/views/index.js';
import {
  checkpointRows,
  compareTables,
  liveTables,
  positionOf,
  shadowTables,
} from '../projections/projection-tables.js';
import { type AppProcess, killAppProcesses, startAppProcess } from '../support/app-process.js';
import { lastLoggedPosition } from '../support/log-head.js';
import { type TestDatabase, createTestDatabase } from '../support/test-database.js';
import { type CommandResultData, DEPOSIT, OPEN_ACCOUNT } from './graphql-operations.js';

/**
 * Two app processes on one PostgreSQL (the test server, in a database of this file's
 * own): one leads the projectors, the other stands by. The leader is SIGKILLed, or frozen
 * with SIGSTOP, while a batch of its projectors is open (its transaction holds the
 * checkpoint rows) and while commands keep coming in; the survivor must take the lead
 * within the bound, no checkpoint may ever move back, and at the end every view must
 * equal a clean fold of the log with each event counted exactly once. A frozen leader's
 * sessions stay open: the server ends them (idle_session_timeout on the lock's session,
 * idle_in_transaction_session_timeout on the batch's), and the survivor must bring the
 * views to the head while the frozen one still sleeps; woken, it must stand by.
 */
const TAKEOVER_BOUND_MS = { SIGKILL: 10_000, SIGSTOP: 20_000 } as const;
const ACCOUNTS = 8;
const CLIENTS = 6;
/** Small batches: many of them, so that the kill lands inside one. */
const BATCH_SIZE = '20';
const MID_BATCH_WAIT_MS = 20_000;
const CATCH_UP_TIMEOUT_MS = 60_000;
const CLEAN = 'clean';

let database: TestDatabase;
let pool: pg.Pool;
const dataDirs: string[] = [];
// A database per test: the clean fold's shadow tables and checkpoints start from nothing.
beforeEach(async () => {
  database = await createTestDatabase();
  pool = createPool({ connectionString: database.url, max: 4 });
});
afterEach(async () => {
  await killAppProcesses();
  await pool?.end();
  await database?.drop();
  await Promise.all(dataDirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function startReplica(): Promise<AppProcess> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ledger-replica-'));
  dataDirs.push(dataDir);
  return startAppProcess({
    DATABASE_URL: database.url,
    LEDGER_DATA_DIR: dataDir,
    LEDGER_PROJECTION_BATCH_SIZE: BATCH_SIZE,
    LEDGER_DB_POOL_SIZE: '8',
  });
}

async function leaderOf(
  replicas: readonly AppProcess[],
  group: string,
  boundMs: number = TAKEOVER_BOUND_MS.SIGKILL,
): Promise<AppProcess> {
  const deadline = Date.now() + boundMs;
  while (Date.now() < deadline) {
    for (const replica of replicas) {
      if ((await replica.leaderships()).get(group) === true) return replica;
    }
    await sleep(50);
  }
  throw new Error(`nobody leads ${group}`);
}

/** Every checkpoint's positions as polled: one that moved back is a batch undone or redone. */
function watchCheckpoints(): { regressions: string[]; stop(): Promise<void> } {
  const regressions: string[] = [];
  const last = new Map<string, ReturnType<typeof positionOf>>();
  let watching = true;
  const loop = (async () => {
    while (watching) {
      for (const [name, row] of await checkpointRows(pool)) {
        const before = last.get(name);
        const now = positionOf(row);
        if (before && comparePositions(now, before) < 0) {
          regressions.push(`${name}: ${encodePosition(before)} -> ${encodePosition(now)}`);
        }
        last.set(name, now);
      }
      await sleep(10);
    }
  })();
  return {
    regressions,
    stop: async () => {
      watching = false;
      await loop;
    },
  };
}

/** Deposits from CLIENTS clients to one replica in a loop until stopped; each must succeed. */
function keepDepositing(target: AppProcess, accounts: readonly string[]) {
  let going = true;
  let answered = 0;
  const clients = Array.from({ length: CLIENTS }, async (_, client) => {
    for (let n = 0; going; n++) {
      const accountId = accounts[(client + n) % accounts.length]!;
      const input = { commandId: randomUUID(), accountId, amount: '1.00', reference: `r${n}` };
      const { body } = await target.gql(DEPOSIT, { input });
      expect(body?.errors).toBeUndefined();
      answered++;
    }
  });
  return {
    answered: () => answered,
    stop: async () => {
      going = false;
      await Promise.all(clients);
    },
  };
}

/** Whether a projector batch's transaction is open now: it holds the checkpoint rows FOR UPDATE. */
async function batchOpen(): Promise<boolean> {
  const { rows } = await pool.query<{ open: number }>(
    `SELECT count(*)::int AS open FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
     WHERE l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
       AND c.relname = 'ledger_projection_checkpoints' AND l.mode = 'RowShareLock' AND l.granted`,
  );
  return rows[0]!.open > 0;
}

type Stop = keyof typeof TAKEOVER_BOUND_MS;

async function stopMidBatch(leader: AppProcess, signal: Stop): Promise<boolean> {
  const deadline = Date.now() + MID_BATCH_WAIT_MS;
  while (Date.now() < deadline) {
    if (await batchOpen()) {
      leader.child.kill(signal);
      return true;
    }
  }
  leader.child.kill(signal);
  return false;
}

async function openAccounts(replica: AppProcess): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < ACCOUNTS; i++) {
    const input = { customerId: `c${i}`, name: `n${i}`, currency: 'USD' };
    const { body } = await replica.gql<{ openAccount: CommandResultData }>(OPEN_ACCOUNT, { input });
    ids.push(body!.data!.openAccount.id);
  }
  return ids;
}

async function waitForHead(): Promise<void> {
  const head = await lastLoggedPosition(pool);
  await expect
    .poll(
      async () => {
        const rows = await checkpointRows(pool);
        return VIEW_PROJECTIONS.every((projection) => {
          const row = rows.get(projection.name);
          return row !== undefined && comparePositions(positionOf(row), head) >= 0;
        });
      },
      { timeout: CATCH_UP_TIMEOUT_MS, interval: 100 },
    )
    .toBe(true);
}

/** The views as a runner never stopped builds them from the same log, into shadow tables. */
async function cleanFold() {
  const head = await lastLoggedPosition(pool);
  const bindings = [];
  for (const projection of VIEW_PROJECTIONS) {
    const tables = await shadowTables(pool, projection, CLEAN);
    bindings.push({ projection, checkpointName: `${projection.name}:${CLEAN}`, tables });
  }
  const runner = new ProjectionRunner(
    bindings,
    new PostgresEventStore(pool),
    pool,
    new CheckpointsRepository(pool),
    new ParkedEventsRepository(pool),
    { batchSize: 1_000, retry: DEFAULT_RETRY, onFailure: 'stop' },
  );
  await runner.catchUpTo(new Map(bindings.map((binding) => [binding.checkpointName, head])));
  return bindings;
}

describe('two replicas: one active projector group, taken over when its leader dies', () => {
  it.each(['SIGKILL', 'SIGSTOP'] as const)(
    'moves the lead to the survivor within the bound after %s, and applies no batch twice',
    async (signal) => {
      const first = await startReplica();
      const second = await startReplica();
      const leader = await leaderOf([first, second], 'projections');
      const survivor = leader === first ? second : first;
      expect((await survivor.leaderships()).get('projections')).toBe(false);

      const accounts = await openAccounts(survivor);
      const checkpoints = watchCheckpoints();
      const load = keepDepositing(survivor, accounts);
      await expect.poll(() => load.answered(), { timeout: 30_000 }).toBeGreaterThan(200);
      const midBatch = await stopMidBatch(leader, signal);
      const stoppedAt = Date.now();
      if (signal === 'SIGKILL') expect((await leader.exited).signal).toBe('SIGKILL');

      await leaderOf([survivor], 'projections', TAKEOVER_BOUND_MS[signal]);
      const takeoverMs = Date.now() - stoppedAt;
      const answeredAtTakeover = load.answered();
      await expect
        .poll(() => load.answered(), { timeout: 60_000 })
        .toBeGreaterThan(answeredAtTakeover + 100);
      await load.stop();
      // A frozen leader's open batch no longer holds the checkpoint rows: the views reach
      // the head while it sleeps.
      await waitForHead();
      if (signal === 'SIGSTOP') {
        leader.child.kill('SIGCONT');
        await expect
          .poll(async () => (await leader.leaderships()).get('projections'), { timeout: 30_000 })
          .toBe(false);
        expect((await survivor.leaderships()).get('projections')).toBe(true);
      }
      await checkpoints.stop();
      console.log(
        `projections taken over ${takeoverMs} ms after ${signal} (mid-batch: ${midBatch})`,
      );

      expect(midBatch).toBe(true);
      expect(takeoverMs).toBeLessThan(TAKEOVER_BOUND_MS[signal]);
      expect(checkpoints.regressions).toEqual([]);
      // The saga loop moved with it, whichever replica led it.
      await leaderOf([survivor], 'sagas', TAKEOVER_BOUND_MS[signal]);
      await expectViewsOfCleanFold();

      expect(await survivor.kill('SIGTERM')).toEqual({ code: 0, signal: null });
      if (signal === 'SIGSTOP') await leader.kill('SIGKILL');
    },
    240_000,
  );
});

async function expectViewsOfCleanFold(): Promise<void> {
  const { rows } = await pool.query<{ events: number }>(
    'SELECT count(*)::int AS events FROM ledger_events',
  );
  const events = rows[0]!.events;
  const clean = await cleanFold();
  const checkpoints = await checkpointRows(pool);
  let rowsCompared = 0;
  for (const { projection, tables } of clean) {
    const comparison = await compareTables(pool, liveTables(projection), tables);
    expect(comparison.map(({ table, projected }) => ({ table, projected }))).toEqual(
      comparison.map(({ table, reference }) => ({ table, projected: reference })),
    );
    rowsCompared += comparison.reduce((sum, { reference }) => sum + reference.rows, 0);
    // Each event of the log counted once: a batch applied twice would count its events twice.
    expect({
      projection: projection.name,
      applied: Number(checkpoints.get(projection.name)!.events_applied),
    }).toEqual({ projection: projection.name, applied: events });
  }
  expect(rowsCompared).toBeGreaterThan(ACCOUNTS);
}
