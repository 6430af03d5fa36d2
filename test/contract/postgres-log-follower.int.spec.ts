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

const WRITERS = 16;
const APPENDS_PER_WRITER = 150;

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
      })();

      const deadline = Date.now() + 120_000;
      for await (const event of subscription) {
        seen.push(event);
        if (writersDone && seen.length >= expected.size) break;
        if (Date.now() > deadline) break;
      }
      await writing;
      await subscription.close();

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

  it('holds back events behind a running older transaction, then delivers them in order', async () => {
    const older = await pool.connect();
    try {
      await older.query('BEGIN');
      await older.query(
        `INSERT INTO ledger_events (event_id, stream_id, revision, type, data, metadata)
         VALUES ($1, 'slow-1', 0, 'Slow.v1', '{}', '{}')`,
        [randomUUID()],
      );
      await store.appendToStream(
        'fast-1',
        [{ id: randomUUID(), type: 'Fast.v1', data: {}, metadata: {} }],
        {
          expectedRevision: 'any',
        },
      );
      // The newer, committed event is not readable while the older transaction runs.
      expect(await store.readAll()).toEqual([]);
      expect(await store.hasEventsBeyondHorizon(START)).toBe(true);
      await older.query('COMMIT');
    } finally {
      older.release();
    }
    // Other tests' transactions on the same cluster may hold the horizon a moment longer.
    await expect
      .poll(async () => (await store.readAll()).map((e) => e.type), { timeout: 10_000 })
      .toEqual(['Slow.v1', 'Fast.v1']);
  });

  // Regression: the text alias of tx_id once shadowed the column in ORDER BY, so
  // transaction 1000 sorted before 999 and a follower skipped events.
  it('orders transaction ids numerically across a change in digit count', async () => {
    for (const txId of ['999', '1000', '99']) {
      await pool.query(
        `INSERT INTO ledger_events (tx_id, event_id, stream_id, revision, type, data, metadata)
         VALUES ($1::xid8, $2, $3, 0, 'Old.v1', '{}', '{}')`,
        [txId, randomUUID(), `old-${txId}`],
      );
    }
    const all = await store.readAll();
    expect(all.map((e) => e.position.commit)).toEqual([99n, 999n, 1000n]);
    const afterFirstTwo = await store.readAll({ after: all[1]!.position });
    expect(afterFirstTwo.map((e) => e.streamId)).toEqual(['old-1000']);
    expect((await store.headPosition()).commit).toBe(1000n);
  });
});
