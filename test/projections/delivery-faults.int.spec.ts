import { seededRandom } from '../../src/shared/seeded-random.js';
import { randomInt } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventStoreDBClient, jsonEvent } from '@eventstore/db-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type EventStore } from '../../src/event-store/event-store.port.js';
import { EventStoreDbEventStore } from '../../src/infrastructure/event-store/eventstoredb/eventstoredb.event-store.js';
import { type Position, comparePositions, encodePosition } from '../../src/event-store/position.js';
import {
  type ProjectedEvent,
  type Projection,
  type TableNames,
} from '../../src/projections/engine/projection.js';
import { type ProjectionRunner } from '../../src/projections/engine/projection-runner.js';
import { VIEW_PROJECTIONS } from '../../src/projections/views/index.js';
import {
  type EsdbEmulator,
  type SubscriptionFaults,
  startEsdbEmulator,
} from '../support/esdb-emulator/index.js';
import { appendRecorded, generateHistory } from './projected-events.js';
import { useProjectionDatabase } from './projection-database.fixture.js';
import {
  checkpointRows,
  compareTables,
  liveTables,
  positionOf,
  shadowTables,
} from './projection-tables.js';

/**
 * The view projectors on a store whose live subscriptions send events twice and out of
 * order. The projectors only wake on those subscriptions and read the log in pages, so
 * each view must end as a fault-free build of the same log has it, and each checkpoint
 * must count every event of the log once: none applied twice, none skipped.
 *
 * The fault-free build is the same runners' catch-up into shadow tables, over one-shot
 * reads of the log, which no fault touches.
 *
 * DELIVERY_FAULTS_SEED=<n> repeats a run; the seed is printed.
 */
const SEED = Number(process.env['DELIVERY_FAULTS_SEED'] ?? randomInt(1, 2 ** 31));
console.log(`delivery-faults seed ${SEED} (DELIVERY_FAULTS_SEED=${SEED} to repeat)`);

/** generateHistory gives about 3,000 events, the processes still running at this many finished. */
const HISTORY_MIN_EVENTS = 2_500;
const BATCH_SIZES = [1_000, 250, 50, 10] as const;
const SETTLE_TIMEOUT_MS = 30_000;
const TEST_TIMEOUT_MS = 60_000;
const REFERENCE = 'reference';

// ---------------------------------------------------------------------------------------
// The log

/** The TestLog's appends (one stream write each), in log order. */
function appendsOf(events: readonly ProjectedEvent[]): ProjectedEvent[][] {
  const appends: ProjectedEvent[][] = [];
  for (const event of events) {
    const last = appends[appends.length - 1];
    const previous = last?.[0]?.recorded;
    if (
      last &&
      previous?.streamId === event.recorded.streamId &&
      previous.position.commit === event.recorded.position.commit
    ) {
      last.push(event);
    } else {
      appends.push([event]);
    }
  }
  return appends;
}

async function appendAll(store: EventStore, appends: readonly ProjectedEvent[][]): Promise<void> {
  for (const events of appends) await appendRecorded(store, events);
}

// ---------------------------------------------------------------------------------------
// Stores as the runners see them

