import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import {
  both,
  createPipelinedPool,
  independently,
  isPipelined,
} from '../../src/infrastructure/database/pipelined-connection.js';
import { type TestDatabase, createTestDatabase } from '../support/test-database.js';

describe('a pipelined connection', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let pipelined: pg.Pool;

  beforeAll(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: 2 });
    pipelined = createPipelinedPool(pool.options);
    await pool.query('CREATE TABLE rows_written (id integer PRIMARY KEY)');
  });
  afterAll(async () => {
    await pipelined.end();
    await pool.end();
    await database.drop();
  });

  async function written(): Promise<number[]> {
    const { rows } = await pool.query<{ id: number }>('SELECT id FROM rows_written ORDER BY id');
    return rows.map((row) => row.id);
  }

  it('runs independent statements together, in the order they were issued', async () => {
    const client = await pipelined.connect();
    try {
      expect(isPipelined(client)).toBe(true);
      await client.query('BEGIN');
      await independently(client, [
        () => client.query('INSERT INTO rows_written VALUES (1)'),
        () => client.query('INSERT INTO rows_written VALUES (2)'),
      ]);
      // The second read sees the first statement's row: they ran in order.
      const [before, after] = await both(
        client,
        () => client.query('INSERT INTO rows_written VALUES (3) RETURNING id'),
        () => client.query<{ n: string }>('SELECT count(*)::text AS n FROM rows_written'),
      );
      expect(before.rows).toEqual([{ id: 3 }]);
      expect(after.rows).toEqual([{ n: '3' }]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    expect(await written()).toEqual([1, 2, 3]);
  });

  it('fails the transaction when one of them fails, and COMMIT then rolls back', async () => {
    const client = await pipelined.connect();
    try {
      await client.query('BEGIN');
      await expect(
        independently(client, [
          () => client.query('INSERT INTO rows_written VALUES (10)'),
          () => client.query('INSERT INTO rows_written VALUES (1)'),
          () => client.query('INSERT INTO rows_written VALUES (11)'),
        ]),
      ).rejects.toThrow(/duplicate key/);
      // What a projector checks: an aborted transaction answers COMMIT with ROLLBACK.
      expect((await client.query('COMMIT')).command).toBe('ROLLBACK');
    } finally {
      client.release();
    }
    expect(await written()).toEqual([1, 2, 3]);
  });

  it('runs them one after another on an ordinary connection', async () => {
    const client = await pool.connect();
    const order: number[] = [];
    try {
      expect(isPipelined(client)).toBe(false);
      await independently(client, [
        async () => {
          await client.query('SELECT pg_sleep(0.05)');
          order.push(1);
        },
        async () => {
          order.push(2);
          await client.query('SELECT 1');
        },
      ]);
    } finally {
      client.release();
    }
    expect(order).toEqual([1, 2]);
  });
});
