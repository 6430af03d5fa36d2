import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { type EventToAppend } from '../../src/event-store/event-store.port.js';
import { type Position, START } from '../../src/event-store/position.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/** Short idle rechecks, so that a test sees several of them. */
const RECHECK_MS = 40;

function anEvent(): EventToAppend {
  return { id: randomUUID(), type: 'Counted.v1', data: {}, metadata: {} };
}

/**
 * How the PostgreSQL store's waitForEvents spends queries: an idle follower (read a
 * page, find it empty, wait) must cost one read per idle recheck, and a horizon held by
 * a long append must not turn followers into a loop of looks.
 */
describe('PostgreSQL store: waiting for events', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let store: PostgresEventStore;
  /** The SQL of every pool.query the store sent. */
  let sent: string[];

  beforeEach(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: 6 });
    await migrate(pool, MIGRATIONS);
    store = new PostgresEventStore(pool);
    sent = [];
    const query = pool.query.bind(pool);
    // The store's statements are named (prepared per connection): a config, not a string.
    vi.spyOn(pool, 'query').mockImplementation(((
      statement: string | pg.QueryConfig,
      values?: unknown[],
    ) => {
      sent.push(typeof statement === 'string' ? statement : statement.text);
      return query(statement as string, values);
    }) as typeof pool.query);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await store.close();
    await pool.end();
    await database.drop();
  });

  const looks = (): number => sent.filter((sql) => sql.includes('AS readable')).length;

  /** A follower's idle rounds: wait (up to the recheck), then read a page. */
  async function idleRounds(after: Position, rounds: number): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      await store.waitForEvents(after, RECHECK_MS);
      expect(await store.readAll({ after })).toEqual([]);
    }
  }

  // Regression: every wait first asked the database whether anything was readable, so an
  // idle follower sent two statements per recheck (its read and that look).
  it('looks once while idle, then only the follower reads on each recheck', async () => {
    await idleRounds(START, 5);
    expect(looks()).toBe(1);
  });

  it('finds an event whose NOTIFY never came on the next recheck, then looks again', async () => {
    await idleRounds(START, 2);
    const looksBefore = looks();
    // Appended behind the store's back: no wake in this process, no NOTIFY.
    await pool.query(
      `SELECT last_revision FROM ledger_append('quiet-1', 'any', NULL, $1::uuid[],
         ARRAY['Counted.v1'], ARRAY['{}'::jsonb], ARRAY['{}'::jsonb])`,
      [[randomUUID()]],
    );
    await store.waitForEvents(START, RECHECK_MS);
    await expect.poll(async () => (await store.readAll()).length, { timeout: 10_000 }).toBe(1);
    const [event] = await store.readAll();
    // What the read found past the quiet position makes the next wait look again.
    await store.waitForEvents(event!.position, RECHECK_MS);
    expect(looks()).toBe(looksBefore + 1);
  });

  it('wakes an idle waiter at once on an append here or in another process', async () => {
    await idleRounds(START, 2);
    const other = new PostgresEventStore(pool);
    try {
      for (const appender of [store, other]) {
        const head = await store.headPosition();
        const startedMs = performance.now();
        const waiting = store.waitForEvents(head, 30_000);
        await appender.appendToStream(`wake-${randomUUID()}`, [anEvent()], {
          expectedRevision: 'any',
        });
        await waiting;
        // Well short of the 30 s recheck: woken by the append (or its NOTIFY).
        expect(performance.now() - startedMs).toBeLessThan(10_000);
      }
    } finally {
      await other.close();
    }
  });

  it('backs off while an older append holds the horizon, and reads once it ends', async () => {
    const older = await pool.connect();
    let waits = 0;
    try {
      // An appender mid-append: its transaction holds back every later one's events.
      await older.query('BEGIN');
      await older.query(
        `SELECT * FROM ledger_append('slow-1', 'any', NULL, $1::uuid[], ARRAY['Slow.v1'],
           ARRAY['{}'::jsonb], ARRAY['{}'::jsonb])`,
        [[randomUUID()]],
      );
      await store.appendToStream('held-1', [anEvent()], { expectedRevision: 'any' });
      const untilMs = performance.now() + 600;
      while (performance.now() < untilMs) {
        await store.waitForEvents(START, 30_000);
        waits++;
      }
      await older.query('COMMIT');
    } finally {
      older.release();
    }
    // A wait doubling from 2 ms to 50 ms: about 16 looks in 600 ms (a fixed 2 ms: 150+).
    expect(waits).toBeGreaterThan(3);
    expect(waits).toBeLessThan(30);
    await store.waitForEvents(START, 30_000);
    expect((await store.readAll()).map((event) => event.streamId)).toEqual(['slow-1', 'held-1']);
  });

  /** Appends `count` one-event transactions, each committed alone: a log of many tx ids. */
  async function appendTransactions(count: number): Promise<void> {
    await pool.query(`DO $$ BEGIN
        FOR i IN 1..${count} LOOP
          PERFORM ledger_append('many-' || i, 'any', NULL, ARRAY[gen_random_uuid()],
            ARRAY['Counted.v1'], ARRAY['{}'::jsonb], ARRAY['{}'::jsonb]);
          COMMIT;
        END LOOP;
      END $$`);
    await pool.query('ANALYZE ledger_events');
  }

  /** Rows the connection's sequential scans read from the log (its own stats, flushed). */
  async function logRowsScanned(client: pg.Pool): Promise<number> {
    await client.query('SELECT pg_stat_force_next_flush()');
    const { rows } = await client.query<{ scanned: string }>(
      `SELECT seq_tup_read AS scanned FROM pg_stat_user_tables WHERE relname = 'ledger_events'`,
    );
    return Number(rows[0]!.scanned);
  }

  // Regression: both looks were EXISTS over a row comparison, which PostgreSQL's planner
  // prices as a match every few rows, so it read the log from its start, all of it when
  // nothing was held (875 rows a command in a 20,000-deposit run, growing with the log).
  it('looks past a position through the log index, in generic and custom plans', async () => {
    await appendTransactions(3_000);
    const one = createPool({ connectionString: database.url, max: 1 });
    const onOne = new PostgresEventStore(one);
    try {
      const nearEnd = (await onOne.readAll({ after: START, maxCount: 2_990 })).at(-1)!.position;
      for (const mode of ['force_generic_plan', 'force_custom_plan']) {
        await one.query(`SET plan_cache_mode = ${mode}`);
        const before = await logRowsScanned(one);
        for (let i = 0; i < 6; i++) {
          await onOne.waitForEvents(nearEnd, 30_000);
          expect(await onOne.hasEventsBeyondHorizon(nearEnd)).toBe(false);
        }
        expect(await logRowsScanned(one), mode).toBeLessThan(before + 100);
      }
    } finally {
      await onOne.close();
      await one.end();
    }
  });

  // The statements on every command's and follower's path were sent unnamed, so the
  // server parsed and planned each one every time.
  it('prepares its hot statements once per connection, by name', async () => {
    const one = createPool({ connectionString: database.url, max: 1 });
    const onOne = new PostgresEventStore(one);
    try {
      for (let i = 0; i < 3; i++) {
        const stream = `prepared-${randomUUID()}`;
        await onOne.appendToStream(stream, [anEvent()], { expectedRevision: 'no_stream' });
        await onOne.readStream(stream);
        await onOne.readAll({ after: START, maxCount: 10 });
      }
      const { rows } = await one.query<{ name: string }>(
        'SELECT name FROM pg_prepared_statements ORDER BY name',
      );
      expect(rows.map((row) => row.name)).toEqual([
        'ledger_append',
        'ledger_read_all',
        'ledger_read_stream',
      ]);
    } finally {
      await onOne.close();
      await one.end();
    }
  });
});
