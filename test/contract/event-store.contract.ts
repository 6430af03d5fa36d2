import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CSV_EVENT_COLUMNS,
  CSV_METADATA_FIELDS,
  CSV_QUOTE,
  type EventStore,
  type EventToAppend,
  type RecordedEvent,
} from '../../src/event-store/event-store.port.js';
import { WrongExpectedRevisionError } from '../../src/event-store/event-store.errors.js';
import { type Position, START, comparePositions } from '../../src/event-store/position.js';

export interface ContractTarget {
  store: EventStore;
  /** Releases whatever the target created (database, server). */
  dispose(): Promise<void>;
}

function event(
  type = 'ThingHappened.v1',
  data: Record<string, string | number> = {},
): EventToAppend {
  return { id: randomUUID(), type, data: { ...data }, metadata: { correlationId: randomUUID() } };
}

async function take(
  iterator: AsyncIterator<RecordedEvent>,
  count: number,
  timeoutMs = 10_000,
): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  const deadline = Date.now() + timeoutMs;
  while (seen.length < count) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`timed out after ${seen.length} of ${count} events`);
    const next = await Promise.race([
      iterator.next(),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), remaining)),
    ]);
    if (next === 'timeout') throw new Error(`timed out after ${seen.length} of ${count} events`);
    if (next.done) throw new Error('subscription ended early');
    seen.push(next.value);
  }
  return seen;
}

/**
 * The global log is readable in order, so an append may become visible in it a moment
 * later (PostgreSQL: once older transactions anywhere in the cluster have ended).
 */
async function logReaches(
  store: EventStore,
  position: Position,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (comparePositions(await store.headPosition(), position) < 0) {
    if (Date.now() > deadline) throw new Error('the log did not reach the appended position');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** RFC 4180 rows (quoted fields with doubled quotes, CSV_QUOTE), as readAllAsCsv writes them. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted && char === CSV_QUOTE && text[i + 1] === CSV_QUOTE) {
      field += CSV_QUOTE;
      i++;
    } else if (char === CSV_QUOTE) {
      quoted = !quoted;
    } else if (!quoted && (char === ',' || char === '\n')) {
      row.push(field);
      field = '';
      if (char === '\n') {
        rows.push(row);
        row = [];
      }
    } else {
      field += char;
    }
  }
  return rows;
}

/** A metadata field as a CSV column holds it: a string as it is, another value as JSON. */
function csvText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

async function csvRows(
  store: EventStore,
  options: Parameters<EventStore['readAllAsCsv']>[0],
): Promise<string[][]> {
  const decoder = new TextDecoder();
  let text = '';
  for await (const chunk of store.readAllAsCsv(options))
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  return parseCsv(text);
}

