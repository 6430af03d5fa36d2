import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START as FROM_START,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendExpectedRevision,
  type AppendResult as ClientAppendResult,
} from '@eventstore/db-client';
import {
  MAX_READ_COUNT,
  type AppendResult,
  type CsvReadOptions,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type LogSubscription,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
} from '../../../event-store/event-store.port.js';
import { START, comparePositions, type Position } from '../../../event-store/position.js';
import { csvPagesOf } from '../../../event-store/csv-pages.js';
import {
  InvalidAppendError,
  StoreUnavailableError,
} from '../../../event-store/event-store.errors.js';
import { toEventStoreError, type ErrorContext } from './eventstoredb.errors.js';
import {
  admitsNothing,
  isSystemEvent,
  matchesLogFilter,
  positionOf,
  toEventData,
  toRecordedEvent,
  type ClientRecordedEvent,
} from './eventstoredb.events.js';
import { EventStoreDbLogSubscription } from './eventstoredb.subscription.js';

/**
 * How far back a rejected append looks for its own events (see appendToStream):
 * a retry arriving after more than this many later events is reported as a conflict.
 */
const IDEMPOTENCY_LOOKBACK = 1_000;
/** Page size for $all reads that filter on this side and may skip many events. */
const FILTERED_PAGE_SIZE = 1_000;
/** Page size when walking $all backwards past system events to find the head. */
const HEAD_PAGE_SIZE = 100;

/** The EventStoreDB (gRPC) adapter of the event-store port. */
export class EventStoreDbEventStore implements EventStore {
  private readonly client: EventStoreDBClient;
  private readonly ownsClient: boolean;
  private readonly subscriptions = new Set<EventStoreDbLogSubscription>();

  /** A connection string (`esdb://host:2113?tls=false`) or a client whose lifetime the caller keeps. */
  constructor(connection: string | EventStoreDBClient) {
    this.ownsClient = typeof connection === 'string';
    this.client =
      typeof connection === 'string' ? EventStoreDBClient.connectionString(connection) : connection;
  }

  /** Connects lazily: the first call opens the channel, so this never fails on an unreachable node. */
  static fromConnectionString(connectionString: string): EventStoreDbEventStore {
    return new EventStoreDbEventStore(connectionString);
  }

