import { setImmediate as nextTurn } from 'node:timers/promises';

const IDLE = Symbol('idle');

/**
 * Groups an async stream into batches: a batch takes every item that is ready now
 * (already buffered by the source) up to `maxBatch`, and is handed on as soon as the
 * source would make it wait. A catch-up fills whole batches; a live trickle goes one by one.
 */
export async function* inBatches<T>(
  source: AsyncIterable<T>,
  maxBatch: number,
): AsyncGenerator<T[]> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    let pending = iterator.next();
    for (;;) {
      const first = await pending;
      if (first.done) return;
      const batch = [first.value];
      pending = iterator.next();
      let ended = false;
      while (batch.length < maxBatch) {
        const next = await Promise.race([pending, nextTurn(IDLE)]);
        if (next === IDLE) break;
        if (next.done) {
          ended = true;
          break;
        }
        batch.push(next.value);
        pending = iterator.next();
      }
      yield batch;
      if (ended) return;
    }
  } finally {
    await iterator.return?.();
  }
}
