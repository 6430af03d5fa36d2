import { type StoredEvent } from './event-log.js';
import { seededRandom } from '../../../src/shared/seeded-random.js';

/**
 * Delivery faults the emulator can inject into subscriptions, to test what a consumer
 * does when a subscription misbehaves: off unless given to startEsdbEmulator. A real
 * node does neither. Reads are never affected.
 */
export interface SubscriptionFaults {
  /**
   * Seeds the faults. The n-th subscription the emulator serves draws its own sequence
   * from the seed and n: a consumer that resubscribes after a fault meets other faults,
   * not the same one again.
   */
  readonly seed: number;
  /** Chance, after each event sent, that one of the last `window` events sent is sent again. */
  readonly duplicateRate?: number;
  /** Chance that the next event is held back and sent after the one following it. */
  readonly swapRate?: number;
  /** How far back a duplicate may reach, in events sent (default 16). */
  readonly window?: number;
}

/** What the faults did, over every subscription of the emulator. */
export interface FaultCounters {
  /** Subscriptions served with faults so far (each one's sequence is seeded by its number). */
  subscriptions: number;
  duplicates: number;
  swaps: number;
}

const DEFAULT_WINDOW = 16;

/** The faults of one subscription. */
export class SubscriptionFaultInjector {
  private readonly random: () => number;
  private readonly recent: StoredEvent[] = [];
  private readonly window: number;

  constructor(
    private readonly faults: SubscriptionFaults,
    private readonly counters: FaultCounters,
  ) {
    const ordinal = ++counters.subscriptions;
    this.random = seededRandom(faults.seed ^ Math.imul(ordinal, 0x9e3779b1));
    this.window = Math.max(1, faults.window ?? DEFAULT_WINDOW);
  }

  /** Whether the event at the cursor is to be swapped with the one after it. */
  swapNext(): boolean {
    const swap = this.random() < (this.faults.swapRate ?? 0);
    if (swap) this.counters.swaps++;
    return swap;
  }

  /** Records an event just sent; returns an earlier one (or the same) to send again, if any. */
  sent(event: StoredEvent): StoredEvent | undefined {
    this.recent.push(event);
    if (this.recent.length > this.window) this.recent.shift();
    if (this.random() >= (this.faults.duplicateRate ?? 0)) return undefined;
    this.counters.duplicates++;
    return this.recent[Math.floor(this.random() * this.recent.length)];
  }
}
