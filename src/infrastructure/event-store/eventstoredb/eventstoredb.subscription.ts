import {
  START as FROM_START,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type EventStoreDBClient,
} from '@eventstore/db-client';
import {
  MAX_READ_COUNT,
  type LogFilter,
  type LogSubscription,
  type RecordedEvent,
  type SubscribeOptions,
} from '../../../event-store/event-store.port.js';
import {
  START,
  comparePositions,
  encodePosition,
  type Position,
} from '../../../event-store/position.js';
import { StoreUnavailableError } from '../../../event-store/event-store.errors.js';
import { toEventStoreError } from './eventstoredb.errors.js';
import { matchesLogFilter, toRecordedEvent } from './eventstoredb.events.js';
import { serverSideFilter } from './eventstoredb.server-filter.js';

type Item =
  | { readonly kind: 'event'; readonly event: RecordedEvent }
  | { readonly kind: 'checkpoint'; readonly position: Position };

const DEFAULT_BATCH_SIZE = 256;
/** Repeats the server may send (after a reconnect, say) fall within this many events. */
const MAX_RECENT_IDS = 10_000;

/**
 * A live catch-up subscription over the client's filtered `$all` subscription.
 *
 * Buffering is bounded at `batchSize` on both sides: the client's stream holds at
 * most that many events, and this queue takes more only as the consumer asks, so
 * a slow consumer stalls the gRPC call (HTTP/2 flow control) instead of growing
 * memory. Checkpoints travel through the same queue as events and reach
 * `onCheckpoint` only once the consumer has taken every event before them.
 */
export class EventStoreDbLogSubscription implements LogSubscription {
  private readonly queue: Item[] = [];
  private readonly capacity: number;
  private readonly filter: LogFilter | undefined;
  private readonly onCheckpoint: ((position: Position) => void) | undefined;
  private readonly source: AllStreamSubscription;
  /** The furthest position queued as an event or checkpoint; nothing at or before it is queued again. */
  private passed: Position;
  private readonly startedAfter: Position;
  /** Ids of the latest events delivered, to tell a repeat from an event out of order. */
  private readonly recentIds = new Set<string>();
  private closed = false;
  private failure: { readonly error: unknown } | undefined;
  private readers: Array<() => void> = [];
  private drainWaiters: Array<() => void> = [];

  constructor(
    client: EventStoreDBClient,
    options: SubscribeOptions,
    private readonly onClosed: (subscription: EventStoreDbLogSubscription) => void,
  ) {
    this.capacity = Math.min(Math.max(1, options.batchSize ?? DEFAULT_BATCH_SIZE), MAX_READ_COUNT);
    this.filter = options.filter;
    this.onCheckpoint = options.onCheckpoint;
    this.passed = options.after ?? START;
    this.startedAfter = this.passed;
    this.source = client.subscribeToAll(
      {
        // The server starts a subscription strictly after the given position, as the port wants.
        fromPosition: comparePositions(this.passed, START) > 0 ? this.passed : FROM_START,
        filter: serverSideFilter(this.filter, (position) => this.serverCheckpoint(position)),
      },
      { highWaterMark: this.capacity },
    );
    this.source.on('readable', () => this.pull());
    this.source.on('error', (error) =>
      this.fail(toEventStoreError(error, { operation: 'subscribe' })),
    );
    this.source.on('end', () =>
      this.fail(new StoreUnavailableError('EventStoreDB ended the $all subscription')),
    );
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    this.wakeReaders();
    this.releaseDrainWaiters();
    this.onClosed(this);
    try {
      await this.source.unsubscribe();
    } catch {
      // The call never started (the node was unreachable): there is nothing to cancel.
    }
    this.source.destroy();
  }

  private async next(): Promise<IteratorResult<RecordedEvent>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      const item = this.queue.shift();
      if (item) {
        this.pull();
        if (item.kind === 'event') return { done: false, value: item.event };
        this.onCheckpoint?.(item.position);
        continue;
      }
      if (this.failure) throw this.failure.error;
      await new Promise<void>((resolve) => this.readers.push(resolve));
    }
  }

  /** Moves events from the client's stream into the queue while there is room. */
  private pull(): void {
    while (!this.closed && !this.failure && this.queue.length < this.capacity) {
      const resolved = this.source.read() as AllStreamResolvedEvent | null;
      if (resolved === null) break;
      try {
        this.accept(resolved);
      } catch (error) {
        this.fail(error);
      }
    }
    if (this.source.readableLength === 0) this.releaseDrainWaiters();
    this.wakeReaders();
  }

  private accept(resolved: AllStreamResolvedEvent): void {
    const recorded = resolved.event;
    // Unresolved links carry no event.
    if (!recorded) return;
    if (!this.advance(recorded.position)) {
      // A repeat of something delivered (or from before the start) is dropped; an event
      // never delivered that arrives behind a later one would be lost: fail loudly.
      const position = { commit: recorded.position.commit, prepare: recorded.position.prepare };
      if (comparePositions(position, this.startedAfter) > 0 && !this.recentIds.has(recorded.id)) {
        throw new Error(
          `EventStoreDB delivered ${recorded.id} out of order (behind ${encodePosition(this.passed)})`,
        );
      }
      return;
    }
    this.recentIds.add(recorded.id);
    if (this.recentIds.size > MAX_RECENT_IDS) {
      this.recentIds.delete(this.recentIds.values().next().value!);
    }
    if (matchesLogFilter(recorded, this.filter)) {
      this.queue.push({ kind: 'event', event: toRecordedEvent(recorded) });
    } else {
      // Dropped by the client-side half of the filter: still progress a checkpointer can keep.
      this.queueCheckpoint(recorded.position);
    }
  }

  /**
   * The client reports a checkpoint as it decodes it, while events that preceded it
   * may still wait in its readable buffer; the client awaits this callback, so
   * holding it until that buffer has moved into the queue keeps the order.
   */
  private async serverCheckpoint(position: Position): Promise<void> {
    if (!this.closed && !this.failure && this.source.readableLength > 0) {
      await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    }
    if (this.closed || this.failure || !this.advance(position)) return;
    this.queueCheckpoint(position);
    this.wakeReaders();
  }

  private advance(position: Position): boolean {
    if (comparePositions(position, this.passed) <= 0) return false;
    this.passed = position;
    return true;
  }

  /** Consecutive checkpoints collapse into the latest, so they never grow the queue. */
  private queueCheckpoint(position: Position): void {
    const last = this.queue.length - 1;
    if (this.queue[last]?.kind === 'checkpoint')
      this.queue[last] = { kind: 'checkpoint', position };
    else this.queue.push({ kind: 'checkpoint', position });
  }

  private fail(error: unknown): void {
    if (this.closed || this.failure) return;
    this.failure = { error };
    this.wakeReaders();
    this.releaseDrainWaiters();
  }

  private wakeReaders(): void {
    const readers = this.readers;
    this.readers = [];
    for (const resolve of readers) resolve();
  }

  private releaseDrainWaiters(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
