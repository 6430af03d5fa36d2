import { customerCash, transfer } from '../src/domain/ledger.js';
import { type Currency, divideRounded } from '../src/domain/money.js';
import { type AccountEvent } from '../src/domain/account.events.js';
import { type DomainEvent } from '../src/events/event-catalog.js';
import { type HoldingEvent } from '../src/domain/holding.events.js';
import { type OrderEvent, type OrderSide } from '../src/domain/order.events.js';
import { accountStream, holdingStream, orderStream } from '../src/events/stream-names.js';

/**
 * A plausible trading history, generated as a stream (a million events never sit in
 * memory at once) and seeded (the same seed gives the same log, ids included): the
 * read-side benches load it into the log, the projection tests apply it to the views.
 * Accounts deposit and withdraw while buy and sell orders run their course: placement,
 * cash or share reservations, fees (some before their order reaches the log), fills with
 * their settlements and holdings, every terminal outcome. Up to `maxRunning` such
 * processes are interleaved, so that a batch of the log mixes many streams as production
 * traffic would.
 *
 * The simulation keeps its own small model of balances and holdings (not the deciders:
 * their states keep growing sets of settled fills, which would make a long history
 * quadratic), and a tally of what the views must hold once they have applied the log.
 *
 * The benches' figures are comparable across commits only while a seed gives the same
 * log: a change that draws from `random` in another order changes every bench's input.
 */

const INSTRUMENTS = [
  { symbol: 'AAPL', priceMinor: 19_000n },
  { symbol: 'SAP', priceMinor: 17_500n },
  { symbol: 'VOD', priceMinor: 7_200n },
  { symbol: 'MSFT', priceMinor: 41_000n },
] as const;
const CURRENCIES: readonly Currency[] = ['USD', 'EUR', 'GBP'];

/** One stream write: what one command appends. */
export interface HistoryAppend {
  readonly streamId: string;
  readonly events: readonly DomainEvent[];
  /** The command's time, ISO: the events' `occurredAt`. */
  readonly occurredAt: string;
}

/** What the views must show once they have applied every event of the history. */
export interface HistoryTally {
  events: number;
  appends: number;
  accountsOpened: number;
  accountsClosed: number;
  balanceMinor: bigint;
  reservedMinor: bigint;
  /** Lines of view_account_statements: one per cash movement with an entry. */
  statementLines: number;
  ordersPlaced: number;
  filledQuantity: bigint;
  holdingQuantity: bigint;
  holdingReserved: bigint;
  holdingCostBasisMinor: bigint;
  /** Rows of view_ledger_entries: one per posting. */
  postings: number;
}

interface Account {
  readonly currency: Currency;
  balance: bigint;
  reserved: bigint;
  readonly reservations: Map<string, bigint>;
}

interface Holding {
  quantity: bigint;
  reserved: bigint;
  costBasis: bigint;
  readonly reservations: Map<string, bigint>;
}

/** A process advances by one stream write per step: `yield` lets others write in between. */
type Process = Generator<void, void, void>;

interface Fill {
  readonly orderId: string;
  readonly fillId: string;
  readonly quantity: bigint;
  readonly priceMinor: bigint;
}

export interface HistoryOptions {
  /** Accounts that trade (opened and funded first). */
  readonly tradingAccounts: number;
  /** Processes interleaved at most. */
  readonly maxRunning: number;
}

/** Accounts scale with the log: about 200 events per account. */
export function defaultHistoryOptions(events: number): HistoryOptions {
  return {
    tradingAccounts: Math.max(10, Math.min(20_000, Math.round(events / 200))),
    maxRunning: 64,
  };
}

