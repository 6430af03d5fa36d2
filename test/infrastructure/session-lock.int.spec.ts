import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { withSessionLock } from '../../src/infrastructure/database/session-lock.js';
import { type TestDatabase, createTestDatabase } from '../support/test-database.js';

class Busy extends Error {}

describe('withSessionLock on PostgreSQL', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  /** Another session, as another process would hold or try the same locks. */
  let other: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: 2 });
    other = createPool({ connectionString: database.url, max: 1 });
  });
  afterAll(async () => {
    await other?.end();
    await pool?.end();
    await database?.drop();
  });

  /** Whether another session could take the lock on `name` (given back at once if it could). */
  async function freeElsewhere(name: string): Promise<boolean> {
    const client = await other.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock(hashtext($1)) AS locked',
        [name],
      );
      if (rows[0]!.locked) await client.query('SELECT pg_advisory_unlock(hashtext($1))', [name]);
      return rows[0]!.locked;
    } finally {
      client.release();
    }
  }

  /** Whether the lock on `name` comes free within a few seconds (a closed session ends server-side shortly after). */
  async function freedSoon(name: string): Promise<boolean> {
    for (let attempt = 0; attempt < 50; attempt++) {
      if (await freeElsewhere(name)) return true;
      await sleep(100);
    }
    return false;
  }

  it('holds the lock for the work alone, under the same key as SQL that hashes the name', async () => {
    const during = await withSessionLock(pool, ['test-lock:held'], () =>
      freeElsewhere('test-lock:held'),
    );
    expect(during).toBe(false);
    expect(await freeElsewhere('test-lock:held')).toBe(true);
  });

  it('takes a numeric key as the key itself', async () => {
    const during = await withSessionLock(pool, [7_318_245_999n], async () => {
      const client = await other.connect();
      try {
        const { rows } = await client.query<{ locked: boolean }>(
          'SELECT pg_try_advisory_lock(7318245999) AS locked',
        );
        return rows[0]!.locked;
      } finally {
        client.release();
      }
    });
    expect(during).toBe(false);
  });

  it('releases the lock when the work fails', async () => {
    await expect(
      withSessionLock(pool, ['test-lock:failing'], async () => {
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await freeElsewhere('test-lock:failing')).toBe(true);
  });

  it('fails with onBusy when another session holds a tried lock, and keeps none of the others', async () => {
    const holder = await other.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(hashtext($1))', ['test-lock:b']);
      await expect(
        withSessionLock(pool, ['test-lock:a', 'test-lock:b'], async () => 'ran', {
          onBusy: (index) => new Busy(`busy ${index}`),
        }),
      ).rejects.toThrow(new Busy('busy 1'));
      await holder.query('SELECT pg_advisory_unlock(hashtext($1))', ['test-lock:b']);
    } finally {
      holder.release();
    }
    expect(await freeElsewhere('test-lock:a')).toBe(true);
  });

  it('closes a connection that could not unlock, which frees its lock, instead of pooling it', async () => {
    const released: (Error | undefined)[] = [];
    const onRelease = (error: Error | undefined): void => void released.push(error);
    pool.on('release', onRelease);
    try {
      await withSessionLock(pool, ['test-lock:stuck'], async (session) => {
        // Left in a failed transaction, the session answers every statement with an error,
        // the unlock included.
        await session.client.query('BEGIN');
        await session.client.query('SELECT 1 / 0').catch(() => undefined);
      });
    } finally {
      pool.off('release', onRelease);
    }
    expect(released).toHaveLength(1);
    expect(released[0]).toBeInstanceOf(Error);
    expect(await freedSoon('test-lock:stuck')).toBe(true);
  });
});
