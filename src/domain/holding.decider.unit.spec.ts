import { describe, expect, it } from 'vitest';
import { replay, spec } from '../../test/support/given-when-then.js';
import { type HoldingEvent } from './holding.events.js';
import {
  type HoldingCommand,
  type HoldingState,
  availableQuantity,
  averageCostMinor,
  holdingDecider,
} from './holding.decider.js';

const holding = spec(holdingDecider);

// ---- events -------------------------------------------------------------------------

function acquired(
  fillId: string,
  quantity: bigint,
  costMinor: bigint,
  orderId = 'o-buy',
): HoldingEvent {
  return { type: 'SharesAcquired', data: { orderId, fillId, quantity, costMinor } };
}

function reserved(orderId: string, quantity: bigint): HoldingEvent {
  return { type: 'SharesReserved', data: { orderId, quantity } };
}

function releasedShares(orderId: string, quantity: bigint): HoldingEvent {
  return { type: 'ShareReservationReleased', data: { orderId, quantity } };
}

function disposed(
  orderId: string,
  fillId: string,
  quantity: bigint,
  fromReservationQuantity: bigint,
  costBasisMinor: bigint,
  proceedsMinor: bigint,
): HoldingEvent {
  return {
    type: 'SharesDisposed',
    data: { orderId, fillId, quantity, fromReservationQuantity, costBasisMinor, proceedsMinor },
  };
}

// ---- commands -----------------------------------------------------------------------

function acquire(
  fillId: string,
  quantity: bigint,
  costMinor: bigint,
  orderId = 'o-buy',
): HoldingCommand {
  return { type: 'AcquireShares', orderId, fillId, quantity, costMinor };
}

function reserve(orderId: string, quantity: bigint): HoldingCommand {
  return { type: 'ReserveShares', orderId, quantity };
}

function dispose(
  orderId: string,
  fillId: string,
  quantity: bigint,
  proceedsMinor: bigint,
): HoldingCommand {
  return { type: 'DisposeShares', orderId, fillId, quantity, proceedsMinor };
}

function shares(state: HoldingState): {
  quantity: bigint;
  reserved: bigint;
  available: bigint;
  costBasis: bigint;
  averageCost: bigint;
} {
  return {
    quantity: state.quantity,
    reserved: state.reservedQuantity,
    available: availableQuantity(state),
    costBasis: state.costBasisMinor,
    averageCost: averageCostMinor(state),
  };
}

/** 10 shares bought for 100.00 in all. */
const tenShares = acquired('f-buy-1', 10n, 10_000n);

// ---- specs --------------------------------------------------------------------------

