import { parseInstant } from '../domain/instant.js';
import { MAX_AMOUNT_MINOR, MAX_QUANTITY } from '../domain/money.js';
import {
  type MarketFill,
  type MarketOrder,
  type MarketOrderRequest,
  type MarketOrderStatus,
} from './market-gateway.port.js';

/**
 * An order as the simulated exchange works on it: read from its book, changed by the
 * exchange, written back. Its fills live in the book beside it; `fillCount` numbers the next.
 */
export interface SimulatedOrder {
  readonly request: MarketOrderRequest;
  readonly acceptedAtMs: number;
  readonly expiresAtMs: number | null;
  status: MarketOrderStatus;
  filledQuantity: bigint;
  filledNotionalMinor: bigint;
  fillCount: number;
  closedAtMs: number | null;
}

const MAX_ID_LENGTH = 200;

/** Why the request breaks the order rules; undefined when it does not. */
export function orderRuleBroken(request: MarketOrderRequest): string | undefined {
  if (request.orderId === '' || request.orderId.length > MAX_ID_LENGTH) {
    return `orderId must have 1 to ${MAX_ID_LENGTH} characters`;
  }
  if (request.accountId === '' || request.accountId.length > MAX_ID_LENGTH) {
    return `accountId must have 1 to ${MAX_ID_LENGTH} characters`;
  }
  if (request.quantity <= 0n || request.quantity > MAX_QUANTITY) {
    return `quantity must be from 1 to ${MAX_QUANTITY}`;
  }
  const limit = request.limitPriceMinor;
  if (
    request.orderType === 'LIMIT' &&
    (limit === null || limit <= 0n || limit > MAX_AMOUNT_MINOR)
  ) {
    return `a LIMIT order needs a limit price from 1 to ${MAX_AMOUNT_MINOR} minor units`;
  }
  if (request.orderType === 'MARKET' && limit !== null) {
    return 'a MARKET order takes no limit price';
  }
  if (request.expiresAt !== null && parseInstant(request.expiresAt) === undefined) {
    return 'expiresAt must be an ISO UTC instant';
  }
  return undefined;
}

export function sameRequest(a: MarketOrderRequest, b: MarketOrderRequest): boolean {
  return (
    a.orderId === b.orderId &&
    a.accountId === b.accountId &&
    a.instrument === b.instrument &&
    a.side === b.side &&
    a.orderType === b.orderType &&
    a.quantity === b.quantity &&
    a.limitPriceMinor === b.limitPriceMinor &&
    a.expiresAt === b.expiresAt
  );
}

/** Whether the order trades at this price: a buy never pays above its limit, a sell never takes below. */
export function tradesAt(request: MarketOrderRequest, priceMinor: bigint): boolean {
  const limit = request.limitPriceMinor;
  if (limit === null) return true;
  return request.side === 'BUY' ? priceMinor <= limit : priceMinor >= limit;
}

export function newOrder(request: MarketOrderRequest, acceptedAtMs: number): SimulatedOrder {
  return {
    request,
    acceptedAtMs,
    expiresAtMs: request.expiresAt === null ? null : (parseInstant(request.expiresAt) ?? null),
    status: 'OPEN',
    filledQuantity: 0n,
    filledNotionalMinor: 0n,
    fillCount: 0,
    closedAtMs: null,
  };
}

/**
 * Fills up to `maxFillQuantity` (null: all) of what remains, closes the order when nothing
 * does, and answers the fill for the book to keep.
 */
export function fill(
  order: SimulatedOrder,
  priceMinor: bigint,
  atMs: number,
  maxFillQuantity: bigint | null,
): MarketFill {
  const remaining = order.request.quantity - order.filledQuantity;
  const quantity =
    maxFillQuantity !== null && maxFillQuantity < remaining ? maxFillQuantity : remaining;
  order.fillCount++;
  const made: MarketFill = {
    // The acceptance instant keeps ids apart when an exchange that forgot an order (lost
    // its book, or retired it) accepts it again: its fills must not pass for the old ones.
    fillId: `${order.request.orderId}:${order.acceptedAtMs}:${order.fillCount}`,
    quantity,
    priceMinor,
    at: new Date(atMs).toISOString(),
  };
  order.filledQuantity += quantity;
  order.filledNotionalMinor += quantity * priceMinor;
  if (order.filledQuantity === order.request.quantity) close(order, 'FILLED', atMs);
  return made;
}

export function close(order: SimulatedOrder, status: MarketOrderStatus, atMs: number): void {
  order.status = status;
  order.closedAtMs = atMs;
}

export function snapshot(order: SimulatedOrder): MarketOrder {
  return {
    ...order.request,
    status: order.status,
    filledQuantity: order.filledQuantity,
    filledNotionalMinor: order.filledNotionalMinor,
    fillCount: order.fillCount,
    acceptedAt: new Date(order.acceptedAtMs).toISOString(),
    closedAt: order.closedAtMs === null ? null : new Date(order.closedAtMs).toISOString(),
  };
}
