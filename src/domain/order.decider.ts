import { type OrderEvent, type OrderSide, type OrderType } from './order.events.js';
import { parseInstant } from './instant.js';
import { type Currency, MAX_QUANTITY } from './money.js';
import { type Decider, type Decision, accept, alreadyDone, reject } from './decider.js';

export type OrderStatus =
  | 'NONE'
  | 'PLACED'
  | 'ACCEPTED'
  | 'PARTIALLY_FILLED'
  | 'COMPLETED'
  | 'REJECTED'
  | 'FAILED'
  | 'CANCELLED'
  | 'EXPIRED';

const TERMINAL: ReadonlySet<OrderStatus> = new Set([
  'COMPLETED',
  'REJECTED',
  'FAILED',
  'CANCELLED',
  'EXPIRED',
]);

export type OrderCommand =
  | {
      type: 'PlaceOrder';
      orderId: string;
      accountId: string;
      side: OrderSide;
      orderType: OrderType;
      instrument: string;
      quantity: bigint;
      limitPriceMinor: bigint | null;
      currency: Currency;
      placedAt: string;
      timeInForceSeconds: number | null;
    }
  | { type: 'AcceptOrder' }
  | { type: 'RecordFill'; fillId: string; quantity: bigint; priceMinor: bigint }
  | { type: 'CompleteOrder' }
  | { type: 'RejectOrder'; reason: string }
  | { type: 'FailOrder'; reason: string }
  | { type: 'CancelOrder'; reason: string }
  | { type: 'ConfirmCancellation' }
  | { type: 'ExpireOrder'; now: string };

export interface OrderState {
  readonly status: OrderStatus;
  readonly orderId: string;
  readonly accountId: string;
  readonly side: OrderSide;
  readonly orderType: OrderType;
  readonly instrument: string;
  readonly currency: Currency;
  readonly quantity: bigint;
  readonly limitPriceMinor: bigint | null;
  readonly filledQuantity: bigint;
  /** Sum of price x quantity over fills: averagePrice = filledNotionalMinor / filledQuantity. */
  readonly filledNotionalMinor: bigint;
  readonly fills: ReadonlySet<string>;
  /** Set once a cancel reached an order at the market; the saga confirms it there. */
  readonly cancellationReason: string | null;
  readonly expiresAt: string | null;
  readonly reason: string | null;
}

export const initialOrderState: OrderState = {
  status: 'NONE',
  orderId: '',
  accountId: '',
  side: 'BUY',
  orderType: 'MARKET',
  instrument: '',
  currency: 'USD',
  quantity: 0n,
  limitPriceMinor: null,
  filledQuantity: 0n,
  filledNotionalMinor: 0n,
  fills: new Set(),
  cancellationReason: null,
  expiresAt: null,
  reason: null,
};

/** Limit orders without an explicit time in force live this long. */
export const DEFAULT_TIME_IN_FORCE_SECONDS = 86_400;
export const MAX_TIME_IN_FORCE_SECONDS = 90 * 86_400;

export function isTerminal(state: OrderState): boolean {
  return TERMINAL.has(state.status);
}

function isFullyFilled(state: OrderState): boolean {
  return state.quantity > 0n && state.filledQuantity === state.quantity;
}

/** A buy never pays more than its limit; a sell never takes less. */
function withinLimit(state: OrderState, priceMinor: bigint): boolean {
  if (state.limitPriceMinor === null) return true;
  return state.side === 'BUY'
    ? priceMinor <= state.limitPriceMinor
    : priceMinor >= state.limitPriceMinor;
}

function isAtMarket(state: OrderState): boolean {
  return state.status === 'ACCEPTED' || state.status === 'PARTIALLY_FILLED';
}

type OrderCommandOf<T extends OrderCommand['type']> = Extract<OrderCommand, { type: T }>;

/** Refuses changing an order that has ended; each command first checks whether it repeats the ending. */
function finished(state: OrderState): Decision<OrderEvent> | undefined {
  return isTerminal(state)
    ? reject('ORDER_NOT_ACTIVE', `Order is already ${state.status}`)
    : undefined;
}

/**
 * Dispatches each command to its own decision. Every command but PlaceOrder needs the
 * order to exist, so the functions below may take it for granted.
 */
