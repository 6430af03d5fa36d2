import { fromJson } from '../../events/event-metadata.js';
import { type RecordedEvent } from '../../event-store/event-store.port.js';
import { type Position, comparePositions } from '../../event-store/position.js';
import { type Slice, sliceOf } from '../paging/page.js';

/** One line of the audit trail: what was recorded, where, when, by whom and why. */
export interface AuditEntry {
  readonly position: Position;
  readonly streamId: string;
  /** The stored type name, version included (`FundsDeposited.v2`): the log's own word. */
  readonly eventType: string;
  readonly occurredAt: Date;
  readonly userId: string;
  readonly initiatorId: string | null;
  readonly correlationId: string;
  readonly causationId: string;
  readonly commandId: string;
}

export function auditEntryOf(recorded: RecordedEvent): AuditEntry {
  const metadata = fromJson(recorded.metadata);
  const stated = Date.parse(metadata.occurredAt);
  return {
    position: recorded.position,
    streamId: recorded.streamId,
    eventType: recorded.type,
    // The command's own time; the store's append time for an event that lacks one.
    occurredAt: Number.isNaN(stated) ? recorded.createdAt : new Date(stated),
    userId: metadata.userId,
    initiatorId: metadata.initiatorId ?? null,
    correlationId: metadata.correlationId,
    causationId: metadata.causationId,
    commandId: metadata.commandId,
  };
}

/**
 * The orders an account's stream names. Every order is opened on its account's stream
 * (AccountOrderOpened, written before the order's own stream exists), and its
 * reservations, fees and settlements there carry its id too: the account's log alone
 * lists all its orders, with no view and no scan of the whole log.
 */
export function orderIdsOf(accountEvents: readonly RecordedEvent[]): string[] {
  const ids = new Set<string>();
  for (const event of accountEvents) {
    const orderId = event.data['orderId'];
    if (typeof orderId === 'string') ids.add(orderId);
  }
  return [...ids];
}

export interface AuditWindow {
  /** Exclusive: the position of the previous page's last entry. */
  readonly after: Position | undefined;
  /**
   * Inclusive: the log's head as readers see it. A stream read may return an event of a
   * transaction that committed before an older one still running: beyond the head, it
   * could later gain an earlier neighbour that a keyset page after it would skip.
   */
  readonly head: Position;
  readonly limit: number;
}

/** Several streams' events merged into log order, cut to the window: one page of the trail. */
export function auditSlice(
  streams: readonly (readonly RecordedEvent[])[],
  { after, head, limit }: AuditWindow,
): Slice<AuditEntry> {
  const inWindow = streams
    .flat()
    .filter(
      ({ position }) =>
        comparePositions(position, head) <= 0 &&
        (after === undefined || comparePositions(position, after) > 0),
    )
    .sort((a, b) => comparePositions(a.position, b.position));
  return sliceOf(inWindow.slice(0, limit + 1).map(auditEntryOf), limit);
}
