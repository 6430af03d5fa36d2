import {
  type LogFilter,
  type LogSubscription,
  type RecordedEvent,
  type SubscribeOptions,
} from '../../../event-store/event-store.port.js';
import { type Position, START } from '../../../event-store/position.js';
import { type WakeSignal } from '../../../event-store/wake-signal.js';
import { pause } from '../../resilience/backoff.js';
import { HELD_BACK_FIRST_RECHECK_MS, nextHeldBackDelay } from './held-back-rechecks.js';

export interface PolledLogSource {
  /** Reads the next page of the whole log (unfiltered) after a position. */
  readPage(after: Position, maxCount: number): Promise<RecordedEvent[]>;
  /** True when events exist that are committed but not yet readable in order. */
  isHeldBack(after: Position): Promise<boolean>;
  /** Woken whenever events may have been appended. */
  signal: WakeSignal;
  idleRecheckMs: number;
}

const DEFAULT_BATCH_SIZE = 500;
const MAX_BATCH_SIZE = 10_000;

function matches(event: RecordedEvent, filter: LogFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.eventTypes && !filter.eventTypes.includes(event.type)) return false;
  if (filter.streamPrefixes && !filter.streamPrefixes.some((p) => event.streamId.startsWith(p))) {
    return false;
  }
  return true;
}

/**
 * Catch-up then live: pages through the log from the start position and, once caught
 * up, sleeps until the store signals an append. Filtering happens here, page by page,
 * so that the position moves past events the filter drops (reported by onCheckpoint).
 */
export class PolledLogSubscription implements LogSubscription {
  private readonly abort = new AbortController();

  constructor(
    private readonly source: PolledLogSource,
    private readonly options: SubscribeOptions,
  ) {}

  async close(): Promise<void> {
    this.abort.abort();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    const batchSize = Math.max(
      1,
      Math.min(this.options.batchSize ?? DEFAULT_BATCH_SIZE, MAX_BATCH_SIZE),
    );
    let after = this.options.after ?? START;
    // While an older append holds the horizon, look again soon; the wait grows only while
    // nothing is read between two looks (held-back-rechecks.ts).
    let heldBackDelayMs = HELD_BACK_FIRST_RECHECK_MS;
    while (!this.abort.signal.aborted) {
      const generation = this.source.signal.current;
      const page = await this.source.readPage(after, batchSize);
      let skipped = false;
      for (const event of page) {
        if (this.abort.signal.aborted) return;
        after = event.position;
        if (matches(event, this.options.filter)) yield event;
        else skipped = true;
      }
      if (skipped) this.options.onCheckpoint?.(after);
      if (page.length > 0) heldBackDelayMs = HELD_BACK_FIRST_RECHECK_MS;
      if (page.length === batchSize) continue;

      if (await this.source.isHeldBack(after)) {
        // Not a wake: appends keep coming while an old transaction holds the horizon.
        await pause(heldBackDelayMs, this.abort.signal);
        heldBackDelayMs = nextHeldBackDelay(heldBackDelayMs);
      } else {
        heldBackDelayMs = HELD_BACK_FIRST_RECHECK_MS;
        await this.source.signal.wait(generation, this.source.idleRecheckMs, this.abort.signal);
      }
    }
  }
}
