import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeEvent } from '../../../src/events/event-codec.js';
import { createPool } from '../../../src/infrastructure/database/create-pool.js';
import { migrate } from '../../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../../src/infrastructure/database/migrations/index.js';
import { PostgresEventStore } from '../../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { comparePositions } from '../../../src/infrastructure/event-store/position.js';
import { CheckpointsRepository } from '../../../src/projections/engine/checkpoints.repository.js';
import { ParkedEventsRepository } from '../../../src/projections/engine/parked-events.repository.js';
import { type Projection } from '../../../src/projections/engine/projection.js';
import { ProjectionRebuilder } from '../../../src/projections/engine/projection-rebuilder.js';
import {
  type FailurePolicy,
  ProjectionRunner,
} from '../../../src/projections/engine/projection-runner.js';
import { createTestDatabase, type TestDatabase } from '../../support/test-database.js';

/** Records every event it sees; a primary key makes a second application fail loudly. */
const seenProjection: Projection = {
  name: 'seen',
  tables: ['test_seen'],
  async apply(client, events, tables) {
    const poison = events.find(
      (e) => e.event.type === 'AccountOrderOpened' && e.event.data.instrument === 'POISON',
    );
    if (poison) throw new Error(`cannot project ${poison.recorded.id}`);
    await client.query(
      `INSERT INTO ${tables['test_seen']} (event_id, stream_id)
       SELECT * FROM unnest($1::uuid[], $2::text[])`,
      [events.map((e) => e.recorded.id), events.map((e) => e.recorded.streamId)],
    );
  },
};

describe('ProjectionRunner', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let store: PostgresEventStore;
  let runners: ProjectionRunner[];

  beforeEach(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: 10 });
    await migrate(pool, MIGRATIONS);
    await pool.query('CREATE TABLE test_seen (event_id uuid PRIMARY KEY, stream_id text NOT NULL)');
    store = new PostgresEventStore(pool);
    runners = [];
  });
  afterEach(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    await store.close();
    await pool.end();
    await database.drop();
  });

  function runner(onFailure: FailurePolicy = 'skip', batchSize = 50): ProjectionRunner {
    const created = new ProjectionRunner(
      seenProjection,
      store,
      pool,
      new CheckpointsRepository(pool),
      new ParkedEventsRepository(pool),
      {
        checkpointName: 'seen',
        tables: { test_seen: 'test_seen' },
        batchSize,
        retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
        onFailure,
      },
    );
    runners.push(created);
    return created;
  }

  async function append(count: number, instrument = 'AAPL'): Promise<void> {
    for (let i = 0; i < count; i++) {
      await store.appendToStream(
        `account-${randomUUID()}`,
        [
          {
            id: randomUUID(),
            ...encodeEvent({
              type: 'AccountOrderOpened',
              data: { orderId: randomUUID(), instrument },
            }),
            metadata: {},
          },
        ],
        { expectedRevision: 'any' },
      );
    }
  }

  async function seenCount(): Promise<number> {
    return Number(
      (await pool.query<{ n: string }>('SELECT count(*) AS n FROM test_seen')).rows[0]!.n,
    );
  }

  async function caughtUp(): Promise<void> {
    await expect
      .poll(
        async () => {
          const head = await store.headPosition();
          const checkpoint = await new CheckpointsRepository(pool).ensure('seen');
          return comparePositions(checkpoint.position, head);
        },
        { timeout: 20_000 },
      )
      .toBe(0);
  }

  it('catches up, then follows live appends, applying each event once', async () => {
    await append(120);
    runner().start();
    await caughtUp();
    expect(await seenCount()).toBe(120);
    await append(30);
    await caughtUp();
    expect(await seenCount()).toBe(150);
  });

  it('resumes from its checkpoint after a restart', async () => {
    await append(40);
    const first = runner();
    first.start();
    await caughtUp();
    await first.stop();
    await append(25);
    runner().start();
    await caughtUp();
    expect(await seenCount()).toBe(65);
  });

  it('two runners of one projection never apply an event twice', async () => {
    await append(200);
    runner('skip', 7).start();
    runner('skip', 13).start();
    await append(50);
    await caughtUp();
    expect(await seenCount()).toBe(250);
  });

  it("parks an event it cannot apply and, with 'skip', goes on past it", async () => {
    await append(10);
    await append(1, 'POISON');
    await append(10);
    runner('skip').start();
    await caughtUp();
    expect(await seenCount()).toBe(20);
    const parked = await new ParkedEventsRepository(pool).list('seen');
    expect(parked).toHaveLength(1);
    expect(parked[0]!.error).toMatch(/cannot project/);
    expect(parked[0]!.eventType).toBe('AccountOrderOpened.v1');
  });

  it("with 'stop', parks the event and stops before it, keeping everything earlier", async () => {
    await append(10);
    await append(1, 'POISON');
    await append(10);
    const stopping = runner('stop');
    stopping.start();
    await expect.poll(() => stopping.running, { timeout: 20_000 }).toBe(false);
    expect(await seenCount()).toBe(10);
    const checkpoint = await new CheckpointsRepository(pool).ensure('seen');
    expect(checkpoint.status).toBe('stopped');
    expect(checkpoint.lastError).toMatch(/cannot project/);
    expect(await new ParkedEventsRepository(pool).list('seen')).toHaveLength(1);
  });

  describe('blue/green rebuild', () => {
    function rebuilder(): ProjectionRebuilder {
      return new ProjectionRebuilder(
        store,
        pool,
        new CheckpointsRepository(pool),
        new ParkedEventsRepository(pool),
      );
    }

    it('builds a shadow while writes continue, checks parity and swaps it in', async () => {
      await append(300);
      runner().start();
      let writing = true;
      const writer = (async () => {
        while (writing) await append(5);
      })();
      const progress: number[] = [];
      const report = await rebuilder().rebuild(seenProjection, {
        batchSize: 40,
        alignTimeoutMs: 20_000,
        onProgress: (p) => progress.push(p.applied),
      });
      writing = false;
      await writer;
      expect(report.swapped).toBe(true);
      expect(report.parity.every((p) => p.equal)).toBe(true);
      expect(report.parity[0]!.live.rows).toBeGreaterThanOrEqual(300);
      expect(progress.length).toBeGreaterThan(0);
      await caughtUp();
      // The swapped-in table is the live one now, and keeps following the log.
      const events = await store.readAll({ maxCount: 10_000 });
      expect(await seenCount()).toBe(events.length);
      const tables = await pool.query(
        "SELECT tablename FROM pg_tables WHERE tablename LIKE 'test_seen%'",
      );
      expect(tables.rows.map((r: { tablename: string }) => r.tablename)).toEqual(['test_seen']);
    });

    it('refuses the swap with a report when the copies differ', async () => {
      await append(50);
      runner().start();
      await caughtUp();
      // A row the log never produced: the rebuilt copy cannot match it.
      await pool.query("INSERT INTO test_seen VALUES ($1, 'stray')", [randomUUID()]);
      const report = await rebuilder().rebuild(seenProjection, {
        batchSize: 20,
        alignTimeoutMs: 20_000,
      });
      expect(report.swapped).toBe(false);
      expect(report.parity[0]).toMatchObject({
        equal: false,
        live: { rows: 51 },
        shadow: { rows: 50 },
      });
      expect(await seenCount()).toBe(51);
    });
  });
});
