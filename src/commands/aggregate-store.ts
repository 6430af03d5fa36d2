import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Optional } from '@nestjs/common';
import { type Rejection } from '../domain/rejection.js';
import { type Decider } from '../domain/decider.js';
import { decodeEvent, encodeEvent } from '../events/event-codec.js';
import { type DomainEvent } from '../events/event-catalog.js';
import { type EventMetadata, fromJson, toJson } from '../events/event-metadata.js';
import { WrongExpectedRevisionError } from '../event-store/event-store.errors.js';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import { streamPages } from '../event-store/stream-pages.js';
import { type Position, START } from '../event-store/position.js';
import { type BackoffPolicy, backoffDelayMs } from '../infrastructure/resilience/backoff.js';
import { CORRELATION_ATTRIBUTE, inSpan } from '../infrastructure/telemetry/tracing.js';
import { CommandRejectedError, ConcurrencyConflictError } from '../shared/ledger-errors.js';
import { type CommandContext, metadataFor } from './command-context.js';
import { CommandMetrics } from './command.metrics.js';
import { deterministicUuid } from './deterministic-id.js';
import {
  type CommandEffect,
  type StreamSnapshot,
  StreamCache,
  rememberEffect,
  withEffect,
} from './stream-cache.js';

/** Attempts of load-decide-append before a contended stream gives up with CONCURRENCY_CONFLICT. */
export const MAX_COMMAND_ATTEMPTS = 12;
/** Full jitter: contending writers spread out instead of colliding again in step. */
const CONFLICT_BACKOFF: BackoffPolicy = {
  maxAttempts: MAX_COMMAND_ATTEMPTS,
  baseDelayMs: 4,
  maxDelayMs: 50,
};

export interface Loaded<S> {
  readonly state: S;
  /** Revision of the last event read; undefined when the stream does not exist. */
  readonly revision: bigint | undefined;
  /** Position of the last event read; START when the stream does not exist. */
  readonly position: Position;
}

export interface StreamWrite {
  readonly streamId: string;
  /** Revision of the stream after the command (its last event's revision). */
  readonly revision: bigint;
  /** Position that reflects the command's effect on the stream. */
  readonly position: Position;
  readonly appended: number;
}

/** A stream after a command: where it stands and the aggregate's state there. */
export type StreamResult<S> = StreamWrite & { readonly state: S };

/**
 * What came of a command on one stream: its events were appended; nothing was to be
 * appended because its effect is already there (the same command id ran before, or the
 * decider found it an idempotent repeat); or the decider refused it and nothing was
 * written.
 */
export type CommandOutcome<S> =
  | { readonly outcome: 'accepted'; readonly result: StreamResult<S> }
  | { readonly outcome: 'already-done'; readonly result: StreamResult<S> }
  | { readonly outcome: 'rejected'; readonly rejection: Rejection };

/** Streams whose last known state a process keeps, to skip reading them before a command. */
export const STREAM_CACHE_SIZE = 10_000;
export const AGGREGATE_STORE_OPTIONS = Symbol('AGGREGATE_STORE_OPTIONS');
export interface AggregateStoreOptions {
  /** 0 turns the cache off: every command reads its stream first. */
  readonly streamCacheSize: number;
}

/**
 * Loads aggregates from their streams and runs commands against them:
 * load, decide, append with the expected revision, and retry a bounded number of
 * times when another writer got there first.
 */
