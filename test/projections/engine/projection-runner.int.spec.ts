import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeEvent } from '../../../src/events/event-codec.js';
import {
  type Position,
  START,
  comparePositions,
  encodePosition,
} from '../../../src/event-store/position.js';
import { logContextFields } from '../../../src/infrastructure/logging/log-context.js';
import { CheckpointsRepository } from '../../../src/projections/engine/checkpoints.repository.js';
import { ParkedEventsRepository } from '../../../src/projections/engine/parked-events.repository.js';
import { type Projection, liveBinding } from '../../../src/projections/engine/projection.js';
import { type RebuildProgress } from '../../../src/projections/engine/projection-rebuilder.js';
import {
  type FailurePolicy,
  type ProjectionRunner,
} from '../../../src/projections/engine/projection-runner.js';
import { useProjectionDatabase } from '../projection-database.fixture.js';

/**
 * Records every event it sees in its table; a primary key makes a second application
 * fail loudly. It cannot apply events of the instrument it is allergic to.
 */
function recordingProjection(name: string, table: string, poison: string): Projection {
  return {
    name,
    tables: [table],
    async apply(client, events, tables) {
      const bad = events.find(
        (e) => e.event.type === 'AccountOrderOpened' && e.event.data.instrument === poison,
      );
      if (bad) throw new Error(`cannot project ${bad.recorded.id}`);
      await client.query(
        `INSERT INTO ${tables[table]} (event_id, stream_id)
         SELECT * FROM unnest($1::uuid[], $2::text[])`,
        [events.map((e) => e.recorded.id), events.map((e) => e.recorded.streamId)],
      );
    },
  };
}

const seenProjection = recordingProjection('seen', 'test_seen', 'POISON');
/** A second view for the group tests, with another event it cannot apply. */
const otherProjection = recordingProjection('other', 'test_other', 'TOXIC');

