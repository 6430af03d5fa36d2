import { randomUUID } from 'node:crypto';
import {
  type AccountState,
  evolveAccount,
  initialAccountState,
} from '../../src/domain/account.decider.js';
import {
  type HoldingState,
  evolveHolding,
  initialHoldingState,
} from '../../src/domain/holding.decider.js';
import { type Currency, divideRounded } from '../../src/domain/money.js';
import { type AccountEvent } from '../../src/events/account.events.js';
import { type HoldingEvent } from '../../src/events/holding.events.js';
import { type OrderEvent } from '../../src/events/order.events.js';
import {
  TestLog,
  accountEvents as account,
  holdingEvents as holding,
  orderEvents as order,
} from './projected-events.js';

const INSTRUMENTS = [
  { symbol: 'AAPL', priceMinor: 19_000n },
  { symbol: 'SAP', priceMinor: 17_500n },
  { symbol: 'VOD', priceMinor: 7_200n },
] as const;
const CURRENCIES: readonly Currency[] = ['USD', 'EUR', 'JPY'];

/**
 * A plausible trading history, seeded: accounts depositing and withdrawing while
 * buy and sell orders run their course (reservations, fees, fills, settlements,
 * holdings, every terminal outcome), the steps of concurrent processes interleaved
 * in the log as the saga would leave them. Some fees reach the log before their order.
 */
export function generateHistory(random: () => number, minEvents: number): TestLog {
  return new Simulation(random).run(minEvents);
}

/** A process advances one stream write per step: `yield` lets others write in between. */
type Process = Generator<void, void, void>;

class Simulation {
  private readonly log = new TestLog();
  private readonly accounts = new Map<string, AccountState>();
  private readonly holdings = new Map<string, HoldingState>();
  /** The accounts that trade; those opened to be closed again stay out of it. */
  private readonly trading: string[] = [];

  constructor(private readonly random: () => number) {}

  run(minEvents: number): TestLog {
    for (let i = 0; i < 4; i++) this.openFunded();
    const running: Process[] = [];
    while (this.log.events.length < minEvents || running.length > 0) {
      if (this.log.events.length < minEvents && (running.length < 3 || this.chance(0.2))) {
        running.push(this.newProcess());
      }
      const index = Math.floor(this.random() * running.length);
      if (running[index]!.next().done) running.splice(index, 1);
    }
    return this.log;
  }

  private newProcess(): Process {
    const accountId = this.pick(this.trading);
    const roll = this.random();
    if (roll < 0.25) return this.cash(accountId);
    if (roll < 0.6) return this.buy(accountId);
    if (roll < 0.95) return this.sell(accountId);
    return this.openAndClose();
  }

  /** A deposit, and later perhaps a withdrawal of part of what is available then. */
  private *cash(accountId: string): Process {
    this.account(accountId, account.deposited(accountId, this.between(1_000n, 500_000n)));
    yield;
    const state = this.accountState(accountId);
    const available = state.balanceMinor - state.reservedMinor;
    if (this.chance(0.6) && available > 0n) {
      this.account(accountId, account.withdrawn(accountId, this.between(1n, available)));
    }
  }

  private *buy(accountId: string): Process {
    const orderId = randomUUID();
    const instrument = this.pick(INSTRUMENTS);
    const quantity = this.between(1n, 20n);
    const limit = this.chance(0.5) ? instrument.priceMinor + this.between(0n, 500n) : undefined;
    const cap = limit ?? (instrument.priceMinor * 11n) / 10n;
    const fee = this.between(50n, 300n);
    const feeFirst = this.chance(0.3);
    if (feeFirst) {
      this.account(accountId, account.feeCharged(accountId, orderId, fee));
      yield;
    }
    yield* this.place(orderId, accountId, 'BUY', instrument.symbol, quantity, limit);
    this.account(accountId, account.cashReserved(orderId, quantity * cap));
    yield;
    if (!feeFirst) {
      const fromReservation = this.min(this.reservedFor(accountId, orderId), fee);
      this.account(accountId, account.feeCharged(accountId, orderId, fee, fromReservation));
      yield;
    }
    // A buy pays at most its cap.
    const price = () => cap - this.between(0n, cap / 100n);
    const filled = yield* this.fills(orderId, quantity, price, function* (this: Simulation, q, p) {
      const amount = q * p;
      const fromReservation = this.min(this.reservedFor(accountId, orderId), amount);
      this.account(accountId, account.settled(accountId, orderId, 'BUY', amount, fromReservation));
      yield;
      this.holding(accountId, instrument.symbol, holding.acquired(orderId, q, amount));
    });
    yield* this.finish(orderId, accountId, fee, filled === quantity, filled === undefined);
    const left = this.reservedFor(accountId, orderId);
    if (left > 0n) {
      this.account(accountId, account.cashReleased(orderId, left));
      yield;
    }
    this.account(accountId, account.orderClosed(orderId));
  }