export function decideOrder(command: OrderCommand, state: OrderState): Decision<OrderEvent> {
  if (command.type === 'PlaceOrder') return placeOrder(command, state);
  if (state.status === 'NONE') return reject('NOT_FOUND', 'Order not found');
  switch (command.type) {
    case 'AcceptOrder':
      return acceptOrder(state);
    case 'RecordFill':
      return recordFill(command, state);
    case 'CompleteOrder':
      return completeOrder(state);
    case 'RejectOrder':
      return rejectOrder(command, state);
    case 'FailOrder':
      return failOrder(command, state);
    case 'CancelOrder':
      return cancelOrder(command, state);
    case 'ConfirmCancellation':
      return confirmCancellation(state);
    case 'ExpireOrder':
      return expireOrder(command, state);
  }
}

/** The order's own terms, valid or not whatever the order's state; undefined when valid. */
function invalidTerms(command: OrderCommandOf<'PlaceOrder'>): Decision<OrderEvent> | undefined {
  if (command.quantity <= 0n || command.quantity > MAX_QUANTITY) {
    return reject(
      'VALIDATION_FAILED',
      `must be a whole number from 1 to ${MAX_QUANTITY}`,
      'quantity',
    );
  }
  const isLimit = command.orderType === 'LIMIT';
  if (isLimit && (command.limitPriceMinor === null || command.limitPriceMinor <= 0n)) {
    return reject('VALIDATION_FAILED', 'is required for a LIMIT order', 'limitPrice');
  }
  if (!isLimit && command.limitPriceMinor !== null) {
    return reject('VALIDATION_FAILED', 'must be empty for a MARKET order', 'limitPrice');
  }
  if (!isLimit && command.timeInForceSeconds !== null) {
    return reject('VALIDATION_FAILED', 'applies only to LIMIT orders', 'timeInForceSeconds');
  }
  return undefined;
}

function placeOrder(
  command: OrderCommandOf<'PlaceOrder'>,
  state: OrderState,
): Decision<OrderEvent> {
  if (state.status !== 'NONE') {
    // Order ids come from the command id: the same order again is a retried placement.
    return state.accountId === command.accountId
      ? alreadyDone()
      : reject('ALREADY_EXISTS', 'Order already exists');
  }
  const invalid = invalidTerms(command);
  if (invalid) return invalid;
  const placedAtMs = parseInstant(command.placedAt);
  if (placedAtMs === undefined) {
    return reject('VALIDATION_FAILED', 'is not an ISO UTC instant', 'placedAt');
  }
  const seconds = command.timeInForceSeconds ?? DEFAULT_TIME_IN_FORCE_SECONDS;
  if (!Number.isInteger(seconds) || seconds <= 0 || seconds > MAX_TIME_IN_FORCE_SECONDS) {
    return reject(
      'VALIDATION_FAILED',
      `must be a whole number of seconds from 1 to ${MAX_TIME_IN_FORCE_SECONDS}`,
      'timeInForceSeconds',
    );
  }
  const isLimit = command.orderType === 'LIMIT';
  const expiresAt = isLimit ? new Date(placedAtMs + seconds * 1000).toISOString() : null;
  return accept({
    type: 'OrderPlaced',
    data: {
      orderId: command.orderId,
      accountId: command.accountId,
      side: command.side,
      orderType: command.orderType,
      instrument: command.instrument,
      quantity: command.quantity,
      limitPriceMinor: command.limitPriceMinor,
      currency: command.currency,
      placedAt: command.placedAt,
      expiresAt,
    },
  });
}

function acceptOrder(state: OrderState): Decision<OrderEvent> {
  if (isAtMarket(state)) return alreadyDone();
  return finished(state) ?? accept({ type: 'OrderAccepted', data: { orderId: state.orderId } });
}

function recordFill(
  command: OrderCommandOf<'RecordFill'>,
  state: OrderState,
): Decision<OrderEvent> {
  const { fillId, quantity, priceMinor } = command;
  if (state.fills.has(fillId)) return alreadyDone();
  const ended = finished(state);
  if (ended) return ended;
  if (!isAtMarket(state)) return reject('INVALID_FILL', 'Order is not at the market');
  if (quantity <= 0n || quantity > state.quantity - state.filledQuantity) {
    return reject('INVALID_FILL', 'Fill quantity exceeds what remains of the order');
  }
  if (priceMinor <= 0n) return reject('INVALID_FILL', 'Fill price must be positive');
  if (!withinLimit(state, priceMinor)) {
    return reject('INVALID_FILL', 'Fill price is beyond the limit price');
  }
  return accept({
    type: 'OrderFilled',
    data: { orderId: state.orderId, fillId, quantity, priceMinor },
  });
}