export class HistoryGenerator {
  readonly tally: HistoryTally = {
    events: 0,
    appends: 0,
    accountsOpened: 0,
    accountsClosed: 0,
    balanceMinor: 0n,
    reservedMinor: 0n,
    statementLines: 0,
    ordersPlaced: 0,
    filledQuantity: 0n,
    holdingQuantity: 0n,
    holdingReserved: 0n,
    holdingCostBasisMinor: 0n,
    postings: 0,
  };
  private readonly accounts = new Map<string, Account>();
  private readonly holdings = new Map<string, Holding>();
  private readonly trading: string[] = [];
  /** Appends written by the step being run, handed out by `appends()`. */
  private readonly pending: HistoryAppend[] = [];
  private clock = Date.parse('2026-01-05T09:00:00.000Z');

  constructor(
    private readonly random: () => number,
    private readonly options: HistoryOptions,
  ) {}

  /**
   * The history, append by append, until at least `minEvents` events have been written;
   * the processes still running then are finished, so the log ends a little later.
   */
  *appends(minEvents: number): Generator<HistoryAppend, void, void> {
    for (let i = 0; i < this.options.tradingAccounts; i++) {
      this.openFunded();
      yield* this.drain();
    }
    const running: Process[] = [];
    while (this.tally.events < minEvents || running.length > 0) {
      if (
        this.tally.events < minEvents &&
        (running.length < 4 || (running.length < this.options.maxRunning && this.chance(0.3)))
      ) {
        running.push(this.newProcess());
      }
      const index = Math.floor(this.random() * running.length);
      if (running[index]!.next().done) running.splice(index, 1);
      yield* this.drain();
    }
  }

  private *drain(): Generator<HistoryAppend, void, void> {
    while (this.pending.length > 0) yield this.pending.shift()!;
  }

  /** A random version-4 UUID from the seeded generator: the same seed, the same ids. */
  uuid(): string {
    const hex = (bits: number): string =>
      Math.floor(this.random() * 2 ** bits)
        .toString(16)
        .padStart(bits / 4, '0');
    const variant = (8 + Math.floor(this.random() * 4)).toString(16);
    return `${hex(32)}-${hex(16)}-4${hex(12)}-${variant}${hex(12)}-${hex(24)}${hex(24)}`;
  }

  private newProcess(): Process {
    const accountId = this.pick(this.trading);
    const roll = this.random();
    if (roll < 0.3) return this.cash(accountId);
    if (roll < 0.65) return this.buy(accountId);
    if (roll < 0.97) return this.sell(accountId);
    return this.openAndClose();
  }

  // --- processes -----------------------------------------------------------------------

  private *cash(accountId: string): Process {
    this.deposit(accountId, this.between(1_000n, 500_000n), 'deposit');
    yield;
    const account = this.account(accountId);
    const available = account.balance - account.reserved;
    if (this.chance(0.6) && available > 0n) {
      this.withdraw(accountId, this.between(1n, available), 'withdrawal');
    }
  }

  private *buy(accountId: string): Process {
    const orderId = this.uuid();
    const instrument = this.pick(INSTRUMENTS);
    const quantity = this.between(1n, 20n);
    const limit = this.chance(0.5) ? instrument.priceMinor + this.between(0n, 500n) : null;
    const cap = limit ?? (instrument.priceMinor * 11n) / 10n;
    const fee = this.between(50n, 300n);
    const account = this.account(accountId);
    if (account.balance - account.reserved < quantity * cap + fee) {
      // As the decider would refuse the reservation: the customer tops up first.
      this.deposit(accountId, quantity * cap + fee + this.between(0n, 100_000n), 'top-up');
      yield;
    }
    const feeFirst = this.chance(0.3);
    if (feeFirst) {
      this.feeCharged(accountId, orderId, fee, 0n);
      yield;
    }
    yield* this.place(orderId, accountId, 'BUY', instrument.symbol, quantity, limit);
    this.accountEvent(accountId, {
      type: 'CashReserved',
      data: { orderId, amountMinor: quantity * cap },
    });
    yield;
    if (!feeFirst) {
      this.feeCharged(accountId, orderId, fee, this.min(this.reservedFor(accountId, orderId), fee));
      yield;
    }
    // A buy pays at most its cap.
    const price = (): bigint => cap - this.between(0n, cap / 100n);
    const filled = yield* this.execute(orderId, quantity, price, (fill) =>
      this.settleBuy(accountId, instrument.symbol, fill),
    );
    yield* this.finish(orderId, accountId, fee, filled !== undefined, filled === quantity);
    const left = this.reservedFor(accountId, orderId);
    if (left > 0n) {
      this.accountEvent(accountId, {
        type: 'CashReservationReleased',
        data: { orderId, amountMinor: left },
      });
      yield;
    }
    this.accountEvent(accountId, { type: 'AccountOrderClosed', data: { orderId } });
  }

