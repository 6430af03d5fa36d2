import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type AccountState,
  accountDecider,
  availableMinor,
} from '../src/domain/account.decider.js';
import {
  type HoldingState,
  availableQuantity,
  holdingDecider,
} from '../src/domain/holding.decider.js';
import { type OrderState, orderDecider } from '../src/domain/order.decider.js';
import { type Decider } from '../src/domain/decider.js';
import { decodeEvent } from '../src/events/event-codec.js';
import { type DomainEvent } from '../src/events/event-catalog.js';
import {
  ACCOUNT_STREAM_PREFIX,
  holdingStream,
  orderSagaStream,
  orderStream,
} from '../src/events/stream-names.js';
import {
  type EventStore,
  MAX_READ_COUNT,
  type RecordedEvent,
} from '../src/event-store/event-store.port.js';
import { type Position, START } from '../src/event-store/position.js';
import { PostgresEventStore } from '../src/infrastructure/event-store/postgres/postgres.event-store.js';

/**
 * The ledger's invariants, checked on the log itself (decoded, folded through the write
 * side's deciders): by the saga suites and by the crash soak. Violations throw
 * AssertionError (node:assert), so this runs under vitest and plain Node alike.
 */

/** Bound on waiting for other transactions on the server to let the whole log be read. */
const LOG_SETTLE_TIMEOUT_MS = 30_000;
const LOG_SETTLE_POLL_MS = 50;

function atLeastZero(value: bigint, what: string): void {
  assert.ok(value >= 0n, `${what} is ${value}, below zero`);
}

/** Every event of the log, decoded. */
export async function readLog(
  store: EventStore,
): Promise<{ recorded: RecordedEvent; event: DomainEvent }[]> {
  const all: { recorded: RecordedEvent; event: DomainEvent }[] = [];
  let after: Position = START;
  const deadline = Date.now() + LOG_SETTLE_TIMEOUT_MS;
  for (;;) {
    const page = await store.readAll({ after, maxCount: MAX_READ_COUNT });
    for (const recorded of page) all.push({ recorded, event: decodeEvent(recorded) });
    if (page.length > 0) after = page[page.length - 1]!.position;
    if (page.length === MAX_READ_COUNT) continue;
    // The PostgreSQL store reads only below the oldest transaction running on the server,
    // other tests' included: what such a transaction holds back is read once it ends.
    const heldBack =
      store instanceof PostgresEventStore && (await store.hasEventsBeyondHorizon(after));
    if (!heldBack || Date.now() > deadline) return all;
    await sleep(LOG_SETTLE_POLL_MS);
  }
}

/**
 * The invariants on the log: postings sum to zero, at most one fee and one refund per
 * order, a refund only of a charged fee, and at most one terminal event per order.
 */
export function expectLogInvariants(log: readonly LoggedEvent[]): void {
  let sum = 0n;
  const fees = new Map<string, number>();
  const refunds = new Map<string, number>();
  const terminals = new Map<string, number>();
  const count = (map: Map<string, number>, key: string): void => {
    map.set(key, (map.get(key) ?? 0) + 1);
  };
  for (const { event } of log) {
    if ('postings' in event.data) {
      for (const posting of event.data.postings) sum += posting.amountMinor;
    }
    if (event.type === 'FeeCharged') count(fees, event.data.orderId);
    if (event.type === 'FeeRefunded') count(refunds, event.data.orderId);
    if (
      ['OrderCompleted', 'OrderRejected', 'OrderFailed', 'OrderCancelled', 'OrderExpired'].includes(
        event.type,
      )
    ) {
      count(terminals, (event.data as { orderId: string }).orderId);
    }
  }
  assert.equal(sum, 0n, 'the postings of the log sum to zero');
  for (const [orderId, n] of fees) assert.equal(n, 1, `fees of ${orderId}`);
  for (const [orderId, n] of refunds) {
    assert.equal(n, 1, `refunds of ${orderId}`);
    assert.ok(fees.has(orderId), `refund of ${orderId} without a fee`);
  }
  for (const [orderId, n] of terminals) assert.equal(n, 1, `terminal events of ${orderId}`);
}

export type LoggedEvent = Awaited<ReturnType<typeof readLog>>[number];

