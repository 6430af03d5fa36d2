import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { pause } from './backoff.js';

describe('pause', () => {
  it('waits for its delay', async () => {
    const started = performance.now();
    await pause(30);
    expect(performance.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('ends early, without throwing, once its signal aborts, and leaves no listener behind', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const waiting = pause(60_000, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    await expect(waiting).resolves.toBeUndefined();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('returns at once for a signal aborted before, and removes its listener when the time is up', async () => {
    const aborted = AbortSignal.abort();
    await expect(pause(60_000, aborted)).resolves.toBeUndefined();
    const controller = new AbortController();
    await pause(5, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
