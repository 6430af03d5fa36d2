import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { type SagaConfig, DEFAULT_SAGA_CONFIG } from '../../../src/config/saga-config.js';
import {
  type AccountState,
  accountDecider,
  availableMinor,
} from '../../../src/domain/account.decider.js';
import {
  type HoldingState,
  availableQuantity,
  holdingDecider,
} from '../../../src/domain/holding.decider.js';
import { type OrderState, orderDecider } from '../../../src/domain/order.decider.js';
import { type Decider } from '../../../src/domain/decider.js';
import { decodeEvent } from '../../../src/events/event-codec.js';
import { type DomainEvent } from '../../../src/events/event-catalog.js';
import {
  ACCOUNT_STREAM_PREFIX,
  holdingStream,
  orderSagaStream,
  orderStream,
} from '../../../src/events/stream-names.js';
import {
  type EventStore,
  MAX_READ_COUNT,
  type RecordedEvent,
} from '../../../src/event-store/event-store.port.js';
import { type Position, START } from '../../../src/event-store/position.js';
import { PostgresEventStore } from '../../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { DEFAULT_FEE_SCHEDULE } from '../../../src/market/fee-schedule.js';
import { type MarketConfig } from '../../../src/market/market.config.js';
import { DEFAULT_SIMULATED_EXCHANGE_CONFIG } from '../../../src/market/simulated-exchange.config.js';
import { type TestApp } from '../../support/test-app.js';
import {
  CANCEL_ORDER,
  type CommandResultData,
  DEPOSIT,
  OPEN_ACCOUNT,
  PLACE_ORDER,
  WITHDRAW,
} from '../../e2e/graphql-operations.js';

/** A fast, quiet market: no latency, no faults, a tick every 50 ms, at most 3 shares a fill. */
export const TEST_MARKET: MarketConfig = {
  exchange: {
    ...DEFAULT_SIMULATED_EXCHANGE_CONFIG,
    seed: 7,
    tickIntervalMs: 50,
    latencyMs: 0,
    latencyJitterMs: 0,
    maxFillQuantity: 3n,
  },
  resilience: {
    retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
    attemptTimeoutMs: 150,
    callDeadlineMs: 400,
    breaker: { failureThreshold: 1_000, coolDownMs: 50, halfOpenMaxCalls: 1 },
  },
  fees: DEFAULT_FEE_SCHEDULE,
};

export const TEST_SAGAS: SagaConfig = {
  ...DEFAULT_SAGA_CONFIG,
  maxAttempts: 3,
  retryBaseDelayMs: 20,
  retryMaxDelayMs: 100,
  marketPollIntervalMs: 20,
  leaseMs: 2_000,
};

export const TERMINAL = ['COMPLETED', 'REJECTED', 'FAILED', 'CANCELLED', 'EXPIRED'];

export interface OrderView {
  id: string;
  status: string;
  reason: string | null;
  fee: string;
  filledQuantity: string;
  averagePrice: string | null;
}
export interface AccountView {
  balance: string;
  reserved: string;
  available: string;
}
export interface HoldingView {
  instrument: string;
  quantity: string;
  reserved: string;
  available: string;
}

/** Bound on waiting for other transactions on the server to let the whole log be read. */
const LOG_SETTLE_TIMEOUT_MS = 30_000;
const LOG_SETTLE_POLL_MS = 50;

const ORDER = `query ($id: ID!) { order(id: $id) { id status reason fee filledQuantity averagePrice } }`;
const ACCOUNT = `query ($id: ID!, $consistency: ConsistencyInput) {
  account(id: $id, consistency: $consistency) { balance reserved available } }`;
const HOLDINGS = `query ($id: ID!, $consistency: ConsistencyInput) {
  holdings(accountId: $id, consistency: $consistency) { instrument quantity reserved available } }`;

/** GraphQL calls of a customer of the ledger, asserting that each succeeds. */
export class LedgerClient {
  constructor(readonly ledger: TestApp) {}

  async mutate(query: string, input: Record<string, unknown>): Promise<CommandResultData> {
    const response = await this.ledger.gql<Record<string, CommandResultData>>(query, { input });
    expect(response.errors).toBeUndefined();
    return Object.values(response.data!)[0]!;
  }