  private *sell(accountId: string): Process {
    const instrument = this.pick(INSTRUMENTS);
    const holding = this.holding(accountId, instrument.symbol);
    const available = (): bigint => holding.quantity - holding.reserved;
    if (available() <= 0n) return yield* this.buy(accountId);
    const orderId = this.uuid();
    const quantity = this.between(1n, available());
    const limit = this.chance(0.5) ? instrument.priceMinor - this.between(0n, 500n) : null;
    const fee = this.between(50n, 300n);
    yield* this.place(orderId, accountId, 'SELL', instrument.symbol, quantity, limit);
    // Another sell may have reserved the shares meanwhile: the holding refuses.
    if (available() < quantity) {
      this.orderEvent(orderId, {
        type: 'OrderRejected',
        data: { orderId, reason: 'insufficient holdings' },
      });
      yield;
      this.accountEvent(accountId, { type: 'AccountOrderClosed', data: { orderId } });
      return;
    }
    this.holdingEvent(accountId, instrument.symbol, {
      type: 'SharesReserved',
      data: { orderId, quantity },
    });
    yield;
    this.feeCharged(accountId, orderId, fee, 0n);
    yield;
    // A sell takes at least its limit.
    const floor = limit ?? instrument.priceMinor;
    const price = (): bigint => floor + this.between(0n, floor / 100n);
    const filled = yield* this.execute(orderId, quantity, price, (fill) =>
      this.settleSell(accountId, instrument.symbol, fill),
    );
    yield* this.finish(orderId, accountId, fee, filled !== undefined, filled === quantity);
    const left = holding.reservations.get(orderId) ?? 0n;
    if (left > 0n) {
      this.holdingEvent(accountId, instrument.symbol, {
        type: 'ShareReservationReleased',
        data: { orderId, quantity: left },
      });
      yield;
    }
    this.accountEvent(accountId, { type: 'AccountOrderClosed', data: { orderId } });
  }

  /**
   * The market's answer to a placed order: rejected (undefined), or accepted and filled
   * in parts at `price` until it is whole or the market stops filling it, each fill
   * settled by `settle`. Answers the quantity filled.
   */
  private *execute(
    orderId: string,
    quantity: bigint,
    price: () => bigint,
    settle: (fill: Fill) => Process,
  ): Generator<void, bigint | undefined, void> {
    if (this.chance(0.1)) return undefined;
    this.orderEvent(orderId, { type: 'OrderAccepted', data: { orderId } });
    yield;
    let filled = 0n;
    while (filled < quantity && !this.chance(0.15)) {
      const q = this.between(1n, quantity - filled);
      const priceMinor = price();
      const fill: Fill = { orderId, fillId: this.uuid(), quantity: q, priceMinor };
      this.orderEvent(orderId, { type: 'OrderFilled', data: fill });
      yield;
      yield* settle(fill);
      yield;
      filled += q;
    }
    return filled;
  }

  private *settleBuy(accountId: string, symbol: string, fill: Fill): Process {
    const { orderId, fillId, quantity } = fill;
    const amount = quantity * fill.priceMinor;
    this.settle(accountId, orderId, fillId, 'BUY', amount);
    yield;
    this.holdingEvent(accountId, symbol, {
      type: 'SharesAcquired',
      data: { orderId, fillId, quantity, costMinor: amount },
    });
  }