@Injectable()
export class AggregateStore {
  private readonly cache: StreamCache;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Optional()
    @Inject(AGGREGATE_STORE_OPTIONS)
    options: AggregateStoreOptions = { streamCacheSize: STREAM_CACHE_SIZE },
    @Optional() private readonly metrics?: CommandMetrics,
  ) {
    this.cache = new StreamCache(options.streamCacheSize);
  }

  /** The stream's current state, read from the store. */
  async load<S, E extends DomainEvent>(
    streamId: string,
    decider: Decider<never, S, E>,
  ): Promise<Loaded<S>> {
    const { state, revision, position } = await this.read(streamId, decider);
    return { state, revision, position };
  }

  /**
   * The metadata of the stream's first event: who created it and in which chain of work
   * (the saga asks who placed an order). Undefined when the stream does not exist.
   */
  async creationOf(streamId: string): Promise<EventMetadata | undefined> {
    const [first] = await this.store.readStream(streamId, { maxCount: 1 });
    return first && fromJson(first.metadata);
  }

  /**
   * The aggregate's state after its stream's first event alone, in one short read: enough
   * for what its creation fixes for good (whose an account is, which account an order
   * draws on). Undefined when the stream does not exist.
   */
  async stateAtCreation<S, E extends DomainEvent>(
    streamId: string,
    decider: Decider<never, S, E>,
  ): Promise<S | undefined> {
    const [first] = await this.store.readStream(streamId, { maxCount: 1 });
    return first && decider.evolve(decider.initialState, decodeEvent(first) as E);
  }

  private async read<S, E extends DomainEvent>(
    streamId: string,
    decider: Decider<never, S, E>,
  ): Promise<StreamSnapshot<S>> {
    let state = decider.initialState;
    let revision: bigint | undefined;
    let position = START;
    const effects = new Map<string, CommandEffect>();
    for await (const page of streamPages(this.store, streamId)) {
      for (const recorded of page) {
        state = decider.evolve(state, decodeEvent(recorded) as E);
        revision = recorded.revision;
        position = recorded.position;
        const commandId = recorded.metadata['commandId'];
        if (typeof commandId === 'string')
          rememberEffect(effects, commandId, { revision, position });
      }
    }
    return { state, revision, position, effects };
  }

  /**
   * Runs one command against one stream and says what came of it; a refusal by the
   * decider is an outcome, not an exception. `buildCommand` sees the stream's state on
   * every attempt, so it may read whatever else the decision needs (what it throws
   * propagates). The state comes from the cache when this process wrote the stream last;
   * the append's expected revision catches a stale one, which is then read afresh, and a
   * refusal or a no-op (nothing appended, so nothing checked) is decided again on the
   * stream as read. Event ids derive from the command id, and a command already in the
   * stream is not run again. Throws ConcurrencyConflictError when the stream kept
   * changing, and whatever the store throws.
   */
  async tryExecute<C, S, E extends DomainEvent>(
    streamId: string,
    decider: Decider<C, S, E>,
    buildCommand: (loaded: Loaded<S>) => NoInfer<C> | Promise<NoInfer<C>>,
    context: CommandContext,
  ): Promise<CommandOutcome<S>> {
    for (let attempt = 1; ; attempt++) {
      const cached = this.cache.get<S>(streamId, decider);
      const loaded = cached ?? (await this.read(streamId, decider));
      this.cache.set(streamId, decider, loaded);
      const effect = loaded.effects.get(context.commandId);
      if (effect) {
        // This command already took effect here (a retry after a lost answer or a crash).
        // Checked in the stream itself, so it holds on any store, whatever its own dedup.
        const result = { streamId, ...effect, appended: 0, state: loaded.state };
        this.metrics?.replayed('stream');
        return { outcome: 'already-done', result };
      }
      const decision = decider.decide(await buildCommand(loaded), loaded.state);
      if (cached && (decision.kind === 'rejected' || decision.events.length === 0)) {
        // No append will check the cached state's revision: another process may have
        // written since (a cancel the saga must confirm, a deposit a withdrawal needs),
        // so only the stream itself may refuse the command or find nothing to do.
        this.cache.delete(streamId);
        continue;
      }
      if (decision.kind === 'rejected') {
        return { outcome: 'rejected', rejection: decision.rejection };
      }
      if (decision.events.length === 0) {
        const { revision, position, state } = loaded;
        const result = { streamId, revision: revision ?? -1n, position, appended: 0, state };
        return { outcome: 'already-done', result };
      }
      const written = await this.append(streamId, decider, loaded, decision.events, context);
      if (written) return { outcome: 'accepted', result: written };
      if (attempt >= CONFLICT_BACKOFF.maxAttempts) {
        throw new ConcurrencyConflictError(streamId, attempt);
      }
      this.metrics?.conflictRetried(streamId);
      await sleep(backoffDelayMs(CONFLICT_BACKOFF, attempt));
    }
  }

  /**
   * tryExecute for callers that answer a refusal with an error (the GraphQL path): throws
   * CommandRejectedError when the decider refuses, else the stream after the command.
   */
  async execute<C, S, E extends DomainEvent>(
    streamId: string,
    decider: Decider<C, S, E>,
    buildCommand: (loaded: Loaded<S>) => NoInfer<C> | Promise<NoInfer<C>>,
    context: CommandContext,
  ): Promise<StreamResult<S>> {
    const outcome = await this.tryExecute(streamId, decider, buildCommand, context);
    if (outcome.outcome === 'rejected') throw new CommandRejectedError(outcome.rejection);
    return outcome.result;
  }

  /**
   * Appends a decision's events with the expected revision of the state they were
   * decided on: the stream after them, or undefined when another writer got there first.
   */
  private async append<S, E extends DomainEvent>(
    streamId: string,
    decider: Decider<never, S, E>,
    loaded: StreamSnapshot<S>,
    events: readonly E[],
    context: CommandContext,
  ): Promise<StreamResult<S> | undefined> {
    const metadata = toJson(metadataFor(context));
    try {
      const result = await inSpan(
        'append',
        () => ({
          'ledger.stream': streamId,
          'ledger.events': events.length,
          [CORRELATION_ATTRIBUTE]: context.correlationId,
        }),
        () =>
          this.store.appendToStream(
            streamId,
            events.map((event, index) => ({
              id: deterministicUuid('event', context.commandId, streamId, String(index)),
              ...encodeEvent(event),
              metadata,
            })),
            { expectedRevision: loaded.revision ?? 'no_stream' },
          ),
      );
      const written = {
        state: events.reduce(decider.evolve, loaded.state),
        revision: result.nextExpectedRevision,
        position: result.position,
      };
      this.cache.set(streamId, decider, {
        ...written,
        effects: withEffect(loaded.effects, context.commandId, written),
      });
      this.metrics?.eventsAppended(events);
      return { streamId, ...written, appended: events.length };
    } catch (error) {
      this.cache.delete(streamId);
      if (error instanceof WrongExpectedRevisionError) return undefined;
      throw error;
    }
  }
}