  async openFundedAccount(amount: string, currency = 'USD'): Promise<string> {
    const { id } = await this.mutate(OPEN_ACCOUNT, { customerId: 'c-1', name: 'Main', currency });
    await this.mutate(DEPOSIT, { accountId: id, amount, reference: 'funding' });
    return id;
  }

  withdraw(accountId: string, amount: string): Promise<CommandResultData> {
    return this.mutate(WITHDRAW, { accountId, amount, reference: 'out' });
  }

  async placeOrder(input: Record<string, unknown>): Promise<string> {
    return (await this.mutate(PLACE_ORDER, input)).id;
  }

  cancel(orderId: string): Promise<CommandResultData> {
    return this.mutate(CANCEL_ORDER, { orderId });
  }

  async order(id: string): Promise<OrderView | null> {
    const response = await this.ledger.gql<{ order: OrderView | null }>(ORDER, { id });
    expect(response.errors).toBeUndefined();
    return response.data!.order;
  }

  /** Waits (bounded) until the order's view shows one of `statuses`. */
  async orderReaching(
    id: string,
    statuses: readonly string[],
    timeoutMs = 15_000,
  ): Promise<OrderView> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const order = await this.order(id);
      if (order && statuses.includes(order.status)) return order;
      if (Date.now() > deadline) {
        throw new Error(`order ${id} is ${order?.status ?? 'missing'}, not ${statuses.join('/')}`);
      }
      await sleep(25);
    }
  }

  finalOrder(id: string): Promise<OrderView> {
    return this.orderReaching(id, TERMINAL);
  }

  /** The account as the views show it once they have applied the whole log. */
  async account(id: string): Promise<AccountView> {
    const consistency = await this.caughtUp();
    const response = await this.ledger.gql<{ account: AccountView }>(ACCOUNT, { id, consistency });
    expect(response.errors).toBeUndefined();
    return response.data!.account;
  }

  async holding(accountId: string, instrument: string): Promise<HoldingView | undefined> {
    const consistency = await this.caughtUp();
    const response = await this.ledger.gql<{ holdings: HoldingView[] }>(HOLDINGS, {
      id: accountId,
      consistency,
    });
    expect(response.errors).toBeUndefined();
    return response.data!.holdings.find((holding) => holding.instrument === instrument);
  }

  private async caughtUp(): Promise<{ atLeast: string; timeoutMs: number }> {
    const head = await this.ledger.store.headPosition();
    return { atLeast: `${head.commit}.${head.prepare}`, timeoutMs: 10_000 };
  }
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
  expect(sum).toBe(0n);
  for (const [orderId, n] of fees) expect(n, `fees of ${orderId}`).toBe(1);
  for (const [orderId, n] of refunds) {
    expect(n, `refunds of ${orderId}`).toBe(1);
    expect(fees.has(orderId), `refund of ${orderId} without a fee`).toBe(true);
  }
  for (const [orderId, n] of terminals) expect(n, `terminal events of ${orderId}`).toBe(1);
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
    (account, streamId) =>
      expect(availableMinor(account), `available cash of ${streamId}`).toBeGreaterThanOrEqual(0n),
  );
  const holdings = foldStreams(
    log,
    (streamId) => streamId.startsWith(HOLDING_PREFIX),
    holdingDecider,
    (holding, streamId) =>
      expect(availableQuantity(holding), `available shares of ${streamId}`).toBeGreaterThanOrEqual(
        0n,
      ),
  );
  for (const [streamId, account] of accounts) {
    expect(account.reservedMinor, `cash reserved on ${streamId}`).toBe(0n);
  }
  for (const [streamId, holding] of holdings) {
    expect(holding.reservedQuantity, `shares reserved on ${streamId}`).toBe(0n);
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
    expect(holdings.get(stream)?.quantity ?? 0n, `shares of ${stream}`).toBe(
      sharesFromFills.get(stream) ?? 0n,
    );
  }
  // And every fill's cash moved: the account settled exactly the fills of its orders.
  for (const account of accounts.values()) {
    expect([...account.settledFills].sort(), `fills paid on ${account.accountId}`).toEqual(
      (fillsByAccount.get(account.accountId) ?? []).sort(),
    );
  }
  return {
    accounts: new Map([...accounts.values()].map((account) => [account.accountId, account])),
    holdings,
  };
}
