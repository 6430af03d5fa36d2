import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { type SagaConfig, DEFAULT_SAGA_CONFIG } from '../../../src/config/saga-config.js';
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

// The log's invariants are shared with the crash soak (bench/soak), which runs without vitest.
export {
  type LoggedEvent,
  type SettledPositions,
  expectLogInvariants,
  expectSettledPositions,
  foldOrders,
  foldStreams,
  readLog,
} from '../../../test-kit/ledger-invariants.js';
