import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import { type Decider } from '../domain/rejection.js';
import { decodeEvent, encodeEvent } from '../events/event-codec.js';
import { type DomainEvent } from '../events/event-catalog.js';
import { toJson } from '../events/event-metadata.js';
import { WrongExpectedRevisionError } from '../infrastructure/event-store/event-store.errors.js';
import {
  EVENT_STORE,
  type EventStore,
  MAX_READ_COUNT,
} from '../infrastructure/event-store/event-store.port.js';
import { type Position, START } from '../infrastructure/event-store/position.js';
import { CommandRejectedError, ConcurrencyConflictError } from './command-errors.js';
import { type CommandContext, metadataFor } from './command-context.js';
import { deterministicUuid } from './deterministic-id.js';

/** Attempts of load-decide-append before a contended stream gives up with CONCURRENCY_CONFLICT. */
export const MAX_COMMAND_ATTEMPTS = 12;
const RETRY_BASE_DELAY_MS = 2;
const RETRY_MAX_DELAY_MS = 50;

export interface Loaded<S> {
  readonly state: S;
  /** Revision of the last event read; undefined when the stream does not exist. */
  readonly revision: bigint | undefined;
  /** Position of the last event read; START when the stream does not exist. */
  readonly position: Position;
  /** The last event the given command already wrote to this stream, if any. */
  readonly effectOf?: { readonly revision: bigint; readonly position: Position };
}

export interface StreamWrite {
  readonly streamId: string;
  /** Revision of the stream after the command (its last event's revision). */
  readonly revision: bigint;
  /** Position that reflects the command's effect on the stream. */
  readonly position: Position;
  readonly appended: number;
}

/**
 * Loads aggregates from their streams and runs commands against them:
 * load, decide, append with the expected revision, and retry a bounded number of
 * times when another writer got there first.
 */
@Injectable()
export class AggregateStore {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async load<S, E extends DomainEvent>(
    streamId: string,
    decider: Decider<never, S, E>,
    commandId?: string,
  ): Promise<Loaded<S>> {
    let state = decider.initialState;
    let revision: bigint | undefined;
    let position = START;
    let effectOf: Loaded<S>['effectOf'];
    for (;;) {
      const page = await this.store.readStream(streamId, {
        fromRevision: revision === undefined ? 0n : revision + 1n,
        maxCount: MAX_READ_COUNT,
      });
      for (const recorded of page) {
        state = decider.evolve(state, decodeEvent(recorded) as E);
        revision = recorded.revision;
        position = recorded.position;
        if (commandId !== undefined && recorded.metadata['commandId'] === commandId) {
          effectOf = { revision, position };
        }
      }
      if (page.length < MAX_READ_COUNT) return { state, revision, position, effectOf };
    }
  }

  /**
   * Runs one command against one stream. `buildCommand` sees the freshly loaded state
   * on every attempt, so it may read whatever else the decision needs. Event ids
   * derive from the command id: a retried command appends nothing new.
   */
  async execute<C, S, E extends DomainEvent>(
    streamId: string,
    decider: Decider<C, S, E>,
    buildCommand: (loaded: Loaded<S>) => NoInfer<C> | Promise<NoInfer<C>>,
    context: CommandContext,
  ): Promise<StreamWrite & { readonly state: S }> {
    for (let attempt = 1; ; attempt++) {
      const loaded = await this.load(streamId, decider, context.commandId);
      if (loaded.effectOf) {
        // This command already took effect here (a retry after a lost answer or a crash).
        // Checked in the stream itself, so it holds on any store, whatever its own dedup.
        return { streamId, ...loaded.effectOf, appended: 0, state: loaded.state };
      }
      const decision = decider.decide(await buildCommand(loaded), loaded.state);
      if (decision.kind === 'rejected') throw new CommandRejectedError(decision.rejection);
      if (decision.events.length === 0) {
        return {
          streamId,
          revision: loaded.revision ?? -1n,
          position: loaded.position,
          appended: 0,
          state: loaded.state,
        };
      }
      const metadata = toJson(metadataFor(context));
      try {
        const result = await this.store.appendToStream(
          streamId,
          decision.events.map((event, index) => ({
            id: deterministicUuid('event', context.commandId, streamId, String(index)),
            ...encodeEvent(event),
            metadata,
          })),
          { expectedRevision: loaded.revision ?? 'no_stream' },
        );
        return {
          streamId,
          revision: result.nextExpectedRevision,
          position: result.position,
          appended: decision.events.length,
          state: decision.events.reduce(decider.evolve, loaded.state),
        };
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) throw error;
        if (attempt >= MAX_COMMAND_ATTEMPTS) throw new ConcurrencyConflictError(streamId, attempt);
        // Full jitter: contending writers spread out instead of colliding again in step.
        const ceiling = Math.min(RETRY_BASE_DELAY_MS * 2 ** attempt, RETRY_MAX_DELAY_MS);
        await sleep(Math.random() * ceiling);
      }
    }
  }
}
