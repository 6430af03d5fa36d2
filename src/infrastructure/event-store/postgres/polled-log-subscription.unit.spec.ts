import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type RecordedEvent } from '../../../event-store/event-store.port.js';
import { START } from '../../../event-store/position.js';
import { WakeSignal } from '../../../event-store/wake-signal.js';
import { PolledLogSubscription } from './polled-log-subscription.js';

describe('polled log subscription', () => {
  // While any older transaction on the server held the horizon, a caught-up subscriber
  // looked again every 1-10 ms, hundreds of reads a second for as long as it lasted.
  it('backs off to a look every 50 ms while the log stays held back', async () => {
    let reads = 0;
    const subscription = new PolledLogSubscription(
      {
        readPage: async (): Promise<RecordedEvent[]> => {
          reads++;
          return [];
        },
        isHeldBack: async () => true,
        signal: new WakeSignal(),
        idleRecheckMs: 60_000,
      },
      {},
    );
    const iterating = (async () => {
      for await (const event of subscription) throw new Error(`unexpected ${event.id}`);
    })();
    await sleep(400);
    await subscription.close();
    await iterating;
    // 2, 4, 8, 16, 32, then 50 ms: about 12 looks in 400 ms.
    expect(reads).toBeGreaterThan(4);
    expect(reads).toBeLessThanOrEqual(16);
  });

  // Regression: the wait grew across pages, so under a steady stream of appends (one
  // nearly always in flight) a subscriber soon slept the full 50 ms after every page.
  it('looks again after the first delay when it read something since the last held look', async () => {
    const pauses: number[] = [];
    let lastLook = performance.now();
    let reads = 0;
    const subscription = new PolledLogSubscription(
      {
        readPage: async (): Promise<RecordedEvent[]> => {
          pauses.push(performance.now() - lastLook);
          reads++;
          const event = { id: `e${reads}`, position: { ...START, commit: BigInt(reads) } };
          return [event as RecordedEvent];
        },
        isHeldBack: async () => {
          lastLook = performance.now();
          return true;
        },
        signal: new WakeSignal(),
        idleRecheckMs: 60_000,
      },
      {},
    );
    for await (const event of subscription) {
      if (event.id === 'e12') break;
    }
    // Every wait is the first one (2 ms, timers allowing), never the doubled 4 to 50 ms.
    expect(pauses.slice(1).every((ms) => ms < 20)).toBe(true);
    expect(pauses.slice(1).reduce((sum, ms) => sum + ms, 0)).toBeLessThan(11 * 10);
  });
});
