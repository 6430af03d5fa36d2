import { type OrderEvent } from '../../domain/order.events.js';
import { type ProjectedEvent } from '../engine/projection.js';
import { type GuardedEvent, eventTypes, occurredAt } from './event-fields.js';

/**
 * An order's lifecycle folded from the log: the orders view and the order-search views
 * (PostgreSQL and Elasticsearch) keep the same rows from the same fold.
 */
export interface OrderRow {
  readonly orderId: string;
  readonly accountId: string;
  readonly side: string;
  readonly orderType: string;
  readonly instrument: string;
  readonly currency: string;
  readonly quantity: bigint;
  readonly limitPriceMinor: bigint | null;
  filledQuantity: bigint;
  filledNotionalMinor: bigint;
  feeMinor: bigint;
  status: string;
  reason: string | null;
  readonly placedAt: string;
  readonly expiresAt: string | null;
  updatedAt: string;
}

export interface FeeRow {
  readonly orderId: string;
  readonly feeMinor: bigint;
}

// OrderCancellationRequested changes nothing the view shows: the order stays at the
// market until OrderCancelled (or a fill completes it).
export const isOrderEvent = eventTypes(
  'OrderPlaced',
  'OrderAccepted',
  'OrderFilled',
  'OrderCompleted',
  'OrderRejected',
  'OrderFailed',
  'OrderCancelled',
  'OrderExpired',
);
export const isFeeEvent = eventTypes('FeeCharged', 'FeeRefunded');

/** The order's lifecycle after a later event: status, reason and fills as the decider has them. */
function evolve(row: OrderRow, event: Exclude<OrderEvent, { type: 'OrderPlaced' }>): void {
  switch (event.type) {
    case 'OrderAccepted':
      row.status = 'ACCEPTED';
      return;
    case 'OrderFilled':
      row.status = 'PARTIALLY_FILLED';
      row.filledQuantity += event.data.quantity;
      row.filledNotionalMinor += event.data.quantity * event.data.priceMinor;
      return;
    case 'OrderCompleted':
      row.status = 'COMPLETED';
      return;
    case 'OrderRejected':
      row.status = 'REJECTED';
      row.reason = event.data.reason;
      return;
    case 'OrderFailed':
      row.status = 'FAILED';
      row.reason = event.data.reason;
      return;
    case 'OrderCancelled':
      row.status = 'CANCELLED';
      row.reason = event.data.reason;
      return;
    case 'OrderExpired':
      row.status = 'EXPIRED';
      row.reason = 'time in force elapsed';
      return;
    case 'OrderCancellationRequested':
      return;
  }
}

export type OrderOrFeeEvent = GuardedEvent<typeof isOrderEvent> | GuardedEvent<typeof isFeeEvent>;

export interface OrderEventAt {
  readonly projected: ProjectedEvent;
  readonly event: OrderOrFeeEvent;
}

export function orderEvents(events: readonly ProjectedEvent[]): OrderEventAt[] {
  return events.flatMap((projected) => {
    const { event } = projected;
    return isOrderEvent(event) || isFeeEvent(event) ? [{ projected, event }] : [];
  });
}

/**
 * A fee is charged on the account stream, the order lives on its own: the fee may come
 * before or after the placement in the log. Every fee is kept in view_order_fees and
 * copied into the order row whenever that row is written, so view_orders.fee_minor is
 * the same either way. Fee events do not move updated_at, which follows the order's
 * own lifecycle: otherwise it would depend on which of the two came first.
 *
 * Folds the events into `orders` (which must hold every placed order they touch) and
 * `fees` (every fee of the orders they place), and returns what changed.
 */
export function foldOrders(
  orders: Map<string, OrderRow>,
  fees: Map<string, bigint>,
  relevant: readonly OrderEventAt[],
): { touched: Map<string, OrderRow>; feesChanged: Map<string, FeeRow> } {
  const feesChanged = new Map<string, FeeRow>();
  const touched = new Map<string, OrderRow>();
  for (const { projected, event } of relevant) {
    const { orderId } = event.data;
    if (isFeeEvent(event)) {
      const feeMinor = event.type === 'FeeCharged' ? event.data.amountMinor : 0n;
      fees.set(orderId, feeMinor);
      feesChanged.set(orderId, { orderId, feeMinor });
      const order = orders.get(orderId);
      if (order) {
        order.feeMinor = feeMinor;
        touched.set(orderId, order);
      }
      continue;
    }
    if (event.type === 'OrderPlaced') {
      const placed: OrderRow = {
        ...event.data,
        filledQuantity: 0n,
        filledNotionalMinor: 0n,
        feeMinor: fees.get(orderId) ?? 0n,
        status: 'PLACED',
        reason: null,
        updatedAt: occurredAt(projected),
      };
      orders.set(orderId, placed);
      touched.set(orderId, placed);
      continue;
    }
    const order = orders.get(orderId);
    // The order stream starts with OrderPlaced: a later event without it is a broken log.
    if (!order) throw new Error(`${event.type} for order ${orderId}, which was never placed`);
    evolve(order, event);
    order.updatedAt = occurredAt(projected);
    touched.set(orderId, order);
  }
  return { touched, feesChanged };
}