  private *settleSell(accountId: string, symbol: string, fill: Fill): Process {
    const { orderId, fillId, quantity } = fill;
    const holding = this.holding(accountId, symbol);
    const reserved = holding.reservations.get(orderId) ?? 0n;
    const costBasis =
      quantity === holding.quantity
        ? holding.costBasis
        : divideRounded(holding.costBasis * quantity, holding.quantity);
    this.holdingEvent(accountId, symbol, {
      type: 'SharesDisposed',
      data: {
        orderId,
        fillId,
        quantity,
        fromReservationQuantity: this.min(reserved, quantity),
        costBasisMinor: costBasis,
        proceedsMinor: quantity * fill.priceMinor,
      },
    });
    yield;
    this.settle(accountId, orderId, fillId, 'SELL', quantity * fill.priceMinor);
  }

  private *place(
    orderId: string,
    accountId: string,
    side: OrderSide,
    instrument: string,
    quantity: bigint,
    limitPriceMinor: bigint | null,
  ): Process {
    const placedAt = new Date(this.clock).toISOString();
    this.orderEvent(orderId, {
      type: 'OrderPlaced',
      data: {
        orderId,
        accountId,
        side,
        orderType: limitPriceMinor === null ? 'MARKET' : 'LIMIT',
        instrument,
        quantity,
        limitPriceMinor,
        currency: this.account(accountId).currency,
        placedAt,
        expiresAt:
          limitPriceMinor === null
            ? null
            : new Date(Date.parse(placedAt) + 86_400_000).toISOString(),
      },
    });
    yield;
    this.accountEvent(accountId, { type: 'AccountOrderOpened', data: { orderId, instrument } });
    yield;
  }

  private *finish(
    orderId: string,
    accountId: string,
    fee: bigint,
    accepted: boolean,
    complete: boolean,
  ): Process {
    let refund = false;
    if (!accepted) {
      this.orderEvent(orderId, {
        type: 'OrderRejected',
        data: { orderId, reason: 'market closed' },
      });
      refund = true;
    } else if (complete) {
      this.orderEvent(orderId, { type: 'OrderCompleted', data: { orderId } });
    } else {
      const roll = this.random();
      if (roll < 0.4) {
        this.orderEvent(orderId, {
          type: 'OrderCancellationRequested',
          data: { orderId, reason: 'customer' },
        });
        yield;
        this.orderEvent(orderId, { type: 'OrderCancelled', data: { orderId, reason: 'customer' } });
      } else if (roll < 0.7) {
        this.orderEvent(orderId, { type: 'OrderExpired', data: { orderId } });
      } else {
        this.orderEvent(orderId, { type: 'OrderFailed', data: { orderId, reason: 'venue error' } });
        refund = true;
      }
    }
    yield;
    if (refund) {
      this.accountEvent(accountId, {
        type: 'FeeRefunded',
        data: {
          orderId,
          paymentId: this.uuid(),
          amountMinor: fee,
          postings: transfer('fee-income', customerCash(accountId), fee),
        },
      });
      yield;
    }
  }

  private *openAndClose(): Process {
    const accountId = this.uuid();
    this.accountEvent(accountId, this.opened(accountId));
    yield;
    const amount = this.between(100n, 10_000n);
    this.deposit(accountId, amount, 'trial');
    yield;
    this.withdraw(accountId, amount, 'trial back');
    yield;
    this.accountEvent(accountId, { type: 'AccountClosed', data: { accountId } });
  }

  private openFunded(): void {
    const accountId = this.uuid();
    const amount = this.between(1_000_000n, 5_000_000n);
    // One command, one append of two events, as an account opened with a first deposit.
    this.write(accountStream(accountId), [
      this.opened(accountId),
      {
        type: 'FundsDeposited',
        data: {
          paymentId: this.uuid(),
          amountMinor: amount,
          reference: 'initial deposit',
          postings: transfer('external-bank', customerCash(accountId), amount),
        },
      },
    ]);
    this.trading.push(accountId);
  }

  // --- events --------------------------------------------------------------------------

  private opened(accountId: string): AccountEvent {
    const index = this.tally.accountsOpened;
    return {
      type: 'AccountOpened',
      data: {
        accountId,
        customerId: `customer-${index % 5_000}`,
        name: `Account ${index}`,
        currency: this.pick(CURRENCIES),
      },
    };
  }

