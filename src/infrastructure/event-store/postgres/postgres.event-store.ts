import { Logger } from '@nestjs/common';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import {
  InvalidAppendError,
  WrongExpectedRevisionError,
} from '../../../event-store/event-store.errors.js';
import {
  type AppendResult,
  CSV_METADATA_FIELDS,
  type CsvReadOptions,
  type EventStore,
  type EventToAppend,
  type ExpectedRevision,
  type JsonObject,
  type LogFilter,
  type LogSubscription,
  MAX_CSV_READ_COUNT,
  MAX_READ_COUNT,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RecordedEvent,
  type SubscribeOptions,
} from '../../../event-store/event-store.port.js';
import { type Position, START, comparePositions } from '../../../event-store/position.js';
import { type NamedStatement, queryConfig } from '../../database/named-statement.js';
import { HeldBackRechecks } from './held-back-rechecks.js';
import { PolledLogSubscription } from './polled-log-subscription.js';
import { WakeSignal } from '../../../event-store/wake-signal.js';
import { describeError, logSwallowed } from '../../../shared/error-logging.js';
import { pause } from '../../resilience/backoff.js';
import { isDuplicateEventId, isExpectedAppendError, mapPostgresError } from './postgres-errors.js';

const NOTIFY_CHANNEL = 'ledger_events';

interface EventRow {
  commit_position: string;
  seq: string;
  event_id: string;
  stream_id: string;
  revision: string;
  type: string;
  data: JsonObject;
  metadata: JsonObject;
  created_ms: number;
}

// Not aliased `tx_id`: ORDER BY tx_id would then sort by the text alias ('1000' < '999').
// The time travels as epoch milliseconds: a number parses far faster than a timestamp's
// text, which counts when a rebuild reads a million rows.
const EVENT_COLUMNS =
  'tx_id::text AS commit_position, seq, event_id, stream_id, revision, type, data, metadata, ' +
  '(extract(epoch FROM created_at) * 1000)::float8 AS created_ms';

/** readAllAsCsv's metadata columns: the keys are the port's constants, never input. */
const CSV_METADATA_SELECT = CSV_METADATA_FIELDS.map((field) => `metadata->>'${field}'`).join(', ');

/**
 * Only rows below the oldest append still running as of the statement's snapshot: see
 * migrations 006 and 008. A subquery, so the function runs once per statement, not once per row.
 */
const READ_HORIZON = 'ledger_read_horizon(pg_current_snapshot())';
const HORIZON = `tx_id < (SELECT ${READ_HORIZON})`;

/**
 * The statements every command and follower runs, prepared once per connection under
 * these names: unnamed, PostgreSQL parsed and planned each one every time, which was a
 * third of the database's time on the command path at 500 commands/s (a page read's
 * parse alone about 0.25 ms). The plans stay custom where the parameters matter (a
 * position near the log's end, a page size): PostgreSQL keeps a generic plan only when
 * it costs no more than the custom ones. A statement's name must keep its text.
 */
