import {
  type LogFilter,
  type LogSubscription,
  type RecordedEvent,
  type SubscribeOptions,
} from '../../../event-store/event-store.port.js';
import { type Position, START } from '../../../event-store/position.js';
import { type WakeSignal } from '../../../event-store/wake-signal.js';
import { pause } from '../../resilience/backoff.js';

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
/**
 * While an older transaction holds the horizon, look again soon: it is usually a
 * projector's batch or another append, over in milliseconds. The wait doubles while it
 * stays held (any long transaction on the server holds it), so a held horizon costs a
 * subscriber at most 1000 / HELD_BACK_MAX_RETRY_MS looks a second; the cap bounds the
 * extra read-your-writes lag.
 */
const HELD_BACK_FIRST_RETRY_MS = 2;
const HELD_BACK_MAX_RETRY_MS = 50;

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
    let heldBackDelayMs = HELD_BACK_FIRST_RETRY_MS;
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
      if (page.length === batchSize) continue;

      if (await this.source.isHeldBack(after)) {
        // Not a wake: appends keep coming while an old transaction holds the horizon.
        await pause(heldBackDelayMs, this.abort.signal);
        heldBackDelayMs = Math.min(heldBackDelayMs * 2, HELD_BACK_MAX_RETRY_MS);
      } else {
        heldBackDelayMs = HELD_BACK_FIRST_RETRY_MS;
        await this.source.signal.wait(generation, this.source.idleRecheckMs, this.abort.signal);
      }
    }
  }
}
