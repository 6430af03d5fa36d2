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

/** A bounded run of the log for a bulk reader (exports): in log order, `after` to `to`. */
export interface CsvReadOptions {
  /** Exclusive. */
  readonly after: Position;
  /** Inclusive. */
  readonly to: Position;
  /** Bounded: adapters cap it at MAX_CSV_READ_COUNT. */
  readonly maxCount: number;
}

/**
 * The fields of an event's metadata that readAllAsCsv sends, each in a column of its own
 * (CSV_EVENT_COLUMNS): what a reader of the bulk path needs of the metadata, taken out by
 * the store (PostgreSQL finds a key in its binary JSON for less than writing the whole
 * object as text, and the reader need not parse it).
 */
export const CSV_METADATA_FIELDS = [
  'occurredAt',
  'correlationId',
  'causationId',
  'commandId',
  'userId',
  'initiatorId',
] as const;

/**
 * The columns of readAllAsCsv's rows, in order: the position's two parts, the event id,
 * stream, revision, stored type name (`<Type>.v<n>`), data as JSON text, the
 * CSV_METADATA_FIELDS (a string as it is, another value as JSON, an absent or null one as
 * an empty unquoted field), and the time it was recorded, in seconds since the Unix epoch
 * (a decimal, to the microsecond at most: a number PostgreSQL writes at no cost, where a
 * formatted date cost a fifth of its COPY).
 */
export const CSV_EVENT_COLUMNS = [
  'commit',
  'prepare',
  'event_id',
  'stream_id',
  'revision',
  'type',
  'data',
  ...CSV_METADATA_FIELDS,
  'created_at',
] as const;

/**
 * The quote character of readAllAsCsv's CSV (and its escape, doubled inside a field).
 * Not `"`: the JSON fields are full of double quotes, and with `"` as the quote every one
 * is doubled on the wire and undone by the reader (a tenth of the bytes, and half of
 * DuckDB's time reading a segment). U+0001 never appears raw in JSON text; where it
 * appears in another field, it is doubled like any quote.
 */
export const CSV_QUOTE = '\u0001';

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
  /**
   * The bulk read path for exports: the events of a bounded run of the log as CSV
   * (RFC 4180 with CSV_QUOTE as its quote, no header, CSV_EVENT_COLUMNS), chunk by chunk,
   * nothing parsed on the way.
   * An event's JSON is its stored text: how it is spaced and its keys ordered is the
   * store's (a reader that needs one form normalises it).
   */
  readAllAsCsv(options: CsvReadOptions): AsyncIterable<Uint8Array | string>;
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

/** Largest run one readAllAsCsv streams: it streams, so memory does not grow with it. */
export const MAX_CSV_READ_COUNT = 100_000;