const STATEMENTS = {
  append: {
    name: 'ledger_append',
    text: 'SELECT last_revision, tx_id, seq FROM ledger_append($1, $2, $3, $4::uuid[], $5::text[], $6::jsonb[], $7::jsonb[])',
  },
  readAll: {
    name: 'ledger_read_all',
    text: `SELECT ${EVENT_COLUMNS} FROM ledger_events
       WHERE (tx_id, seq) > ($1::text::xid8, $2::bigint) AND ${HORIZON}
         AND ($3::text[] IS NULL OR type = ANY($3))
         AND ($4::text[] IS NULL OR stream_id ^@ ANY($4))
       ORDER BY tx_id, seq LIMIT $5`,
  },
  readStreamForwards: {
    name: 'ledger_read_stream',
    text: `SELECT ${EVENT_COLUMNS} FROM ledger_events
       WHERE stream_id = $1 AND ($2::bigint IS NULL OR revision >= $2)
       ORDER BY revision ASC LIMIT $3`,
  },
  readStreamBackwards: {
    name: 'ledger_read_stream_backwards',
    text: `SELECT ${EVENT_COLUMNS} FROM ledger_events
       WHERE stream_id = $1 AND ($2::bigint IS NULL OR revision <= $2)
       ORDER BY revision DESC LIMIT $3`,
  },
  // The look takes one event by the log's index (ORDER BY its key, LIMIT 1) rather than
  // asking EXISTS: PostgreSQL prices an EXISTS over a row comparison as a match every few
  // rows and reads the log sequentially from its start, all of it when nothing matches.
  // The first event past the position is the oldest: readable when below the horizon,
  // held back when at or above it (no older event can be readable then).
  // One horizon for both answers: each call reads the lock table (while anything runs),
  // and two reads taken at different moments could answer "held" and "readable" for two
  // different horizons.
  lookPast: {
    name: 'ledger_look_past',
    text: `WITH reading AS MATERIALIZED (SELECT ${READ_HORIZON} AS horizon)
            SELECT COALESCE(next.tx_id < reading.horizon, false) AS readable,
                   COALESCE(next.tx_id >= reading.horizon, false) AS held
              FROM reading LEFT JOIN LATERAL (
                SELECT tx_id FROM ledger_events
                 WHERE (tx_id, seq) > ($1::text::xid8, $2::bigint)
                 ORDER BY tx_id, seq LIMIT 1) AS next ON true`,
  },
} as const satisfies Record<string, NamedStatement>;

function toRecorded(row: EventRow): RecordedEvent {
  return {
    id: row.event_id,
    type: row.type,
    streamId: row.stream_id,
    revision: BigInt(row.revision),
    position: { commit: BigInt(row.commit_position), prepare: BigInt(row.seq) },
    data: row.data,
    metadata: row.metadata,
    createdAt: new Date(row.created_ms),
  };
}

function boundedCount(maxCount: number | undefined): number {
  return Math.max(1, Math.min(maxCount ?? MAX_READ_COUNT, MAX_READ_COUNT));
}

function expectedArgs(expected: ExpectedRevision): [string, string | null] {
  return typeof expected === 'bigint' ? ['exact', expected.toString()] : [expected, null];
}

export interface PostgresEventStoreOptions {
  /** How long a caught-up subscriber waits for a notification before it looks anyway. */
  readonly idleRecheckMs?: number;
}

