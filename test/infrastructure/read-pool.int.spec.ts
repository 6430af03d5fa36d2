import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { ReadPool, isRecoveryConflict } from '../../src/infrastructure/database/read-pool.js';
import { type StreamingReplica, startStreamingReplica } from '../support/streaming-replica.js';

/**
 * Long enough for the primary's lock to reach the replica while the read still runs, on a
 * loaded machine too: 0.6 s was not always (seen in CI, the read ended first).
 */
const READ = 'SELECT count(*)::integer AS n FROM conflicted, pg_sleep(3)';

let cluster: StreamingReplica;
let primary: pg.Client;
/** Watches the replica: the reads under test run on readerPool alone. */
let replicaPool: pg.Pool;
let readerPool: pg.Pool;

beforeAll(async () => {
  // Replay waits for a conflicting read this long before it cancels it (default 30 s).
  cluster = await startStreamingReplica({
    replicaSettings: { max_standby_streaming_delay: "'50ms'" },
  });
  primary = new pg.Client(cluster.primaryUrl);
  await primary.connect();
  await primary.query('CREATE TABLE conflicted (x integer); INSERT INTO conflicted VALUES (1)');
  await cluster.caughtUp();
  replicaPool = createPool({ connectionString: cluster.replicaUrl, max: 2 });
  readerPool = createPool({ connectionString: cluster.replicaUrl, max: 2 });
}, 60_000);

afterEach(() => {
  vi.restoreAllMocks();
});

afterAll(async () => {
  await readerPool?.end();
  await replicaPool?.end();
  await primary?.end();
  await cluster?.stop();
});

/**
 * Runs `read` on the replica and, while it runs, takes an ACCESS EXCLUSIVE lock on its
 * table on the primary: replaying that lock conflicts with the read.
 */
async function readDuringConflict<T>(read: () => Promise<T>): Promise<T> {
  const reading = read();
  // The read has its table's lock once it shows as active on the replica.
  await expect
    .poll(
      async () =>
        (
          await replicaPool.query(
            `SELECT 1 FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(3)%'
             AND pid <> pg_backend_pid()`,
          )
        ).rowCount,
      { timeout: 5_000, interval: 10 },
    )
    .toBe(1);
  await primary.query('BEGIN; LOCK TABLE conflicted IN ACCESS EXCLUSIVE MODE; COMMIT');
  return reading;
}

describe('reads on a hot standby cancelled by a recovery conflict', () => {
  it('fail with an error the classifier knows, when read once', async () => {
    const attempts = vi.spyOn(readerPool, 'query');
    const once = new ReadPool(readerPool, false);
    const error: unknown = await readDuringConflict(() => once.query(READ)).then(
      () => undefined,
      (failure: unknown) => failure,
    );
    expect(error).toMatchObject({ code: '40001' });
    expect((error as Error).message).toMatch(/conflict with recovery/);
    expect(isRecoveryConflict(error)).toBe(true);
    expect(attempts).toHaveBeenCalledTimes(1);
  });

  it('are retried by the replica read pool and answer', async () => {
    const attempts = vi.spyOn(readerPool, 'query');
    const reads = new ReadPool(readerPool, true);
    const { rows } = await readDuringConflict(() => reads.query<{ n: number }>(READ));
    expect(rows).toEqual([{ n: 1 }]);
    // The first attempt was cancelled: the answer came from a retry.
    expect(attempts.mock.settledResults).toMatchObject([
      { type: 'rejected', value: { code: '40001' } },
      { type: 'fulfilled' },
    ]);
  });
});
