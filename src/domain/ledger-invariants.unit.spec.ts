import { describe, expect, it } from 'vitest';
import { type AccountEvent } from './account.events.js';
import {
  type AccountCommand,
  type AccountState,
  accountDecider,
  availableMinor,
} from './account.decider.js';
import { initialHoldingState } from './holding.decider.js';
import { type LedgerAccount, type Posting, customerCash, postingsBalance } from './ledger.js';
import { type OrderState, type OrderStatus, initialOrderState } from './order.decider.js';
import { type Rejection } from './rejection.js';

const CASH = customerCash('a1');

function postingsOf(event: AccountEvent): readonly Posting[] {
  return 'postings' in event.data ? event.data.postings : [];
}

/** Runs account commands one after another and checks the ledger after every event. */
class LedgerRun {
  state: AccountState = accountDecider.initialState;
  readonly events: AccountEvent[] = [];
  readonly totals = new Map<LedgerAccount, bigint>();

  /** Decides and applies one command; returns the rejection, if any. */
  run(command: AccountCommand): Rejection | undefined {
    const decision = accountDecider.decide(command, this.state);
    if (decision.kind === 'rejected') return decision.rejection;
    for (const event of decision.events) this.apply(event);
    return undefined;
  }

  /** Like run, but the command must be accepted. */
  must(command: AccountCommand): void {
    expect(this.run(command), `${command.type} should be accepted`).toBeUndefined();
  }

  private apply(event: AccountEvent): void {
    const postings = postingsOf(event);
    // Each money event balances on its own, and moves no zero amounts.
    expect(postingsBalance(postings), `${event.type} postings`).toBe(0n);
    for (const posting of postings) expect(posting.amountMinor).not.toBe(0n);

    const before = this.state;
    // Every amount an event records is positive: nothing is reserved, released or moved for 0.
    if ('amountMinor' in event.data) {
      expect(event.data.amountMinor, `${event.type} amount`).toBeGreaterThan(0n);
    }
    // A reservation is made at most once per order, even after it was used up or released.
    if (event.type === 'CashReserved') {
      expect(before.reservedOrders.has(event.data.orderId), `second reservation`).toBe(false);
    }
    this.state = accountDecider.evolve(this.state, event);
    this.events.push(event);
    for (const { ledgerAccount, amountMinor } of postings) {
      this.totals.set(ledgerAccount, (this.totals.get(ledgerAccount) ?? 0n) + amountMinor);
    }

    // The customer's cash moves by exactly what the event posts to it: an event without
    // postings leaves the balance alone.
    const postedToCustomer = postings
      .filter((posting) => posting.ledgerAccount === CASH)
      .reduce((sum, posting) => sum + posting.amountMinor, 0n);
    expect(this.state.balanceMinor - before.balanceMinor, `${event.type} balance change`).toBe(
      postedToCustomer,
    );
    this.checkBalances();
  }

  /** The invariants that hold after every event. */
  checkBalances(): void {
    const { state } = this;
    // The ledger as a whole sums to zero; its customer cash is the account's balance.
    expect([...this.totals.values()].reduce((sum, amount) => sum + amount, 0n)).toBe(0n);
    expect(this.totals.get(CASH) ?? 0n).toBe(state.balanceMinor);
    // Reservations add up, are positive, and never exceed the cash.
    const reservations = [...state.reservations.values()];
    expect(reservations.reduce((sum, amount) => sum + amount, 0n)).toBe(state.reservedMinor);
    for (const amount of reservations) expect(amount).toBeGreaterThan(0n);
    for (const orderId of state.reservations.keys()) {
      expect(state.reservedOrders.has(orderId)).toBe(true);
    }
    expect(state.reservedMinor).toBeGreaterThanOrEqual(0n);
    expect(availableMinor(state)).toBeGreaterThanOrEqual(0n);
  }
}

function settle(
  side: 'BUY' | 'SELL',
  orderId: string,
  fillId: string,
  amountMinor: bigint,
): AccountCommand {
  return {
    type: 'SettleTradeCash',
    orderId,
    fillId,
    paymentId: `pay-${fillId}`,
    side,
    amountMinor,
  };
}

function orderIn(status: OrderStatus, orderId: string): OrderState {
  return { ...initialOrderState, orderId, accountId: 'a1', status };
}

/** A small deterministic pseudo-random generator (a 32-bit LCG), so that failures replay. */
function generator(seed: number): (below: number) => number {
  let value = seed >>> 0;
  return (below) => {
    value = (Math.imul(value, 1_664_525) + 1_013_904_223) >>> 0;
    return value % below;
  };
}

