import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
} from '../../src/event-store/event-store.port.js';
import {
  InvalidAppendError,
  StoreUnavailableError,
} from '../../src/event-store/event-store.errors.js';
import {
  START,
  comparePositions,
  maxPosition,
  type Position,
} from '../../src/event-store/position.js';
import { EventStoreDbEventStore } from '../../src/infrastructure/event-store/eventstoredb/eventstoredb.event-store.js';
import {
  startEsdbEmulator,
  type EsdbEmulator,
  type EsdbEmulatorOptions,
} from '../support/esdb-emulator/index.js';
import { eventStoreContract, type ContractTarget } from './event-store.contract.js';

function againstEmulator(options?: EsdbEmulatorOptions): () => Promise<ContractTarget> {
  return async () => {
    const emulator = await startEsdbEmulator(options);
    const store = new EventStoreDbEventStore(emulator.connectionString);
    return {
      store,
      dispose: async () => {
        await store.close();
        await emulator.stop();
      },
    };
  };
}

// Servers since 21.10 advertise BatchAppend and the client appends through it...
eventStoreContract('EventStoreDB (gRPC emulator)', againstEmulator());
// ...older ones make it fall back to Streams.Append: both paths must behave the same.
eventStoreContract(
  'EventStoreDB (gRPC emulator, unary Append)',
  againstEmulator({ batchAppend: false }),
);

/**
 * A real server, e.g. `docker compose up eventstore` then
 * EVENTSTORE_URL='esdb://127.0.0.1:2113?tls=false'.
 *
 * The contract gives every test an empty log, which a shared server cannot: after
 * the first test it holds earlier tests' events (and its own system events, which
 * the adapter skips). So each test sees the log through `startingNow`, which
 * treats the head at the test's start as the log's beginning: "after START"
 * means after that head, and a head still there reads as START. Everything else
 * goes to the adapter unchanged. What this cannot check on a real server — START
 * on a truly empty log — the emulator variants check.
 */
const eventStoreUrl = process.env['EVENTSTORE_URL'];
if (eventStoreUrl) {
  eventStoreContract('EventStoreDB (server at EVENTSTORE_URL)', async () => {
    const store = new EventStoreDbEventStore(eventStoreUrl);
    const beginning = await store.headPosition();
    return { store: startingNow(store, beginning), dispose: () => store.close() };
  });
}

function startingNow(store: EventStore, beginning: Position): EventStore {
  const after = (position: Position | undefined): Position =>
    maxPosition(position ?? START, beginning);
  return {
    appendToStream: (streamId, events, options) => store.appendToStream(streamId, events, options),
    readStream: (streamId, options) => store.readStream(streamId, options),
    readAll: (options = {}) => store.readAll({ ...options, after: after(options.after) }),
    readAllAsCsv: (options) => store.readAllAsCsv({ ...options, after: after(options.after) }),
    subscribeToAll: (options = {}) =>
      store.subscribeToAll({ ...options, after: after(options.after) }),
    waitForEvents: (position, timeoutMs, abort) =>
      store.waitForEvents(after(position), timeoutMs, abort),
    headPosition: async () => {
      const head = await store.headPosition();
      return comparePositions(head, beginning) <= 0 ? START : head;
    },
    close: () => store.close(),
  };
}

function event(type = 'Thing.v1'): EventToAppend {
  return { id: randomUUID(), type, data: { at: Date.now() }, metadata: {} };
}

/** next(), or 'pending' if nothing arrives within `ms`. */
function nextWithin(
  iterator: AsyncIterator<RecordedEvent>,
  ms: number,
): Promise<IteratorResult<RecordedEvent> | 'pending'> {
  return Promise.race([
    iterator.next(),
    new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), ms)),
  ]);
}

