import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool } from '../../../src/infrastructure/database/create-pool.js';
import { ViewTablesRepository } from '../../../src/projections/engine/view-tables.repository.js';
import { useMigratedDatabase } from '../../support/test-database.js';

/** More rows than any machine reads and hashes, on one core, within REQUEST_TIMEOUT_MS. */
const ROWS = 1_000_000;
/** The pool's statement_timeout, as the app's pool bounds its requests (30 s there). */
const REQUEST_TIMEOUT_MS = 100;

/**
 * A rebuild's statements over a whole view (a shadow turned logged and indexed, both
 * copies fingerprinted) grow with the view: under the pool's statement_timeout, the one
 * that bounds requests, a large view's rebuild failed at its end, every time.
 */
describe("a rebuild's statements over whole view tables", () => {
  const db = useMigratedDatabase();
  let requestPool: pg.Pool;

  beforeAll(async () => {
    await db.pool.query(
      'CREATE TABLE big_view (id bigint PRIMARY KEY, account text NOT NULL, amount bigint NOT NULL)',
    );
    await db.pool.query('CREATE INDEX big_view_account ON big_view (account)');
    await db.pool.query(
      `INSERT INTO big_view SELECT n, 'account-' || (n % 1000), n * 7
       FROM generate_series(1, ${ROWS}) AS n`,
    );
    requestPool = createPool({
      connectionString: db.url,
      max: 2,
      statement_timeout: REQUEST_TIMEOUT_MS,
    });
  });

  afterAll(async () => {
    await requestPool?.end();
  });

  it('are bounded by a timeout of their own, and leave the pool its own', async () => {
    // The view is large enough: one scan of it, as a request, times out.
    const client = await requestPool.connect();
    try {
      await client.query('SET max_parallel_workers_per_gather = 0');
      await expect(
        client.query('SELECT sum(hashtextextended(t::text, 0)) FROM big_view AS t'),
      ).rejects.toThrow(/statement timeout/);
      await client.query('RESET max_parallel_workers_per_gather');
    } finally {
      client.release();
    }

    const tables = new ViewTablesRepository(requestPool);
    const deferred = await tables.createShadow('big_view', 'big_view__shadow');
    await db.pool.query('INSERT INTO big_view__shadow SELECT * FROM big_view');
    await tables.finishShadow(deferred);
    const snapshot = await tables.snapshot();
    try {
      const [live, shadow] = await snapshot.fingerprints('big_view', 'big_view__shadow');
      expect(live.rows).toBe(ROWS);
      expect(shadow).toEqual(live);
    } finally {
      await snapshot.close();
    }

    const clients = await Promise.all([requestPool.connect(), requestPool.connect()]);
    try {
      for (const pooled of clients) {
        const { rows } = await pooled.query<{ statement_timeout: string }>(
          'SHOW statement_timeout',
        );
        expect(rows[0]!.statement_timeout).toBe(`${REQUEST_TIMEOUT_MS}ms`);
      }
    } finally {
      for (const pooled of clients) pooled.release();
    }
  });
});
