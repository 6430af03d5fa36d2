import { type AccountEvent } from './account.events.js';
import { customerCash, transfer } from './ledger.js';
import { type Currency } from './money.js';
import { type OrderState, isTerminal } from './order.decider.js';
import { type HoldingState } from './holding.decider.js';
import { type Rejection } from './rejection.js';
import { type Decider, type Decision, accept, alreadyDone, reject } from './decider.js';

export type AccountCommand =
  | { type: 'OpenAccount'; accountId: string; customerId: string; name: string; currency: Currency }
  | { type: 'DepositFunds'; paymentId: string; amountMinor: bigint; reference: string }
  | { type: 'WithdrawFunds'; paymentId: string; amountMinor: bigint; reference: string }
  | { type: 'OpenAccountOrder'; orderId: string; instrument: string }
  | { type: 'CloseAccountOrder'; orderId: string }
  | { type: 'ReserveCash'; orderId: string; amountMinor: bigint }
  | { type: 'ReleaseCash'; orderId: string }
  | { type: 'ChargeFee'; orderId: string; paymentId: string; amountMinor: bigint }
  | { type: 'RefundFee'; orderId: string; paymentId: string }
  | {
      type: 'SettleTradeCash';
      orderId: string;
      fillId: string;
      paymentId: string;
      side: 'BUY' | 'SELL';
      amountMinor: bigint;
    }
  | {
      type: 'CloseAccount';
      /** Current state of the orders the account lists as open, by order id (missing: not found). */
      openOrders: ReadonlyMap<string, OrderState>;
      /** Current state of every holding the account has traded. */
      holdings: readonly HoldingState[];
    };

export interface AccountState {
  readonly status: 'NONE' | 'OPEN' | 'CLOSED';
  readonly accountId: string;
  readonly customerId: string;
  readonly currency: Currency;
  readonly balanceMinor: bigint;
  readonly reservedMinor: bigint;
  /** Cash reserved per order. */
  readonly reservations: ReadonlyMap<string, bigint>;
  /** Every order that ever reserved: a reservation is made once per order, even after it is used up. */
  readonly reservedOrders: ReadonlySet<string>;
  /** Fee charged per order (at most one). */
  readonly feesCharged: ReadonlyMap<string, bigint>;
  readonly feesRefunded: ReadonlySet<string>;
  readonly settledFills: ReadonlySet<string>;
  /** Orders placed on the account and not yet known to be finished, by instrument. */
  readonly openOrders: ReadonlyMap<string, string>;
  /** Every instrument ever ordered: the holdings to look at before closing. */
  readonly instruments: ReadonlySet<string>;
}

export const initialAccountState: AccountState = {
  status: 'NONE',
  accountId: '',
  customerId: '',
  currency: 'USD',
  balanceMinor: 0n,
  reservedMinor: 0n,
  reservations: new Map(),
  reservedOrders: new Set(),
  feesCharged: new Map(),
  feesRefunded: new Set(),
  settledFills: new Set(),
  openOrders: new Map(),
  instruments: new Set(),
};

export function availableMinor(state: AccountState): bigint {
  return state.balanceMinor - state.reservedMinor;
}

function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): Map<K, V> {
  return new Map(map).set(key, value);
}

function withoutEntry<K, V>(map: ReadonlyMap<K, V>, key: K): Map<K, V> {
  const copy = new Map(map);
  copy.delete(key);
  return copy;
}

function withMember<T>(set: ReadonlySet<T>, value: T): Set<T> {
  return new Set(set).add(value);
}

type AccountCommandOf<T extends AccountCommand['type']> = Extract<AccountCommand, { type: T }>;

/**
 * The one refusal for an account that was never opened. Handlers that need the account's
 * currency to build a command (an amount in its minor units) ask it before the decider runs.
 */
export function accountNotFound(state: AccountState): Rejection | undefined {
  return state.status === 'NONE' ? { code: 'NOT_FOUND', message: 'Account not found' } : undefined;
}

/** Commands other than OpenAccount need an open account. */
function requireOpen(
  command: AccountCommand,
  state: AccountState,
): Decision<AccountEvent> | undefined {
  const notFound = accountNotFound(state);
  if (notFound) return { kind: 'rejected', rejection: notFound };
  // A stale open-order entry may be cleared after the account closed.
  if (state.status === 'CLOSED' && command.type !== 'CloseAccountOrder') {
    return reject('ACCOUNT_CLOSED', 'Account is closed');
  }
  return undefined;
}

function requirePositive(command: AccountCommand): Decision<AccountEvent> | undefined {
  if (!('amountMinor' in command) || command.amountMinor > 0n) return undefined;
  return reject('VALIDATION_FAILED', 'must be greater than zero', 'amount');
}

function insufficientFunds(state: AccountState, neededMinor: bigint): Decision<AccountEvent> {
  return reject(
    'INSUFFICIENT_FUNDS',
    `Available cash ${availableMinor(state)} is less than ${neededMinor} (minor units)`,
  );
}