  /**
   * Appends atomically. Idempotency by event id follows the port, not the server:
   * the server recognises a repeated batch only when it is sent with the expected
   * revision of the original write (or `any` while the ids are in its cache) and
   * otherwise reports wrong expected version. On that error this looks for the
   * batch's ids among the stream's last IDEMPOTENCY_LOOKBACK events: all found means
   * a retry, answered with the original result; some found means ids reused with
   * other events, which can never succeed.
   */
  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    if (events.length === 0) throw new InvalidAppendError(`Stream ${streamId}: nothing to append`);
    const context: ErrorContext = {
      operation: 'append',
      streamId,
      expectedRevision: options.expectedRevision,
    };
    let result: ClientAppendResult;
    try {
      result = await this.client.appendToStream(streamId, events.map(toEventData), {
        expectedRevision: toClientExpectedRevision(options.expectedRevision),
      });
    } catch (error) {
      if (!(error instanceof WrongExpectedVersionError)) throw toEventStoreError(error, context);
      const original = await this.findEarlierAppend(streamId, events);
      if (original) return original;
      throw toEventStoreError(error, context);
    }
    const position =
      result.position ?? (await this.positionOfRevision(streamId, result.nextExpectedRevision));
    return { nextExpectedRevision: result.nextExpectedRevision, position };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const maxCount = boundedCount(options.maxCount);
    if (maxCount === 0) return [];
    const direction = options.direction ?? 'forwards';
    const fromRevision = options.fromRevision ?? (direction === 'forwards' ? FROM_START : END);
    const events: RecordedEvent[] = [];
    try {
      const read = this.client.readStream(streamId, {
        direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
        fromRevision,
        maxCount,
      });
      for await (const resolved of read) {
        if (resolved.event) events.push(toRecordedEvent(resolved.event));
      }
    } catch (error) {
      // A tombstoned stream has no events left to read either.
      if (error instanceof StreamNotFoundError || error instanceof StreamDeletedError) return [];
      throw toEventStoreError(error, { operation: 'read', streamId });
    }
    return events;
  }

  /**
   * The client's readAll takes no server-side filter (only subscribeToAll does), so
   * this pages through $all and filters here; unfiltered reads still page, because
   * system events in the log are skipped too.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const limit = boundedCount(options.maxCount);
    const filter = options.filter;
    if (limit === 0 || admitsNothing(filter)) return [];
    const filtered = filter?.eventTypes !== undefined || filter?.streamPrefixes !== undefined;
    const events: RecordedEvent[] = [];
    let cursor = options.after ?? START;
    for (;;) {
      // Forward reads include the event at their start position; `cursor` is exclusive, hence +1.
      const pageSize = filtered ? FILTERED_PAGE_SIZE : limit - events.length + 1;
      const page = await this.readAllPage(cursor, 'forwards', pageSize);
      for (const event of page) {
        const position = positionOf(event);
        if (comparePositions(position, cursor) <= 0) continue;
        cursor = position;
        if (!matchesLogFilter(event, filter)) continue;
        events.push(toRecordedEvent(event));
        if (events.length === limit) return events;
      }
      if (page.length < pageSize) return events;
    }
  }

  /** No bulk path in EventStoreDB: readAll's pages, as CSV. */
  readAllAsCsv(options: CsvReadOptions): AsyncIterable<string> {
    return csvPagesOf((page) => this.readAll(page), options);
  }

  subscribeToAll(options: SubscribeOptions = {}): LogSubscription {
    const subscription = new EventStoreDbLogSubscription(this.client, options, (closed) =>
      this.subscriptions.delete(closed),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** The live subscription is the wake-up: the first event it brings after `after` ends the wait. */
  async waitForEvents(after: Position, timeoutMs: number, abort?: AbortSignal): Promise<void> {
    const subscription = this.subscribeToAll({ after, batchSize: 1 });
    const iterator = subscription[Symbol.asyncIterator]();
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => void subscription.close();
    abort?.addEventListener('abort', stop, { once: true });
    try {
      await Promise.race([
        iterator.next(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      abort?.removeEventListener('abort', stop);
      await subscription.close();
    }
  }

  async headPosition(): Promise<Position> {
    let from: Position | undefined;
    for (;;) {
      // Backward reads exclude the event at their start position, so paging needs no skip.
      const page = await this.readAllPage(from, 'backwards', HEAD_PAGE_SIZE);
      const last = page.find((event) => !isSystemEvent(event));
      if (last) return positionOf(last);
      if (page.length < HEAD_PAGE_SIZE) return START;
      from = positionOf(page[page.length - 1]!);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.subscriptions].map((subscription) => subscription.close()));
    if (this.ownsClient) await this.client.dispose();
  }

  /** One page of $all; `from` undefined means the start (forwards) or the end (backwards). */
  private async readAllPage(
    from: Position | undefined,
    direction: 'forwards' | 'backwards',
    maxCount: number,
  ): Promise<ClientRecordedEvent[]> {
    const fromPosition =
      from && comparePositions(from, START) > 0
        ? from
        : direction === 'forwards'
          ? FROM_START
          : END;
    const page: ClientRecordedEvent[] = [];
    try {
      const read = this.client.readAll({
        fromPosition,
        direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
        maxCount,
      });
      for await (const resolved of read) if (resolved.event) page.push(resolved.event);
    } catch (error) {
      throw toEventStoreError(error, { operation: 'read' });
    }
    return page;
  }

  private async findEarlierAppend(
    streamId: string,
    events: readonly EventToAppend[],
  ): Promise<AppendResult | undefined> {
    const recent = await this.readStream(streamId, {
      direction: 'backwards',
      maxCount: IDEMPOTENCY_LOOKBACK,
    });
    const byId = new Map(recent.map((event) => [event.id, event]));
    const found = events.filter((event) => byId.has(event.id)).length;
    if (found === 0) return undefined;
    if (found < events.length) {
      throw new InvalidAppendError(
        `Stream ${streamId}: ${found} of ${events.length} event ids are already in the stream`,
      );
    }
    const last = byId.get(events[events.length - 1]!.id)!;
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  /** The server answers without a position for some idempotent writes; the event has one. */
  private async positionOfRevision(streamId: string, revision: bigint): Promise<Position> {
    const [event] = await this.readStream(streamId, { fromRevision: revision, maxCount: 1 });
    if (!event) {
      throw new StoreUnavailableError(
        `EventStoreDB acknowledged revision ${revision} of ${streamId} but does not return it`,
      );
    }
    return event.position;
  }
}

function toClientExpectedRevision(expected: ExpectedRevision): AppendExpectedRevision {
  // The port's values are the client's constants ('any', 'no_stream', 'stream_exists', bigint).
  return expected;
}

function boundedCount(maxCount: number | undefined): number {
  if (maxCount === undefined || Number.isNaN(maxCount)) return MAX_READ_COUNT;
  return Math.max(0, Math.min(Math.floor(maxCount), MAX_READ_COUNT));
}
