import { type Position } from './position.js';
import { type JsonObject } from '../events/json.js';

// Adapters and callers name the payload types with the rest of the port.
export type { Json, JsonObject } from '../events/json.js';

/**
 * The one event-store port. Every adapter (PostgreSQL, EventStoreDB) passes the
 * shared contract suite in test/contract/event-store.contract.ts.
 */

/** 'any': no check; 'no_stream': must not exist; 'stream_exists': must exist; bigint: last revision must equal it. */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | bigint;

export interface EventToAppend {
  /** A UUID. Appending an event id that is already in the stream is a no-op (idempotent append). */
  readonly id: string;
  /** Stable, versioned type name, e.g. `FundsDeposited.v2`. */
  readonly type: string;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
}

export interface RecordedEvent {
  readonly id: string;
  readonly type: string;
  readonly streamId: string;
  /** 0-based revision of the event within its stream. */
  readonly revision: bigint;
  readonly position: Position;
  readonly data: JsonObject;
  readonly metadata: JsonObject;
  readonly createdAt: Date;
}

export interface AppendResult {
  /** The revision of the last event in the stream after the append. */
  readonly nextExpectedRevision: bigint;
  /** The position of the last appended event. */
  readonly position: Position;
}

export interface ReadStreamOptions {
  readonly direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to the start (forwards) or the end (backwards). */
  readonly fromRevision?: bigint;
  /** Bounded: adapters cap it at MAX_READ_COUNT. */
  readonly maxCount?: number;
}

/** Selects events of the global log. Both lists are OR-ed within themselves and AND-ed together. */
export interface LogFilter {
  readonly eventTypes?: readonly string[];
  readonly streamPrefixes?: readonly string[];
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. */
  readonly after?: Position;
  readonly maxCount?: number;
  readonly filter?: LogFilter;
}

export interface SubscribeOptions {
  /** Exclusive start: the subscriber's checkpoint. */
  readonly after?: Position;
  readonly filter?: LogFilter;
  /** Upper bound of events fetched per round while catching up. */
  readonly batchSize?: number;
  /**
   * Called with a position the subscription has passed even when the filter let no
   * event through, so that a checkpointed subscriber can move its checkpoint on.
   */
  readonly onCheckpoint?: (position: Position) => void;
}

/**
 * A live catch-up subscription: iterate it to receive every matching event after
 * the start position, in log order, first the history and then live events.
 * `close()` ends the iteration.
 */
export interface LogSubscription extends AsyncIterable<RecordedEvent> {
  close(): Promise<void>;
}

export interface EventStore {
  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeOptions): LogSubscription;
  /**
   * Resolves once events may be readable after `after`, at the latest after `timeoutMs`,
   * or when `abort` fires. A reader that pages through the log with readAll sleeps on
   * it: the pages keep the log's order whatever a push channel does.
   */
  waitForEvents(after: Position, timeoutMs: number, abort?: AbortSignal): Promise<void>;
  /** The position of the last event a reader of the log can see now; START when empty. */
  headPosition(): Promise<Position>;
  close(): Promise<void>;
}

export const EVENT_STORE = Symbol('EVENT_STORE');

/** Largest page any single read returns; callers page for more. */
export const MAX_READ_COUNT = 10_000;