/**
 * Dispatches each command to its own decision. The rules every command on an existing
 * account shares (it is open, an amount is positive) are checked here, first, so the
 * functions below may take them for granted.
 */
export function decideAccount(
  command: AccountCommand,
  state: AccountState,
): Decision<AccountEvent> {
  if (command.type === 'OpenAccount') return openAccount(command, state);
  const refused = requireOpen(command, state) ?? requirePositive(command);
  if (refused) return refused;
  switch (command.type) {
    case 'DepositFunds':
      return depositFunds(command, state);
    case 'WithdrawFunds':
      return withdrawFunds(command, state);
    case 'OpenAccountOrder':
      return openAccountOrder(command, state);
    case 'CloseAccountOrder':
      return closeAccountOrder(command, state);
    case 'ReserveCash':
      return reserveCash(command, state);
    case 'ReleaseCash':
      return releaseCash(command, state);
    case 'ChargeFee':
      return chargeFee(command, state);
    case 'RefundFee':
      return refundFee(command, state);
    case 'SettleTradeCash':
      return settleTradeCash(command, state);
    case 'CloseAccount':
      return closeAccount(command, state);
  }
}

function openAccount(
  command: AccountCommandOf<'OpenAccount'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { accountId, customerId, name, currency } = command;
  if (state.status !== 'NONE') {
    // Account ids come from the command id: the same account again is a retried open.
    const same = state.customerId === customerId && state.currency === currency;
    return same ? alreadyDone() : reject('ALREADY_EXISTS', 'Account already exists');
  }
  return accept({ type: 'AccountOpened', data: { accountId, customerId, name, currency } });
}

function depositFunds(
  command: AccountCommandOf<'DepositFunds'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { paymentId, amountMinor, reference } = command;
  const postings = transfer('external-bank', customerCash(state.accountId), amountMinor);
  return accept({ type: 'FundsDeposited', data: { paymentId, amountMinor, reference, postings } });
}

function withdrawFunds(
  command: AccountCommandOf<'WithdrawFunds'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { paymentId, amountMinor, reference } = command;
  if (availableMinor(state) < amountMinor) return insufficientFunds(state, amountMinor);
  const postings = transfer(customerCash(state.accountId), 'external-bank', amountMinor);
  return accept({ type: 'FundsWithdrawn', data: { paymentId, amountMinor, reference, postings } });
}

function openAccountOrder(
  command: AccountCommandOf<'OpenAccountOrder'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { orderId, instrument } = command;
  if (state.openOrders.has(orderId)) return alreadyDone();
  return accept({ type: 'AccountOrderOpened', data: { orderId, instrument } });
}

function closeAccountOrder(
  command: AccountCommandOf<'CloseAccountOrder'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { orderId } = command;
  if (!state.openOrders.has(orderId)) return alreadyDone();
  return accept({ type: 'AccountOrderClosed', data: { orderId } });
}

function reserveCash(
  command: AccountCommandOf<'ReserveCash'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { orderId, amountMinor } = command;
  if (state.reservedOrders.has(orderId)) return alreadyDone();
  if (availableMinor(state) < amountMinor) return insufficientFunds(state, amountMinor);
  return accept({ type: 'CashReserved', data: { orderId, amountMinor } });
}

function releaseCash(
  command: AccountCommandOf<'ReleaseCash'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { orderId } = command;
  const reserved = state.reservations.get(orderId);
  if (reserved === undefined || reserved === 0n) return alreadyDone();
  return accept({ type: 'CashReservationReleased', data: { orderId, amountMinor: reserved } });
}

function chargeFee(
  command: AccountCommandOf<'ChargeFee'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { orderId, paymentId, amountMinor } = command;
  if (state.feesCharged.has(orderId)) return alreadyDone();
  const fromReservationMinor = reservedPart(state, orderId, amountMinor);
  if (fromReservationMinor === undefined) return insufficientFunds(state, amountMinor);
  const postings = transfer(customerCash(state.accountId), 'fee-income', amountMinor);
  return accept({
    type: 'FeeCharged',
    data: { orderId, paymentId, amountMinor, fromReservationMinor, postings },
  });
}

function refundFee(
  command: AccountCommandOf<'RefundFee'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { orderId, paymentId } = command;
  const charged = state.feesCharged.get(orderId);
  if (charged === undefined || state.feesRefunded.has(orderId)) return alreadyDone();
  const postings = transfer('fee-income', customerCash(state.accountId), charged);
  return accept({
    type: 'FeeRefunded',
    data: { orderId, paymentId, amountMinor: charged, postings },
  });
}

