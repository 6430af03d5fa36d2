/**
 * One read shared by the gauges a scrape reads together (several figures of one query):
 * callers while a read runs share it, and its result serves for `reuseForMs` after it
 * ends, so a scrape costs one query, not one per gauge. A failed read is not kept.
 */
export function sharedReading<T>(
  read: () => Promise<T>,
  reuseForMs: number,
  nowMs: () => number = () => performance.now(),
): () => Promise<T> {
  let last: { readonly result: Promise<T>; settledAtMs: number | undefined } | undefined;
  return () => {
    const fresh =
      last !== undefined &&
      (last.settledAtMs === undefined || nowMs() - last.settledAtMs < reuseForMs);
    if (fresh) return last!.result;
    const current = { result: read(), settledAtMs: undefined as number | undefined };
    last = current;
    current.result.then(
      () => {
        current.settledAtMs = nowMs();
      },
      () => {
        if (last === current) last = undefined;
      },
    );
    return current.result;
  };
}

/**
 * For gauges of one query: a scrape reads every metric at once, so they share the read
 * in flight, and the next scrape reads afresh (never a figure older than the scrape).
 */
export const ONE_SCRAPE = 0;