describe('ProjectionRunner', () => {
  const db = useProjectionDatabase({
    scope: 'test',
    poolSize: 10,
    prepare: async (pool) => {
      for (const table of ['test_seen', 'test_other']) {
        await pool.query(
          `CREATE TABLE ${table} (event_id uuid PRIMARY KEY, stream_id text NOT NULL)`,
        );
      }
    },
  });

  beforeEach(() => {
    lastAppended = START;
  });

  function runner(
    onFailure: FailurePolicy = 'skip',
    batchSize = 50,
    projections: readonly Projection[] = [seenProjection],
    log?: (message: string) => void,
  ): ProjectionRunner {
    return db.runner(projections.map(liveBinding), {
      batchSize,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
      onFailure,
      ...(log === undefined ? {} : { log }),
    });
  }

  /** The position of the last event appended: what "caught up" means here. */
  let lastAppended: Position = START;

  async function append(count: number, instrument = 'AAPL', correlationId?: string): Promise<void> {
    for (let i = 0; i < count; i++) {
      const { position } = await db.store.appendToStream(
        `account-${randomUUID()}`,
        [
          {
            id: randomUUID(),
            ...encodeEvent({
              type: 'AccountOrderOpened',
              data: { orderId: randomUUID(), instrument },
            }),
            metadata: correlationId === undefined ? {} : { correlationId },
          },
        ],
        { expectedRevision: 'any' },
      );
      lastAppended = position;
    }
  }

  async function statusOf(name: string): Promise<string> {
    return (await new CheckpointsRepository(db.pool).ensure(name)).status;
  }

  async function seenCount(table = 'test_seen'): Promise<number> {
    return Number(
      (await db.pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n,
    );
  }

  /**
   * Until the checkpoint has passed the last append. Not the store's head: that is bound
   * by the server-wide horizon, which other tests' transactions can hold back for a moment.
   */
  async function caughtUp(name = 'seen'): Promise<void> {
    await expect
      .poll(
        async () => {
          const checkpoint = await new CheckpointsRepository(db.pool).ensure(name);
          return comparePositions(checkpoint.position, lastAppended) >= 0;
        },
        { timeout: 20_000 },
      )
      .toBe(true);
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
    expect(await new ParkedEventsRepository(db.pool).list('seen')).toEqual([]);
  });

  // A batch's work goes out with its checkpoint locks, before they are checked: the loser
  // of a race fails on the winner's rows, which must read as a moved checkpoint (start
  // over from it), not as a failed attempt on its events (retried, split, parked).
  it('takes a batch that lost a race to another runner as a moved checkpoint', async () => {
    await append(5);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const holding: Projection = {
      ...seenProjection,
      async apply(client, events, tables) {
        entered();
        await gate;
        await seenProjection.apply(client, events, tables);
      },
    };
    runner('skip', 50, [holding]).start();
    await inside;
    // Its batch waits on the held checkpoint lock, the work queued behind it.
    const logged: string[] = [];
    runner('skip', 50, [seenProjection], (message) => logged.push(message)).start();
    // Released only once the second runner's batch waits on the held checkpoint lock (a
    // fixed pause was not always long enough on a loaded machine: the second runner then
    // loaded the checkpoint after the first had moved it, and had nothing to apply).
    await expect
      .poll(
        async () =>
          (
            await db.pool.query<{ waiting: number }>(
              `SELECT count(*)::int AS waiting FROM pg_stat_activity
               WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            )
          ).rows[0]!.waiting,
        { timeout: 20_000 },
      )
      .toBeGreaterThan(0);
    release();
    await caughtUp();
    // The winner's checkpoint can be visible before the loser's lock answer reaches it
    // (seen in CI on a loaded machine): wait for the loser's line, bounded.
    await expect
      .poll(() => logged, { timeout: 20_000 })
      .toEqual([expect.stringMatching(/was moved by another runner/)]);
    expect(await seenCount()).toBe(5);
    expect(await new ParkedEventsRepository(db.pool).list('seen')).toEqual([]);
  });

  it("parks an event it cannot apply and, with 'skip', goes on past it", async () => {
    await append(10);
    await append(1, 'POISON');
    await append(10);
    runner('skip').start();
    await caughtUp();
    expect(await seenCount()).toBe(20);
    const parked = await new ParkedEventsRepository(db.pool).list('seen');
    expect(parked).toHaveLength(1);
    expect(parked[0]!.error).toMatch(/cannot project/);
    expect(parked[0]!.eventType).toBe('AccountOrderOpened.v1');
  });

  it("with 'stop', parks the event and stops before it, keeping everything earlier", async () => {
    await append(10);
    await append(1, 'POISON');
    await append(10);
    runner('stop').start();
    await expect.poll(() => statusOf('seen'), { timeout: 20_000 }).toBe('stopped');
    expect(await seenCount()).toBe(10);
    const checkpoint = await new CheckpointsRepository(db.pool).ensure('seen');
    expect(checkpoint.status).toBe('stopped');
    expect(checkpoint.lastError).toMatch(/cannot project/);
    expect(await new ParkedEventsRepository(db.pool).list('seen')).toHaveLength(1);
  });

  it('names a failing batch by its positions, and the event it parks by its correlation id', async () => {
    await append(3, 'AAPL', 'corr-before');
    await append(1, 'POISON', 'corr-poison');
    await append(3, 'AAPL', 'corr-after');
    const logged: { message: string; correlationId?: string }[] = [];
    const stopping = runner('stop', 50, [seenProjection], (message) =>
      logged.push({ message, ...logContextFields() }),
    );
    stopping.start();
    await expect
      .poll(() => logged.some(({ message }) => message.includes('stopped at')), { timeout: 20_000 })
      .toBe(true);
    // The whole batch failed first: its lines name its range, not a request.
    expect(logged[0]).toEqual({
      message: expect.stringMatching(/^seen: attempt 1 failed on the batch \d+\.\d+\.\.\d+\.\d+: /),
    });
    // Narrowed down to the one event it parks: that line carries the event's request.
    expect(logged.at(-1)).toEqual({
      message: expect.stringMatching(/^seen: stopped at \d+\.\d+ after 2 attempts$/),
      correlationId: 'corr-poison',
    });
  });

  it('takes a stopped projection back once another process has restarted it', async () => {
    let cured = false;
    const tolerant = recordingProjection('seen', 'test_seen', 'nothing');
    const curable: Projection = {
      ...seenProjection,
      apply: (client, events, tables) =>
        (cured ? tolerant : seenProjection).apply(client, events, tables),
    };
    await append(5);
    await append(1, 'POISON');
    await append(5);
    runner('stop', 50, [curable]).start();
    await expect.poll(() => statusOf('seen'), { timeout: 20_000 }).toBe('stopped');
    expect(await seenCount()).toBe(5);
    // What restartProjection does when another process serves it: it clears the status.
    cured = true;
    await new CheckpointsRepository(db.pool).setStatus('seen', 'running', null);
    await caughtUp();
    expect(await seenCount()).toBe(11);
    expect(await statusOf('seen')).toBe('running');
  });

  describe('a group of projections', () => {
    /** 21 events with a TOXIC one among them, through `seen` and `other` until `other` stops on it. */
    async function runUntilOtherStops(seen: Projection): Promise<void> {
      await append(10);
      await append(1, 'TOXIC');
      await append(10);
      runner('stop', 50, [seen, otherProjection]).start();
      await caughtUp('seen');
      await expect
        .poll(async () => (await new CheckpointsRepository(db.pool).ensure('other')).status, {
          timeout: 20_000,
        })
        .toBe('stopped');
    }

    it('applies every batch to each projection once, in one pass over the log', async () => {
      await append(120);
      runner('skip', 25, [seenProjection, otherProjection]).start();
      await caughtUp('seen');
      await caughtUp('other');
      await append(30);
      await caughtUp('seen');
      await caughtUp('other');
      expect(await seenCount('test_seen')).toBe(150);
      expect(await seenCount('test_other')).toBe(150);
    });

    it('one projection stopping on an event does not hold the others back', async () => {
      await runUntilOtherStops(seenProjection);
      expect(await seenCount('test_seen')).toBe(21);
      expect(await seenCount('test_other')).toBe(10);
      // And the group goes on following the log for the projection still running.
      await append(5);
      await caughtUp('seen');
      expect(await seenCount('test_seen')).toBe(26);
      expect(await seenCount('test_other')).toBe(10);
      const parked = await new ParkedEventsRepository(db.pool).list();
      expect(parked.map((event) => event.projection)).toEqual(['other']);
    });

    it('a failing projection leaves no write of the others outside the rolled-back batch', async () => {
      // Reads before it writes, as the views do: still reading when the other one fails.
      const readsFirst: Projection = {
        ...seenProjection,
        async apply(client, events, tables) {
          await client.query('SELECT pg_sleep(0.05)');
          await seenProjection.apply(client, events, tables);
        },
      };
      await runUntilOtherStops(readsFirst);
      // A write of a failed attempt committed on its own would make the retry fail on
      // the primary key, and park events of `seen`.
      expect(await seenCount('test_seen')).toBe(21);
      const parked = await new ParkedEventsRepository(db.pool).list();
      expect(parked.map((event) => event.projection)).toEqual(['other']);
    });

    it('a projection behind the others gets only the events past its own checkpoint', async () => {
      await append(40);
      const alone = runner('skip', 50, [seenProjection]);
      alone.start();
      await caughtUp('seen');
      await alone.stop();
      await append(20);
      runner('skip', 15, [seenProjection, otherProjection]).start();
      await caughtUp('seen');
      await caughtUp('other');
      // A second application would have failed on the primary key and parked events.
      expect(await seenCount('test_seen')).toBe(60);
      expect(await seenCount('test_other')).toBe(60);
      expect(await new ParkedEventsRepository(db.pool).list()).toEqual([]);
    });
  });

  describe('blue/green rebuild', () => {
    const rebuilder = () => db.rebuilder();

    it('builds a shadow while writes continue, checks parity and swaps it in', async () => {
      await append(300);
      runner().start();
      // The rebuild reads up to the store's head, which other tests' transactions on the
      // server can hold back: the 300 are surely in it once the live copy has them.
      await caughtUp();
      let writing = true;
      const writer = (async () => {
        while (writing) await append(5);
      })();
      const progress: RebuildProgress[] = [];
      const [report] = await rebuilder().rebuild([seenProjection], {
        batchSize: 40,
        alignTimeoutMs: 20_000,
        onProgress: (p) => progress.push(p),
      });
      writing = false;
      await writer;
      expect(report!.swapped).toBe(true);
      expect(report!.parity.every((p) => p.equal)).toBe(true);
      expect(report!.parity[0]!.live.rows).toBeGreaterThanOrEqual(300);
      // Bulk-loaded up to the head it started at, then batch by batch past the writes
      // (as many as came meanwhile: maybe none).
      const order = ['loading', 'catching-up', 'aligning'];
      const phases = progress.map((p) => order.indexOf(p.phase));
      expect(phases[0]).toBe(0);
      expect(phases).toEqual([...phases].sort((a, b) => a - b));
      await caughtUp();
      // The swapped-in table is the live one now, and keeps following the log.
      const events = await db.store.readAll({ maxCount: 10_000 });
      expect(await seenCount()).toBe(events.length);
      const tables = await db.pool.query(
        "SELECT tablename FROM pg_tables WHERE tablename LIKE 'test_seen%'",
      );
      expect(tables.rows.map((r: { tablename: string }) => r.tablename)).toEqual(['test_seen']);
    });

    it('parks an event the bulk load fails on, and stops with the shadows dropped', async () => {
      await append(30);
      await append(1, 'POISON');
      await append(10);
      // With no live projector to wait for, wait for the store's head: other tests'
      // transactions on the server can hold it back.
      await vi.waitFor(
        async () =>
          expect(
            comparePositions(await db.store.headPosition(), lastAppended),
          ).toBeGreaterThanOrEqual(0),
        { timeout: 20_000, interval: 50 },
      );
      const logged: string[] = [];
      const rebuild = rebuilder().rebuild([seenProjection], {
        batchSize: 20,
        alignTimeoutMs: 20_000,
        log: (message) => logged.push(message),
      });
      await expect(rebuild).rejects.toThrow(/stopped/);
      expect(logged).toEqual([expect.stringMatching(/^bulk load failed \(cannot project /)]);
      const parked = await new ParkedEventsRepository(db.pool).list();
      expect(parked.map((event) => event.projection)).toEqual(['seen']);
      const tables = await db.pool.query(
        "SELECT tablename FROM pg_tables WHERE tablename LIKE 'test_seen%'",
      );
      expect(tables.rows.map((r: { tablename: string }) => r.tablename)).toEqual(['test_seen']);
    });

    it('goes on batch by batch from the last committed step when a later step fails', async () => {
      await append(30);
      await append(1, 'POISON');
      await append(10);
      await vi.waitFor(
        async () =>
          expect(
            comparePositions(await db.store.headPosition(), lastAppended),
          ).toBeGreaterThanOrEqual(0),
        { timeout: 20_000, interval: 50 },
      );
      const logged: string[] = [];
      const steps: number[] = [];
      const rebuild = rebuilder().rebuild([seenProjection], {
        batchSize: 10,
        alignTimeoutMs: 20_000,
        steps: { maxEvents: 20, maxMs: 60_000 },
        onStep: (step) => void steps.push(step.applied),
        log: (message) => logged.push(message),
      });
      await expect(rebuild).rejects.toThrow(/stopped/);
      // The first step committed 20 events; the second failed on the poisoned one.
      expect(steps).toEqual([20]);
      expect(logged).toEqual([expect.stringMatching(/^bulk load failed \(cannot project /)]);
      // Had it started over, the shadow's first event would fail as a duplicate and be
      // parked instead: the poisoned event is, so the batches began past the 20.
      const parked = await new ParkedEventsRepository(db.pool).list();
      expect(parked.map((event) => [event.projection, event.error])).toEqual([
        ['seen', expect.stringMatching(/^Error: cannot project /)],
      ]);
    });

    it('bulk-loads only the events a projection names, and still ends at the head', async () => {
      // Sees only opened orders, as it says: closings in the log are none of its business.
      const openedOnly: Projection = {
        ...recordingProjection('seen', 'test_seen', 'POISON'),
        eventTypes: ['AccountOrderOpened'],
        apply: (client, events, tables) =>
          seenProjection.apply(
            client,
            events.filter((e) => e.event.type === 'AccountOrderOpened'),
            tables,
          ),
      };
      await append(25);
      // The log ends with events the projection does not read.
      for (let i = 0; i < 10; i++) {
        lastAppended = (
          await db.store.appendToStream(
            `account-${randomUUID()}`,
            [
              {
                id: randomUUID(),
                ...encodeEvent({ type: 'AccountOrderClosed', data: { orderId: randomUUID() } }),
                metadata: {},
              },
            ],
            { expectedRevision: 'any' },
          )
        ).position;
      }
      runner('stop', 50, [openedOnly]).start();
      await caughtUp();
      const progress: RebuildProgress[] = [];
      const [report] = await rebuilder().rebuild([openedOnly], {
        batchSize: 10,
        alignTimeoutMs: 20_000,
        onProgress: (p) => progress.push(p),
      });
      expect(report!.swapped).toBe(true);
      expect(await seenCount()).toBe(25);
      // Read in the bulk load: the 25 it names, not the 10 after them.
      expect(progress.filter((p) => p.phase === 'loading').at(-1)!.applied).toBe(25);
      expect(report!.position).toBe(encodePosition(lastAppended));
    });

    it('refuses the swap with a report when the copies differ', async () => {
      await append(50);
      runner().start();
      await caughtUp();
      // A row the log never produced: the rebuilt copy cannot match it.
      await db.pool.query("INSERT INTO test_seen VALUES ($1, 'stray')", [randomUUID()]);
      const [report] = await rebuilder().rebuild([seenProjection], {
        batchSize: 20,
        alignTimeoutMs: 20_000,
      });
      expect(report!.swapped).toBe(false);
      expect(report!.parity[0]).toMatchObject({
        equal: false,
        live: { rows: 51 },
        shadow: { rows: 50 },
      });
      expect(await seenCount()).toBe(51);
    });

    it('rebuilds several projections in one pass, swapping only those whose parity holds', async () => {
      await append(80);
      runner('skip', 50, [seenProjection, otherProjection]).start();
      await caughtUp('seen');
      await caughtUp('other');
      await db.pool.query("INSERT INTO test_other VALUES ($1, 'stray')", [randomUUID()]);
      const reports = await rebuilder().rebuild([seenProjection, otherProjection], {
        batchSize: 30,
        alignTimeoutMs: 20_000,
      });
      expect(reports.map((r) => [r.projection, r.swapped])).toEqual([
        ['seen', true],
        ['other', false],
      ]);
      expect(reports[0]!.eventsApplied).toBe(80);
      expect(await seenCount('test_seen')).toBe(80);
      expect(await seenCount('test_other')).toBe(81);
      const tables = await db.pool.query(
        "SELECT tablename FROM pg_tables WHERE tablename LIKE 'test_%' ORDER BY tablename",
      );
      expect(tables.rows.map((r: { tablename: string }) => r.tablename)).toEqual([
        'test_other',
        'test_seen',
      ]);
    });
  });
});
