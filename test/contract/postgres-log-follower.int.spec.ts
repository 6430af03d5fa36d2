import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { type RecordedEvent } from '../../src/event-store/event-store.port.js';
import { START, comparePositions } from '../../src/event-store/position.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { inTransaction } from '../support/in-transaction.js';

const WRITERS = 16;
const APPENDS_PER_WRITER = 150;

/** A follower that delivers nothing for this long has stalled (or skipped an event). */
const STALL_MS = 30_000;

describe('PostgreSQL log follower', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let store: PostgresEventStore;

  beforeEach(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: WRITERS + 4 });
    await migrate(pool, MIGRATIONS);
    store = new PostgresEventStore(pool);
  });
  /** The horizon and the appenders announced in pg_locks, for a stalled follower's report. */
  async function describeHorizon(): Promise<string> {
    const { rows } = await pool.query<{ horizon: string; snapshot: string; locks: unknown }>(
      `SELECT ledger_read_horizon(pg_current_snapshot())::text AS horizon,
              pg_current_snapshot()::text AS snapshot,
              (SELECT json_agg(l) FROM pg_locks l
                WHERE l.locktype IN ('advisory', 'transactionid')) AS locks`,
    );
    return JSON.stringify(rows[0]);
  }

  afterEach(async () => {
    await store.close();
    await pool.end();
    await database.drop();
  });

  it(
    `sees every event exactly once, in order, while ${WRITERS} writers append concurrently`,
    { timeout: 150_000 },
    async () => {
      const subscription = store.subscribeToAll({ after: START, batchSize: 64 });
      const expected = new Set<string>();
      const seen: RecordedEvent[] = [];
      let writersDone = false;

      const writing = (async () => {
        await Promise.all(
          Array.from({ length: WRITERS }, async (_, writer) => {
            for (let i = 0; i < APPENDS_PER_WRITER; i++) {
              // Batches of 1-3 events: sequence values are taken per row, commits land in any order.
              const batch = Array.from({ length: 1 + (i % 3) }, () => ({
                id: randomUUID(),
                type: 'Counted.v1',
                data: { writer, i },
                metadata: {},
              }));
              for (const e of batch) expected.add(e.id);
              await store.appendToStream(`counter-${writer}-${i % 10}`, batch, {
                expectedRevision: 'any',
              });
            }
          }),
        );
        writersDone = true;
        // The follower may have delivered the last event before the flag was set: it then
        // waits for more that never come (the loop's own check runs only on a delivery).
        if (seen.length >= expected.size) void subscription.close();
      })();

      // A follower that skipped an event would otherwise wait for it until the test's
      // timeout: one that delivers nothing for STALL_MS is stopped and the horizon shown.
      let lastDelivery = Date.now();
      let stalled: string | undefined;
      const watchdog = setInterval(() => {
        if (Date.now() - lastDelivery < STALL_MS || stalled !== undefined) return;
        stalled = 'pending';
        void describeHorizon().then((state) => {
          stalled = state;
          void subscription.close();
        });
      }, 1_000);
      try {
        for await (const event of subscription) {
          lastDelivery = Date.now();
          seen.push(event);
          if (writersDone && seen.length >= expected.size) break;
        }
      } finally {
        clearInterval(watchdog);
      }
      await writing;
      await subscription.close();
      const missing = [...expected].filter((id) => !seen.some((event) => event.id === id));
      expect(stalled, `${missing.length} events never delivered; ${stalled}`).toBeUndefined();

      const ids = seen.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(expected.size);
      expect(ids.every((id) => expected.has(id))).toBe(true);
      for (let i = 1; i < seen.length; i++) {
        expect(comparePositions(seen[i - 1]!.position, seen[i]!.position)).toBeLessThan(0);
      }
      // Each stream's events arrive in revision order.
      const lastRevision = new Map<string, bigint>();
      for (const event of seen) {
        const previous = lastRevision.get(event.streamId) ?? -1n;
        expect(event.revision).toBe(previous + 1n);
        lastRevision.set(event.streamId, event.revision);
      }
    },
  );

  // Regression: an appender's new xid is in snapshots a moment before its lock is in
  // pg_locks, and the horizon once let such an xid pass as a non-appender, so readers
  // skipped its events. Now only xids proven not to be appending (and still running after
  // the proof) let the horizon pass; this is the last step of that rule.
  it('lets the horizon pass only transactions proven not to be appending', async () => {
    const horizon = async (snapshot: string, notAppending: string[]): Promise<string> => {
      const { rows } = await pool.query<{ horizon: string }>(
        'SELECT ledger_horizon_of($1::pg_snapshot, $2::xid[])::text AS horizon',
        [snapshot, notAppending],
      );
      return rows[0]!.horizon;
    };
    expect(await horizon('100:110:100,104,107', [])).toBe('100');
    expect(await horizon('100:110:100,104,107', ['104'])).toBe('100');
    expect(await horizon('100:110:100,104,107', ['100', '104'])).toBe('107');
    expect(await horizon('100:110:100,104,107', ['100', '104', '107'])).toBe('110');
    expect(await horizon('110:110:', [])).toBe('110');
  });

  /** Starts an append in a transaction of its own and leaves it open: an appender mid-append. */
  async function openAppend(client: pg.PoolClient, streamId: string): Promise<void> {
    await client.query('BEGIN');
    await client.query(
      `SELECT * FROM ledger_append($1, 'any', NULL, $2::uuid[], $3::text[], $4::jsonb[], $5::jsonb[])`,
      [streamId, [randomUUID()], ['Slow.v1'], ['{}'], ['{}']],
    );
  }

  const appendOne = (streamId: string, type: string) =>
    store.appendToStream(streamId, [{ id: randomUUID(), type, data: {}, metadata: {} }], {
      expectedRevision: 'any',
    });

  it('holds back events behind a running older append, then delivers them in order', async () => {
    const older = await pool.connect();
    try {
      await openAppend(older, 'slow-1');
      await appendOne('fast-1', 'Fast.v1');
      // The newer, committed event is not readable while the older append runs.
      expect(await store.readAll()).toEqual([]);
      expect(await store.hasEventsBeyondHorizon(START)).toBe(true);
      await older.query('COMMIT');
    } finally {
      older.release();
    }
    expect((await store.readAll()).map((e) => e.type)).toEqual(['Slow.v1', 'Fast.v1']);
  });

  it('lets a backend killed mid-append neither stall readers nor make them skip', async () => {
    const doomed = await pool.connect();
    doomed.on('error', () => undefined);
    const pid = (await doomed.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!
      .pid;
    await openAppend(doomed, 'doomed-1');
    await appendOne('after-1', 'After.v1');
    expect(await store.readAll()).toEqual([]);
    await pool.query('SELECT pg_terminate_backend($1)', [pid]);
    doomed.release(true);
    // Its transaction is rolled back with it: the later event is readable, the doomed one never.
    await expect
      .poll(async () => (await store.readAll()).map((e) => e.type), { timeout: 5_000 })
      .toEqual(['After.v1']);
    await appendOne('after-2', 'After.v1');
    expect((await store.readAll()).map((e) => e.streamId)).toEqual(['after-1', 'after-2']);
  });

  it('is not held back by a writing transaction that is not an append, here or in another database', async () => {
    const other = await createTestDatabase();
    const otherPool = createPool({ connectionString: other.url, max: 1 });
    const sameDatabase = await pool.connect();
    const otherDatabase = await otherPool.connect();
    try {
      await sameDatabase.query('BEGIN');
      await sameDatabase.query('CREATE TABLE long_writer (n int)');
      await sameDatabase.query('INSERT INTO long_writer VALUES (1)');
      await otherDatabase.query('BEGIN');
      await otherDatabase.query('CREATE TABLE long_writer (n int)');
      await appendOne('during-1', 'During.v1');
      // Polled: a transaction of another test's database that ends between a read's
      // snapshot and its look at who is still running holds that one read back (it might
      // have been an appender); the writers held open here must not hold it back at all.
      await expect
        .poll(
          async () => ({
            read: (await store.readAll()).map((e) => e.streamId),
            held: await store.hasEventsBeyondHorizon(START),
          }),
          { timeout: 5_000 },
        )
        .toEqual({ read: ['during-1'], held: false });
      const head = await store.headPosition();
      expect(head).not.toEqual(START);
    } finally {
      await sameDatabase.query('ROLLBACK');
      await otherDatabase.query('ROLLBACK');
      sameDatabase.release();
      otherDatabase.release();
      await otherPool.end();
      await other.drop();
    }
  });

  it('refuses a write to the log that does not go through ledger_append', async () => {
    await expect(
      pool.query(
        `INSERT INTO ledger_events (event_id, stream_id, revision, type, data, metadata)
         VALUES ($1, 'sneaky-1', 0, 'Sneaky.v1', '{}', '{}')`,
        [randomUUID()],
      ),
    ).rejects.toThrow(/through ledger_append only/);
    const writer = await pool.connect();
    try {
      await writer.query('BEGIN');
      await writer.query('CREATE TABLE written_first (n int)');
      await expect(
        writer.query(
          `SELECT * FROM ledger_append('late-1', 'any', NULL, $1::uuid[], '{Late.v1}', '{"{}"}', '{"{}"}')`,
          [[randomUUID()]],
        ),
      ).rejects.toThrow(/before any other write/);
      await writer.query('ROLLBACK');
    } finally {
      writer.release();
    }
  });

  // Regression: the text alias of tx_id once shadowed the column in ORDER BY, so
  // transaction 1000 sorted before 999 and a follower skipped events.
  it('orders transaction ids numerically across a change in digit count', async () => {
    // Rows of long-finished transactions, written as a bulk loader does.
    await inTransaction(pool, async (client) => {
      await client.query("SET LOCAL ledger.appending = 'on'");
      for (const txId of ['999', '1000', '99']) {
        await client.query(
          `INSERT INTO ledger_events (tx_id, event_id, stream_id, revision, type, data, metadata)
           VALUES ($1::xid8, $2, $3, 0, 'Old.v1', '{}', '{}')`,
          [txId, randomUUID(), `old-${txId}`],
        );
      }
    });
    const all = await store.readAll();
    expect(all.map((e) => e.position.commit)).toEqual([99n, 999n, 1000n]);
    const afterFirstTwo = await store.readAll({ after: all[1]!.position });
    expect(afterFirstTwo.map((e) => e.streamId)).toEqual(['old-1000']);
    expect((await store.headPosition()).commit).toBe(1000n);
  });
});
