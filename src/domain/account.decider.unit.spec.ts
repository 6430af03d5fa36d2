import { describe, expect, it } from 'vitest';
import { spec } from '../../test/support/given-when-then.js';
import { type AccountEvent } from './account.events.js';
import {
  type AccountCommand,
  type AccountState,
  accountDecider,
  availableMinor,
} from './account.decider.js';
import { type HoldingState, initialHoldingState } from './holding.decider.js';
import { type LedgerAccount, type Posting } from './ledger.js';
import { type OrderState, type OrderStatus, initialOrderState } from './order.decider.js';

const account = spec(accountDecider);

const CASH: LedgerAccount = 'customer-cash:a1';

function moves(from: LedgerAccount, to: LedgerAccount, amountMinor: bigint): Posting[] {
  return [
    { ledgerAccount: from, amountMinor: -amountMinor },
    { ledgerAccount: to, amountMinor },
  ];
}

// ---- events -------------------------------------------------------------------------

const opened: AccountEvent = {
  type: 'AccountOpened',
  data: { accountId: 'a1', customerId: 'c1', name: 'Main', currency: 'USD' },
};

function deposited(amountMinor: bigint, paymentId = 'pay-dep'): AccountEvent {
  return {
    type: 'FundsDeposited',
    data: {
      paymentId,
      amountMinor,
      reference: 'ref',
      postings: moves('external-bank', CASH, amountMinor),
    },
  };
}

function withdrawn(amountMinor: bigint, paymentId = 'pay-wd'): AccountEvent {
  return {
    type: 'FundsWithdrawn',
    data: {
      paymentId,
      amountMinor,
      reference: 'ref',
      postings: moves(CASH, 'external-bank', amountMinor),
    },
  };
}

function orderOpened(orderId: string, instrument = 'ACME'): AccountEvent {
  return { type: 'AccountOrderOpened', data: { orderId, instrument } };
}

function reserved(orderId: string, amountMinor: bigint): AccountEvent {
  return { type: 'CashReserved', data: { orderId, amountMinor } };
}

function released(orderId: string, amountMinor: bigint): AccountEvent {
  return { type: 'CashReservationReleased', data: { orderId, amountMinor } };
}

function feeCharged(
  orderId: string,
  amountMinor: bigint,
  fromReservationMinor: bigint,
  paymentId = 'pay-fee',
): AccountEvent {
  return {
    type: 'FeeCharged',
    data: {
      orderId,
      paymentId,
      amountMinor,
      fromReservationMinor,
      postings: moves(CASH, 'fee-income', amountMinor),
    },
  };
}

function feeRefunded(orderId: string, amountMinor: bigint, paymentId = 'pay-refund'): AccountEvent {
  return {
    type: 'FeeRefunded',
    data: { orderId, paymentId, amountMinor, postings: moves('fee-income', CASH, amountMinor) },
  };
}

function boughtCash(
  orderId: string,
  fillId: string,
  amountMinor: bigint,
  fromReservationMinor: bigint,
): AccountEvent {
  return {
    type: 'TradeCashSettled',
    data: {
      orderId,
      fillId,
      paymentId: `pay-${fillId}`,
      side: 'BUY',
      amountMinor,
      fromReservationMinor,
      postings: moves(CASH, 'market-settlement', amountMinor),
    },
  };
}

function soldCash(orderId: string, fillId: string, amountMinor: bigint): AccountEvent {
  return {
    type: 'TradeCashSettled',
    data: {
      orderId,
      fillId,
      paymentId: `pay-${fillId}`,
      side: 'SELL',
      amountMinor,
      fromReservationMinor: 0n,
      postings: moves('market-settlement', CASH, amountMinor),
    },
  };
}

const closed: AccountEvent = { type: 'AccountClosed', data: { accountId: 'a1' } };

// ---- commands -----------------------------------------------------------------------

const openAccount: AccountCommand = {
  type: 'OpenAccount',
  accountId: 'a1',
  customerId: 'c1',
  name: 'Main',
  currency: 'USD',
};

function deposit(amountMinor: bigint, paymentId = 'pay-dep'): AccountCommand {
  return { type: 'DepositFunds', paymentId, amountMinor, reference: 'ref' };
}

