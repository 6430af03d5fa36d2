/** Events of the `holding-<accountId>-<symbol>` stream: shares of one instrument. */
export type HoldingEvent =
  | { readonly type: 'SharesReserved'; readonly data: { orderId: string; quantity: bigint } }
  | {
      readonly type: 'ShareReservationReleased';
      readonly data: { orderId: string; quantity: bigint };
    }
  | {
      readonly type: 'SharesAcquired';
      readonly data: { orderId: string; fillId: string; quantity: bigint; costMinor: bigint };
    }
  | {
      readonly type: 'SharesDisposed';
      readonly data: {
        orderId: string;
        fillId: string;
        quantity: bigint;
        fromReservationQuantity: bigint;
        /** The cost basis that left the holding with these shares (average-cost method). */
        costBasisMinor: bigint;
        proceedsMinor: bigint;
      };
    };
