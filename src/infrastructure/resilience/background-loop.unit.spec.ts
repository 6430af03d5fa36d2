import { describe, expect, it } from 'vitest';
import { BackgroundLoop } from './background-loop.js';

describe('BackgroundLoop', () => {
  it('runs passes until one answers false, and is then no longer running', async () => {
    let passes = 0;
    const loop = new BackgroundLoop(
      async () => ++passes < 3,
      () => undefined,
    );
    loop.start();
    expect(loop.running).toBe(true);
    await expect.poll(() => loop.running).toBe(false);
    expect(passes).toBe(3);
  });

  it('reports a failed pass and runs another after a backoff', async () => {
    const failures: unknown[] = [];
    let passes = 0;
    const loop = new BackgroundLoop(
      async () => {
        passes++;
        if (passes === 1) throw new Error('store down');
        return false;
      },
      (error) => failures.push(error),
    );
    loop.start();
    await expect.poll(() => loop.running, { timeout: 2_000 }).toBe(false);
    expect(passes).toBe(2);
    expect(failures).toEqual([new Error('store down')]);
  });

  it('stop aborts the pass under way and waits for it', async () => {
    let aborted = false;
    const loop = new BackgroundLoop(
      (signal) =>
        new Promise<boolean>((resolve) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve(true);
          });
        }),
      () => undefined,
    );
    loop.start();
    await loop.stop();
    expect(aborted).toBe(true);
    expect(loop.running).toBe(false);
  });
});