function withdraw(amountMinor: bigint, paymentId = 'pay-wd'): AccountCommand {
  return { type: 'WithdrawFunds', paymentId, amountMinor, reference: 'ref' };
}

function reserve(orderId: string, amountMinor: bigint): AccountCommand {
  return { type: 'ReserveCash', orderId, amountMinor };
}

function chargeFee(orderId: string, amountMinor: bigint, paymentId = 'pay-fee'): AccountCommand {
  return { type: 'ChargeFee', orderId, paymentId, amountMinor };
}

function refundFee(orderId: string, paymentId = 'pay-refund'): AccountCommand {
  return { type: 'RefundFee', orderId, paymentId };
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

function order(status: OrderStatus, orderId = 'o1'): OrderState {
  return {
    ...initialOrderState,
    orderId,
    accountId: 'a1',
    instrument: 'ACME',
    quantity: 10n,
    status,
  };
}

function holding(quantity: bigint): HoldingState {
  return { ...initialHoldingState, quantity, costBasisMinor: quantity * 100n };
}

function closeAccount(
  openOrders: readonly OrderState[] = [],
  holdings: readonly HoldingState[] = [],
): AccountCommand {
  return {
    type: 'CloseAccount',
    openOrders: new Map(openOrders.map((order) => [order.orderId, order])),
    holdings,
  };
}

/** One of every command but OpenAccount. */
const everyCommandButOpen: readonly AccountCommand[] = [
  deposit(100n),
  withdraw(100n),
  { type: 'OpenAccountOrder', orderId: 'o9', instrument: 'ACME' },
  { type: 'CloseAccountOrder', orderId: 'o9' },
  reserve('o9', 100n),
  { type: 'ReleaseCash', orderId: 'o9' },
  chargeFee('o9', 100n),
  refundFee('o9'),
  settle('BUY', 'o9', 'f9', 100n),
  settle('SELL', 'o9', 'f9', 100n),
  closeAccount(),
];

function money(state: AccountState): { balance: bigint; reserved: bigint; available: bigint } {
  return {
    balance: state.balanceMinor,
    reserved: state.reservedMinor,
    available: availableMinor(state),
  };
}

// ---- specs --------------------------------------------------------------------------

describe('account decider', () => {
  describe('OpenAccount', () => {
    it('opens a new account with an empty balance', () => {
      const state = account.given([]).when(openAccount).then([opened]);

      expect(state).toMatchObject({
        status: 'OPEN',
        accountId: 'a1',
        customerId: 'c1',
        currency: 'USD',
      });
      expect(money(state)).toEqual({ balance: 0n, reserved: 0n, available: 0n });
    });

    it('opening the same account again (a retried open) is a no-op', () => {
      account.given([opened]).when(openAccount).thenNothing();
      account
        .given([opened])
        .when({ ...openAccount, name: 'Renamed' })
        .thenNothing();
    });

    it('refuses an open of the same account id for another customer or currency', () => {
      account
        .given([opened])
        .when({ ...openAccount, customerId: 'c2' })
        .thenRejects('ALREADY_EXISTS');
      account
        .given([opened])
        .when({ ...openAccount, currency: 'EUR' })
        .thenRejects('ALREADY_EXISTS');
    });

    it('does not reopen a closed account', () => {
      const state = account.given([opened, closed]).when(openAccount).thenNothing();
      expect(state.status).toBe('CLOSED');
      account
        .given([opened, closed])
        .when({ ...openAccount, customerId: 'c2' })
        .thenRejects('ALREADY_EXISTS');
    });

    it.each(everyCommandButOpen.map((command) => [command.type, command] as const))(
      '%s on an account that does not exist is NOT_FOUND',
      (_type, command) => {
        account.given([]).when(command).thenRejects('NOT_FOUND');
      },
    );
  });

  describe('DepositFunds', () => {
    it('credits customer cash from the external bank', () => {
      const state = account
        .given([opened])
        .when(deposit(1_000n, 'pay-1'))
        .then([
          {
            type: 'FundsDeposited',
            data: {
              paymentId: 'pay-1',
              amountMinor: 1_000n,
              reference: 'ref',
              postings: [
                { ledgerAccount: 'external-bank', amountMinor: -1_000n },
                { ledgerAccount: 'customer-cash:a1', amountMinor: 1_000n },
              ],
            },
          },
        ]);

      expect(money(state)).toEqual({ balance: 1_000n, reserved: 0n, available: 1_000n });
    });

    it('adds successive deposits', () => {
      const state = account
        .given([opened, deposited(1_000n, 'pay-1')])
        .when(deposit(250n, 'pay-2'))
        .then([deposited(250n, 'pay-2')]);

      expect(state.balanceMinor).toBe(1_250n);
    });
  });

  describe('WithdrawFunds', () => {
    it('pays out to the external bank', () => {
      const state = account
        .given([opened, deposited(1_000n)])
        .when(withdraw(400n))
        .then([withdrawn(400n)]);

      expect(money(state)).toEqual({ balance: 600n, reserved: 0n, available: 600n });
    });

    it('withdraws exactly the available amount', () => {
      const state = account
        .given([opened, deposited(1_000n)])
        .when(withdraw(1_000n))
        .then([withdrawn(1_000n)]);

      expect(money(state)).toEqual({ balance: 0n, reserved: 0n, available: 0n });
    });

    it('refuses one minor unit more than is available', () => {
      account
        .given([opened, deposited(1_000n)])
        .when(withdraw(1_001n))
        .thenRejects('INSUFFICIENT_FUNDS');
    });

    it('refuses any withdrawal from an empty account', () => {
      account.given([opened]).when(withdraw(1n)).thenRejects('INSUFFICIENT_FUNDS');
    });

    it('does not count reserved cash as available', () => {
      const given = [opened, deposited(1_000n), orderOpened('o1'), reserved('o1', 400n)];

      expect(money(account.given(given).state)).toEqual({
        balance: 1_000n,
        reserved: 400n,
        available: 600n,
      });
      account.given(given).when(withdraw(601n)).thenRejects('INSUFFICIENT_FUNDS');
      const state = account
        .given(given)
        .when(withdraw(600n))
        .then([withdrawn(600n)]);
      expect(money(state)).toEqual({ balance: 400n, reserved: 400n, available: 0n });
    });
  });

  describe('OpenAccountOrder / CloseAccountOrder', () => {
    it('lists an order as open and remembers its instrument', () => {
      const state = account
        .given([opened])
        .when({ type: 'OpenAccountOrder', orderId: 'o1', instrument: 'ACME' })
        .then([orderOpened('o1', 'ACME')]);

      expect([...state.openOrders]).toEqual([['o1', 'ACME']]);
      expect([...state.instruments]).toEqual(['ACME']);
    });

    it('opening the same order again is a no-op', () => {
      account
        .given([opened, orderOpened('o1')])
        .when({ type: 'OpenAccountOrder', orderId: 'o1', instrument: 'ACME' })
        .thenNothing();
    });

    it('closing an order removes it from the open orders but keeps the instrument', () => {
      const state = account
        .given([opened, orderOpened('o1', 'ACME'), orderOpened('o2', 'INIT')])
        .when({ type: 'CloseAccountOrder', orderId: 'o1' })
        .then([{ type: 'AccountOrderClosed', data: { orderId: 'o1' } }]);

      expect([...state.openOrders]).toEqual([['o2', 'INIT']]);
      expect([...state.instruments].sort()).toEqual(['ACME', 'INIT']);
    });

    it('closing an order that is not open is a no-op', () => {
      account.given([opened]).when({ type: 'CloseAccountOrder', orderId: 'o1' }).thenNothing();
      account
        .given([opened, orderOpened('o1'), { type: 'AccountOrderClosed', data: { orderId: 'o1' } }])
        .when({ type: 'CloseAccountOrder', orderId: 'o1' })
        .thenNothing();
    });
  });

  describe('ReserveCash', () => {
    it('reserves cash for an order', () => {
      const state = account
        .given([opened, deposited(1_000n), orderOpened('o1')])
        .when(reserve('o1', 300n))
        .then([reserved('o1', 300n)]);

      expect(money(state)).toEqual({ balance: 1_000n, reserved: 300n, available: 700n });
      expect([...state.reservations]).toEqual([['o1', 300n]]);
    });

    it('reserves exactly the available amount, not one minor unit more', () => {
      const given = [opened, deposited(1_000n), orderOpened('o1')];

      account.given(given).when(reserve('o1', 1_001n)).thenRejects('INSUFFICIENT_FUNDS');
      const state = account
        .given(given)
        .when(reserve('o1', 1_000n))
        .then([reserved('o1', 1_000n)]);
      expect(availableMinor(state)).toBe(0n);
    });

    it("cannot use another order's reservation", () => {
      account
        .given([opened, deposited(1_000n), reserved('o1', 800n)])
        .when(reserve('o2', 201n))
        .thenRejects('INSUFFICIENT_FUNDS');
      const state = account
        .given([opened, deposited(1_000n), reserved('o1', 800n)])
        .when(reserve('o2', 200n))
        .then([reserved('o2', 200n)]);
      expect(money(state)).toEqual({ balance: 1_000n, reserved: 1_000n, available: 0n });
    });

    it('reserving again for the same order is a no-op, whatever the amount', () => {
      const given = [opened, deposited(1_000n), reserved('o1', 300n)];

      account.given(given).when(reserve('o1', 300n)).thenNothing();
      account.given(given).when(reserve('o1', 500n)).thenNothing();
    });
  });

  describe('ReleaseCash', () => {
    it('releases the whole reservation of the order', () => {
      const state = account
        .given([opened, deposited(1_000n), reserved('o1', 300n), reserved('o2', 200n)])
        .when({ type: 'ReleaseCash', orderId: 'o1' })
        .then([released('o1', 300n)]);

      expect(money(state)).toEqual({ balance: 1_000n, reserved: 200n, available: 800n });
      expect([...state.reservations]).toEqual([['o2', 200n]]);
    });

    it('releases only what settlement left of the reservation', () => {
      const state = account
        .given([
          opened,
          deposited(1_000n),
          reserved('o1', 500n),
          boughtCash('o1', 'f1', 350n, 350n),
        ])
        .when({ type: 'ReleaseCash', orderId: 'o1' })
        .then([released('o1', 150n)]);

      expect(money(state)).toEqual({ balance: 650n, reserved: 0n, available: 650n });
    });

    it('releasing without a reservation, or twice, is a no-op', () => {
      account
        .given([opened, deposited(1_000n)])
        .when({ type: 'ReleaseCash', orderId: 'o1' })
        .thenNothing();
      account
        .given([opened, deposited(1_000n), reserved('o1', 300n), released('o1', 300n)])
        .when({ type: 'ReleaseCash', orderId: 'o1' })
        .thenNothing();
    });

    it('releasing after settlement consumed the whole reservation is a no-op', () => {
      account
        .given([
          opened,
          deposited(1_000n),
          reserved('o1', 500n),
          boughtCash('o1', 'f1', 500n, 500n),
        ])
        .when({ type: 'ReleaseCash', orderId: 'o1' })
        .thenNothing();
    });
  });

  describe('ChargeFee', () => {
    it('charges a fee from available cash when the order has no reservation', () => {
      const state = account
        .given([opened, deposited(1_000n)])
        .when(chargeFee('o1', 150n, 'pay-f1'))
        .then([
          {
            type: 'FeeCharged',
            data: {
              orderId: 'o1',
              paymentId: 'pay-f1',
              amountMinor: 150n,
              fromReservationMinor: 0n,
              postings: [
                { ledgerAccount: 'customer-cash:a1', amountMinor: -150n },
                { ledgerAccount: 'fee-income', amountMinor: 150n },
              ],
            },
          },
        ]);

      expect(money(state)).toEqual({ balance: 850n, reserved: 0n, available: 850n });
      expect([...state.feesCharged]).toEqual([['o1', 150n]]);
    });

    it('takes the whole fee out of a larger reservation', () => {
      const state = account
        .given([opened, deposited(1_000n), reserved('o1', 600n)])
        .when(chargeFee('o1', 100n))
        .then([feeCharged('o1', 100n, 100n)]);

      expect(money(state)).toEqual({ balance: 900n, reserved: 500n, available: 400n });
      expect([...state.reservations]).toEqual([['o1', 500n]]);
    });

    it('takes the fee partly from the reservation and the rest from available cash', () => {
      const state = account
        .given([opened, deposited(1_000n), reserved('o1', 300n)])
        .when(chargeFee('o1', 500n))
        .then([feeCharged('o1', 500n, 300n)]);

      expect(money(state)).toEqual({ balance: 500n, reserved: 0n, available: 500n });
      expect(state.reservations.has('o1')).toBe(false);
    });

    it("does not take the fee out of another order's reservation", () => {
      const state = account
        .given([opened, deposited(1_000n), reserved('o2', 300n)])
        .when(chargeFee('o1', 100n))
        .then([feeCharged('o1', 100n, 0n)]);

      expect(money(state)).toEqual({ balance: 900n, reserved: 300n, available: 600n });
    });

    it('refuses a fee the reservation and the available cash together cannot cover', () => {
      const given = [opened, deposited(1_000n), reserved('o1', 800n)];

      account.given(given).when(chargeFee('o1', 1_001n)).thenRejects('INSUFFICIENT_FUNDS');
      const state = account
        .given(given)
        .when(chargeFee('o1', 1_000n))
        .then([feeCharged('o1', 1_000n, 800n)]);
      expect(money(state)).toEqual({ balance: 0n, reserved: 0n, available: 0n });
    });

    it('refuses a fee larger than the available cash', () => {
      account
        .given([opened, deposited(100n)])
        .when(chargeFee('o1', 101n))
        .thenRejects('INSUFFICIENT_FUNDS');
    });

    it('charges at most once per order', () => {
      const given = [opened, deposited(1_000n), feeCharged('o1', 150n, 0n)];

      account.given(given).when(chargeFee('o1', 150n)).thenNothing();
      account
        .given(given)
        .when(chargeFee('o1', 999n, 'pay-other'))
        .thenNothing();
    });

    it('charges at most once per order even after a refund', () => {
      account
        .given([opened, deposited(1_000n), feeCharged('o1', 150n, 0n), feeRefunded('o1', 150n)])
        .when(chargeFee('o1', 150n))
        .thenNothing();
    });

    it('charges separate orders separately', () => {
      const state = account
        .given([opened, deposited(1_000n), feeCharged('o1', 150n, 0n)])
        .when(chargeFee('o2', 150n))
        .then([feeCharged('o2', 150n, 0n)]);

      expect(state.balanceMinor).toBe(700n);
    });
  });

  describe('RefundFee', () => {
    it('refunds the fee that was charged', () => {
      const state = account
        .given([opened, deposited(1_000n), feeCharged('o1', 150n, 0n)])
        .when(refundFee('o1', 'pay-r1'))
        .then([
          {
            type: 'FeeRefunded',
            data: {
              orderId: 'o1',
              paymentId: 'pay-r1',
              amountMinor: 150n,
              postings: [
                { ledgerAccount: 'fee-income', amountMinor: -150n },
                { ledgerAccount: 'customer-cash:a1', amountMinor: 150n },
              ],
            },
          },
        ]);

      expect(money(state)).toEqual({ balance: 1_000n, reserved: 0n, available: 1_000n });
    });

    it('refunds to available cash, not back into the reservation it came from', () => {
      const state = account
        .given([opened, deposited(1_000n), reserved('o1', 300n), feeCharged('o1', 100n, 100n)])
        .when(refundFee('o1'))
        .then([feeRefunded('o1', 100n)]);

      expect(money(state)).toEqual({ balance: 1_000n, reserved: 200n, available: 800n });
    });

    it('refunds at most once', () => {
      account
        .given([opened, deposited(1_000n), feeCharged('o1', 150n, 0n), feeRefunded('o1', 150n)])
        .when(refundFee('o1', 'pay-other'))
        .thenNothing();
    });

    it('refunding a fee that was never charged is a no-op', () => {
      account
        .given([opened, deposited(1_000n), feeCharged('o2', 150n, 0n)])
        .when(refundFee('o1'))
        .thenNothing();
    });
  });

  describe('SettleTradeCash', () => {
    it('settles a buy from the reservation', () => {
      const state = account
        .given([opened, deposited(1_000n), reserved('o1', 700n)])
        .when(settle('BUY', 'o1', 'f1', 700n))
        .then([
          {
            type: 'TradeCashSettled',
            data: {
              orderId: 'o1',
              fillId: 'f1',
              paymentId: 'pay-f1',
              side: 'BUY',
              amountMinor: 700n,
              fromReservationMinor: 700n,
              postings: [
                { ledgerAccount: 'customer-cash:a1', amountMinor: -700n },
                { ledgerAccount: 'market-settlement', amountMinor: 700n },
              ],
            },
          },
        ]);

      expect(money(state)).toEqual({ balance: 300n, reserved: 0n, available: 300n });
      expect([...state.settledFills]).toEqual(['f1']);
    });

    it('settles partial fills out of the same reservation one after the other', () => {
      const afterFirst = account
        .given([opened, deposited(1_000n), reserved('o1', 700n)])
        .when(settle('BUY', 'o1', 'f1', 300n))
        .then([boughtCash('o1', 'f1', 300n, 300n)]);
      expect(money(afterFirst)).toEqual({ balance: 700n, reserved: 400n, available: 300n });

      const afterSecond = account
        .given([
          opened,
          deposited(1_000n),
          reserved('o1', 700n),
          boughtCash('o1', 'f1', 300n, 300n),
        ])
        .when(settle('BUY', 'o1', 'f2', 400n))
        .then([boughtCash('o1', 'f2', 400n, 400n)]);
      expect(money(afterSecond)).toEqual({ balance: 300n, reserved: 0n, available: 300n });
    });

    it('settles a buy from the reservation and the rest from available cash', () => {
      const state = account
        .given([opened, deposited(1_500n), reserved('o1', 1_000n)])
        .when(settle('BUY', 'o1', 'f1', 1_200n))
        .then([boughtCash('o1', 'f1', 1_200n, 1_000n)]);

      expect(money(state)).toEqual({ balance: 300n, reserved: 0n, available: 300n });
    });

    it('settles a buy without a reservation from available cash', () => {
      const state = account
        .given([opened, deposited(1_000n)])
        .when(settle('BUY', 'o1', 'f1', 1_000n))
        .then([boughtCash('o1', 'f1', 1_000n, 0n)]);

      expect(money(state)).toEqual({ balance: 0n, reserved: 0n, available: 0n });
    });

    it('refuses a buy the reservation and available cash together cannot cover', () => {
      account
        .given([opened, deposited(1_000n), reserved('o1', 1_000n)])
        .when(settle('BUY', 'o1', 'f1', 1_001n))
        .thenRejects('INSUFFICIENT_FUNDS');
    });

    it("does not settle a buy out of another order's reservation", () => {
      account
        .given([opened, deposited(1_000n), reserved('o2', 800n)])
        .when(settle('BUY', 'o1', 'f1', 201n))
        .thenRejects('INSUFFICIENT_FUNDS');
    });

    it('settles a sell by crediting cash from the market', () => {
      const state = account
        .given([opened, deposited(100n), reserved('o2', 100n)])
        .when(settle('SELL', 'o1', 'f1', 2_500n))
        .then([
          {
            type: 'TradeCashSettled',
            data: {
              orderId: 'o1',
              fillId: 'f1',
              paymentId: 'pay-f1',
              side: 'SELL',
              amountMinor: 2_500n,
              fromReservationMinor: 0n,
              postings: [
                { ledgerAccount: 'market-settlement', amountMinor: -2_500n },
                { ledgerAccount: 'customer-cash:a1', amountMinor: 2_500n },
              ],
            },
          },
        ]);

      expect(money(state)).toEqual({ balance: 2_600n, reserved: 100n, available: 2_500n });
    });

    it('settling a fill again is a no-op, for buys and sells', () => {
      account
        .given([opened, deposited(1_000n), boughtCash('o1', 'f1', 300n, 0n)])
        .when(settle('BUY', 'o1', 'f1', 300n))
        .thenNothing();
      account
        .given([opened, soldCash('o1', 'f1', 300n)])
        .when(settle('SELL', 'o1', 'f1', 300n))
        .thenNothing();
    });
  });

  describe('CloseAccount', () => {
    it('closes an empty account', () => {
      const state = account
        .given([opened, deposited(500n), withdrawn(500n)])
        .when(closeAccount())
        .then([closed]);

      expect(state.status).toBe('CLOSED');
    });

    it('refuses while the account holds cash', () => {
      account
        .given([opened, deposited(1n)])
        .when(closeAccount())
        .thenRejects('ACCOUNT_NOT_EMPTY');
    });

    it('refuses while a holding still has shares', () => {
      account
        .given([opened, orderOpened('o1')])
        .when(closeAccount([order('COMPLETED')], [holding(0n), holding(3n)]))
        .thenRejects('ACCOUNT_NOT_EMPTY');
    });

    it('closes when every holding is sold out', () => {
      account
        .given([opened, orderOpened('o1')])
        .when(closeAccount([order('COMPLETED')], [holding(0n)]))
        .then([closed]);
    });

    it.each<OrderStatus>(['PLACED', 'ACCEPTED', 'PARTIALLY_FILLED'])(
      'refuses while an order is %s',
      (status) => {
        account
          .given([opened, orderOpened('o1'), orderOpened('o2')])
          .when(closeAccount([order('COMPLETED', 'o1'), order(status, 'o2')]))
          .thenRejects('ACCOUNT_HAS_OPEN_ORDERS');
      },
    );

    it.each<OrderStatus>(['COMPLETED', 'REJECTED', 'FAILED', 'CANCELLED', 'EXPIRED'])(
      'closes when the only listed order is %s',
      (status) => {
        account
          .given([opened, orderOpened('o1')])
          .when(closeAccount([order(status)]))
          .then([closed]);
      },
    );
  });

  // ---- regressions found in review ------------------------------------------------

  describe('regression: cash is reserved at most once per order', () => {
    it('reserving again after settlement used the reservation up is a no-op', () => {
      const given = [
        opened,
        deposited(1_000n),
        orderOpened('o1'),
        reserved('o1', 500n),
        boughtCash('o1', 'f1', 500n, 500n),
      ];
      expect(account.given(given).state.reservations.has('o1')).toBe(false);

      const state = account.given(given).when(reserve('o1', 500n)).thenNothing();
      expect(money(state)).toEqual({ balance: 500n, reserved: 0n, available: 500n });
    });

    it('reserving again after the reservation was released is a no-op', () => {
      const state = account
        .given([opened, deposited(1_000n), reserved('o1', 300n), released('o1', 300n)])
        .when(reserve('o1', 300n))
        .thenNothing();
      expect(money(state)).toEqual({ balance: 1_000n, reserved: 0n, available: 1_000n });
    });

    it('reserving again after a fee took the whole reservation is a no-op', () => {
      account
        .given([opened, deposited(1_000n), reserved('o1', 100n), feeCharged('o1', 100n, 100n)])
        .when(reserve('o1', 100n))
        .thenNothing();
    });

    it('remembers every order that reserved, also once its reservation is gone', () => {
      const state = account
        .given([opened, deposited(1_000n), reserved('o1', 300n)])
        .when(reserve('o2', 200n))
        .then([reserved('o2', 200n)]);
      expect([...state.reservedOrders].sort()).toEqual(['o1', 'o2']);

      const drained = account.given([
        opened,
        deposited(1_000n),
        reserved('o1', 300n),
        released('o1', 300n),
      ]).state;
      expect(drained.reservations.size).toBe(0);
      expect([...drained.reservedOrders]).toEqual(['o1']);
    });

    it('still reserves for another order', () => {
      account
        .given([opened, deposited(1_000n), reserved('o1', 300n), released('o1', 300n)])
        .when(reserve('o2', 1_000n))
        .then([reserved('o2', 1_000n)]);
    });
  });

  describe('regression: non-positive amounts are refused with VALIDATION_FAILED amount', () => {
    const withAmount: readonly [string, (amountMinor: bigint) => AccountCommand][] = [
      ['DepositFunds', (amountMinor) => deposit(amountMinor)],
      ['WithdrawFunds', (amountMinor) => withdraw(amountMinor)],
      ['ReserveCash', (amountMinor) => reserve('o1', amountMinor)],
      ['ChargeFee', (amountMinor) => chargeFee('o1', amountMinor)],
      ['SettleTradeCash BUY', (amountMinor) => settle('BUY', 'o1', 'f1', amountMinor)],
      ['SettleTradeCash SELL', (amountMinor) => settle('SELL', 'o1', 'f1', amountMinor)],
    ];
    const funded = [opened, deposited(1_000n), orderOpened('o1')];

    describe.each(withAmount)('%s', (_name, command) => {
      it.each([0n, -1n, -1_000n])('refuses an amount of %s', (amountMinor) => {
        account.given(funded).when(command(amountMinor)).thenRejects('VALIDATION_FAILED', 'amount');
      });

      it('accepts the smallest positive amount, 1 minor unit', () => {
        const { decision } = account.given(funded).when(command(1n));
        expect(decision.kind).toBe('accepted');
        expect(decision.kind === 'accepted' ? decision.events.length : 0).toBe(1);
      });
    });

    it('refuses a non-positive amount even where it would otherwise be a no-op repeat', () => {
      // The amount is checked first: a zero is never mistaken for a harmless repeat.
      account
        .given([...funded, reserved('o1', 300n)])
        .when(reserve('o1', 0n))
        .thenRejects('VALIDATION_FAILED', 'amount');
      account
        .given([...funded, feeCharged('o1', 100n, 0n)])
        .when(chargeFee('o1', -5n))
        .thenRejects('VALIDATION_FAILED', 'amount');
    });
  });

  describe('regression: CloseAccount checks every order the account itself lists as open', () => {
    it('refuses while a listed order has no state yet (its stream is not written)', () => {
      account
        .given([opened, orderOpened('o1')])
        .when(closeAccount())
        .thenRejects('ACCOUNT_HAS_OPEN_ORDERS');
    });

    it('refuses while any listed order is missing, whatever else is passed', () => {
      account
        .given([opened, orderOpened('o1'), orderOpened('o2')])
        .when(closeAccount([order('COMPLETED', 'o1')]))
        .thenRejects('ACCOUNT_HAS_OPEN_ORDERS');
      account
        .given([opened, orderOpened('o1')])
        .when(closeAccount([order('COMPLETED', 'o-other')]))
        .thenRejects('ACCOUNT_HAS_OPEN_ORDERS');
    });

    it('refuses while a listed order is live, even when unlisted terminal orders are passed too', () => {
      account
        .given([opened, orderOpened('o1')])
        .when(closeAccount([order('CANCELLED', 'o0'), order('ACCEPTED', 'o1')]))
        .thenRejects('ACCOUNT_HAS_OPEN_ORDERS');
    });

    it('closes once every listed order is terminal', () => {
      account
        .given([opened, orderOpened('o1'), orderOpened('o2')])
        .when(closeAccount([order('COMPLETED', 'o1'), order('EXPIRED', 'o2')]))
        .then([closed]);
    });

    it('goes by its own list: an order it no longer lists does not hold the close up', () => {
      account
        .given([opened, orderOpened('o1'), { type: 'AccountOrderClosed', data: { orderId: 'o1' } }])
        .when(closeAccount())
        .then([closed]);
    });
  });

  describe('a closed account', () => {
    const closedWithStaleOrder = [opened, orderOpened('o1'), orderOpened('o2'), closed];

    it.each(everyCommandButOpen.map((command) => [command.type, command] as const))(
      'refuses %s with ACCOUNT_CLOSED (unless it clears a stale open order)',
      (_type, command) => {
        if (command.type === 'CloseAccountOrder') {
          account.given(closedWithStaleOrder).when(command).thenNothing();
        } else {
          account.given(closedWithStaleOrder).when(command).thenRejects('ACCOUNT_CLOSED');
        }
      },
    );

    it('still clears a stale open order', () => {
      const state = account
        .given(closedWithStaleOrder)
        .when({ type: 'CloseAccountOrder', orderId: 'o1' })
        .then([{ type: 'AccountOrderClosed', data: { orderId: 'o1' } }]);

      expect(state.status).toBe('CLOSED');
      expect([...state.openOrders.keys()]).toEqual(['o2']);
    });

    it('cannot be closed again', () => {
      account.given([opened, closed]).when(closeAccount()).thenRejects('ACCOUNT_CLOSED');
    });
  });
});
