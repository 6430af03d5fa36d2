import { describe, expect, it } from 'vitest';
import { spec } from '../../test/support/given-when-then.js';
import { type OrderEvent } from './order.events.js';
import { MAX_QUANTITY } from './money.js';
import {
  DEFAULT_TIME_IN_FORCE_SECONDS,
  MAX_TIME_IN_FORCE_SECONDS,
  type OrderCommand,
  type OrderStatus,
  isTerminal,
  orderDecider,
} from './order.decider.js';

const order = spec(orderDecider);

const PLACED_AT = '2024-03-01T10:00:00.000Z';

// ---- commands -----------------------------------------------------------------------

type PlaceOrder = Extract<OrderCommand, { type: 'PlaceOrder' }>;

const placeMarket: PlaceOrder = {
  type: 'PlaceOrder',
  orderId: 'o1',
  accountId: 'a1',
  side: 'BUY',
  orderType: 'MARKET',
  instrument: 'ACME',
  quantity: 10n,
  limitPriceMinor: null,
  currency: 'USD',
  placedAt: PLACED_AT,
  timeInForceSeconds: null,
};

const placeLimit: PlaceOrder = {
  ...placeMarket,
  side: 'SELL',
  orderType: 'LIMIT',
  limitPriceMinor: 12_550n,
  timeInForceSeconds: 3_600,
};

function fill(fillId: string, quantity: bigint, priceMinor = 12_500n): OrderCommand {
  return { type: 'RecordFill', fillId, quantity, priceMinor };
}

const accept: OrderCommand = { type: 'AcceptOrder' };
const complete: OrderCommand = { type: 'CompleteOrder' };
const CANCEL_REASON = 'changed my mind';
const cancel: OrderCommand = { type: 'CancelOrder', reason: CANCEL_REASON };
const confirmCancellation: OrderCommand = { type: 'ConfirmCancellation' };

function expire(now: string): OrderCommand {
  return { type: 'ExpireOrder', now };
}

// ---- events -------------------------------------------------------------------------

const marketPlaced: OrderEvent = {
  type: 'OrderPlaced',
  data: {
    orderId: 'o1',
    accountId: 'a1',
    side: 'BUY',
    orderType: 'MARKET',
    instrument: 'ACME',
    quantity: 10n,
    limitPriceMinor: null,
    currency: 'USD',
    placedAt: PLACED_AT,
    expiresAt: null,
  },
};

/** A limit order (sell at 125.50 or better) that expires one hour after it was placed. */
const limitPlaced: OrderEvent = {
  type: 'OrderPlaced',
  data: {
    ...marketPlaced.data,
    side: 'SELL',
    orderType: 'LIMIT',
    limitPriceMinor: 12_550n,
    expiresAt: '2024-03-01T11:00:00.000Z',
  },
};

const accepted: OrderEvent = { type: 'OrderAccepted', data: { orderId: 'o1' } };
const completed: OrderEvent = { type: 'OrderCompleted', data: { orderId: 'o1' } };
/** What `cancel` records for an order at the market: the request carries its reason. */
const cancellationRequested: OrderEvent = {
  type: 'OrderCancellationRequested',
  data: { orderId: 'o1', reason: CANCEL_REASON },
};
const expired: OrderEvent = { type: 'OrderExpired', data: { orderId: 'o1' } };

function filled(fillId: string, quantity: bigint, priceMinor = 12_500n): OrderEvent {
  return { type: 'OrderFilled', data: { orderId: 'o1', fillId, quantity, priceMinor } };
}

/** A fill of the limit order at its limit price: the worst price it may get. */
function filledAtLimit(fillId: string, quantity: bigint): OrderEvent {
  return filled(fillId, quantity, 12_550n);
}

function cancelled(reason: string): OrderEvent {
  return { type: 'OrderCancelled', data: { orderId: 'o1', reason } };
}

function rejected(reason: string): OrderEvent {
  return { type: 'OrderRejected', data: { orderId: 'o1', reason } };
}