describe('EventStoreDB adapter beyond the contract (gRPC emulator)', () => {
  let emulator: EsdbEmulator;
  let store: EventStoreDbEventStore;
  let stream: string;

  beforeEach(async () => {
    emulator = await startEsdbEmulator();
    store = new EventStoreDbEventStore(emulator.connectionString);
    stream = `thing-${randomUUID()}`;
  });
  afterEach(async () => {
    await store.close();
    await emulator.stop();
  });

  it('answers a retry the server calls a conflict with the original result, writing nothing', async () => {
    const batch = [event(), event()];
    const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
    await store.appendToStream(stream, [event()], { expectedRevision: 1n });
    // Revision 1 is behind the stream and other ids follow it there: the server says conflict.
    const again = await store.appendToStream(stream, batch, { expectedRevision: 1n });
    expect(again).toEqual(first);
    expect(await store.readStream(stream)).toHaveLength(3);
  });

  it('rejects a batch that reuses some ids of the stream as an invalid append', async () => {
    const [reused] = [event()];
    await store.appendToStream(stream, [reused!], { expectedRevision: 'no_stream' });
    const error = await store
      .appendToStream(stream, [reused!, event()], { expectedRevision: 'no_stream' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAppendError);
    await expect(
      store.appendToStream(stream, [], { expectedRevision: 'any' }),
    ).rejects.toBeInstanceOf(InvalidAppendError);
    expect(await store.readStream(stream)).toHaveLength(1);
  });

  it('reports an unreachable node as StoreUnavailableError, for reads, appends and subscriptions', async () => {
    await emulator.stop();
    await expect(store.readAll()).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(store.readStream(stream)).rejects.toBeInstanceOf(StoreUnavailableError);
    await expect(
      store.appendToStream(stream, [event()], { expectedRevision: 'any' }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    const iterator = store.subscribeToAll()[Symbol.asyncIterator]();
    await expect(iterator.next()).rejects.toBeInstanceOf(StoreUnavailableError);
  });

  it('skips system streams and event types in reads, head position and subscriptions', async () => {
    const mine = await store.appendToStream(stream, [event()], { expectedRevision: 'any' });
    await store.appendToStream(`$system-${randomUUID()}`, [event()], { expectedRevision: 'any' });
    await store.appendToStream(`other-${randomUUID()}`, [event('$internal')], {
      expectedRevision: 'any',
    });
    expect((await store.readAll()).map((e) => e.streamId)).toEqual([stream]);
    expect(await store.headPosition()).toEqual(mine.position);
    const subscription = store.subscribeToAll();
    const iterator = subscription[Symbol.asyncIterator]();
    expect(((await iterator.next()) as IteratorYieldResult<RecordedEvent>).value.streamId).toBe(
      stream,
    );
    expect(await nextWithin(iterator, 200)).toBe('pending');
    await subscription.close();
  });

  it('pages through $all when the filter skips more than a page', async () => {
    const many = Array.from({ length: 1_200 }, () => event('Noise.v1'));
    await store.appendToStream(`noise-${randomUUID()}`, many, { expectedRevision: 'any' });
    await store.appendToStream(stream, [event('Signal.v1')], { expectedRevision: 'any' });
    const found = await store.readAll({ filter: { eventTypes: ['Signal.v1'] } });
    expect(found.map((e) => e.streamId)).toEqual([stream]);
    const page = await store.readAll({
      after: (await store.readAll({ maxCount: 1 }))[0]!.position,
      maxCount: 3,
    });
    expect(page).toHaveLength(3);
    expect(await store.readAll({ filter: { eventTypes: [] } })).toEqual([]);
  });

  it('calls onCheckpoint in order with the events, also for events dropped on this side', async () => {
    const dropped = await store.appendToStream(`skip-${randomUUID()}`, [event('A.v1')], {
      expectedRevision: 'any',
    });
    await store.appendToStream(stream, [event('A.v1')], { expectedRevision: 'any' });
    const lastConsidered = await store.appendToStream(stream, [event('B.v1')], {
      expectedRevision: 'any',
    });
    const checkpoints: bigint[] = [];
    const subscription = store.subscribeToAll({
      filter: { eventTypes: ['A.v1'], streamPrefixes: ['thing-'] },
      batchSize: 1,
      onCheckpoint: (position) => checkpoints.push(position.commit),
    });
    const iterator = subscription[Symbol.asyncIterator]();
    const first = await iterator.next();
    expect(first.value?.streamId).toBe(stream);
    // The A.v1 of the skip- stream passed the server's type filter and was dropped here.
    expect(checkpoints).toEqual([dropped.position.commit]);
    // The server's catch-up checkpoint comes after the delivered event, once it is taken.
    expect(await nextWithin(iterator, 300)).toBe('pending');
    expect(checkpoints).toEqual([dropped.position.commit, lastConsidered.position.commit]);
    await subscription.close();
  });

  it('holds the server back while the consumer does not ask for more', async () => {
    const history = 20_000;
    const batch = Array.from({ length: 1_000 }, () => event());
    for (let i = 0; i < history / batch.length; i++) {
      await store.appendToStream(
        `bulk-${i}`,
        batch.map((e) => ({ ...e, id: randomUUID() })),
        {
          expectedRevision: 'any',
        },
      );
    }
    const sentBefore = emulator.eventsSent();
    const subscription = store.subscribeToAll({ batchSize: 10 });
    const iterator = subscription[Symbol.asyncIterator]();
    await iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 500));
    // What is in flight is bounded by the HTTP/2 window and the small buffers on both ends.
    const inFlight = emulator.eventsSent() - sentBefore;
    expect(inFlight).toBeLessThan(history / 4);
    for (let i = 0; i < 100; i++) await iterator.next();
    expect(emulator.eventsSent() - sentBefore).toBeGreaterThan(100);
    await subscription.close();
  });

  it('ends a pending next() when closed', async () => {
    const subscription = store.subscribeToAll();
    const pending = subscription[Symbol.asyncIterator]().next();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await subscription.close();
    expect(await pending).toEqual({ done: true, value: undefined });
  });
});
