import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  jsonEvent,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type Position,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { startEsdbEmulator, type EsdbEmulator } from './index.js';

function event(type = 'Thing.v1', id: string = randomUUID()) {
  return jsonEvent({ id, type, data: { n: 1 }, metadata: { m: 'x' } });
}

async function collect<T>(read: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of read) out.push(item);
  return out;
}

function positions(events: readonly (ResolvedEvent | AllStreamResolvedEvent)[]): bigint[] {
  return events.map((e) => e.event!.position!.commit);
}

describe.each([
  { path: 'BatchAppend', batchAppend: true },
  { path: 'Append', batchAppend: false },
])('esdb emulator appends through $path', ({ path, batchAppend }) => {
  let emulator: EsdbEmulator;
  let client: EventStoreDBClient;
  let stream: string;

  beforeEach(async () => {
    emulator = await startEsdbEmulator({ batchAppend });
    client = EventStoreDBClient.connectionString(emulator.connectionString);
    stream = `s-${randomUUID()}`;
  });
  afterEach(async () => {
    await client.dispose();
    await emulator.stop();
  });

  async function wrongVersion(revision: AppendExpectedRevision, events = [event()]) {
    const error = await client
      .appendToStream(stream, events, { expectedRevision: revision })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    return error as WrongExpectedVersionError;
  }

  it('is the path the client takes', async () => {
    await client.appendToStream(stream, [event()]);
    expect(emulator.calls(path)).toBe(1);
    expect(emulator.calls(batchAppend ? 'Append' : 'BatchAppend')).toBe(0);
  });

  it('returns the last event position, strictly increasing and never START', async () => {
    const first = await client.appendToStream(stream, [event(), event()]);
    const second = await client.appendToStream(stream, [event()]);
    const all = await collect(client.readAll());
    expect(positions(all)[0]).toBeGreaterThan(0n);
    expect(first.position).toEqual(all[1]!.event!.position);
    expect(second.position).toEqual(all[2]!.event!.position);
    expect(all.map((e) => e.event!.position!.prepare)).toEqual(positions(all));
  });

  it('reports the current revision, or no_stream, on a wrong expected version', async () => {
    expect((await wrongVersion(0n)).actualVersion).toBe('no_stream');
    expect((await wrongVersion('stream_exists')).actualVersion).toBe('no_stream');
    await client.appendToStream(stream, [event(), event()], { expectedRevision: 'no_stream' });
    expect((await wrongVersion('no_stream')).actualVersion).toBe(1n);
    expect((await wrongVersion(5n)).actualVersion).toBe(1n);
  });

  it('treats a repeat at the original expected revision as done, with the original result', async () => {
    const batch = [event(), event()];
    const first = await client.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
    await client.appendToStream(stream, [event()], { expectedRevision: 1n });
    const again = await client.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
    expect(again).toEqual(first);
    expect(await collect(client.readStream(stream))).toHaveLength(3);
  });

  it('treats a repeat with any as done while every id is known, else as a conflict', async () => {
    const [a, b] = [event(), event()];
    const first = await client.appendToStream(stream, [a, b]);
    expect(await client.appendToStream(stream, [a, b])).toEqual(first);
    await wrongVersion('any', [a, event()]);
    expect(await collect(client.readStream(stream))).toHaveLength(2);
  });

  it('does not treat a repeat at a later expected revision as done (the server does not either)', async () => {
    const batch = [event()];
    await client.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
    await client.appendToStream(stream, [event()], { expectedRevision: 0n });
    expect((await wrongVersion(0n, batch)).actualVersion).toBe(1n);
  });
});