export class PostgresEventStore implements EventStore {
  private readonly logger = new Logger('PostgresEventStore');
  private readonly appended = new WakeSignal();
  private listener: pg.Client | undefined;
  private listening: Promise<void> | undefined;
  /**
   * The lowest position past which a look found nothing, readable or held back, and the
   * append generation taken before it. While no append or notification has come since,
   * a waiter at or past it waits without looking again: an idle follower then costs one
   * read per idle recheck (its own), not two. Dropped when a read finds events past it
   * (a NOTIFY that never came).
   */
  private quietPast: { after: Position; generation: number } | undefined;
  private readonly heldBack = new HeldBackRechecks();
  private notifyInFlight = false;
  private notifyPending = false;
  private closed = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresEventStoreOptions = {},
  ) {}

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: { expectedRevision: ExpectedRevision },
  ): Promise<AppendResult> {
    if (events.length === 0) throw new InvalidAppendError(`Empty append to ${streamId}`);
    const [kind, revision] = expectedArgs(options.expectedRevision);
    try {
      const { rows } = await this.queryKeepingConnection<{
        last_revision: string;
        tx_id: string;
        seq: string;
      }>(STATEMENTS.append, [
        streamId,
        kind,
        revision,
        events.map((e) => e.id),
        events.map((e) => e.type),
        events.map((e) => JSON.stringify(e.data)),
        events.map((e) => JSON.stringify(e.metadata)),
      ]);
      const row = rows[0]!;
      this.announceAppend();
      return {
        nextExpectedRevision: BigInt(row.last_revision),
        position: { commit: BigInt(row.tx_id), prepare: BigInt(row.seq) },
      };
    } catch (error) {
      const mapped = mapPostgresError(error, { streamId, expected: options.expectedRevision });
      if (mapped instanceof WrongExpectedRevisionError || isDuplicateEventId(error)) {
        const earlier = await this.findEarlierAppend(streamId, events);
        if (earlier) return earlier;
      }
      throw mapped;
    }
  }

  /**
   * pool.query() throws away the connection on any error; a concurrency conflict is an
   * expected answer, not a broken connection, and reconnecting costs far more than it.
   */
  private async queryKeepingConnection<R extends pg.QueryResultRow>(
    statement: NamedStatement,
    values: unknown[],
  ): Promise<pg.QueryResult<R>> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      return await client.query<R>(queryConfig(statement, values));
    } catch (error) {
      if (!isExpectedAppendError(error)) broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** A retried append: the same event ids already in this stream. */
  private async findEarlierAppend(
    streamId: string,
    events: readonly EventToAppend[],
  ): Promise<AppendResult | undefined> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM ledger_events WHERE event_id = ANY($1::uuid[]) ORDER BY revision`,
      [events.map((e) => e.id)],
    );
    if (rows.length === 0) return undefined;
    const found = rows.map(toRecorded);
    if (found.length !== events.length || found.some((e) => e.streamId !== streamId)) {
      throw new InvalidAppendError(
        `Some event ids of this append to ${streamId} are already used elsewhere`,
      );
    }
    const last = found[found.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position };
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const from = options.fromRevision ?? (backwards ? null : 0n);
    const { rows } = await this.pool.query<EventRow>(
      queryConfig(backwards ? STATEMENTS.readStreamBackwards : STATEMENTS.readStreamForwards, [
        streamId,
        from?.toString() ?? null,
        boundedCount(options.maxCount),
      ]),
    );
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const after = options.after ?? START;
    const filter: LogFilter = options.filter ?? {};
    const { rows } = await this.pool.query<EventRow>(
      queryConfig(STATEMENTS.readAll, [
        after.commit.toString(),
        after.prepare.toString(),
        filter.eventTypes ? [...filter.eventTypes] : null,
        filter.streamPrefixes ? [...filter.streamPrefixes] : null,
        boundedCount(options.maxCount),
      ]),
    );
    const events = rows.map(toRecorded);
    const last = events[events.length - 1];
    if (last && this.quietPast && comparePositions(last.position, this.quietPast.after) > 0) {
      this.quietPast = undefined;
    }
    return events;
  }

  /**
   * COPY straight from the table: PostgreSQL writes the CSV itself (its quote is
   * CSV_QUOTE, U+0001, and it takes the metadata's fields out with `->>`) and this process
   * only passes its bytes on (the JSON is never parsed here). The positions are bigints,
   * so writing them into the statement (COPY takes no parameters) is safe.
   */
  async *readAllAsCsv({ after, to, maxCount }: CsvReadOptions): AsyncGenerator<Uint8Array> {
    const count = Math.max(1, Math.min(maxCount, MAX_CSV_READ_COUNT));
    const client = await this.pool.connect();
    let finished = false;
    try {
      const stream = client.query(
        copyTo(`COPY (SELECT tx_id, seq, event_id, stream_id, revision, type, data,
            ${CSV_METADATA_SELECT}, extract(epoch FROM created_at)
          FROM ledger_events
          WHERE (tx_id, seq) > ('${after.commit}'::xid8, ${after.prepare})
            AND (tx_id, seq) <= ('${to.commit}'::xid8, ${to.prepare}) AND ${HORIZON}
          ORDER BY tx_id, seq LIMIT ${count}) TO STDOUT (FORMAT csv, QUOTE E'\\x01')`),
      );
      for await (const chunk of stream) yield chunk as Uint8Array;
      finished = true;
    } finally {
      // A copy left half-read leaves the connection mid-protocol: it is closed, not reused.
      client.release(finished ? undefined : new Error('COPY abandoned before its end'));
    }
  }

  /**
   * True when the next committed event past `after` is one the horizon still hides
   * because an older transaction (possibly not ours) is running: the follower should look
   * again soon rather than wait for the next notification.
   */
  async hasEventsBeyondHorizon(after: Position): Promise<boolean> {
    return (await this.lookPast(after)).held;
  }

  subscribeToAll(options: SubscribeOptions = {}): LogSubscription {
    void this.ensureListening();
    return new PolledLogSubscription(
      {
        readPage: (after, maxCount) => this.readAll({ after, maxCount }),
        isHeldBack: (after) => this.hasEventsBeyondHorizon(after),
        signal: this.appended,
        idleRecheckMs: this.options.idleRecheckMs ?? 1_000,
      },
      options,
    );
  }

  async waitForEvents(after: Position, timeoutMs: number, abort?: AbortSignal): Promise<void> {
    void this.ensureListening();
    // Taken before the look: an append that lands after it bumps the generation.
    const generation = this.appended.current;
    if (!this.knownQuiet(after, generation)) {
      const { readable, held } = await this.lookPast(after);
      if (readable) return;
      if (held) {
        // An older transaction holds the horizon: no notification tells when it ends.
        await pause(this.heldBack.held(after), abort);
        return;
      }
      this.heldBack.released(after);
      this.rememberQuiet(after, generation);
    }
    // The idle recheck (timeoutMs) finds what a lost NOTIFY did not announce.
    await this.appended.wait(generation, timeoutMs, abort);
  }

  private async lookPast(after: Position): Promise<{ readable: boolean; held: boolean }> {
    const { rows } = await this.pool.query<{ readable: boolean; held: boolean }>(
      queryConfig(STATEMENTS.lookPast, [after.commit.toString(), after.prepare.toString()]),
    );
    return rows[0]!;
  }

  /**
   * True when a look past `after` or an earlier position, at this generation, found
   * nothing: nothing was appended here or announced since, so looking again would too.
   */
  private knownQuiet(after: Position, generation: number): boolean {
    const quiet = this.quietPast;
    return (
      quiet !== undefined &&
      quiet.generation === generation &&
      comparePositions(after, quiet.after) >= 0
    );
  }

  private rememberQuiet(after: Position, generation: number): void {
    const quiet = this.quietPast;
    const lowest =
      quiet?.generation === generation && comparePositions(quiet.after, after) < 0
        ? quiet.after
        : after;
    this.quietPast = { after: lowest, generation };
  }

  async headPosition(): Promise<Position> {
    const { rows } = await this.pool.query<{ commit_position: string; seq: string }>(
      `SELECT tx_id::text AS commit_position, seq FROM ledger_events WHERE ${HORIZON}
       ORDER BY tx_id DESC, seq DESC LIMIT 1`,
    );
    const row = rows[0];
    return row ? { commit: BigInt(row.commit_position), prepare: BigInt(row.seq) } : START;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.appended.wake();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(logSwallowed(this.logger, 'Closing the LISTEN connection'));
  }

  /**
   * Wakes followers in this process at once and in other processes by NOTIFY. The
   * NOTIFY is sent after the append's commit, never inside it: a notifying commit takes
   * a cluster-wide lock and would serialise every writer. At most one is in flight;
   * appends meanwhile coalesce into the next.
   */
  private announceAppend(): void {
    this.appended.wake();
    if (this.notifyInFlight) {
      this.notifyPending = true;
      return;
    }
    this.notifyInFlight = true;
    this.pool
      .query(`NOTIFY ${NOTIFY_CHANNEL}`)
      // Other processes' followers still find the append on their idle recheck.
      .catch(logSwallowed(this.logger, 'NOTIFY of an append'))
      .finally(() => {
        this.notifyInFlight = false;
        if (this.notifyPending && !this.closed) {
          this.notifyPending = false;
          this.announceAppend();
        }
      });
  }

  private ensureListening(): Promise<void> {
    this.listening ??= this.listen().catch((error: unknown) => {
      // Followers still recheck on their idle timer; try LISTEN again on the next subscription.
      this.listening = undefined;
      logSwallowed(this.logger, 'LISTEN for appends')(error);
    });
    return this.listening;
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(this.pool.options);
    client.on('notification', () => this.appended.wake());
    client.on('error', (error) => {
      // The next wait opens another; until then followers recheck on their idle timer.
      this.listener = undefined;
      this.listening = undefined;
      this.logger.warn(`LISTEN connection for appends lost: ${describeError(error)}`);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${NOTIFY_CHANNEL}`);
    } catch (error) {
      // A connection that did not come to listen is of no use: close it, not leave it open.
      await client
        .end()
        .catch(logSwallowed(this.logger, 'Closing a LISTEN connection that failed'));
      throw error;
    }
    if (this.closed) {
      await client.end();
      return;
    }
    this.listener = client;
  }
}