/** The behaviour every event-store adapter must have. */
export function eventStoreContract(
  name: string,
  createTarget: () => Promise<ContractTarget>,
): void {
  describe(`event store contract: ${name}`, () => {
    let target: ContractTarget;
    let store: EventStore;
    let stream: string;

    beforeEach(async () => {
      target = await createTarget();
      store = target.store;
      stream = `thing-${randomUUID()}`;
    });
    afterEach(async () => {
      await target.dispose();
    });

    describe('append with expected revision', () => {
      it('no_stream creates the stream at revision 0 and returns a position after START', async () => {
        const result = await store.appendToStream(stream, [event()], {
          expectedRevision: 'no_stream',
        });
        expect(result.nextExpectedRevision).toBe(0n);
        expect(comparePositions(result.position, START)).toBeGreaterThan(0);
      });

      it('no_stream on an existing stream is rejected and writes nothing', async () => {
        await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
        const error = await store
          .appendToStream(stream, [event()], { expectedRevision: 'no_stream' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect((error as WrongExpectedRevisionError).actual).toBe(0n);
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      it('an exact revision appends after it; a stale one is rejected with the actual revision', async () => {
        await store.appendToStream(stream, [event(), event()], { expectedRevision: 'no_stream' });
        const ok = await store.appendToStream(stream, [event()], { expectedRevision: 1n });
        expect(ok.nextExpectedRevision).toBe(2n);
        const error = await store
          .appendToStream(stream, [event()], { expectedRevision: 1n })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect((error as WrongExpectedRevisionError).actual).toBe(2n);
        expect(await store.readStream(stream)).toHaveLength(3);
      });

      it('an exact revision on a missing stream is rejected', async () => {
        const error = await store
          .appendToStream(stream, [event()], { expectedRevision: 0n })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        expect(await store.readStream(stream)).toEqual([]);
      });

      it('stream_exists needs the stream to exist', async () => {
        const error = await store
          .appendToStream(stream, [event()], { expectedRevision: 'stream_exists' })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedRevisionError);
        await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
        const ok = await store.appendToStream(stream, [event()], {
          expectedRevision: 'stream_exists',
        });
        expect(ok.nextExpectedRevision).toBe(1n);
      });

      it('any appends whether or not the stream exists', async () => {
        expect(
          (await store.appendToStream(stream, [event()], { expectedRevision: 'any' }))
            .nextExpectedRevision,
        ).toBe(0n);
        expect(
          (await store.appendToStream(stream, [event()], { expectedRevision: 'any' }))
            .nextExpectedRevision,
        ).toBe(1n);
      });

      it('of concurrent appends at the same revision exactly one wins', async () => {
        await store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' });
        const outcomes = await Promise.allSettled(
          Array.from({ length: 8 }, () =>
            store.appendToStream(stream, [event()], { expectedRevision: 0n }),
          ),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const o of outcomes.filter((o) => o.status === 'rejected')) {
          expect(o.reason).toBeInstanceOf(WrongExpectedRevisionError);
        }
        expect(await store.readStream(stream)).toHaveLength(2);
      });
    });

    describe('idempotent append by event id', () => {
      it('appending the same events again returns the first result and writes nothing', async () => {
        const batch = [event(), event()];
        const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        const again = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(comparePositions(again.position, first.position)).toBe(0);
        const anyAgain = await store.appendToStream(stream, batch, { expectedRevision: 'any' });
        expect(anyAgain.nextExpectedRevision).toBe(1n);
        expect(await store.readStream(stream)).toHaveLength(2);
      });

      it('a retried append is still a no-op after other events followed it', async () => {
        const batch = [event()];
        await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        await store.appendToStream(stream, [event()], { expectedRevision: 0n });
        const again = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        expect(again.nextExpectedRevision).toBe(0n);
        expect(await store.readStream(stream)).toHaveLength(2);
      });
    });

    describe('reading a stream', () => {
      it('reads forwards and backwards, from a revision, bounded by maxCount', async () => {
        const batch = [0, 1, 2, 3, 4].map((n) => event('Counted.v1', { n }));
        await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        const forwards = await store.readStream(stream);
        expect(forwards.map((e) => e.data['n'])).toEqual([0, 1, 2, 3, 4]);
        expect(forwards.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
        expect(forwards.map((e) => e.id)).toEqual(batch.map((e) => e.id));
        const backwards = await store.readStream(stream, { direction: 'backwards', maxCount: 2 });
        expect(backwards.map((e) => e.data['n'])).toEqual([4, 3]);
        const middle = await store.readStream(stream, { fromRevision: 2n, maxCount: 2 });
        expect(middle.map((e) => e.revision)).toEqual([2n, 3n]);
        const before = await store.readStream(stream, { direction: 'backwards', fromRevision: 1n });
        expect(before.map((e) => e.revision)).toEqual([1n, 0n]);
      });

      it('a missing stream reads as empty', async () => {
        expect(await store.readStream(`missing-${randomUUID()}`)).toEqual([]);
      });

      it('keeps type, data, metadata and stream id exactly', async () => {
        const original: EventToAppend = {
          id: randomUUID(),
          type: 'FundsDeposited.v2',
          data: {
            amountMinor: '12345678901234567890',
            note: 'café ✓',
            nested: { list: [1, 'two', null] },
          },
          metadata: {
            correlationId: 'c-1',
            causationId: 'c-0',
            commandId: 'k',
            user: 'u',
            time: 't',
          },
        };
        await store.appendToStream(stream, [original], { expectedRevision: 'any' });
        const [read] = await store.readStream(stream);
        expect(read).toMatchObject({
          id: original.id,
          type: original.type,
          streamId: stream,
          data: original.data,
          metadata: original.metadata,
        });
        expect(read!.createdAt).toBeInstanceOf(Date);
      });
    });

    describe('the global log', () => {
      it('reads after a position in strictly increasing order, with filters', async () => {
        const other = `other-${randomUUID()}`;
        await store.appendToStream(stream, [event('A.v1'), event('B.v1')], {
          expectedRevision: 'any',
        });
        const mid = await store.appendToStream(other, [event('A.v1')], { expectedRevision: 'any' });
        const last = await store.appendToStream(stream, [event('C.v1')], {
          expectedRevision: 'any',
        });
        await logReaches(store, last.position);

        const all = await store.readAll({ after: START });
        expect(all.map((e) => e.type)).toEqual(['A.v1', 'B.v1', 'A.v1', 'C.v1']);
        for (let i = 1; i < all.length; i++) {
          expect(comparePositions(all[i - 1]!.position, all[i]!.position)).toBeLessThan(0);
        }
        const afterMid = await store.readAll({ after: mid.position });
        expect(afterMid.map((e) => e.type)).toEqual(['C.v1']);
        expect(await store.readAll({ after: START, maxCount: 2 })).toHaveLength(2);

        const byType = await store.readAll({ filter: { eventTypes: ['A.v1'] } });
        expect(byType.map((e) => e.streamId)).toEqual([stream, other]);
        const byPrefix = await store.readAll({ filter: { streamPrefixes: ['other-'] } });
        expect(byPrefix.map((e) => e.streamId)).toEqual([other]);
        const both = await store.readAll({
          filter: { eventTypes: ['A.v1'], streamPrefixes: ['thing-'] },
        });
        expect(both.map((e) => e.streamId)).toEqual([stream]);
      });

      it('reads a bounded run as CSV: what readAll reads, in order, JSON and metadata fields as text', async () => {
        const tricky = { text: 'a "quoted", comma\nnew line \u0001 é', n: 1.5, big: 2 ** 60 };
        // Metadata fields of every kind: text to quote, a number, a null, one absent.
        const oddMetadata = {
          ...event('A.v1', tricky),
          metadata: {
            occurredAt: '2026-01-02T03:04:05.678Z',
            correlationId: tricky.text,
            userId: 42,
            commandId: null,
            unrelated: 'not sent',
          },
        };
        await store.appendToStream(stream, [oddMetadata, event('B.v1')], {
          expectedRevision: 'any',
        });
        // A raw quote character, a comma and a double quote in a field other than the JSON.
        const oddStream = `thing-${CSV_QUOTE}"odd",${randomUUID()}`;
        const mid = await store.appendToStream(oddStream, [event('C.v1')], {
          expectedRevision: 'any',
        });
        const last = await store.appendToStream(stream, [event('D.v1')], {
          expectedRevision: 'any',
        });
        await logReaches(store, last.position);

        const all = await store.readAll({ after: START });
        const rows = await csvRows(store, { after: START, to: last.position, maxCount: 100 });
        const firstMetadata = CSV_EVENT_COLUMNS.indexOf(CSV_METADATA_FIELDS[0]);
        const afterMetadata = firstMetadata + CSV_METADATA_FIELDS.length;
        expect(
          rows.map((row, index) => {
            const [commit, prepare, id, streamId, revision, type, data] = row;
            const createdAt = row[afterMetadata];
            return [
              { commit: BigInt(commit!), prepare: BigInt(prepare!) },
              id,
              streamId,
              BigInt(revision!),
              type,
              JSON.parse(data!),
              row.slice(firstMetadata, afterMetadata),
              // PostgreSQL's milliseconds and the driver's (from a float) may differ by one.
              Math.abs(Number(createdAt) * 1_000 - all[index]!.createdAt.getTime()) <= 1,
            ];
          }),
        ).toEqual(
          all.map((e) => [
            e.position,
            e.id,
            e.streamId,
            e.revision,
            e.type,
            e.data,
            CSV_METADATA_FIELDS.map((field) => csvText(e.metadata[field])),
            true,
          ]),
        );
        expect(rows.every((row) => row.length === CSV_EVENT_COLUMNS.length)).toBe(true);
        const firstTwo = await csvRows(store, { after: START, to: last.position, maxCount: 2 });
        expect(firstTwo.map((row) => row[5])).toEqual(['A.v1', 'B.v1']);
        const upToMid = await csvRows(store, { after: START, to: mid.position, maxCount: 100 });
        expect(upToMid.map((row) => row[5])).toEqual(['A.v1', 'B.v1', 'C.v1']);
        const afterMid = await csvRows(store, {
          after: mid.position,
          to: last.position,
          maxCount: 9,
        });
        expect(afterMid.map((row) => row[5])).toEqual(['D.v1']);
      });

      it('head position is START when empty and the last event after appends', async () => {
        expect(comparePositions(await store.headPosition(), START)).toBe(0);
        await store.appendToStream(stream, [event()], { expectedRevision: 'any' });
        const last = await store.appendToStream(stream, [event(), event()], {
          expectedRevision: 'any',
        });
        await logReaches(store, last.position);
        expect(comparePositions(await store.headPosition(), last.position)).toBe(0);
        const all = await store.readAll();
        expect(comparePositions(all[all.length - 1]!.position, last.position)).toBe(0);
      });
    });

    describe('catch-up subscription to the global log', () => {
      it('delivers history, then live events, in order, filtered, until closed', async () => {
        const other = `other-${randomUUID()}`;
        const first = await store.appendToStream(stream, [event('A.v1', { n: 1 })], {
          expectedRevision: 'any',
        });
        await store.appendToStream(stream, [event('A.v1', { n: 2 }), event('Skip.v1')], {
          expectedRevision: 'any',
        });
        await store.appendToStream(other, [event('A.v1', { n: 99 })], { expectedRevision: 'any' });

        const subscription = store.subscribeToAll({
          after: first.position,
          filter: { eventTypes: ['A.v1'], streamPrefixes: ['thing-'] },
          batchSize: 1,
        });
        const iterator = subscription[Symbol.asyncIterator]();
        const history = await take(iterator, 1);
        expect(history.map((e) => e.data['n'])).toEqual([2]);

        const live = store.appendToStream(
          stream,
          [event('A.v1', { n: 3 }), event('A.v1', { n: 4 })],
          {
            expectedRevision: 'any',
          },
        );
        const seen = await take(iterator, 2);
        await live;
        expect(seen.map((e) => e.data['n'])).toEqual([3, 4]);

        await subscription.close();
        const end = await Promise.race([
          iterator.next(),
          new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 5_000)),
        ]);
        expect(end).toEqual({ done: true, value: undefined });
      });

      it('from START delivers every event exactly once while writers append concurrently', async () => {
        const writers = 8;
        const perWriter = 20;
        const subscription = store.subscribeToAll({ after: START, batchSize: 7 });
        const iterator = subscription[Symbol.asyncIterator]();
        const writing = Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let i = 0; i < perWriter; i++) {
              await store.appendToStream(`${stream}-${w}`, [event('N.v1', { w, i })], {
                expectedRevision: 'any',
              });
            }
          }),
        );
        const seen = await take(iterator, writers * perWriter, 30_000);
        await writing;
        await subscription.close();
        expect(new Set(seen.map((e) => e.id)).size).toBe(writers * perWriter);
        for (let i = 1; i < seen.length; i++) {
          expect(comparePositions(seen[i - 1]!.position, seen[i]!.position)).toBeLessThan(0);
        }
      });
    });
  });
}
