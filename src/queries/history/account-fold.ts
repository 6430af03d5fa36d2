import {
  type AccountState,
  availableMinor,
  evolveAccount,
  initialAccountState,
} from '../../domain/account.decider.js';
import { type AccountEvent } from '../../domain/account.events.js';
import {
  type HoldingState,
  evolveHolding,
  initialHoldingState,
} from '../../domain/holding.decider.js';
import { type HoldingEvent } from '../../domain/holding.events.js';
import { decodeEvent } from '../../events/event-codec.js';
import { fromJson } from '../../events/event-metadata.js';
import { type RecordedEvent } from '../../event-store/event-store.port.js';
import { type Position, comparePositions } from '../../event-store/position.js';

/** Where to stop: at a log position (included) or at an instant (included). */
export type TravelPoint =
  | { readonly kind: 'position'; readonly position: Position }
  | { readonly kind: 'time'; readonly time: Date };

/** One event that changed the account or a holding, with what it left behind. */
export interface AccountChange {
  readonly position: Position;
  readonly streamId: string;
  readonly eventType: string;
  readonly occurredAt: Date;
  readonly userId: string;
  /** The account's cash after it (account events); undefined for a holding's event. */
  readonly balanceAfterMinor: bigint | undefined;
  readonly availableAfterMinor: bigint | undefined;
  /** The holding's instrument and shares after it (holding events). */
  readonly instrument: string | undefined;
  readonly quantityAfter: bigint | undefined;
}

export interface AccountAt {
  readonly account: AccountState;
  readonly holdings: ReadonlyMap<string, HoldingState>;
  /** Every change up to the point, oldest first. */
  readonly changes: readonly AccountChange[];
}

/** The command's own time; the store's append time for an event that lacks one. */
function occurredAt(recorded: RecordedEvent): Date {
  const stated = Date.parse(fromJson(recorded.metadata).occurredAt);
  return Number.isNaN(stated) ? recorded.createdAt : new Date(stated);
}

function isBefore(recorded: RecordedEvent, point: TravelPoint): boolean {
  return point.kind === 'position'
    ? comparePositions(recorded.position, point.position) <= 0
    : occurredAt(recorded) <= point.time;
}

function changeOf(recorded: RecordedEvent, after: Partial<AccountChange>): AccountChange {
  return {
    position: recorded.position,
    streamId: recorded.streamId,
    eventType: recorded.type,
    occurredAt: occurredAt(recorded),
    userId: fromJson(recorded.metadata).userId,
    balanceAfterMinor: undefined,
    availableAfterMinor: undefined,
    instrument: undefined,
    quantityAfter: undefined,
    ...after,
  };
}

/**
 * The account and its holdings as of a point in the log, folded from their own streams
 * with the very `evolve` functions the write side loads aggregates with: what the
 * command handlers would have seen then. Each stream's events arrive in stream order.
 */
export function foldAccountAt(
  accountEvents: readonly RecordedEvent[],
  holdingStreams: ReadonlyMap<string, readonly RecordedEvent[]>,
  point: TravelPoint,
): AccountAt {
  const changes: AccountChange[] = [];
  let account = initialAccountState;
  for (const recorded of accountEvents.filter((event) => isBefore(event, point))) {
    account = evolveAccount(account, decodeEvent(recorded) as AccountEvent);
    const after = {
      balanceAfterMinor: account.balanceMinor,
      availableAfterMinor: availableMinor(account),
    };
    changes.push(changeOf(recorded, after));
  }
  const holdings = new Map<string, HoldingState>();
  for (const [instrument, events] of holdingStreams) {
    let holding = initialHoldingState;
    for (const recorded of events.filter((event) => isBefore(event, point))) {
      holding = evolveHolding(holding, decodeEvent(recorded) as HoldingEvent);
      changes.push(changeOf(recorded, { instrument, quantityAfter: holding.quantity }));
    }
    if (holding !== initialHoldingState) holdings.set(instrument, holding);
  }
  changes.sort((a, b) => comparePositions(a.position, b.position));
  return { account, holdings, changes };
}