function failed(reason: string): OrderEvent {
  return { type: 'OrderFailed', data: { orderId: 'o1', reason } };
}

/** Every command but PlaceOrder. */
const everyCommandButPlace: readonly OrderCommand[] = [
  accept,
  fill('f-new', 1n),
  complete,
  { type: 'RejectOrder', reason: 'no' },
  { type: 'FailOrder', reason: 'broken' },
  cancel,
  confirmCancellation,
  expire('2030-01-01T00:00:00.000Z'),
];

// ---- specs --------------------------------------------------------------------------

describe('order decider', () => {
  describe('PlaceOrder', () => {
    it('places a market order without an expiry', () => {
      const state = order.given([]).when(placeMarket).then([marketPlaced]);

      expect(state).toMatchObject({
        status: 'PLACED',
        orderId: 'o1',
        accountId: 'a1',
        side: 'BUY',
        orderType: 'MARKET',
        quantity: 10n,
        limitPriceMinor: null,
        filledQuantity: 0n,
        expiresAt: null,
        cancellationReason: null,
      });
    });

    it('places a limit order that expires its time in force after placedAt', () => {
      const state = order.given([]).when(placeLimit).then([limitPlaced]);

      expect(state).toMatchObject({
        status: 'PLACED',
        limitPriceMinor: 12_550n,
        expiresAt: '2024-03-01T11:00:00.000Z',
      });
    });

    it('gives a limit order without a time in force the default of one day', () => {
      expect(DEFAULT_TIME_IN_FORCE_SECONDS).toBe(86_400);
      order
        .given([])
        .when({ ...placeLimit, timeInForceSeconds: null })
        .then([
          {
            type: 'OrderPlaced',
            data: { ...limitPlaced.data, expiresAt: '2024-03-02T10:00:00.000Z' },
          },
        ]);
    });

    it('accepts the shortest and the longest time in force', () => {
      order
        .given([])
        .when({ ...placeLimit, timeInForceSeconds: 1 })
        .then([
          {
            type: 'OrderPlaced',
            data: { ...limitPlaced.data, expiresAt: '2024-03-01T10:00:01.000Z' },
          },
        ]);
      order
        .given([])
        .when({ ...placeLimit, timeInForceSeconds: MAX_TIME_IN_FORCE_SECONDS })
        .then([
          {
            type: 'OrderPlaced',
            data: { ...limitPlaced.data, expiresAt: '2024-05-30T10:00:00.000Z' },
          },
        ]);
    });

    // placedAt comes from the server clock as a UTC instant; anything else is refused.
    it('refuses a placedAt with an offset', () => {
      order
        .given([])
        .when({ ...placeLimit, placedAt: '2024-03-01T12:00:00+02:00', timeInForceSeconds: 90 })
        .thenRejects('VALIDATION_FAILED', 'placedAt');
    });

    it.each([0n, -1n, MAX_QUANTITY + 1n])('refuses a quantity of %s', (quantity) => {
      order
        .given([])
        .when({ ...placeMarket, quantity })
        .thenRejects('VALIDATION_FAILED', 'quantity');
    });

    it('accepts the largest quantity', () => {
      order
        .given([])
        .when({ ...placeMarket, quantity: MAX_QUANTITY })
        .then([{ type: 'OrderPlaced', data: { ...marketPlaced.data, quantity: MAX_QUANTITY } }]);
    });

    it.each([null, 0n, -100n])(
      'refuses a LIMIT order with a limit price of %s',
      (limitPriceMinor) => {
        order
          .given([])
          .when({ ...placeLimit, limitPriceMinor })
          .thenRejects('VALIDATION_FAILED', 'limitPrice');
      },
    );

    it('refuses a MARKET order with a limit price', () => {
      order
        .given([])
        .when({ ...placeMarket, limitPriceMinor: 100n })
        .thenRejects('VALIDATION_FAILED', 'limitPrice');
    });

    it('refuses a MARKET order with a time in force', () => {
      order
        .given([])
        .when({ ...placeMarket, timeInForceSeconds: 3_600 })
        .thenRejects('VALIDATION_FAILED', 'timeInForceSeconds');
    });

    it.each([0, -1, 1.5, Number.NaN, MAX_TIME_IN_FORCE_SECONDS + 1])(
      'refuses a LIMIT order with a time in force of %s seconds',
      (timeInForceSeconds) => {
        order
          .given([])
          .when({ ...placeLimit, timeInForceSeconds })
          .thenRejects('VALIDATION_FAILED', 'timeInForceSeconds');
      },
    );

    it('placing the same order again (a retried placement) is a no-op', () => {
      order.given([marketPlaced]).when(placeMarket).thenNothing();
      order
        .given([marketPlaced, accepted, filled('f1', 10n), completed])
        .when(placeMarket)
        .thenNothing();
    });

    it('refuses an order id already used on another account', () => {
      order
        .given([marketPlaced])
        .when({ ...placeMarket, accountId: 'a2' })
        .thenRejects('ALREADY_EXISTS');
    });

    it.each(everyCommandButPlace.map((command) => [command.type, command] as const))(
      '%s on an order that does not exist is NOT_FOUND',
      (_type, command) => {
        order.given([]).when(command).thenRejects('NOT_FOUND');
      },
    );
  });

  describe('AcceptOrder', () => {
    it('puts a placed order on the market', () => {
      const state = order.given([marketPlaced]).when(accept).then([accepted]);
      expect(state.status).toBe('ACCEPTED');
    });

    it('accepting an order that is already at the market is a no-op', () => {
      order.given([marketPlaced, accepted]).when(accept).thenNothing();
      order
        .given([marketPlaced, accepted, filled('f1', 3n)])
        .when(accept)
        .thenNothing();
    });
  });

  describe('RecordFill', () => {
    it('records a partial fill', () => {
      const state = order
        .given([marketPlaced, accepted])
        .when(fill('f1', 4n, 12_500n))
        .then([filled('f1', 4n, 12_500n)]);

      expect(state).toMatchObject({
        status: 'PARTIALLY_FILLED',
        filledQuantity: 4n,
        filledNotionalMinor: 50_000n,
      });
    });

    it('sums quantity and notional over several fills', () => {
      const state = order
        .given([marketPlaced, accepted, filled('f1', 4n, 12_500n)])
        .when(fill('f2', 6n, 12_600n))
        .then([filled('f2', 6n, 12_600n)]);

      expect(state).toMatchObject({ filledQuantity: 10n, filledNotionalMinor: 50_000n + 75_600n });
    });

    it('accepts a fill of exactly what remains, and refuses one share more', () => {
      const given = [marketPlaced, accepted, filled('f1', 4n)];

      order.given(given).when(fill('f2', 7n)).thenRejects('INVALID_FILL');
      order
        .given(given)
        .when(fill('f2', 6n))
        .then([filled('f2', 6n)]);
    });

    it('refuses any fill once the order is completely filled', () => {
      order
        .given([marketPlaced, accepted, filled('f1', 10n)])
        .when(fill('f2', 1n))
        .thenRejects('INVALID_FILL');
    });

    it.each([0n, -1n])('refuses a fill of %s shares', (quantity) => {
      order.given([marketPlaced, accepted]).when(fill('f1', quantity)).thenRejects('INVALID_FILL');
    });

    it.each([0n, -1n])('refuses a fill at a price of %s', (priceMinor) => {
      order
        .given([marketPlaced, accepted])
        .when(fill('f1', 1n, priceMinor))
        .thenRejects('INVALID_FILL');
    });

    it('refuses a fill before the order reached the market', () => {
      order.given([marketPlaced]).when(fill('f1', 1n)).thenRejects('INVALID_FILL');
    });

    it('recording the same fill again is a no-op, whatever it says', () => {
      const given = [marketPlaced, accepted, filled('f1', 4n)];

      const state = order.given(given).when(fill('f1', 4n)).thenNothing();
      expect(state.filledQuantity).toBe(4n);
      order.given(given).when(fill('f1', 99n)).thenNothing();
    });

    it('still records fills while a cancellation is in flight', () => {
      const state = order
        .given([marketPlaced, accepted, cancellationRequested])
        .when(fill('f1', 2n))
        .then([filled('f1', 2n)]);

      expect(state).toMatchObject({
        status: 'PARTIALLY_FILLED',
        cancellationReason: CANCEL_REASON,
      });
    });
  });

  describe('CompleteOrder', () => {
    it('completes a completely filled order', () => {
      const state = order
        .given([marketPlaced, accepted, filled('f1', 4n), filled('f2', 6n)])
        .when(complete)
        .then([completed]);

      expect(state).toMatchObject({ status: 'COMPLETED', filledQuantity: 10n });
      expect(isTerminal(state)).toBe(true);
    });

    it('refuses to complete an order that is not completely filled', () => {
      order
        .given([marketPlaced, accepted, filled('f1', 9n)])
        .when(complete)
        .thenRejects('INVALID_FILL');
      order.given([marketPlaced, accepted]).when(complete).thenRejects('INVALID_FILL');
      order.given([marketPlaced]).when(complete).thenRejects('INVALID_FILL');
    });
  });

  describe('RejectOrder', () => {
    it('rejects a placed order with the reason', () => {
      const state = order
        .given([marketPlaced])
        .when({ type: 'RejectOrder', reason: 'insufficient funds' })
        .then([rejected('insufficient funds')]);

      expect(state).toMatchObject({ status: 'REJECTED', reason: 'insufficient funds' });
    });

    it('refuses to reject an order that reached the market', () => {
      order
        .given([marketPlaced, accepted])
        .when({ type: 'RejectOrder', reason: 'x' })
        .thenRejects('ORDER_NOT_ACTIVE');
      order
        .given([marketPlaced, accepted, filled('f1', 1n)])
        .when({ type: 'RejectOrder', reason: 'x' })
        .thenRejects('ORDER_NOT_ACTIVE');
    });
  });

  describe('FailOrder', () => {
    it.each([
      ['PLACED', [marketPlaced]],
      ['ACCEPTED', [marketPlaced, accepted]],
      ['PARTIALLY_FILLED', [marketPlaced, accepted, filled('f1', 3n)]],
    ] as const)('fails an order that is %s', (_status, given) => {
      const state = order
        .given(given)
        .when({ type: 'FailOrder', reason: 'venue down' })
        .then([failed('venue down')]);

      expect(state).toMatchObject({ status: 'FAILED', reason: 'venue down' });
    });
  });

  describe('CancelOrder / ConfirmCancellation', () => {
    it('cancels a placed order at once', () => {
      const state = order
        .given([marketPlaced])
        .when(cancel)
        .then([cancelled('changed my mind')]);

      expect(state).toMatchObject({ status: 'CANCELLED', reason: 'changed my mind' });
    });

    it('only requests the cancellation of an order at the market', () => {
      const state = order
        .given([marketPlaced, accepted])
        .when(cancel)
        .then([cancellationRequested]);

      expect(state).toMatchObject({ status: 'ACCEPTED', cancellationReason: CANCEL_REASON });
      expect(isTerminal(state)).toBe(false);
    });

    it('requests the cancellation of a partially filled order', () => {
      const state = order
        .given([marketPlaced, accepted, filled('f1', 3n)])
        .when(cancel)
        .then([cancellationRequested]);

      expect(state).toMatchObject({
        status: 'PARTIALLY_FILLED',
        cancellationReason: CANCEL_REASON,
      });
    });

    it('requesting the cancellation again is a no-op', () => {
      order.given([marketPlaced, accepted, cancellationRequested]).when(cancel).thenNothing();
    });

    it('cancels an order at the market once the market confirms', () => {
      const state = order
        .given([marketPlaced, accepted, filled('f1', 3n), cancellationRequested])
        .when(confirmCancellation)
        .then([cancelled(CANCEL_REASON)]);

      expect(state).toMatchObject({
        status: 'CANCELLED',
        reason: CANCEL_REASON,
        filledQuantity: 3n,
      });
    });

    it('confirming the cancellation again is a no-op', () => {
      order
        .given([marketPlaced, accepted, cancellationRequested, cancelled(CANCEL_REASON)])
        .when(confirmCancellation)
        .thenNothing();
    });

    it('refuses to cancel a cancelled order again', () => {
      order
        .given([marketPlaced, cancelled('changed my mind')])
        .when(cancel)
        .thenRejects('ORDER_NOT_ACTIVE');
    });
  });

  describe('ExpireOrder', () => {
    it('refuses to expire a limit order before its expiry', () => {
      order
        .given([limitPlaced])
        .when(expire('2024-03-01T10:59:59.999Z'))
        .thenRejects('ORDER_NOT_ACTIVE');
      order
        .given([limitPlaced, accepted])
        .when(expire('2024-03-01T10:30:00.000Z'))
        .thenRejects('ORDER_NOT_ACTIVE');
    });

    it('expires a limit order at its expiry', () => {
      const state = order
        .given([limitPlaced, accepted])
        .when(expire('2024-03-01T11:00:00.000Z'))
        .then([expired]);

      expect(state).toMatchObject({ status: 'EXPIRED', reason: 'time in force elapsed' });
    });

    it('expires a limit order after its expiry, also before it reached the market', () => {
      order.given([limitPlaced]).when(expire('2024-03-02T00:00:00.000Z')).then([expired]);
    });

    it('expires a partially filled limit order and keeps its fills', () => {
      const state = order
        .given([limitPlaced, accepted, filledAtLimit('f1', 4n)])
        .when(expire('2024-03-01T12:00:00.000Z'))
        .then([expired]);

      expect(state).toMatchObject({ status: 'EXPIRED', filledQuantity: 4n });
    });

    it('never expires a market order', () => {
      order
        .given([marketPlaced, accepted])
        .when(expire('2099-01-01T00:00:00.000Z'))
        .thenRejects('ORDER_NOT_ACTIVE');
    });

    it('expiring again is a no-op', () => {
      order
        .given([limitPlaced, accepted, expired])
        .when(expire('2024-03-02T00:00:00.000Z'))
        .thenNothing();
    });
  });

  // ---- regressions found in review ------------------------------------------------

  describe('regression: a cancellation keeps the reason it was requested with', () => {
    function requested(reason: string): OrderEvent {
      return { type: 'OrderCancellationRequested', data: { orderId: 'o1', reason } };
    }

    it('records the reason of CancelOrder on the request of an order at the market', () => {
      const state = order
        .given([marketPlaced, accepted, filled('f1', 3n)])
        .when({ type: 'CancelOrder', reason: 'price moved' })
        .then([requested('price moved')]);

      expect(state).toMatchObject({
        status: 'PARTIALLY_FILLED',
        cancellationReason: 'price moved',
      });
    });

    it('confirms the cancellation with the requested reason, not a fixed one', () => {
      const state = order
        .given([marketPlaced, accepted, filled('f1', 3n), requested('price moved')])
        .when(confirmCancellation)
        .then([cancelled('price moved')]);

      expect(state).toMatchObject({ status: 'CANCELLED', reason: 'price moved' });
    });

    it('keeps the first reason when the cancellation is requested again', () => {
      const state = order
        .given([marketPlaced, accepted, requested('price moved')])
        .when({ type: 'CancelOrder', reason: 'something else' })
        .thenNothing();

      expect(state.cancellationReason).toBe('price moved');
      order
        .given([marketPlaced, accepted, requested('price moved')])
        .when(confirmCancellation)
        .then([cancelled('price moved')]);
    });

    it.each([
      ['ACCEPTED', [marketPlaced, accepted]],
      ['PARTIALLY_FILLED', [marketPlaced, accepted, filled('f1', 3n)]],
      ['PLACED', [marketPlaced]],
    ] as const)(
      'refuses ConfirmCancellation of a %s order without a prior request (ORDER_NOT_ACTIVE)',
      (_status, given) => {
        order.given(given).when(confirmCancellation).thenRejects('ORDER_NOT_ACTIVE');
      },
    );
  });

  describe('regression: unparseable times are refused, not recorded', () => {
    it.each(['not a time', '', '2024-13-45T99:99:99Z'])(
      'refuses PlaceOrder with a placedAt of %j (VALIDATION_FAILED placedAt)',
      (placedAt) => {
        order
          .given([])
          .when({ ...placeMarket, placedAt })
          .thenRejects('VALIDATION_FAILED', 'placedAt');
        order
          .given([])
          .when({ ...placeLimit, placedAt })
          .thenRejects('VALIDATION_FAILED', 'placedAt');
      },
    );

    it.each(['not a time', '', '2024-13-45T99:99:99Z'])(
      'refuses ExpireOrder with a now of %j (VALIDATION_FAILED now)',
      (now) => {
        order.given([limitPlaced]).when(expire(now)).thenRejects('VALIDATION_FAILED', 'now');
        order
          .given([limitPlaced, accepted, filledAtLimit('f1', 4n)])
          .when(expire(now))
          .thenRejects('VALIDATION_FAILED', 'now');
      },
    );
  });

  describe('regression: a fully filled order can no longer be cancelled or expired', () => {
    const fullyFilledMarket = [marketPlaced, accepted, filled('f1', 4n), filled('f2', 6n)];
    const fullyFilledLimit = [limitPlaced, accepted, filledAtLimit('f1', 10n)];

    it('refuses CancelOrder on a fully filled order that is not completed yet', () => {
      order.given(fullyFilledMarket).when(cancel).thenRejects('ORDER_NOT_ACTIVE');
      order.given(fullyFilledLimit).when(cancel).thenRejects('ORDER_NOT_ACTIVE');
    });

    it('refuses ExpireOrder on a fully filled limit order, even after its expiry', () => {
      order
        .given(fullyFilledLimit)
        .when(expire('2024-03-01T11:00:00.000Z'))
        .thenRejects('ORDER_NOT_ACTIVE');
      order
        .given(fullyFilledLimit)
        .when(expire('2030-01-01T00:00:00.000Z'))
        .thenRejects('ORDER_NOT_ACTIVE');
    });

    it('still completes it', () => {
      const state = order.given(fullyFilledLimit).when(complete).then([completed]);
      expect(state).toMatchObject({ status: 'COMPLETED', filledQuantity: 10n });
    });

    it('one share short of full, it can still be cancelled and expired', () => {
      const oneShort = [limitPlaced, accepted, filledAtLimit('f1', 9n)];
      order.given(oneShort).when(cancel).then([cancellationRequested]);
      order.given(oneShort).when(expire('2024-03-01T11:00:00.000Z')).then([expired]);
    });
  });

  describe('regression: a LIMIT order is never filled beyond its limit', () => {
    /** A limit order to buy at 125.50 or less. */
    const buyLimitPlaced: OrderEvent = {
      type: 'OrderPlaced',
      data: { ...limitPlaced.data, side: 'BUY' },
    };

    it('refuses a BUY fill above the limit price (INVALID_FILL)', () => {
      order
        .given([buyLimitPlaced, accepted])
        .when(fill('f1', 1n, 12_551n))
        .thenRejects('INVALID_FILL');
      order
        .given([buyLimitPlaced, accepted, filled('f1', 2n, 12_000n)])
        .when(fill('f2', 1n, 99_999n))
        .thenRejects('INVALID_FILL');
    });

    it('fills a BUY at or below the limit price', () => {
      order
        .given([buyLimitPlaced, accepted])
        .when(fill('f1', 1n, 12_550n))
        .then([filled('f1', 1n, 12_550n)]);
      order
        .given([buyLimitPlaced, accepted])
        .when(fill('f1', 1n, 1n))
        .then([filled('f1', 1n, 1n)]);
    });

    it('refuses a SELL fill below the limit price (INVALID_FILL)', () => {
      order
        .given([limitPlaced, accepted])
        .when(fill('f1', 1n, 12_549n))
        .thenRejects('INVALID_FILL');
      order
        .given([limitPlaced, accepted, filledAtLimit('f1', 2n)])
        .when(fill('f2', 1n, 1n))
        .thenRejects('INVALID_FILL');
    });

    it('fills a SELL at or above the limit price', () => {
      order
        .given([limitPlaced, accepted])
        .when(fill('f1', 1n, 12_550n))
        .then([filled('f1', 1n, 12_550n)]);
      order
        .given([limitPlaced, accepted])
        .when(fill('f1', 1n, 99_999n))
        .then([filled('f1', 1n, 99_999n)]);
    });

    it('puts no price bound on a MARKET order', () => {
      order
        .given([marketPlaced, accepted])
        .when(fill('f1', 1n, 99_999_999n))
        .then([filled('f1', 1n, 99_999_999n)]);
      order
        .given([marketPlaced, accepted])
        .when(fill('f1', 1n, 1n))
        .then([filled('f1', 1n, 1n)]);
    });
  });

  describe('terminal states', () => {
    const histories: readonly {
      status: OrderStatus;
      events: readonly OrderEvent[];
      /** The commands that repeat what ended the order: accepted with no events. */
      repeats: readonly OrderCommand['type'][];
    }[] = [
      {
        status: 'COMPLETED',
        events: [
          limitPlaced,
          accepted,
          filledAtLimit('f1', 4n),
          filledAtLimit('f2', 6n),
          completed,
        ],
        repeats: ['CompleteOrder'],
      },
      { status: 'REJECTED', events: [limitPlaced, rejected('no cash')], repeats: ['RejectOrder'] },
      {
        status: 'FAILED',
        events: [limitPlaced, accepted, failed('venue down')],
        repeats: ['FailOrder'],
      },
      {
        status: 'CANCELLED',
        events: [limitPlaced, cancelled('changed my mind')],
        repeats: ['ConfirmCancellation'],
      },
      {
        status: 'CANCELLED',
        events: [
          limitPlaced,
          accepted,
          filledAtLimit('f1', 4n),
          cancellationRequested,
          cancelled(CANCEL_REASON),
        ],
        repeats: ['ConfirmCancellation'],
      },
      {
        status: 'EXPIRED',
        events: [limitPlaced, accepted, filledAtLimit('f1', 4n), expired],
        repeats: ['ExpireOrder'],
      },
    ];

    describe.each(histories)('an order that ended $status', ({ status, events, repeats }) => {
      it('is terminal', () => {
        const state = order.given(events).state;
        expect(state.status).toBe(status);
        expect(isTerminal(state)).toBe(true);
      });

      it.each(everyCommandButPlace.map((command) => [command.type, command] as const))(
        '%s is refused with ORDER_NOT_ACTIVE or is a no-op repeat',
        (type, command) => {
          if (repeats.includes(type)) {
            const state = order.given(events).when(command).thenNothing();
            expect(state.status).toBe(status);
          } else {
            order.given(events).when(command).thenRejects('ORDER_NOT_ACTIVE');
          }
        },
      );

      it('a fill it already recorded is a no-op; a new one is refused', () => {
        const hasFill = events.some((event) => event.type === 'OrderFilled');
        if (hasFill) order.given(events).when(fill('f1', 4n)).thenNothing();
        order.given(events).when(fill('f-late', 1n)).thenRejects('ORDER_NOT_ACTIVE');
      });

      it('placing it again is a no-op retry', () => {
        order.given(events).when(placeLimit).thenNothing();
      });
    });
  });
});
