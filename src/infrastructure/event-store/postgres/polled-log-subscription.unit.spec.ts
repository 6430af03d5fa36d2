import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { type RecordedEvent } from '../../../event-store/event-store.port.js';
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
});