describe('ledger invariants of the account decider', () => {
  it('keeps every money event balanced through a buy, a sell, fees and a refund, then closes at zero', () => {
    const ledger = new LedgerRun();
    const completedOrder = (orderId: string) => ({
      ...initialOrderState,
      orderId,
      status: 'COMPLETED' as const,
    });

    ledger.must({
      type: 'OpenAccount',
      accountId: 'a1',
      customerId: 'c1',
      name: 'Main',
      currency: 'USD',
    });
    ledger.must({ type: 'DepositFunds', paymentId: 'p1', amountMinor: 10_000n, reference: 'in' });
    ledger.must({ type: 'WithdrawFunds', paymentId: 'p2', amountMinor: 1_500n, reference: 'out' });

    // A buy: reservation, a fee out of it, two fills (the second overruns the reservation).
    ledger.must({ type: 'OpenAccountOrder', orderId: 'o1', instrument: 'ACME' });
    ledger.must({ type: 'ReserveCash', orderId: 'o1', amountMinor: 5_000n });
    ledger.must({ type: 'ChargeFee', orderId: 'o1', paymentId: 'p3', amountMinor: 250n });
    ledger.must(settle('BUY', 'o1', 'f1', 3_000n));
    ledger.must(settle('BUY', 'o1', 'f2', 2_000n));
    ledger.must({ type: 'ReleaseCash', orderId: 'o1' });
    ledger.must({ type: 'RefundFee', orderId: 'o1', paymentId: 'p4' });
    ledger.must({ type: 'CloseAccountOrder', orderId: 'o1' });
    expect(ledger.state.balanceMinor).toBe(3_500n);
    expect(ledger.state.reservedMinor).toBe(0n);

    // A sell and its fee.
    ledger.must({ type: 'OpenAccountOrder', orderId: 'o2', instrument: 'ACME' });
    ledger.must(settle('SELL', 'o2', 'f3', 4_000n));
    ledger.must({ type: 'ChargeFee', orderId: 'o2', paymentId: 'p5', amountMinor: 100n });
    ledger.must({ type: 'CloseAccountOrder', orderId: 'o2' });

    // Repeats change nothing.
    const eventsBefore = ledger.events.length;
    ledger.must(settle('BUY', 'o1', 'f1', 3_000n));
    ledger.must({ type: 'ChargeFee', orderId: 'o1', paymentId: 'p3', amountMinor: 250n });
    ledger.must({ type: 'RefundFee', orderId: 'o1', paymentId: 'p4' });
    // o1 reserved once: it may not reserve again, though its reservation is used up.
    ledger.must({ type: 'ReserveCash', orderId: 'o1', amountMinor: 1n });
    expect(ledger.events.length).toBe(eventsBefore);

    ledger.must({ type: 'WithdrawFunds', paymentId: 'p6', amountMinor: 7_400n, reference: 'out' });
    ledger.must({
      type: 'CloseAccount',
      openOrders: new Map([
        ['o1', completedOrder('o1')],
        ['o2', completedOrder('o2')],
      ]),
      holdings: [initialHoldingState],
    });

    expect(ledger.state.status).toBe('CLOSED');
    expect(Object.fromEntries(ledger.totals)).toEqual({
      'external-bank': -1_100n,
      'customer-cash:a1': 0n,
      'fee-income': 100n,
      'market-settlement': 1_000n,
    });
    expect(
      ledger.events.filter((event) => postingsOf(event).length > 0).map((event) => event.type),
    ).toEqual([
      'FundsDeposited',
      'FundsWithdrawn',
      'FeeCharged',
      'TradeCashSettled',
      'TradeCashSettled',
      'FeeRefunded',
      'TradeCashSettled',
      'FeeCharged',
      'FundsWithdrawn',
    ]);
  });

  it.each([1, 2, 3, 42, 2024])(
    'keeps the ledger balanced through 400 pseudo-random commands (seed %i)',
    (seed) => {
      const next = generator(seed);
      // One amount in 25 is zero or negative: the decider must refuse it and record nothing.
      const amount = (max: number): bigint => {
        const roll = next(25);
        if (roll === 0) return 0n;
        if (roll === 1) return -BigInt(next(max) + 1);
        return BigInt(next(max) + 1);
      };
      // Orders come and go: the six ids in play slide along the walk, so that new orders keep
      // reserving (a reservation is made once per order) while old ones get repeats.
      const orderId = (i: number): string => `o${Math.floor(i / 80) * 3 + next(6)}`;
      const ledger = new LedgerRun();
      const refusals = new Set<string>();
      let invalidAmounts = 0;
      let repeatedReservations = 0;

      ledger.must({
        type: 'OpenAccount',
        accountId: 'a1',
        customerId: 'c1',
        name: 'Main',
        currency: 'EUR',
      });
      for (let i = 0; i < 400; i++) {
        const commands: (() => AccountCommand)[] = [
          () => ({
            type: 'DepositFunds',
            paymentId: `p${i}`,
            amountMinor: amount(5_000),
            reference: 'in',
          }),
          () => ({
            type: 'WithdrawFunds',
            paymentId: `p${i}`,
            amountMinor: amount(3_000),
            reference: 'out',
          }),
          () => ({ type: 'OpenAccountOrder', orderId: orderId(i), instrument: 'ACME' }),
          () => ({ type: 'ReserveCash', orderId: orderId(i), amountMinor: amount(3_000) }),
          () => ({ type: 'ReleaseCash', orderId: orderId(i) }),
          () => ({
            type: 'ChargeFee',
            orderId: orderId(i),
            paymentId: `p${i}`,
            amountMinor: amount(300),
          }),
          () => ({ type: 'RefundFee', orderId: orderId(i), paymentId: `p${i}` }),
          () => settle('BUY', orderId(i), `f${next(60)}`, amount(3_000)),
          () => settle('SELL', orderId(i), `f${next(60)}`, amount(3_000)),
        ];
        const command = commands[next(commands.length)]!();
        const before = ledger.state;
        const eventsBefore = ledger.events.length;
        const rejection = ledger.run(command);

        if ('amountMinor' in command && command.amountMinor <= 0n) {
          // A non-positive amount is refused as invalid input, whatever the state.
          expect(rejection, `${command.type} of ${command.amountMinor}`).toMatchObject({
            code: 'VALIDATION_FAILED',
            field: 'amount',
          });
          invalidAmounts++;
        } else if (command.type === 'ReserveCash' && before.reservedOrders.has(command.orderId)) {
          // A second reservation for an order is a no-op, even once the first is used up.
          expect(rejection, `repeated ReserveCash for ${command.orderId}`).toBeUndefined();
          expect(ledger.events.length).toBe(eventsBefore);
          repeatedReservations++;
        } else if (rejection !== undefined) {
          refusals.add(rejection.code);
        }
        if (rejection !== undefined) expect(ledger.state).toBe(before);
      }
      // The walk did exercise every kind of money movement.
      const kinds = new Set(ledger.events.map((event) => event.type));
      for (const kind of [
        'FundsDeposited',
        'FundsWithdrawn',
        'CashReserved',
        'CashReservationReleased',
        'FeeCharged',
        'FeeRefunded',
        'TradeCashSettled',
      ] as const) {
        expect(kinds).toContain(kind);
      }
      // ... and the rules against invalid amounts and repeated reservations.
      expect(invalidAmounts).toBeGreaterThan(0);
      expect(repeatedReservations).toBeGreaterThan(0);
      // Reservations were made throughout the walk, not only by its first orders.
      const reservedBy = ledger.events.flatMap((event) =>
        event.type === 'CashReserved' ? [event.data.orderId] : [],
      );
      expect(new Set(reservedBy).size).toBe(reservedBy.length);
      expect(reservedBy.length).toBeGreaterThan(6);
      // Other than invalid input, the only thing that may stop a money command on an open
      // account is a lack of cash.
      expect([...refusals].filter((code) => code !== 'INSUFFICIENT_FUNDS')).toEqual([]);

      // Wind down: release every reservation and pay everything out; the ledger still balances.
      for (const id of [...ledger.state.reservations.keys()])
        ledger.must({ type: 'ReleaseCash', orderId: id });
      const rest = availableMinor(ledger.state);
      if (rest > 0n)
        ledger.must({
          type: 'WithdrawFunds',
          paymentId: 'p-last',
          amountMinor: rest,
          reference: 'out',
        });

      // The account still lists the orders the walk opened: it closes only once every one of
      // them is known and terminal.
      const listed = [...ledger.state.openOrders.keys()];
      expect(listed.length).toBeGreaterThan(1);
      const terminal = new Map(listed.map((id) => [id, orderIn('COMPLETED', id)]));
      const [firstListed, ...otherListed] = listed as [string, ...string[]];
      for (const openOrders of [
        new Map<string, OrderState>(),
        new Map(otherListed.map((id) => [id, orderIn('COMPLETED', id)])),
        new Map(terminal).set(firstListed, orderIn('PARTIALLY_FILLED', firstListed)),
      ]) {
        expect(ledger.run({ type: 'CloseAccount', openOrders, holdings: [] })?.code).toBe(
          'ACCOUNT_HAS_OPEN_ORDERS',
        );
      }
      ledger.must({ type: 'CloseAccount', openOrders: terminal, holdings: [] });

      expect(ledger.state).toMatchObject({ status: 'CLOSED', balanceMinor: 0n, reservedMinor: 0n });
      expect(ledger.totals.get(CASH) ?? 0n).toBe(0n);
      const fees = ledger.totals.get('fee-income') ?? 0n;
      const market = ledger.totals.get('market-settlement') ?? 0n;
      const bank = ledger.totals.get('external-bank') ?? 0n;
      expect(fees + market + bank).toBe(0n);
    },
  );
});
