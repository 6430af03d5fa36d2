import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { withTransaction } from '../../src/infrastructure/database/transaction.js';
import { type TestDatabase, createTestDatabase } from '../support/test-database.js';

class WorkFailed extends Error {}

describe('withTransaction on PostgreSQL', () => {
  let database: TestDatabase;
  let pool: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: 2 });
    await pool.query('CREATE TABLE rows_written (id integer PRIMARY KEY)');
  });
  beforeEach(async () => {
    await pool.query('DELETE FROM rows_written');
  });
  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  async function written(): Promise<number[]> {
    const { rows } = await pool.query<{ id: number }>('SELECT id FROM rows_written ORDER BY id');
    return rows.map((row) => row.id);
  }

  it('commits what the work wrote, in one transaction', async () => {
    const result = await withTransaction(pool, async (client) => {
      await client.query('INSERT INTO rows_written VALUES (1), (2)');
      // Not yet visible to others: it is one transaction.
      expect(await written()).toEqual([]);
      return 'done';
    });
    expect(result).toBe('done');
    expect(await written()).toEqual([1, 2]);
  });

  it('rolls back everything the work wrote when it fails, and rethrows its error', async () => {
    const failure = new WorkFailed('no');
    await expect(
      withTransaction(pool, async (client) => {
        await client.query('INSERT INTO rows_written VALUES (1)');
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await written()).toEqual([]);
  });

  it('fails, writing nothing, when the work swallowed a failed statement', async () => {
    await expect(
      withTransaction(pool, async (client) => {
        await client.query('INSERT INTO rows_written VALUES (1)');
        await client.query('INSERT INTO rows_written VALUES (1)').catch(() => undefined);
      }),
    ).rejects.toThrow('COMMIT answered ROLLBACK');
    expect(await written()).toEqual([]);
  });

  it('closes a connection whose ROLLBACK failed instead of returning it to the pool', async () => {
    const released: (Error | undefined)[] = [];
    const onRelease = (error: Error | undefined): void => void released.push(error);
    pool.on('release', onRelease);
    const failure = new WorkFailed('no');
    try {
      await expect(
        withTransaction(pool, async (client) => {
          await client.query('INSERT INTO rows_written VALUES (1)');
          // The server ends this session: the ROLLBACK that follows cannot be sent.
          await client
            .query('SELECT pg_terminate_backend(pg_backend_pid())')
            .catch(() => undefined);
          throw failure;
        }),
      ).rejects.toBe(failure);
    } finally {
      pool.off('release', onRelease);
    }
    expect(released).toHaveLength(1);
    expect(released[0]).toBeInstanceOf(Error);
    expect(await written()).toEqual([]);
    // The pool goes on with a new connection.
    await withTransaction(pool, (client) => client.query('INSERT INTO rows_written VALUES (2)'));
    expect(await written()).toEqual([2]);
  });
});
