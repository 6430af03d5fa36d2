import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import {
  type ElectedWork,
  LeaderElection,
  type LeaderTimings,
} from '../../src/infrastructure/leadership/leader-election.js';
import { type TestDatabase, createTestDatabase } from '../support/test-database.js';

const TIMINGS: LeaderTimings = {
  heartbeatMs: 100,
  heartbeatTimeoutMs: 1_000,
  retryMs: 200,
  sessionIdleTimeoutMs: 10_000,
};
/** Retry (jittered up to 1.5 x) plus a connection and a query, on a loaded machine. */
const TAKEOVER_BOUND_MS = 5_000;

let database: TestDatabase;
let pool: pg.Pool;
beforeAll(async () => {
  database = await createTestDatabase();
  pool = createPool({ connectionString: database.url, max: 2 });
});
afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

/** Work that only records whether it runs. */
function recordingWork(): ElectedWork & { running: boolean; starts: number } {
  const work = {
    running: false,
    starts: 0,
    start() {
      work.running = true;
      work.starts++;
    },
    async stop() {
      work.running = false;
    },
  };
  return work;
}

function election(name: string, work: ElectedWork): LeaderElection {
  return new LeaderElection(name, { connectionString: database.url }, work, TIMINGS);
}

/** The server pid of the session holding the advisory lock `name`. */
async function holderPid(name: string): Promise<number | undefined> {
  const { rows } = await pool.query<{ pid: number }>(
    `SELECT l.pid FROM pg_locks l
     WHERE l.locktype = 'advisory' AND l.granted
       AND l.objid = (hashtext($1)::bigint & 4294967295)::oid`,
    [name],
  );
  return rows[0]?.pid;
}

describe('leader election on an advisory lock', () => {
  it('runs the work in one process, and a standby takes over when the leader session dies', async () => {
    const name = 'test-leader:takeover';
    const [firstWork, secondWork] = [recordingWork(), recordingWork()];
    const first = election(name, firstWork);
    const second = election(name, secondWork);
    try {
      first.start();
      await expect.poll(() => first.leading, { timeout: TAKEOVER_BOUND_MS }).toBe(true);
      second.start();
      // Several of the standby's tries: it stays a standby while the leader lives.
      await new Promise((resolve) => setTimeout(resolve, 5 * TIMINGS.retryMs));
      expect([firstWork.running, secondWork.running]).toEqual([true, false]);

      const pid = await holderPid(name);
      expect(pid).toBeDefined();
      const killedAt = Date.now();
      await pool.query('SELECT pg_terminate_backend($1)', [pid]);
      await expect
        .poll(() => secondWork.running, { timeout: TAKEOVER_BOUND_MS, interval: 20 })
        .toBe(true);
      const takeoverMs = Date.now() - killedAt;
      // The deposed leader stopped its work when its heartbeat failed.
      await expect.poll(() => firstWork.running, { timeout: TAKEOVER_BOUND_MS }).toBe(false);
      expect(takeoverMs).toBeLessThan(TAKEOVER_BOUND_MS);
      expect(second.leading).toBe(true);
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    expect([firstWork.running, secondWork.running]).toEqual([false, false]);
  });

  it('hands the lead over on stop, which releases the lock', async () => {
    const name = 'test-leader:handover';
    const [firstWork, secondWork] = [recordingWork(), recordingWork()];
    const first = election(name, firstWork);
    const second = election(name, secondWork);
    try {
      first.start();
      await expect.poll(() => first.leading, { timeout: TAKEOVER_BOUND_MS }).toBe(true);
      second.start();
      await first.stop();
      expect(firstWork.running).toBe(false);
      await expect.poll(() => secondWork.running, { timeout: TAKEOVER_BOUND_MS }).toBe(true);
      expect(await holderPid(name)).toBeDefined();
    } finally {
      await Promise.all([first.stop(), second.stop()]);
    }
    expect(await holderPid(name)).toBeUndefined();
  });

  it('stands by again after losing its session, and leads again once the lock is free', async () => {
    const name = 'test-leader:again';
    const work = recordingWork();
    const alone = election(name, work);
    try {
      alone.start();
      await expect.poll(() => work.running, { timeout: TAKEOVER_BOUND_MS }).toBe(true);
      await pool.query('SELECT pg_terminate_backend($1)', [await holderPid(name)]);
      await expect.poll(() => work.starts, { timeout: TAKEOVER_BOUND_MS }).toBe(2);
      expect(alone.leading).toBe(true);
    } finally {
      await alone.stop();
    }
  });
});