function settleTradeCash(
  command: AccountCommandOf<'SettleTradeCash'>,
  state: AccountState,
): Decision<AccountEvent> {
  const { orderId, fillId, paymentId, side, amountMinor } = command;
  if (state.settledFills.has(fillId)) return alreadyDone();
  const cash = customerCash(state.accountId);
  // A sale's proceeds come in whole; a purchase is paid from its order's reservation first.
  const fromReservationMinor = side === 'SELL' ? 0n : reservedPart(state, orderId, amountMinor);
  if (fromReservationMinor === undefined) return insufficientFunds(state, amountMinor);
  const postings =
    side === 'SELL'
      ? transfer('market-settlement', cash, amountMinor)
      : transfer(cash, 'market-settlement', amountMinor);
  return accept({
    type: 'TradeCashSettled',
    data: { orderId, fillId, paymentId, side, amountMinor, fromReservationMinor, postings },
  });
}

function closeAccount(
  command: AccountCommandOf<'CloseAccount'>,
  state: AccountState,
): Decision<AccountEvent> {
  const stillOpen = [...state.openOrders.keys()].some((orderId) => {
    const order = command.openOrders.get(orderId);
    // An order stream not (yet) written counts as open: its placement may be under way.
    return order === undefined || !isTerminal(order);
  });
  if (stillOpen) return reject('ACCOUNT_HAS_OPEN_ORDERS', 'Account has open orders');
  if (state.balanceMinor !== 0n || state.reservedMinor !== 0n) {
    return reject('ACCOUNT_NOT_EMPTY', 'Account still holds cash');
  }
  if (command.holdings.some((holding) => holding.quantity !== 0n)) {
    return reject('ACCOUNT_NOT_EMPTY', 'Account still holds instruments');
  }
  return accept({ type: 'AccountClosed', data: { accountId: state.accountId } });
}

/**
 * How much of a payment for an order comes out of that order's reservation; the rest
 * must be available cash. Undefined when it is not.
 */
function reservedPart(
  state: AccountState,
  orderId: string,
  amountMinor: bigint,
): bigint | undefined {
  const reserved = state.reservations.get(orderId) ?? 0n;
  const fromReservationMinor = reserved < amountMinor ? reserved : amountMinor;
  return availableMinor(state) < amountMinor - fromReservationMinor
    ? undefined
    : fromReservationMinor;
}

function release(state: AccountState, orderId: string, amountMinor: bigint): AccountState {
  if (amountMinor === 0n) return state;
  const remaining = (state.reservations.get(orderId) ?? 0n) - amountMinor;
  return {
    ...state,
    reservedMinor: state.reservedMinor - amountMinor,
    reservations:
      remaining === 0n
        ? withoutEntry(state.reservations, orderId)
        : withEntry(state.reservations, orderId, remaining),
  };
}

export function evolveAccount(state: AccountState, event: AccountEvent): AccountState {
  switch (event.type) {
    case 'AccountOpened':
      return { ...initialAccountState, ...event.data, status: 'OPEN' };
    case 'FundsDeposited':
      return { ...state, balanceMinor: state.balanceMinor + event.data.amountMinor };
    case 'FundsWithdrawn':
      return { ...state, balanceMinor: state.balanceMinor - event.data.amountMinor };
    case 'AccountOrderOpened':
      return {
        ...state,
        openOrders: withEntry(state.openOrders, event.data.orderId, event.data.instrument),
        instruments: withMember(state.instruments, event.data.instrument),
      };
    case 'AccountOrderClosed':
      return { ...state, openOrders: withoutEntry(state.openOrders, event.data.orderId) };
    case 'CashReserved':
      return {
        ...state,
        reservedMinor: state.reservedMinor + event.data.amountMinor,
        reservations: withEntry(state.reservations, event.data.orderId, event.data.amountMinor),
        reservedOrders: withMember(state.reservedOrders, event.data.orderId),
      };
    case 'CashReservationReleased':
      return release(state, event.data.orderId, event.data.amountMinor);
    case 'FeeCharged': {
      const released = release(state, event.data.orderId, event.data.fromReservationMinor);
      return {
        ...released,
        balanceMinor: released.balanceMinor - event.data.amountMinor,
        feesCharged: withEntry(state.feesCharged, event.data.orderId, event.data.amountMinor),
      };
    }
    case 'FeeRefunded':
      return {
        ...state,
        balanceMinor: state.balanceMinor + event.data.amountMinor,
        feesRefunded: withMember(state.feesRefunded, event.data.orderId),
      };
    case 'TradeCashSettled': {
      const released = release(state, event.data.orderId, event.data.fromReservationMinor);
      const delta = event.data.side === 'BUY' ? -event.data.amountMinor : event.data.amountMinor;
      return {
        ...released,
        balanceMinor: released.balanceMinor + delta,
        settledFills: withMember(state.settledFills, event.data.fillId),
      };
    }
    case 'AccountClosed':
      return { ...state, status: 'CLOSED' };
  }
}

export const accountDecider: Decider<AccountCommand, AccountState, AccountEvent> = {
  initialState: initialAccountState,
  decide: decideAccount,
  evolve: evolveAccount,
};