describe('holding decider', () => {
  it('starts empty, with an average cost of 0', () => {
    expect(shares(holding.given([]).state)).toEqual({
      quantity: 0n,
      reserved: 0n,
      available: 0n,
      costBasis: 0n,
      averageCost: 0n,
    });
  });

  describe('AcquireShares', () => {
    it('adds the shares and their cost', () => {
      const state = holding
        .given([])
        .when(acquire('f1', 10n, 10_000n, 'o1'))
        .then([
          {
            type: 'SharesAcquired',
            data: { orderId: 'o1', fillId: 'f1', quantity: 10n, costMinor: 10_000n },
          },
        ]);

      expect(shares(state)).toEqual({
        quantity: 10n,
        reserved: 0n,
        available: 10n,
        costBasis: 10_000n,
        averageCost: 1_000n,
      });
    });

    it('acquiring the same fill again is a no-op', () => {
      holding
        .given([tenShares])
        .when(acquire('f-buy-1', 10n, 10_000n))
        .thenNothing();
      holding
        .given([tenShares])
        .when(acquire('f-buy-1', 99n, 1n))
        .thenNothing();
    });

    it('averages the cost over several acquisitions', () => {
      const state = holding
        .given([tenShares])
        .when(acquire('f-buy-2', 5n, 6_000n))
        .then([acquired('f-buy-2', 5n, 6_000n)]);

      // 160.00 for 15 shares: 1066.67 minor units a share, rounded to 1067.
      expect(shares(state)).toMatchObject({
        quantity: 15n,
        costBasis: 16_000n,
        averageCost: 1_067n,
      });
    });
  });

  describe('ReserveShares', () => {
    it('reserves shares for a sell order', () => {
      const state = holding
        .given([tenShares])
        .when(reserve('o1', 4n))
        .then([reserved('o1', 4n)]);

      expect(shares(state)).toMatchObject({ quantity: 10n, reserved: 4n, available: 6n });
      expect([...state.reservations]).toEqual([['o1', 4n]]);
    });

    it('reserves exactly the available quantity, not one share more', () => {
      holding.given([tenShares]).when(reserve('o1', 11n)).thenRejects('INSUFFICIENT_HOLDINGS');
      const state = holding
        .given([tenShares])
        .when(reserve('o1', 10n))
        .then([reserved('o1', 10n)]);
      expect(availableQuantity(state)).toBe(0n);
    });

    it('refuses to reserve shares that are not held', () => {
      holding.given([]).when(reserve('o1', 1n)).thenRejects('INSUFFICIENT_HOLDINGS');
    });

    it("cannot reserve another order's reserved shares", () => {
      holding
        .given([tenShares, reserved('o1', 7n)])
        .when(reserve('o2', 4n))
        .thenRejects('INSUFFICIENT_HOLDINGS');
      const state = holding
        .given([tenShares, reserved('o1', 7n)])
        .when(reserve('o2', 3n))
        .then([reserved('o2', 3n)]);
      expect(shares(state)).toMatchObject({ reserved: 10n, available: 0n });
    });

    it('reserving again for the same order is a no-op', () => {
      holding
        .given([tenShares, reserved('o1', 4n)])
        .when(reserve('o1', 4n))
        .thenNothing();
      holding
        .given([tenShares, reserved('o1', 4n)])
        .when(reserve('o1', 6n))
        .thenNothing();
    });
  });

  describe('ReleaseShares', () => {
    it('releases the whole reservation of the order', () => {
      const state = holding
        .given([tenShares, reserved('o1', 4n), reserved('o2', 3n)])
        .when({ type: 'ReleaseShares', orderId: 'o1' })
        .then([releasedShares('o1', 4n)]);

      expect(shares(state)).toMatchObject({ quantity: 10n, reserved: 3n, available: 7n });
      expect([...state.reservations]).toEqual([['o2', 3n]]);
    });

    it('releases what a partial disposal left of the reservation', () => {
      const state = holding
        .given([tenShares, reserved('o1', 6n), disposed('o1', 'f-sell-1', 2n, 2n, 2_000n, 2_400n)])
        .when({ type: 'ReleaseShares', orderId: 'o1' })
        .then([releasedShares('o1', 4n)]);

      expect(shares(state)).toMatchObject({ quantity: 8n, reserved: 0n, available: 8n });
    });

    it('releasing without a reservation, or twice, is a no-op', () => {
      holding.given([tenShares]).when({ type: 'ReleaseShares', orderId: 'o1' }).thenNothing();
      holding
        .given([tenShares, reserved('o1', 4n), releasedShares('o1', 4n)])
        .when({ type: 'ReleaseShares', orderId: 'o1' })
        .thenNothing();
    });
  });

  describe('DisposeShares', () => {
    it('sells reserved shares with their proportional cost basis', () => {
      const state = holding
        .given([tenShares, reserved('o1', 4n)])
        .when(dispose('o1', 'f-sell-1', 4n, 5_000n))
        .then([
          {
            type: 'SharesDisposed',
            data: {
              orderId: 'o1',
              fillId: 'f-sell-1',
              quantity: 4n,
              fromReservationQuantity: 4n,
              costBasisMinor: 4_000n,
              proceedsMinor: 5_000n,
            },
          },
        ]);

      expect(shares(state)).toEqual({
        quantity: 6n,
        reserved: 0n,
        available: 6n,
        costBasis: 6_000n,
        averageCost: 1_000n,
      });
      expect(state.reservations.has('o1')).toBe(false);
    });

    it('sells part of a reservation and keeps the rest reserved', () => {
      const state = holding
        .given([tenShares, reserved('o1', 6n)])
        .when(dispose('o1', 'f-sell-1', 2n, 2_400n))
        .then([disposed('o1', 'f-sell-1', 2n, 2n, 2_000n, 2_400n)]);

      expect(shares(state)).toMatchObject({ quantity: 8n, reserved: 4n, available: 4n });
      expect([...state.reservations]).toEqual([['o1', 4n]]);
    });

    it('sells the reservation and the rest from available shares', () => {
      const state = holding
        .given([tenShares, reserved('o1', 3n)])
        .when(dispose('o1', 'f-sell-1', 5n, 6_000n))
        .then([disposed('o1', 'f-sell-1', 5n, 3n, 5_000n, 6_000n)]);

      expect(shares(state)).toMatchObject({
        quantity: 5n,
        reserved: 0n,
        available: 5n,
        costBasis: 5_000n,
      });
    });

    it('sells available shares without a reservation', () => {
      const state = holding
        .given([tenShares])
        .when(dispose('o1', 'f-sell-1', 3n, 3_300n))
        .then([disposed('o1', 'f-sell-1', 3n, 0n, 3_000n, 3_300n)]);

      expect(shares(state)).toMatchObject({ quantity: 7n, reserved: 0n, costBasis: 7_000n });
    });

    it('refuses to sell more than the reservation and the available shares together', () => {
      holding
        .given([tenShares, reserved('o1', 3n), reserved('o2', 5n)])
        .when(dispose('o1', 'f-sell-1', 6n, 6_000n))
        .thenRejects('INSUFFICIENT_HOLDINGS');
      holding
        .given([tenShares, reserved('o1', 3n), reserved('o2', 5n)])
        .when(dispose('o1', 'f-sell-1', 5n, 5_000n))
        .then([disposed('o1', 'f-sell-1', 5n, 3n, 5_000n, 5_000n)]);
    });

    it('refuses to sell more shares than are held', () => {
      holding
        .given([tenShares])
        .when(dispose('o1', 'f-sell-1', 11n, 11_000n))
        .thenRejects('INSUFFICIENT_HOLDINGS');
      holding
        .given([])
        .when(dispose('o1', 'f-sell-1', 1n, 1_000n))
        .thenRejects('INSUFFICIENT_HOLDINGS');
    });

    it('disposing of the same fill again is a no-op', () => {
      const given = [
        tenShares,
        reserved('o1', 4n),
        disposed('o1', 'f-sell-1', 4n, 4n, 4_000n, 5_000n),
      ];

      holding
        .given(given)
        .when(dispose('o1', 'f-sell-1', 4n, 5_000n))
        .thenNothing();
      holding
        .given(given)
        .when(dispose('o1', 'f-sell-1', 1n, 1n))
        .thenNothing();
    });

    it('selling everything leaves a cost basis of 0', () => {
      const state = holding
        .given([acquired('f1', 3n, 1_000n)])
        .when(dispose('o1', 'f-sell-1', 3n, 1_200n))
        .then([disposed('o1', 'f-sell-1', 3n, 0n, 1_000n, 1_200n)]);

      expect(shares(state)).toEqual({
        quantity: 0n,
        reserved: 0n,
        available: 0n,
        costBasis: 0n,
        averageCost: 0n,
      });
    });

    it('rounds the cost of a partial disposal half away from zero and gives the remainder to the last shares', () => {
      // 5 minor units for 2 shares: 2.5 a share.
      const given = [acquired('f1', 2n, 5n)];
      const afterFirst = holding
        .given(given)
        .when(dispose('o1', 'f-sell-1', 1n, 4n))
        .then([disposed('o1', 'f-sell-1', 1n, 0n, 3n, 4n)]);
      expect(shares(afterFirst)).toMatchObject({ quantity: 1n, costBasis: 2n });

      const afterLast = holding
        .given([...given, disposed('o1', 'f-sell-1', 1n, 0n, 3n, 4n)])
        .when(dispose('o1', 'f-sell-2', 1n, 4n))
        .then([disposed('o1', 'f-sell-2', 1n, 0n, 2n, 4n)]);
      expect(shares(afterLast)).toMatchObject({ quantity: 0n, costBasis: 0n });
    });
  });

  // ---- regressions found in review ------------------------------------------------

  describe('regression: shares are reserved at most once per order', () => {
    it('reserving again after the disposal used the reservation up is a no-op', () => {
      const given = [
        tenShares,
        reserved('o1', 4n),
        disposed('o1', 'f-sell-1', 4n, 4n, 4_000n, 5_000n),
      ];
      expect(holding.given(given).state.reservations.has('o1')).toBe(false);

      const state = holding.given(given).when(reserve('o1', 4n)).thenNothing();
      expect(shares(state)).toMatchObject({ quantity: 6n, reserved: 0n, available: 6n });
    });

    it('reserving again after the reservation was released is a no-op', () => {
      const state = holding
        .given([tenShares, reserved('o1', 4n), releasedShares('o1', 4n)])
        .when(reserve('o1', 4n))
        .thenNothing();
      expect(shares(state)).toMatchObject({ reserved: 0n, available: 10n });
    });

    it('remembers every order that reserved, also once its reservation is gone', () => {
      const state = holding.given([tenShares, reserved('o1', 4n), releasedShares('o1', 4n)]).state;
      expect(state.reservations.size).toBe(0);
      expect([...state.reservedOrders]).toEqual(['o1']);
    });

    it('still reserves for another order', () => {
      holding
        .given([tenShares, reserved('o1', 4n), releasedShares('o1', 4n)])
        .when(reserve('o2', 10n))
        .then([reserved('o2', 10n)]);
    });
  });

  describe('regression: non-positive quantities and negative amounts are refused', () => {
    it.each([0n, -1n])('refuses to reserve a quantity of %s (VALIDATION_FAILED quantity)', (q) => {
      holding
        .given([tenShares])
        .when(reserve('o1', q))
        .thenRejects('VALIDATION_FAILED', 'quantity');
    });

    it.each([0n, -1n])('refuses to acquire a quantity of %s (VALIDATION_FAILED quantity)', (q) => {
      holding
        .given([tenShares])
        .when(acquire('f1', q, 1_000n))
        .thenRejects('VALIDATION_FAILED', 'quantity');
    });

    it.each([0n, -1n])(
      'refuses to dispose of a quantity of %s (VALIDATION_FAILED quantity)',
      (q) => {
        holding
          .given([tenShares])
          .when(dispose('o1', 'f-sell-1', q, 1_000n))
          .thenRejects('VALIDATION_FAILED', 'quantity');
      },
    );

    it('refuses a negative cost (VALIDATION_FAILED cost)', () => {
      holding
        .given([tenShares])
        .when(acquire('f1', 1n, -1n))
        .thenRejects('VALIDATION_FAILED', 'cost');
    });

    it('refuses negative proceeds (VALIDATION_FAILED proceeds)', () => {
      holding
        .given([tenShares])
        .when(dispose('o1', 'f-sell-1', 1n, -1n))
        .thenRejects('VALIDATION_FAILED', 'proceeds');
    });

    it('accepts a zero cost and zero proceeds: only negative amounts are invalid', () => {
      holding
        .given([tenShares])
        .when(acquire('f1', 1n, 0n))
        .then([acquired('f1', 1n, 0n)]);
      holding
        .given([tenShares])
        .when(dispose('o1', 'f-sell-1', 1n, 0n))
        .then([disposed('o1', 'f-sell-1', 1n, 0n, 1_000n, 0n)]);
    });

    it('checks the quantity before anything else, also on what would be a repeat', () => {
      holding
        .given([tenShares])
        .when(acquire('f-buy-1', 0n, 10_000n))
        .thenRejects('VALIDATION_FAILED', 'quantity');
      holding
        .given([tenShares, reserved('o1', 4n)])
        .when(reserve('o1', -4n))
        .thenRejects('VALIDATION_FAILED', 'quantity');
    });
  });

  describe('average cost across acquisitions and partial disposals', () => {
    it('keeps exact bigint arithmetic and ends at 0 when everything is sold', () => {
      const history: HoldingEvent[] = [];
      const step = (command: HoldingCommand, expected: HoldingEvent): HoldingState => {
        const state = holding.given(history).when(command).then([expected]);
        history.push(expected);
        return state;
      };

      // 10 shares for 10000, then 5 for 6000: 16000 over 15 shares.
      step(acquire('f1', 10n, 10_000n), acquired('f1', 10n, 10_000n));
      let state = step(acquire('f2', 5n, 6_000n), acquired('f2', 5n, 6_000n));
      expect(shares(state)).toMatchObject({
        quantity: 15n,
        costBasis: 16_000n,
        averageCost: 1_067n,
      });

      // 4 of 15 leave with 16000 * 4 / 15 = 4266.67 -> 4267.
      state = step(
        dispose('o-s1', 's1', 4n, 5_000n),
        disposed('o-s1', 's1', 4n, 0n, 4_267n, 5_000n),
      );
      expect(shares(state)).toMatchObject({
        quantity: 11n,
        costBasis: 11_733n,
        averageCost: 1_067n,
      });

      // 9 more for 9000: 20733 over 20 shares = 1036.65 -> 1037.
      state = step(acquire('f3', 9n, 9_000n), acquired('f3', 9n, 9_000n));
      expect(shares(state)).toMatchObject({
        quantity: 20n,
        costBasis: 20_733n,
        averageCost: 1_037n,
      });

      // 7 of 20 leave with 20733 * 7 / 20 = 7256.55 -> 7257.
      state = step(
        dispose('o-s2', 's2', 7n, 8_000n),
        disposed('o-s2', 's2', 7n, 0n, 7_257n, 8_000n),
      );
      expect(shares(state)).toMatchObject({
        quantity: 13n,
        costBasis: 13_476n,
        averageCost: 1_037n,
      });

      // The last 13 take whatever is left.
      state = step(
        dispose('o-s3', 's3', 13n, 14_000n),
        disposed('o-s3', 's3', 13n, 0n, 13_476n, 14_000n),
      );
      expect(shares(state)).toEqual({
        quantity: 0n,
        reserved: 0n,
        available: 0n,
        costBasis: 0n,
        averageCost: 0n,
      });

      // Every minor unit of cost that came in went out again.
      const costIn = history.reduce(
        (sum, e) => sum + (e.type === 'SharesAcquired' ? e.data.costMinor : 0n),
        0n,
      );
      const costOut = history.reduce(
        (sum, e) => sum + (e.type === 'SharesDisposed' ? e.data.costBasisMinor : 0n),
        0n,
      );
      expect(costOut).toBe(costIn);
      expect(replay(holdingDecider, history)).toEqual(state);
    });

    it('handles amounts far above 2^53 exactly', () => {
      const big = 2n ** 60n + 7n;
      const state = holding
        .given([acquired('f1', 3n, big)])
        .when(dispose('o1', 's1', 1n, 1n))
        .then([disposed('o1', 's1', 1n, 0n, (big + 1n) / 3n, 1n)]);

      // 2^60 + 7 = 3k + 2, so a third of it is k + 0.67, rounded up to k + 1 = (2^60 + 8) / 3.
      expect(state.costBasisMinor).toBe(big - (big + 1n) / 3n);
      expect(state.costBasisMinor + (big + 1n) / 3n).toBe(big);
    });
  });
});
