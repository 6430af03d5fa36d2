import { Injectable } from '@nestjs/common';
import { type Counter, type Histogram } from 'prom-client';
import { type DomainEvent } from '../events/event-catalog.js';
import { MetricsRegistry } from '../infrastructure/metrics/metrics.registry.js';
import { LedgerError } from '../shared/ledger-errors.js';

/** Where a repeated command was recognised: its stored result, or its effect in the stream. */
export type ReplaySource = 'stored_result' | 'stream';

/** A failed command's outcome: the stable code its client is answered with. */
function outcomeOf(error: unknown): string {
  return error instanceof LedgerError ? error.code : 'INTERNAL_SERVER_ERROR';
}

/** The part of a stream name before its id (account, order, ...): a closed set in code. */
function streamTypeOf(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash === -1 ? streamId : streamId.slice(0, dash);
}

/**
 * The write side on /metrics. Every label value comes from code: command names of the
 * GraphQL mutations, event types of the catalogue, error codes of the closed set,
 * stream types of `events/stream-names.ts`.
 */
@Injectable()
export class CommandMetrics {
  private readonly duration: Histogram<'command' | 'outcome'>;
  private readonly appended: Counter<'type'>;
  private readonly conflicts: Counter<'stream_type'>;
  private readonly replays: Counter<'source'>;

  constructor(registry: MetricsRegistry) {
    this.duration = registry.durationHistogram({
      name: 'ledger_command_duration_seconds',
      help: 'Commands sent over GraphQL, idempotency check included, by command and outcome (ok, or the error code; a replayed command is ok)',
      labelNames: ['command', 'outcome'],
    });
    this.appended = registry.counter({
      name: 'ledger_events_appended_total',
      help: 'Events appended to the log by this process, by event type',
      labelNames: ['type'],
    });
    this.conflicts = registry.counter({
      name: 'ledger_command_conflicts_retried_total',
      help: 'Appends refused for a stale expected revision and tried again, by stream type',
      labelNames: ['stream_type'],
    });
    this.replays = registry.counter({
      name: 'ledger_idempotent_replays_total',
      help: 'Commands whose id had run before, answered without appending, by where that was found',
      labelNames: ['source'],
    });
  }

  /** Runs a command and records how long it took and how it ended. */
  async time<T>(command: string, run: () => Promise<T>): Promise<T> {
    const end = this.duration.startTimer({ command });
    try {
      const result = await run();
      end({ outcome: 'ok' });
      return result;
    } catch (error) {
      end({ outcome: outcomeOf(error) });
      throw error;
    }
  }

  eventsAppended(events: readonly DomainEvent[]): void {
    for (const event of events) this.appended.inc({ type: event.type });
  }

  conflictRetried(streamId: string): void {
    this.conflicts.inc({ stream_type: streamTypeOf(streamId) });
  }

  replayed(source: ReplaySource): void {
    this.replays.inc({ source });
  }
}