  private *sell(accountId: string): Process {
    const instrument = this.pick(INSTRUMENTS);
    const key = `${accountId}/${instrument.symbol}`;
    const available = (): bigint => {
      const state = this.holdings.get(key) ?? initialHoldingState;
      return state.quantity - state.reservedQuantity;
    };
    if (available() <= 0n) return yield* this.buy(accountId);
    const orderId = randomUUID();
    const quantity = this.between(1n, available());
    const limit = this.chance(0.5) ? instrument.priceMinor - this.between(0n, 500n) : undefined;
    const fee = this.between(50n, 300n);
    yield* this.place(orderId, accountId, 'SELL', instrument.symbol, quantity, limit);
    // Another sell may have reserved the shares meanwhile: the holding refuses, as its decider would.
    if (available() < quantity) {
      this.order(orderId, order.rejected(orderId, 'insufficient holdings'));
      yield;
      this.account(accountId, account.orderClosed(orderId));
      return;
    }
    this.holding(accountId, instrument.symbol, holding.reserved(orderId, quantity));
    yield;
    this.account(accountId, account.feeCharged(accountId, orderId, fee));
    yield;
    // A sell takes at least its limit.
    const floor = limit ?? instrument.priceMinor;
    const price = () => floor + this.between(0n, floor / 100n);
    const filled = yield* this.fills(orderId, quantity, price, function* (this: Simulation, q, p) {
      const state = this.holdings.get(key) ?? initialHoldingState;
      const reserved = state.reservations.get(orderId) ?? 0n;
      const costBasis =
        q === state.quantity
          ? state.costBasisMinor
          : divideRounded(state.costBasisMinor * q, state.quantity);
      const proceeds = q * p;
      const fromReservation = this.min(reserved, q);
      this.holding(
        accountId,
        instrument.symbol,
        holding.disposed(orderId, q, fromReservation, costBasis, proceeds),
      );
      yield;
      this.account(accountId, account.settled(accountId, orderId, 'SELL', proceeds));
    });
    yield* this.finish(orderId, accountId, fee, filled === quantity, filled === undefined);
    const left = (this.holdings.get(key) ?? initialHoldingState).reservations.get(orderId) ?? 0n;
    if (left > 0n) {
      this.holding(accountId, instrument.symbol, holding.released(orderId, left));
      yield;
    }
    this.account(accountId, account.orderClosed(orderId));
  }

  private *place(
    orderId: string,
    accountId: string,
    side: 'BUY' | 'SELL',
    instrument: string,
    quantity: bigint,
    limitPriceMinor: bigint | undefined,
  ): Process {
    const currency = this.accountState(accountId).currency;
    const placement = { accountId, side, instrument, quantity, limitPriceMinor, currency };
    this.order(orderId, order.placed(orderId, placement));
    yield;
    this.account(accountId, account.orderOpened(orderId, instrument));
    yield;
  }

  /**
   * Accepts (or rejects: undefined) the order and fills some or all of it, settling each
   * fill; returns the quantity filled.
   */
  private *fills(
    orderId: string,
    quantity: bigint,
    price: () => bigint,
    settle: (this: Simulation, quantity: bigint, priceMinor: bigint) => Process,
  ): Generator<void, bigint | undefined, void> {
    if (this.chance(0.15)) return undefined;
    this.order(orderId, order.accepted(orderId));
    yield;
    let filled = 0n;
    while (filled < quantity && !this.chance(0.15)) {
      const q = this.between(1n, quantity - filled);
      const p = price();
      this.order(orderId, order.filled(orderId, q, p));
      yield;
      yield* settle.call(this, q, p);
      yield;
      filled += q;
    }
    return filled;
  }

  private *finish(
    orderId: string,
    accountId: string,
    fee: bigint,
    complete: boolean,
    rejected: boolean,
  ): Process {
    let refund = false;
    if (rejected) {
      this.order(orderId, order.rejected(orderId, 'market closed'));
      refund = true;
    } else if (complete) {
      this.order(orderId, order.completed(orderId));
    } else {
      const roll = this.random();
      if (roll < 0.4) {
        this.order(orderId, order.cancellationRequested(orderId, 'customer'));
        yield;
        this.order(orderId, order.cancelled(orderId, 'customer'));
      } else if (roll < 0.7) {
        this.order(orderId, order.expired(orderId));
      } else {
        this.order(orderId, order.failed(orderId, 'venue error'));
        refund = true;
      }
    }
    yield;
    if (refund) {
      this.account(accountId, account.feeRefunded(accountId, orderId, fee));
      yield;
    }
  }

  private *openAndClose(): Process {
    const accountId = randomUUID();
    this.account(accountId, account.opened(accountId, this.pick(CURRENCIES)));
    yield;
    const amount = this.between(100n, 10_000n);
    this.account(accountId, account.deposited(accountId, amount, 'trial'));
    yield;
    this.account(accountId, account.withdrawn(accountId, amount, 'trial back'));
    yield;
    this.account(accountId, account.closed(accountId));
  }

  private openFunded(): void {
    const accountId = randomUUID();
    this.account(accountId, account.opened(accountId, this.pick(CURRENCIES)));
    this.account(accountId, account.deposited(accountId, this.between(1_000_000n, 5_000_000n)));
    this.trading.push(accountId);
  }

  private account(accountId: string, event: AccountEvent): void {
    this.log.account(accountId, event);
    this.accounts.set(accountId, evolveAccount(this.accountState(accountId), event));
  }

  private holding(accountId: string, symbol: string, event: HoldingEvent): void {
    this.log.holding(accountId, symbol, event);
    const key = `${accountId}/${symbol}`;
    this.holdings.set(key, evolveHolding(this.holdings.get(key) ?? initialHoldingState, event));
  }

  private order(orderId: string, event: OrderEvent): void {
    this.log.order(orderId, event);
  }

  private accountState(accountId: string): AccountState {
    return this.accounts.get(accountId) ?? initialAccountState;
  }

  private reservedFor(accountId: string, orderId: string): bigint {
    return this.accountState(accountId).reservations.get(orderId) ?? 0n;
  }

  private chance(probability: number): boolean {
    return this.random() < probability;
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)]!;
  }

  /** A whole number from low to high inclusive. */
  private between(low: bigint, high: bigint): bigint {
    const span = Number(high - low + 1n);
    return low + BigInt(Math.floor(this.random() * span));
  }

  private min(a: bigint, b: bigint): bigint {
    return a < b ? a : b;
  }
}
