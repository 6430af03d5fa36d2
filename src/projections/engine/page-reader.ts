import {
  type EventStore,
  type LogFilter,
  type RecordedEvent,
} from '../../event-store/event-store.port.js';
import { type Position, comparePositions } from '../../event-store/position.js';

/**
 * Reads the log in pages, fetching the next page while the current one is applied when
 * the current one was full (a catch-up): the database and this process work at once.
 */
export class PageReader {
  private prefetched: { after: Position; page: Promise<RecordedEvent[]> } | undefined;

  constructor(
    private readonly store: EventStore,
    private readonly batchSize: number,
    /** Only these events (a rebuild's bulk load); undefined: every event. */
    private readonly filter?: LogFilter,
  ) {}

  async next(after: Position): Promise<RecordedEvent[]> {
    const ahead = this.prefetched;
    this.prefetched = undefined;
    const page =
      ahead && comparePositions(ahead.after, after) === 0
        ? await ahead.page
        : await this.read(after);
    if (page.length === this.batchSize) {
      const following = page[page.length - 1]!.position;
      const read = this.read(following);
      // Observed here so that a failed read-ahead nobody awaits is not an unhandled rejection.
      read.catch(() => undefined);
      this.prefetched = { after: following, page: read };
    }
    return page;
  }

  private read(after: Position): Promise<RecordedEvent[]> {
    return this.store.readAll({
      after,
      maxCount: this.batchSize,
      ...(this.filter ? { filter: this.filter } : {}),
    });
  }
}
