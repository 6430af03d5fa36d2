/**
 * The columns an order shows in both order views (view_orders and view_order_search), read
 * as text so that numbers come back exact, whatever type parsers the pool has.
 */
export const ORDER_COLUMNS = `order_id, account_id, side, order_type, instrument, currency,
  quantity::text AS quantity, limit_price_minor::text AS limit_price_minor,
  filled_quantity::text AS filled_quantity, filled_notional_minor::text AS filled_notional_minor,
  fee_minor::text AS fee_minor, status, reason`;

export interface OrderRowText {
  order_id: string;
  account_id: string;
  side: string;
  order_type: string;
  instrument: string;
  currency: string;
  quantity: string;
  limit_price_minor: string | null;
  filled_quantity: string;
  filled_notional_minor: string;
  fee_minor: string;
  status: string;
  reason: string | null;
}

/** The order's lifecycle and money as the views keep it, numbers as bigints. */
export function orderFieldsOfRow(row: OrderRowText) {
  return {
    orderId: row.order_id,
    accountId: row.account_id,
    side: row.side,
    orderType: row.order_type,
    instrument: row.instrument,
    currency: row.currency,
    quantity: BigInt(row.quantity),
    limitPriceMinor: row.limit_price_minor === null ? null : BigInt(row.limit_price_minor),
    filledQuantity: BigInt(row.filled_quantity),
    filledNotionalMinor: BigInt(row.filled_notional_minor),
    feeMinor: BigInt(row.fee_minor),
    status: row.status,
    reason: row.reason,
  };
}
