import { randomUUID } from 'node:crypto';
import { customerCash, transfer } from '../../src/domain/ledger.js';
import { type Currency } from '../../src/domain/money.js';
import { type AccountEvent } from '../../src/domain/account.events.js';
import { encodeEvent } from '../../src/events/event-codec.js';
import { type DomainEvent } from '../../src/events/event-catalog.js';
import { type HoldingEvent } from '../../src/domain/holding.events.js';
import { type OrderEvent, type OrderSide } from '../../src/domain/order.events.js';
import { accountStream, holdingStream, orderStream } from '../../src/events/stream-names.js';
import { type EventStore } from '../../src/event-store/event-store.port.js';
import { type ProjectedEvent } from '../../src/projections/engine/projection.js';
import { HistoryGenerator, type HistoryOptions } from '../../test-kit/trading-history.generator.js';

/**
 * A global log for projection tests: every append is one stream write at the next commit
 * position (its events at increasing prepare positions), a second later than the last.
 */
const FIRST_COMMIT = 1_000n;
const FIRST_CLOCK = Date.parse('2026-01-05T09:00:00.000Z');

export class TestLog {
  readonly events: ProjectedEvent[] = [];
  private commit = FIRST_COMMIT;
  private clock = FIRST_CLOCK;
  private readonly revisions = new Map<string, bigint>();

  /** Starts the log over: the next append is at the first position and time again. */
  clear(): void {
    this.events.length = 0;
    this.commit = FIRST_COMMIT;
    this.clock = FIRST_CLOCK;
    this.revisions.clear();
  }

  append(streamId: string, ...events: DomainEvent[]): ProjectedEvent[] {
    this.commit += 10n;
    this.clock += 1_000;
    const occurredAt = new Date(this.clock).toISOString();
    const written = events.map((event, index): ProjectedEvent => {
      const revision = this.revisions.get(streamId) ?? 0n;
      this.revisions.set(streamId, revision + 1n);
      return {
        event,
        recorded: {
          id: randomUUID(),
          type: encodeEvent(event).type,
          streamId,
          revision,
          position: { commit: this.commit, prepare: this.commit + BigInt(index) },
          data: encodeEvent(event).data,
          metadata: {
            correlationId: 'test',
            causationId: 'test',
            commandId: 'test',
            userId: 'test',
            occurredAt,
          },
          createdAt: new Date(this.clock),
        },
      };
    });
    this.events.push(...written);
    return written;
  }

  account(accountId: string, ...events: AccountEvent[]): ProjectedEvent[] {
    return this.append(accountStream(accountId), ...events);
  }

  holding(accountId: string, symbol: string, ...events: HoldingEvent[]): ProjectedEvent[] {
    return this.append(holdingStream(accountId, symbol), ...events);
  }

  order(orderId: string, ...events: OrderEvent[]): ProjectedEvent[] {
    return this.append(orderStream(orderId), ...events);
  }

  /** When the last append happened (its events' occurredAt). */
  get lastOccurredAt(): Date {
    return new Date(this.clock);
  }
}

/**
 * Few accounts, so that orders of one account overlap and sells race each other for the
 * same shares; as many processes interleaved as in the benches' logs.
 */
const TEST_HISTORY: HistoryOptions = { tradingAccounts: 4, maxRunning: 64 };

/**
 * A seeded trading history (the benches' generator) as a TestLog: at least `minEvents`
 * events, and the rest of the processes still running then.
 */
export function generateHistory(random: () => number, minEvents: number): TestLog {
  const log = new TestLog();
  for (const append of new HistoryGenerator(random, TEST_HISTORY).appends(minEvents)) {
    log.append(append.streamId, ...append.events);
  }
  return log;
}

/** Writes one append of a TestLog (one stream's events) to a store, at the revision it has there. */
export async function appendRecorded(
  store: EventStore,
  events: readonly ProjectedEvent[],
): Promise<void> {
  const { streamId, revision } = events[0]!.recorded;
  await store.appendToStream(
    streamId,
    events.map(({ recorded }) => ({
      id: recorded.id,
      type: recorded.type,
      data: recorded.data,
      metadata: recorded.metadata,
    })),
    { expectedRevision: revision === 0n ? 'no_stream' : revision - 1n },
  );
}