describe('the emulator subscription faults', () => {
  it('send some events twice and some after the event that follows them, losing none', async () => {
    const emulator = await startEsdbEmulator({
      subscriptionFaults: { seed: SEED, duplicateRate: 0.1, swapRate: 0.1 },
    });
    const client = EventStoreDBClient.connectionString(emulator.connectionString);
    try {
      for (let i = 0; i < 20; i++) {
        const events = Array.from({ length: 10 }, (_, n) =>
          jsonEvent({ type: 'Thing.v1', data: { i, n } }),
        );
        await client.appendToStream(`thing-${i}`, events);
      }
      const received: bigint[] = [];
      const subscription = client.subscribeToAll();
      const reading = (async () => {
        for await (const resolved of subscription) {
          received.push(resolved.event!.position!.commit);
          if (new Set(received).size === 200) break;
        }
      })();
      await Promise.race([reading, sleep(10_000)]);
      await subscription.unsubscribe();

      // Every event arrives; some twice, some after a later one.
      expect(new Set(received).size).toBe(200);
      let highest = 0n;
      let late = 0;
      const seen = new Set<bigint>();
      for (const position of received) {
        if (!seen.has(position) && position < highest) late++;
        seen.add(position);
        if (position > highest) highest = position;
      }
      const faults = emulator.faultsInjected();
      expect(received.length - 200).toBeGreaterThan(0);
      expect(late).toBeGreaterThan(0);
      // Each swap sends one event late; duplicates may still be in flight after the last event.
      expect(late).toBe(faults.swaps);
      expect(faults.duplicates).toBeGreaterThanOrEqual(received.length - 200);
    } finally {
      await client.dispose();
      await emulator.stop();
    }
  });

  // Regression: the adapter's subscription once dropped an event that arrived behind a
  // later one as if it were a repeat, losing it without a word.
  it('through the adapter, a subscription drops repeats and fails on an event out of order', async () => {
    const emulator = await startEsdbEmulator({
      subscriptionFaults: { seed: SEED, duplicateRate: 0.1, swapRate: 0.1 },
    });
    const adapter = new EventStoreDbEventStore(emulator.connectionString);
    try {
      for (let i = 0; i < 20; i++) {
        await adapter.appendToStream(
          `thing-${i}`,
          Array.from({ length: 10 }, (_, n) => ({
            id: `00000000-0000-4000-8000-${String(i * 10 + n).padStart(12, '0')}`,
            type: 'Thing.v1',
            data: { i, n },
            metadata: {},
          })),
          { expectedRevision: 'any' },
        );
      }
      const log = await adapter.readAll({ maxCount: 1_000 });
      const subscription = adapter.subscribeToAll();
      const received: string[] = [];
      const outcome = await (async () => {
        try {
          for await (const event of subscription) {
            received.push(event.id);
            if (received.length === log.length) return 'all';
          }
          return 'ended';
        } catch (error) {
          return (error as Error).message;
        }
      })();
      await subscription.close();
      // Never a repeat and never backwards; the event a swap sends late ends the
      // subscription with an error instead of vanishing.
      const indexes = received.map((id) => log.findIndex((e) => e.id === id));
      expect(indexes.every((index, n) => index >= 0 && (n === 0 || index > indexes[n - 1]!))).toBe(
        true,
      );
      if (emulator.faultsInjected().swaps > 0) expect(outcome).toMatch(/out of order/);
      else expect(outcome).toBe('all');
    } finally {
      await adapter.close();
      await emulator.stop();
    }
  });

  it('are off by default', async () => {
    const emulator = await startEsdbEmulator();
    const client = EventStoreDBClient.connectionString(emulator.connectionString);
    try {
      await client.appendToStream(
        'thing-1',
        Array.from({ length: 100 }, () => jsonEvent({ type: 'Thing.v1', data: {} })),
      );
      const received: bigint[] = [];
      const subscription = client.subscribeToAll();
      for await (const resolved of subscription) {
        received.push(resolved.event!.position!.commit);
        if (received.length === 100) break;
      }
      await subscription.unsubscribe();
      expect(received).toEqual([...received].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
      expect(new Set(received).size).toBe(100);
      expect(emulator.faultsInjected()).toEqual({ subscriptions: 0, duplicates: 0, swaps: 0 });
    } finally {
      await client.dispose();
      await emulator.stop();
    }
  });
});

describe('view projectors under subscription delivery faults', () => {
  let emulator: EsdbEmulator | undefined;
  let store: EventStoreDbEventStore | undefined;
  const db = useProjectionDatabase({ scope: 'test' });
  let logged: string[];

  beforeEach(() => {
    logged = [];
  });
  afterEach(async () => {
    // The runners read from the emulator: they stop before it does.
    await db.stopRunners();
    await store?.close();
    await emulator?.stop();
    store = undefined;
    emulator = undefined;
  });

  function runner(
    projection: Projection,
    source: EventStore,
    checkpointName: string,
    tables: TableNames,
    batchSize: number,
  ): ProjectionRunner {
    return db.runner(
      [{ projection, checkpointName, tables }],
      {
        batchSize,
        retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10 },
        onFailure: 'stop',
        log: (message) => logged.push(`${checkpointName}: ${message}`),
      },
      source,
    );
  }

  /** Until every live checkpoint is at the head or stopped, or the time is up. */
  async function settle(head: Position): Promise<void> {
    const deadline = Date.now() + SETTLE_TIMEOUT_MS;
    while (Date.now() < deadline) {
      const rows = await checkpointRows(db.pool);
      const settled = VIEW_PROJECTIONS.every((projection) => {
        const row = rows.get(projection.name);
        return (
          row !== undefined &&
          (row.status === 'stopped' || comparePositions(positionOf(row), head) >= 0)
        );
      });
      if (settled) return;
      await sleep(50);
    }
  }

  /**
   * Builds the fault-free views into shadow tables, then checks each live projection
   * against them: what it reports next to what it must report.
   */
  async function verify(
    head: Position,
    eventCount: number,
    details: (projection: Projection) => {
      actual: Record<string, unknown>;
      expected: Record<string, unknown>;
    } = () => ({ actual: {}, expected: {} }),
  ): Promise<void> {
    const reference = new Map<string, TableNames>();
    for (const projection of VIEW_PROJECTIONS) {
      const tables = await shadowTables(db.pool, projection, REFERENCE);
      reference.set(projection.name, tables);
      const name = `${projection.name}:${REFERENCE}`;
      await runner(projection, store!, name, tables, 1_000).catchUpTo(new Map([[name, head]]));
    }
    const checkpoints = await checkpointRows(db.pool);
    const actual = [];
    const expected = [];
    for (const projection of VIEW_PROJECTIONS) {
      const row = checkpoints.get(projection.name)!;
      const referenceRow = checkpoints.get(`${projection.name}:${REFERENCE}`)!;
      const tables = await compareTables(
        db.pool,
        liveTables(projection),
        reference.get(projection.name)!,
      );
      actual.push({
        projection: projection.name,
        status: row.status,
        lastError: row.last_error,
        position: encodePosition(positionOf(row)),
        eventsApplied: Number(row.events_applied),
        ...details(projection).actual,
        tables,
      });
      expect(Number(referenceRow.events_applied)).toBe(eventCount);
      expected.push({
        projection: projection.name,
        status: 'running',
        lastError: null,
        position: encodePosition(head),
        eventsApplied: eventCount,
        ...details(projection).expected,
        tables: tables.map(({ table, reference: digestOfReference }) => ({
          table,
          projected: digestOfReference,
          reference: digestOfReference,
        })),
      });
    }
    expect(actual).toEqual(expected);
  }

  describe('from the EventStoreDB emulator, through the EventStoreDB adapter', () => {
    const scenarios: readonly { name: string; faults: Omit<SubscriptionFaults, 'seed'> }[] = [
      { name: 'duplicates', faults: { duplicateRate: 0.05 } },
      { name: 'adjacent events swapped', faults: { swapRate: 0.01 } },
      { name: 'duplicates and swaps', faults: { duplicateRate: 0.05, swapRate: 0.01 } },
    ];

    it.each(scenarios.map((scenario, index) => [scenario.name, scenario, index] as const))(
      'end with the views of a fault-free build: %s',
      async (_name, scenario, index) => {
        const seed = SEED + index;
        const random = seededRandom(seed);
        emulator = await startEsdbEmulator({ subscriptionFaults: { seed, ...scenario.faults } });
        store = new EventStoreDbEventStore(emulator.connectionString);

        const { events } = generateHistory(random, HISTORY_MIN_EVENTS);
        const appends = appendsOf(events);
        // Two thirds are history the projectors catch up on, the rest arrives while they run.
        const split = Math.floor((appends.length * 2) / 3);
        await appendAll(store, appends.slice(0, split));

        const batchSizes = new Map<string, number>();
        for (const projection of VIEW_PROJECTIONS) {
          const batchSize = BATCH_SIZES[Math.floor(random() * BATCH_SIZES.length)]!;
          batchSizes.set(projection.name, batchSize);
          runner(projection, store, projection.name, liveTables(projection), batchSize).start();
        }
        await appendAll(store, appends.slice(split));
        const head = await store.headPosition();
        await settle(head);
        await db.stopRunners();

        const faults = emulator.faultsInjected();
        console.log(
          `emulator, ${scenario.name} (seed ${seed}): ${events.length} events, ` +
            `faults ${JSON.stringify(faults)}, batch sizes ${[...batchSizes.values()].join('/')}`,
        );
        // The projectors woke on the emulator's faulty live subscriptions; what they
        // applied they read in pages from the store, which keep the log's order.
        expect(faults.subscriptions).toBeGreaterThan(0);
        await verify(head, events.length, (projection) => {
          const batchSize = batchSizes.get(projection.name);
          return { actual: { batchSize }, expected: { batchSize } };
        });
      },
      TEST_TIMEOUT_MS,
    );
  });
});