/**
 * Each stream the predicate picks, folded through its decider event by event; `check`
 * sees the state after every event, so an invariant that held only at the end fails.
 */
export function foldStreams<S, E extends DomainEvent>(
  log: readonly LoggedEvent[],
  picks: (streamId: string) => boolean,
  decider: Decider<never, S, E>,
  check: (state: S, streamId: string) => void = () => undefined,
): Map<string, S> {
  const states = new Map<string, S>();
  for (const { recorded, event } of log) {
    if (!picks(recorded.streamId)) continue;
    const state = decider.evolve(states.get(recorded.streamId) ?? decider.initialState, event as E);
    check(state, recorded.streamId);
    states.set(recorded.streamId, state);
  }
  return states;
}

const ORDER_PREFIX = orderStream('');
const SAGA_PREFIX = orderSagaStream('');
/** holdingStream's prefix (its id, `holding-<accountId>-<symbol>`, has no constant of its own). */
const HOLDING_PREFIX = 'holding-';

/** Orders by id, folded from their streams. */
export function foldOrders(log: readonly LoggedEvent[]): Map<string, OrderState> {
  const byStream = foldStreams(
    log,
    (streamId) => streamId.startsWith(ORDER_PREFIX) && !streamId.startsWith(SAGA_PREFIX),
    orderDecider,
  );
  return new Map([...byStream.values()].map((order) => [order.orderId, order]));
}

export interface SettledPositions {
  /** By account id. */
  readonly accounts: ReadonlyMap<string, AccountState>;
  /** By holding stream (holdingStream(accountId, instrument)). */
  readonly holdings: ReadonlyMap<string, HoldingState>;
}

/**
 * The accounts and holdings of a log whose sagas have all finished: available cash and
 * available shares never below zero after any event, nothing left reserved, and every
 * holding exactly the shares its account's fills bought minus those they sold (each
 * fill settled once, none lost).
 */
export function expectSettledPositions(log: readonly LoggedEvent[]): SettledPositions {
  const accounts = foldStreams(
    log,
    (streamId) => streamId.startsWith(ACCOUNT_STREAM_PREFIX),
    accountDecider,
    (account, streamId) => atLeastZero(availableMinor(account), `available cash of ${streamId}`),
  );
  const holdings = foldStreams(
    log,
    (streamId) => streamId.startsWith(HOLDING_PREFIX),
    holdingDecider,
    (holding, streamId) =>
      atLeastZero(availableQuantity(holding), `available shares of ${streamId}`),
  );
  for (const [streamId, account] of accounts) {
    assert.equal(account.reservedMinor, 0n, `cash reserved on ${streamId}`);
  }
  for (const [streamId, holding] of holdings) {
    assert.equal(holding.reservedQuantity, 0n, `shares reserved on ${streamId}`);
  }
  const sharesFromFills = new Map<string, bigint>();
  const fillsByAccount = new Map<string, string[]>();
  const orders = foldOrders(log);
  for (const { event } of log) {
    if (event.type !== 'OrderFilled') continue;
    const order = orders.get(event.data.orderId)!;
    const stream = holdingStream(order.accountId, order.instrument);
    const signed = order.side === 'BUY' ? event.data.quantity : -event.data.quantity;
    sharesFromFills.set(stream, (sharesFromFills.get(stream) ?? 0n) + signed);
    fillsByAccount.set(order.accountId, [
      ...(fillsByAccount.get(order.accountId) ?? []),
      event.data.fillId,
    ]);
  }
  for (const stream of new Set([...holdings.keys(), ...sharesFromFills.keys()])) {
    assert.equal(
      holdings.get(stream)?.quantity ?? 0n,
      sharesFromFills.get(stream) ?? 0n,
      `shares of ${stream}`,
    );
  }
  // And every fill's cash moved: the account settled exactly the fills of its orders.
  for (const account of accounts.values()) {
    assert.deepEqual(
      [...account.settledFills].sort(),
      (fillsByAccount.get(account.accountId) ?? []).sort(),
      `fills paid on ${account.accountId}`,
    );
  }
  return {
    accounts: new Map([...accounts.values()].map((account) => [account.accountId, account])),
    holdings,
  };
}