/** Streams appended at once by appendLog. */
const APPEND_CONCURRENCY = 8;

/**
 * Appends a log window by window (`window` events each): in a window, each stream's events
 * in one append, streams concurrently. Answers how many appends it made.
 */
export async function appendLog(
  store: EventStore,
  log: readonly ProjectedEvent[],
  window: number,
): Promise<number> {
  let appends = 0;
  for (let start = 0; start < log.length; start += window) {
    const byStream = new Map<string, ProjectedEvent[]>();
    for (const event of log.slice(start, start + window)) {
      const { streamId } = event.recorded;
      byStream.set(streamId, [...(byStream.get(streamId) ?? []), event]);
    }
    const queue = [...byStream.values()];
    await Promise.all(
      Array.from({ length: APPEND_CONCURRENCY }, async () => {
        for (let events = queue.shift(); events; events = queue.shift()) {
          await appendRecorded(store, events);
          appends++;
        }
      }),
    );
  }
  return appends;
}

/** Cuts the log into consecutive batches of random sizes from 1 to maxSize. */
export function splitRandomly<T>(
  items: readonly T[],
  random: () => number,
  maxSize: number,
): T[][] {
  const batches: T[][] = [];
  for (let start = 0; start < items.length;) {
    const size = 1 + Math.floor(random() * maxSize);
    batches.push(items.slice(start, start + size));
    start += size;
  }
  return batches;
}

/** Event factories with the postings the deciders would give them. */
export const accountEvents = {
  opened: (accountId: string, currency: Currency = 'USD', customerId = 'customer-1') =>
    ({
      type: 'AccountOpened',
      data: { accountId, customerId, name: `Account ${accountId.slice(0, 4)}`, currency },
    }) as const satisfies AccountEvent,
  deposited: (accountId: string, amountMinor: bigint, reference = 'deposit') =>
    ({
      type: 'FundsDeposited',
      data: {
        paymentId: randomUUID(),
        amountMinor,
        reference,
        postings: transfer('external-bank', customerCash(accountId), amountMinor),
      },
    }) as const satisfies AccountEvent,
  withdrawn: (accountId: string, amountMinor: bigint, reference = 'withdrawal') =>
    ({
      type: 'FundsWithdrawn',
      data: {
        paymentId: randomUUID(),
        amountMinor,
        reference,
        postings: transfer(customerCash(accountId), 'external-bank', amountMinor),
      },
    }) as const satisfies AccountEvent,
  cashReserved: (orderId: string, amountMinor: bigint) =>
    ({ type: 'CashReserved', data: { orderId, amountMinor } }) as const satisfies AccountEvent,
  cashReleased: (orderId: string, amountMinor: bigint) =>
    ({
      type: 'CashReservationReleased',
      data: { orderId, amountMinor },
    }) as const satisfies AccountEvent,
  feeCharged: (
    accountId: string,
    orderId: string,
    amountMinor: bigint,
    fromReservationMinor = 0n,
  ) =>
    ({
      type: 'FeeCharged',
      data: {
        orderId,
        paymentId: randomUUID(),
        amountMinor,
        fromReservationMinor,
        postings: transfer(customerCash(accountId), 'fee-income', amountMinor),
      },
    }) as const satisfies AccountEvent,
  feeRefunded: (accountId: string, orderId: string, amountMinor: bigint) =>
    ({
      type: 'FeeRefunded',
      data: {
        orderId,
        paymentId: randomUUID(),
        amountMinor,
        postings: transfer('fee-income', customerCash(accountId), amountMinor),
      },
    }) as const satisfies AccountEvent,
  settled: (
    accountId: string,
    orderId: string,
    side: OrderSide,
    amountMinor: bigint,
    fromReservationMinor = 0n,
  ) =>
    ({
      type: 'TradeCashSettled',
      data: {
        orderId,
        fillId: randomUUID(),
        paymentId: randomUUID(),
        side,
        amountMinor,
        fromReservationMinor,
        postings:
          side === 'BUY'
            ? transfer(customerCash(accountId), 'market-settlement', amountMinor)
            : transfer('market-settlement', customerCash(accountId), amountMinor),
      },
    }) as const satisfies AccountEvent,
  orderOpened: (orderId: string, instrument: string) =>
    ({ type: 'AccountOrderOpened', data: { orderId, instrument } }) as const satisfies AccountEvent,
  orderClosed: (orderId: string) =>
    ({ type: 'AccountOrderClosed', data: { orderId } }) as const satisfies AccountEvent,
  closed: (accountId: string) =>
    ({ type: 'AccountClosed', data: { accountId } }) as const satisfies AccountEvent,
};