  private deposit(accountId: string, amount: bigint, reference: string): void {
    this.accountEvent(accountId, {
      type: 'FundsDeposited',
      data: {
        paymentId: this.uuid(),
        amountMinor: amount,
        reference,
        postings: transfer('external-bank', customerCash(accountId), amount),
      },
    });
  }

  private withdraw(accountId: string, amount: bigint, reference: string): void {
    this.accountEvent(accountId, {
      type: 'FundsWithdrawn',
      data: {
        paymentId: this.uuid(),
        amountMinor: amount,
        reference,
        postings: transfer(customerCash(accountId), 'external-bank', amount),
      },
    });
  }

  private feeCharged(
    accountId: string,
    orderId: string,
    fee: bigint,
    fromReservation: bigint,
  ): void {
    this.accountEvent(accountId, {
      type: 'FeeCharged',
      data: {
        orderId,
        paymentId: this.uuid(),
        amountMinor: fee,
        fromReservationMinor: fromReservation,
        postings: transfer(customerCash(accountId), 'fee-income', fee),
      },
    });
  }

  private settle(
    accountId: string,
    orderId: string,
    fillId: string,
    side: OrderSide,
    amount: bigint,
  ): void {
    this.accountEvent(accountId, {
      type: 'TradeCashSettled',
      data: {
        orderId,
        fillId,
        paymentId: this.uuid(),
        side,
        amountMinor: amount,
        fromReservationMinor:
          side === 'BUY' ? this.min(this.reservedFor(accountId, orderId), amount) : 0n,
        postings:
          side === 'BUY'
            ? transfer(customerCash(accountId), 'market-settlement', amount)
            : transfer('market-settlement', customerCash(accountId), amount),
      },
    });
  }

  private accountEvent(accountId: string, event: AccountEvent): void {
    this.write(accountStream(accountId), [event]);
  }

  private orderEvent(orderId: string, event: OrderEvent): void {
    this.write(orderStream(orderId), [event]);
  }

  private holdingEvent(accountId: string, symbol: string, event: HoldingEvent): void {
    this.write(holdingStream(accountId, symbol), [event]);
  }

  /** Records the append and folds its events into the model and the tally. */
  private write(streamId: string, events: DomainEvent[]): void {
    this.clock += 1 + Math.floor(this.random() * 400);
    this.pending.push({ streamId, events, occurredAt: new Date(this.clock).toISOString() });
    this.tally.appends += 1;
    this.tally.events += events.length;
    for (const event of events) this.evolve(streamId, event);
  }

  private evolve(streamId: string, event: DomainEvent): void {
    if ('postings' in event.data) this.tally.postings += event.data.postings.length;
    switch (event.type) {
      case 'OrderPlaced':
        this.tally.ordersPlaced += 1;
        return;
      case 'OrderFilled':
        this.tally.filledQuantity += event.data.quantity;
        return;
      case 'SharesReserved':
      case 'ShareReservationReleased':
      case 'SharesAcquired':
      case 'SharesDisposed':
        return this.evolveHolding(this.holdingOf(streamId), event);
      default:
        return this.evolveAccount(streamId, event);
    }
  }