function completeOrder(state: OrderState): Decision<OrderEvent> {
  if (state.status === 'COMPLETED') return alreadyDone();
  const ended = finished(state);
  if (ended) return ended;
  if (state.filledQuantity !== state.quantity) {
    return reject('INVALID_FILL', 'Order is not completely filled');
  }
  return accept({ type: 'OrderCompleted', data: { orderId: state.orderId } });
}

function rejectOrder(
  command: OrderCommandOf<'RejectOrder'>,
  state: OrderState,
): Decision<OrderEvent> {
  if (state.status === 'REJECTED') return alreadyDone();
  const ended = finished(state);
  if (ended) return ended;
  if (state.status !== 'PLACED') {
    return reject('ORDER_NOT_ACTIVE', 'Order already reached the market');
  }
  return accept({
    type: 'OrderRejected',
    data: { orderId: state.orderId, reason: command.reason },
  });
}

function failOrder(command: OrderCommandOf<'FailOrder'>, state: OrderState): Decision<OrderEvent> {
  if (state.status === 'FAILED') return alreadyDone();
  return (
    finished(state) ??
    accept({ type: 'OrderFailed', data: { orderId: state.orderId, reason: command.reason } })
  );
}

function cancelOrder(
  command: OrderCommandOf<'CancelOrder'>,
  state: OrderState,
): Decision<OrderEvent> {
  const ended = finished(state);
  if (ended) return ended;
  const data = { orderId: state.orderId, reason: command.reason };
  if (state.status === 'PLACED') return accept({ type: 'OrderCancelled', data });
  if (isFullyFilled(state)) return reject('ORDER_NOT_ACTIVE', 'Order is already filled');
  if (state.cancellationReason !== null) return alreadyDone();
  // At the market: the saga cancels it there and settles any fills first.
  return accept({ type: 'OrderCancellationRequested', data });
}

function confirmCancellation(state: OrderState): Decision<OrderEvent> {
  if (state.status === 'CANCELLED') return alreadyDone();
  const ended = finished(state);
  if (ended) return ended;
  if (state.cancellationReason === null) {
    return reject('ORDER_NOT_ACTIVE', 'No cancellation was requested for this order');
  }
  // Filled in full before the market took the cancel: it completes instead.
  if (isFullyFilled(state)) return reject('ORDER_NOT_ACTIVE', 'Order is already filled');
  return accept({
    type: 'OrderCancelled',
    data: { orderId: state.orderId, reason: state.cancellationReason },
  });
}

function expireOrder(
  command: OrderCommandOf<'ExpireOrder'>,
  state: OrderState,
): Decision<OrderEvent> {
  if (state.status === 'EXPIRED') return alreadyDone();
  const ended = finished(state);
  if (ended) return ended;
  const nowMs = parseInstant(command.now);
  if (nowMs === undefined) return reject('VALIDATION_FAILED', 'is not an ISO UTC instant', 'now');
  if (isFullyFilled(state)) return reject('ORDER_NOT_ACTIVE', 'Order is already filled');
  if (state.expiresAt === null || nowMs < Date.parse(state.expiresAt)) {
    return reject('ORDER_NOT_ACTIVE', 'Order has not reached its expiry');
  }
  return accept({ type: 'OrderExpired', data: { orderId: state.orderId } });
}

export function evolveOrder(state: OrderState, event: OrderEvent): OrderState {
  switch (event.type) {
    case 'OrderPlaced':
      return { ...initialOrderState, ...event.data, status: 'PLACED' };
    case 'OrderAccepted':
      return { ...state, status: 'ACCEPTED' };
    case 'OrderFilled':
      return {
        ...state,
        status: 'PARTIALLY_FILLED',
        filledQuantity: state.filledQuantity + event.data.quantity,
        filledNotionalMinor:
          state.filledNotionalMinor + event.data.quantity * event.data.priceMinor,
        fills: new Set(state.fills).add(event.data.fillId),
      };
    case 'OrderCompleted':
      return { ...state, status: 'COMPLETED' };
    case 'OrderRejected':
      return { ...state, status: 'REJECTED', reason: event.data.reason };
    case 'OrderFailed':
      return { ...state, status: 'FAILED', reason: event.data.reason };
    case 'OrderCancellationRequested':
      return { ...state, cancellationReason: event.data.reason };
    case 'OrderCancelled':
      return { ...state, status: 'CANCELLED', reason: event.data.reason };
    case 'OrderExpired':
      return { ...state, status: 'EXPIRED', reason: 'time in force elapsed' };
  }
}

export const orderDecider: Decider<OrderCommand, OrderState, OrderEvent> = {
  initialState: initialOrderState,
  decide: decideOrder,
  evolve: evolveOrder,
};