describe('esdb emulator reads and subscriptions', () => {
  let emulator: EsdbEmulator;
  let client: EventStoreDBClient;

  beforeEach(async () => {
    emulator = await startEsdbEmulator();
    client = EventStoreDBClient.connectionString(emulator.connectionString);
  });
  afterEach(async () => {
    await client.dispose();
    await emulator.stop();
  });

  it('reads streams by revision in both directions and reports a missing stream', async () => {
    const stream = `s-${randomUUID()}`;
    await client.appendToStream(stream, [event(), event(), event()]);
    const from1 = await collect(client.readStream(stream, { fromRevision: 1n, maxCount: 5 }));
    expect(from1.map((e) => e.event!.revision)).toEqual([1n, 2n]);
    const back = await collect(
      client.readStream(stream, { direction: BACKWARDS, fromRevision: 1n }),
    );
    expect(back.map((e) => e.event!.revision)).toEqual([1n, 0n]);
    const last = await collect(
      client.readStream(stream, { direction: BACKWARDS, fromRevision: END }),
    );
    expect(last.map((e) => e.event!.revision)).toEqual([2n, 1n, 0n]);
    await expect(collect(client.readStream(`missing-${randomUUID()}`))).rejects.toBeInstanceOf(
      StreamNotFoundError,
    );
  });

  it('reads $all forwards from a position inclusively and backwards exclusively', async () => {
    await client.appendToStream('a', [event(), event(), event()]);
    const all = await collect(client.readAll());
    const middle = all[1]!.event!.position;
    const forwards = await collect(client.readAll({ fromPosition: middle }));
    expect(positions(forwards)).toEqual(positions(all).slice(1));
    const backwards = await collect(client.readAll({ fromPosition: middle, direction: BACKWARDS }));
    expect(positions(backwards)).toEqual([positions(all)[0]]);
    const fromEnd = await collect(
      client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 2 }),
    );
    expect(positions(fromEnd)).toEqual(positions(all).slice(1).reverse());
  });

  it('keeps data, metadata, type and created time', async () => {
    const before = Date.now();
    const written = event('Typed.v3');
    await client.appendToStream('kept', [written]);
    const [read] = await collect(client.readStream('kept'));
    expect(read!.event).toMatchObject({
      id: written.id,
      type: 'Typed.v3',
      data: { n: 1 },
      metadata: { m: 'x' },
      isJson: true,
    });
    expect(read!.event!.created.getTime()).toBeGreaterThanOrEqual(before - 1);
  });

  it('confirms, catches up from an exclusive position, reports caught-up, then goes live', async () => {
    await client.appendToStream('a', [event(), event()]);
    const history = await collect(client.readAll());
    const subscription = client.subscribeToAll({ fromPosition: history[0]!.event!.position });
    const signals: string[] = [];
    subscription.on('confirmation', () => signals.push('confirmation'));
    subscription.on('caughtUp', () => signals.push('caughtUp'));
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value.event.position).toEqual(history[1]!.event!.position);
    await client.appendToStream('b', [event('Live.v1')]);
    expect((await iterator.next()).value.event.type).toBe('Live.v1');
    expect(signals).toEqual(['confirmation', 'caughtUp']);
    await subscription.unsubscribe();
  });

  it('sends filtered checkpoints every interval of considered events and on catching up', async () => {
    for (let i = 0; i < 5; i++) await client.appendToStream('c', [event('Skip.v1')]);
    await client.appendToStream('c', [event('Keep.v1')]);
    const all = positions(await collect(client.readAll()));
    const checkpoints: bigint[] = [];
    const subscription = client.subscribeToAll({
      fromPosition: START,
      filter: eventTypeFilter({
        prefixes: ['Keep.'],
        maxSearchWindow: 2,
        checkpointInterval: 1,
        checkpointReached: (_s, position: Position) => {
          checkpoints.push(position.commit);
        },
      }),
    });
    const caughtUp = new Promise((resolve) => subscription.once('caughtUp', resolve));
    const iterator = subscription[Symbol.asyncIterator]();
    expect((await iterator.next()).value.event.type).toBe('Keep.v1');
    await caughtUp;
    // Every 2 considered events (2nd, 4th, 6th); the catch-up checkpoint would repeat the 6th.
    expect(checkpoints).toEqual([all[1], all[3], all[5]]);
    await subscription.unsubscribe();
  });

  it('advertises BatchAppend only when serving it', async () => {
    const unary = await startEsdbEmulator({ batchAppend: false });
    const other = EventStoreDBClient.connectionString(unary.connectionString);
    try {
      await other.appendToStream('x', [event()]);
      expect(unary.calls('Append')).toBe(1);
      expect(unary.calls('BatchAppend')).toBe(0);
    } finally {
      await other.dispose();
      await unary.stop();
    }
  });
});