export const holdingEvents = {
  reserved: (orderId: string, quantity: bigint) =>
    ({ type: 'SharesReserved', data: { orderId, quantity } }) as const satisfies HoldingEvent,
  released: (orderId: string, quantity: bigint) =>
    ({
      type: 'ShareReservationReleased',
      data: { orderId, quantity },
    }) as const satisfies HoldingEvent,
  acquired: (orderId: string, quantity: bigint, costMinor: bigint) =>
    ({
      type: 'SharesAcquired',
      data: { orderId, fillId: randomUUID(), quantity, costMinor },
    }) as const satisfies HoldingEvent,
  disposed: (
    orderId: string,
    quantity: bigint,
    fromReservationQuantity: bigint,
    costBasisMinor: bigint,
    proceedsMinor: bigint,
  ) =>
    ({
      type: 'SharesDisposed',
      data: {
        orderId,
        fillId: randomUUID(),
        quantity,
        fromReservationQuantity,
        costBasisMinor,
        proceedsMinor,
      },
    }) as const satisfies HoldingEvent,
};

export interface Placement {
  readonly accountId: string;
  readonly side?: OrderSide;
  readonly instrument?: string;
  readonly quantity?: bigint;
  /** A limit order when given. */
  readonly limitPriceMinor?: bigint;
  readonly currency?: Currency;
  readonly placedAt?: string;
}

export const orderEvents = {
  placed: (orderId: string, placement: Placement) => {
    const limit = placement.limitPriceMinor ?? null;
    const placedAt = placement.placedAt ?? '2026-01-05T09:00:00.000Z';
    return {
      type: 'OrderPlaced',
      data: {
        orderId,
        accountId: placement.accountId,
        side: placement.side ?? 'BUY',
        orderType: limit === null ? 'MARKET' : 'LIMIT',
        instrument: placement.instrument ?? 'AAPL',
        quantity: placement.quantity ?? 10n,
        limitPriceMinor: limit,
        currency: placement.currency ?? 'USD',
        placedAt,
        expiresAt:
          limit === null ? null : new Date(Date.parse(placedAt) + 86_400_000).toISOString(),
      },
    } as const satisfies OrderEvent;
  },
  accepted: (orderId: string) =>
    ({ type: 'OrderAccepted', data: { orderId } }) as const satisfies OrderEvent,
  filled: (orderId: string, quantity: bigint, priceMinor: bigint) =>
    ({
      type: 'OrderFilled',
      data: { orderId, fillId: randomUUID(), quantity, priceMinor },
    }) as const satisfies OrderEvent,
  completed: (orderId: string) =>
    ({ type: 'OrderCompleted', data: { orderId } }) as const satisfies OrderEvent,
  rejected: (orderId: string, reason: string) =>
    ({ type: 'OrderRejected', data: { orderId, reason } }) as const satisfies OrderEvent,
  failed: (orderId: string, reason: string) =>
    ({ type: 'OrderFailed', data: { orderId, reason } }) as const satisfies OrderEvent,
  cancellationRequested: (orderId: string, reason: string) =>
    ({
      type: 'OrderCancellationRequested',
      data: { orderId, reason },
    }) as const satisfies OrderEvent,
  cancelled: (orderId: string, reason: string) =>
    ({ type: 'OrderCancelled', data: { orderId, reason } }) as const satisfies OrderEvent,
  expired: (orderId: string) =>
    ({ type: 'OrderExpired', data: { orderId } }) as const satisfies OrderEvent,
};