  private evolveAccount(streamId: string, event: DomainEvent): void {
    switch (event.type) {
      case 'AccountOpened':
        this.accounts.set(event.data.accountId, {
          currency: event.data.currency,
          balance: 0n,
          reserved: 0n,
          reservations: new Map(),
        });
        this.tally.accountsOpened += 1;
        return;
      case 'AccountClosed':
        this.tally.accountsClosed += 1;
        return;
      case 'FundsDeposited':
        return this.moveCash(this.accountOf(streamId), event.data.amountMinor, 0n, true);
      case 'FundsWithdrawn':
        return this.moveCash(this.accountOf(streamId), -event.data.amountMinor, 0n, true);
      case 'CashReserved': {
        const account = this.accountOf(streamId);
        account.reservations.set(event.data.orderId, event.data.amountMinor);
        return this.moveCash(account, 0n, event.data.amountMinor, false);
      }
      case 'CashReservationReleased': {
        const account = this.accountOf(streamId);
        this.release(account.reservations, event.data.orderId, event.data.amountMinor);
        return this.moveCash(account, 0n, -event.data.amountMinor, false);
      }
      case 'FeeCharged': {
        const account = this.accountOf(streamId);
        const { amountMinor, fromReservationMinor, orderId } = event.data;
        this.release(account.reservations, orderId, fromReservationMinor);
        return this.moveCash(account, -amountMinor, -fromReservationMinor, true);
      }
      case 'FeeRefunded':
        return this.moveCash(this.accountOf(streamId), event.data.amountMinor, 0n, true);
      case 'TradeCashSettled': {
        const account = this.accountOf(streamId);
        const { amountMinor, fromReservationMinor, orderId, side } = event.data;
        this.release(account.reservations, orderId, fromReservationMinor);
        const balance = side === 'BUY' ? -amountMinor : amountMinor;
        return this.moveCash(account, balance, -fromReservationMinor, true);
      }
      default:
        return;
    }
  }

  /** `line`: the movement is a line of the account's statement. */
  private moveCash(account: Account, balance: bigint, reserved: bigint, line: boolean): void {
    account.balance += balance;
    account.reserved += reserved;
    this.tally.balanceMinor += balance;
    this.tally.reservedMinor += reserved;
    if (line) this.tally.statementLines += 1;
  }

  private evolveHolding(holding: Holding, event: HoldingEvent): void {
    const tally = this.tally;
    switch (event.type) {
      case 'SharesReserved':
        holding.reserved += event.data.quantity;
        holding.reservations.set(event.data.orderId, event.data.quantity);
        tally.holdingReserved += event.data.quantity;
        return;
      case 'ShareReservationReleased':
        holding.reserved -= event.data.quantity;
        this.release(holding.reservations, event.data.orderId, event.data.quantity);
        tally.holdingReserved -= event.data.quantity;
        return;
      case 'SharesAcquired':
        holding.quantity += event.data.quantity;
        holding.costBasis += event.data.costMinor;
        tally.holdingQuantity += event.data.quantity;
        tally.holdingCostBasisMinor += event.data.costMinor;
        return;
      case 'SharesDisposed': {
        const { quantity, fromReservationQuantity, costBasisMinor, orderId } = event.data;
        holding.quantity -= quantity;
        holding.reserved -= fromReservationQuantity;
        holding.costBasis -= costBasisMinor;
        this.release(holding.reservations, orderId, fromReservationQuantity);
        tally.holdingQuantity -= quantity;
        tally.holdingReserved -= fromReservationQuantity;
        tally.holdingCostBasisMinor -= costBasisMinor;
        return;
      }
    }
  }

  private release(reservations: Map<string, bigint>, orderId: string, amount: bigint): void {
    const left = (reservations.get(orderId) ?? 0n) - amount;
    if (left > 0n) reservations.set(orderId, left);
    else reservations.delete(orderId);
  }

  // --- state ---------------------------------------------------------------------------

  private account(accountId: string): Account {
    const account = this.accounts.get(accountId);
    if (!account) throw new Error(`history generator: account ${accountId} was never opened`);
    return account;
  }

  private accountOf(streamId: string): Account {
    return this.account(streamId.slice('account-'.length));
  }

  private holding(accountId: string, symbol: string): Holding {
    return this.holdingOf(holdingStream(accountId, symbol));
  }

  private holdingOf(streamId: string): Holding {
    let holding = this.holdings.get(streamId);
    if (!holding) {
      holding = { quantity: 0n, reserved: 0n, costBasis: 0n, reservations: new Map() };
      this.holdings.set(streamId, holding);
    }
    return holding;
  }

  private reservedFor(accountId: string, orderId: string): bigint {
    return this.account(accountId).reservations.get(orderId) ?? 0n;
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
