import { type EventStore, MAX_READ_COUNT, type RecordedEvent } from './event-store.port.js';

/**
 * A whole stream, forwards, in pages of at most MAX_READ_COUNT events (a single read is
 * bounded): ends after the first short page. Nothing for a stream that does not exist.
 */
export async function* streamPages(
  store: EventStore,
  streamId: string,
): AsyncGenerator<RecordedEvent[], void, undefined> {
  let fromRevision = 0n;
  for (;;) {
    const page = await store.readStream(streamId, { fromRevision, maxCount: MAX_READ_COUNT });
    if (page.length > 0) yield page;
    if (page.length < MAX_READ_COUNT) return;
    fromRevision = page[page.length - 1]!.revision + 1n;
  }
}
