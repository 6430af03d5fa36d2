import { describe, expect, it } from 'vitest';
import { spec } from '../../../test/support/given-when-then.js';
import { type OrderState, initialOrderState } from '../../domain/order.decider.js';
import { type OrderSagaEvent } from '../../events/order-saga.events.js';
import {
  type CancelAnswer,
  MARKET_MISSES_TO_CONFIRM,
  type SagaCommand,
  type SagaState,
  compensationNeedsMarket,
  decideSaga,
  evolveSaga,
  initialSagaState,
  nextAction,
} from './order-placement.saga.js';

const NOW = Date.parse('2030-01-01T00:00:00.000Z');
const ORDER: OrderState = {
  ...initialOrderState,
  status: 'PLACED',
  orderId: 'o1',
  accountId: 'a1',
  instrument: 'AAPL',
  quantity: 5n,
};
const STARTED: OrderSagaEvent = {
  type: 'OrderSagaStarted',
  data: {
    orderId: 'o1',
    accountId: 'a1',
    side: 'BUY',
    instrument: 'AAPL',
    quantity: 5n,
    priceMinor: 100n,
    feeMinor: 100n,
    reserveMinor: 600n,
    expiresAt: null,
  },
};
const ID = { orderId: 'o1' };
const polled = (
  fills: { fillId: string; quantity: bigint }[],
  status: 'OPEN' | 'FILLED' | 'CANCELLED' | 'EXPIRED',
  nextCursor: number,
): OrderSagaEvent => ({
  type: 'OrderSagaMarketPolled',
  data: { ...ID, fills: fills.map((fill) => ({ ...fill, priceMinor: 100n })), status, nextCursor },
});

function given(...events: OrderSagaEvent[]): SagaState {
  return events.reduce(evolveSaga, initialSagaState);
}

const AT_MARKET = [
  STARTED,
  { type: 'OrderSagaReserved', data: ID },
  { type: 'OrderSagaFeeCharged', data: ID },
  { type: 'OrderSagaSubmitted', data: ID },
] as const satisfies readonly OrderSagaEvent[];
const ACCEPTED: OrderState = { ...ORDER, status: 'ACCEPTED' };

describe('order placement saga: the next action', () => {
  it('goes start, reserve, charge the fee, submit, poll', () => {
    expect(nextAction(given(), ORDER, NOW)).toEqual({ kind: 'start' });
    expect(nextAction(given(STARTED), ORDER, NOW)).toEqual({ kind: 'reserve' });
    expect(nextAction(given(...AT_MARKET.slice(0, 2)), ORDER, NOW)).toEqual({ kind: 'chargeFee' });
    expect(nextAction(given(...AT_MARKET.slice(0, 3)), ORDER, NOW)).toEqual({ kind: 'submit' });
    expect(nextAction(given(...AT_MARKET), ACCEPTED, NOW)).toEqual({ kind: 'poll' });
  });

  it('settles each new fill once, then completes when the market filled it all', () => {
    const afterPoll = given(...AT_MARKET, polled([{ fillId: 'f1', quantity: 2n }], 'OPEN', 1));
    expect(nextAction(afterPoll, ACCEPTED, NOW)).toMatchObject({
      kind: 'settle',
      fill: { fillId: 'f1' },
    });
    const settled = evolveSaga(afterPoll, {
      type: 'OrderSagaFillSettled',
      data: { ...ID, fillId: 'f1' },
    });
    expect(nextAction(settled, ACCEPTED, NOW)).toEqual({ kind: 'poll' });
    // The same page seen again adds nothing.
    const repeat = polled([{ fillId: 'f1', quantity: 2n }], 'OPEN', 1);
    expect(decideSaga({ type: 'Record', event: repeat }, settled)).toEqual({
      kind: 'accepted',
      events: [],
    });
    const filled = given(
      ...AT_MARKET,
      polled([{ fillId: 'f1', quantity: 2n }], 'OPEN', 1),
      { type: 'OrderSagaFillSettled', data: { ...ID, fillId: 'f1' } },
      polled([{ fillId: 'f2', quantity: 3n }], 'FILLED', 2),
      { type: 'OrderSagaFillSettled', data: { ...ID, fillId: 'f2' } },
    );
    expect(filled.filledQuantity).toBe(5n);
    expect(nextAction(filled, ACCEPTED, NOW)).toEqual({
      kind: 'finish',
      ending: { status: 'COMPLETED', reason: '', forced: false },
    });
  });

  it('stops before the market when the order was cancelled, and ends as the order did', () => {
    const cancelled: OrderState = {
      ...ORDER,
      status: 'CANCELLED',
      reason: 'cancelled by customer',
    };
    expect(nextAction(given(STARTED), cancelled, NOW)).toEqual({
      kind: 'finish',
      ending: { status: 'CANCELLED', reason: 'cancelled by customer', forced: false },
    });
  });

  it('carries a cancel to the market once, then ends CANCELLED when the market closed it', () => {
    const requested: OrderState = { ...ACCEPTED, cancellationReason: 'cancelled by customer' };
    expect(nextAction(given(...AT_MARKET), requested, NOW)).toEqual({
      kind: 'cancelAtMarket',
      cause: 'CUSTOMER',
    });
    const sent = given(...AT_MARKET, {
      type: 'OrderSagaMarketCancelSent',
      data: { ...ID, cause: 'CUSTOMER' },
    });
    expect(nextAction(sent, requested, NOW)).toEqual({ kind: 'poll' });
    expect(nextAction(evolveSaga(sent, polled([], 'CANCELLED', 0)), requested, NOW)).toMatchObject({
      kind: 'finish',
      ending: { status: 'CANCELLED' },
    });
  });

  it('cancels at the market once the time in force is over, and ends EXPIRED', () => {
    const expiring = given(
      { ...STARTED, data: { ...STARTED.data, expiresAt: '2030-01-01T00:00:00.000Z' } },
      ...AT_MARKET.slice(1),
    );
    expect(nextAction(expiring, ACCEPTED, NOW - 1)).toEqual({ kind: 'poll' });
    expect(nextAction(expiring, ACCEPTED, NOW)).toEqual({
      kind: 'cancelAtMarket',
      cause: 'EXPIRY',
    });
    expect(nextAction(evolveSaga(expiring, polled([], 'EXPIRED', 0)), ACCEPTED, NOW)).toMatchObject(
      {
        kind: 'finish',
        ending: { status: 'EXPIRED' },
      },
    );
  });

  it('after a submit without an answer, confirms at the market before anything else', () => {
    const unconfirmed = given(...AT_MARKET.slice(0, 3), {
      type: 'OrderSagaSubmitUnconfirmed',
      data: { ...ID, reason: 'timeout' },
    });
    expect(nextAction(unconfirmed, ACCEPTED, NOW)).toEqual({ kind: 'confirmUnplaced' });
  });

  it('ends as a step decided (a refusal), and is done once finished', () => {
    const ending: OrderSagaEvent = {
      type: 'OrderSagaEnding',
      data: { ...ID, status: 'REJECTED', reason: 'INSUFFICIENT_FUNDS: no', forced: false },
    };
    expect(nextAction(given(STARTED, ending), ORDER, NOW)).toMatchObject({
      kind: 'finish',
      ending: { status: 'REJECTED' },
    });
    const finished = given(STARTED, ending, {
      type: 'OrderSagaFinished',
      data: { ...ID, status: 'REJECTED', reason: 'no' },
    });
    expect(nextAction(finished, { ...ORDER, status: 'REJECTED' }, NOW)).toEqual({ kind: 'done' });
  });
});

describe('order placement saga: what it records', () => {
  it('records each step once: a repeat is a no-op', () => {
    const reserved = given(STARTED, { type: 'OrderSagaReserved', data: ID });
    expect(decideSaga({ type: 'Record', event: STARTED }, reserved).kind).toBe('accepted');
    expect(
      decideSaga({ type: 'Record', event: { type: 'OrderSagaReserved', data: ID } }, reserved),
    ).toEqual({
      kind: 'accepted',
      events: [],
    });
  });

  it('refuses progress of a saga that never started, but takes an ending', () => {
    expect(
      decideSaga(
        { type: 'Record', event: { type: 'OrderSagaReserved', data: ID } },
        initialSagaState,
      ),
    ).toMatchObject({
      kind: 'rejected',
      rejection: { code: 'NOT_FOUND' },
    });
    const ending: OrderSagaEvent = {
      type: 'OrderSagaEnding',
      data: { ...ID, status: 'FAILED', reason: 'r', forced: true },
    };
    expect(decideSaga({ type: 'Record', event: ending }, initialSagaState)).toEqual({
      kind: 'accepted',
      events: [ending],
    });
  });

  it('keeps the first decided ending; only a forced one (an admin) overrules it', () => {
    const first: OrderSagaEvent = {
      type: 'OrderSagaEnding',
      data: { ...ID, status: 'FAILED', reason: 'a', forced: false },
    };
    const state = given(STARTED, first);
    const second: OrderSagaEvent = {
      type: 'OrderSagaEnding',
      data: { ...ID, status: 'EXPIRED', reason: 'b', forced: false },
    };
    expect(decideSaga({ type: 'Record', event: second }, state)).toEqual({
      kind: 'accepted',
      events: [],
    });
    const forced: OrderSagaEvent = { ...first, data: { ...first.data, forced: true } };
    expect(decideSaga({ type: 'Record', event: forced }, state)).toEqual({
      kind: 'accepted',
      events: [forced],
    });
  });

  it('records nothing after the end: a late redelivery is a no-op', () => {
    const finished = given(STARTED, {
      type: 'OrderSagaFinished',
      data: { ...ID, status: 'COMPLETED', reason: null },
    });
    expect(
      decideSaga(
        { type: 'Record', event: polled([{ fillId: 'f9', quantity: 1n }], 'OPEN', 9) },
        finished,
      ),
    ).toEqual({
      kind: 'accepted',
      events: [],
    });
  });
});

const saga = spec({ initialState: initialSagaState, decide: decideSaga, evolve: evolveSaga });
const record = (event: OrderSagaEvent): SagaCommand => ({ type: 'Record', event });
const missing = (misses: number): OrderSagaEvent => ({
  type: 'OrderSagaMarketOrderMissing',
  data: { ...ID, misses },
});
const LOST: OrderSagaEvent = { type: 'OrderSagaMarketOrderLost', data: ID };
const cancelSent = (
  cause: 'CUSTOMER' | 'EXPIRY' | 'UNCONFIRMED' | 'ADMIN' | 'LOST',
): OrderSagaEvent => ({ type: 'OrderSagaMarketCancelSent', data: { ...ID, cause } });
const settled = (fillId: string): OrderSagaEvent => ({
  type: 'OrderSagaFillSettled',
  data: { ...ID, fillId },
});

describe('order placement saga: an order the market does not know', () => {
  it('takes a poll that finds no such order as an answer: one more look, then a cancel to confirm', () => {
    const once = saga
      .given([...AT_MARKET])
      .when(record(missing(1)))
      .then([missing(1)]);
    expect(nextAction(once, ACCEPTED, NOW)).toEqual({ kind: 'poll' });
    const twice = saga
      .given([...AT_MARKET, missing(1)])
      .when(record(missing(2)))
      .then([missing(2)]);
    expect(MARKET_MISSES_TO_CONFIRM).toBe(2);
    expect(nextAction(twice, ACCEPTED, NOW)).toEqual({ kind: 'confirmLost' });
  });

  it('records a repeated miss once, and misses anew once the order was seen again', () => {
    saga
      .given([...AT_MARKET, missing(1)])
      .when(record(missing(1)))
      .thenNothing();
    const seen = polled([], 'OPEN', 0);
    // The same page as before is news after misses: the misses start over.
    const again = saga
      .given([...AT_MARKET, missing(1)])
      .when(record(seen))
      .then([seen]);
    expect(again.marketMisses).toBe(0);
    saga
      .given([...AT_MARKET, missing(1), seen])
      .when(record(missing(1)))
      .then([missing(1)]);
  });

  it('settles the fills it knows before it confirms, and ends FAILED with them standing', () => {
    const partly = polled([{ fillId: 'f1', quantity: 2n }], 'OPEN', 1);
    const unsettled = saga.given([...AT_MARKET, partly, missing(1), missing(2)]).state;
    expect(nextAction(unsettled, ACCEPTED, NOW)).toMatchObject({ kind: 'settle' });
    const lost = saga
      .given([...AT_MARKET, partly, settled('f1'), missing(1), missing(2)])
      .when(record(LOST))
      .then([LOST]);
    expect(nextAction(lost, ACCEPTED, NOW)).toEqual({
      kind: 'finish',
      ending: {
        status: 'FAILED',
        reason: 'the market does not know the order: 2 of 5 filled before, the rest released',
        forced: false,
      },
    });
  });

  it('ends an order it lost with nothing filled FAILED, and records nothing more about the market', () => {
    const lost = saga.given([...AT_MARKET, missing(1), missing(2), LOST]);
    expect(nextAction(lost.state, ACCEPTED, NOW)).toEqual({
      kind: 'finish',
      ending: { status: 'FAILED', reason: 'the market does not know the order', forced: false },
    });
    lost.when(record(missing(3))).thenNothing();
    lost.when(record(LOST)).thenNothing();
  });

  it('ends it as the cancel already sent says: the customer’s CANCELLED, the expiry’s EXPIRED', () => {
    const ending = (cause: 'CUSTOMER' | 'EXPIRY') =>
      nextAction(
        saga.given([...AT_MARKET, cancelSent(cause), missing(2), LOST]).state,
        ACCEPTED,
        NOW,
      );
    expect(ending('CUSTOMER')).toMatchObject({ ending: { status: 'CANCELLED' } });
    expect(ending('EXPIRY')).toMatchObject({ ending: { status: 'EXPIRED' } });
  });

  it('follows an order the confirming cancel found after all, and ends it FAILED once closed', () => {
    const found = saga.given([
      ...AT_MARKET,
      missing(1),
      missing(2),
      cancelSent('LOST'),
      polled([], 'CANCELLED', 0),
    ]).state;
    expect(nextAction(found, ACCEPTED, NOW)).toEqual({
      kind: 'finish',
      ending: {
        status: 'FAILED',
        reason: 'the market lost track of the order; what was left was cancelled there',
        forced: false,
      },
    });
  });
});

describe('order placement saga: an admin’s compensation', () => {
  const compensate = (market: CancelAnswer | null): SagaCommand => ({
    type: 'Compensate',
    orderId: 'o1',
    by: 'admin-1',
    market,
  });
  const REQUESTED: OrderSagaEvent = {
    type: 'OrderSagaCompensationRequested',
    data: { ...ID, by: 'admin-1' },
  };

  it('compensates without the market before the order was sent: FAILED, released, refunded', () => {
    const state = saga.given(AT_MARKET.slice(0, 2)).when(compensate(null)).then([REQUESTED]);
    expect(nextAction(state, ORDER, NOW)).toEqual({
      kind: 'finish',
      ending: { status: 'FAILED', reason: 'compensated by an admin', forced: false },
    });
  });

  it('needs no market once the market closed the order or disowned it', () => {
    for (const closedOrLost of [polled([], 'CANCELLED', 0), LOST]) {
      const state = saga.given([...AT_MARKET, closedOrLost]).state;
      expect(compensationNeedsMarket(state)).toBe(false);
      saga
        .given([...AT_MARKET, closedOrLost])
        .when(compensate(null))
        .then([REQUESTED]);
    }
  });

  it('refuses, writing nothing, to compensate an order that may still trade while the market gives no answer', () => {
    expect(compensationNeedsMarket(saga.given([...AT_MARKET]).state)).toBe(true);
    const refused = saga
      .given([...AT_MARKET])
      .when(compensate({ kind: 'no-answer', reason: 'market cancelOrder timed out' }))
      .thenRejects('COMPENSATION_NEEDS_MARKET');
    expect(refused.message).toContain('market cancelOrder timed out');
    expect(refused.message).toContain('failSaga');
    saga
      .given([...AT_MARKET])
      .when(compensate(null))
      .thenRejects('COMPENSATION_NEEDS_MARKET');
  });

  it('ends at once an order the market disowns: lost, FAILED by the admin', () => {
    const state = saga
      .given([...AT_MARKET, missing(1)])
      .when(compensate({ kind: 'not-placed' }))
      .then([REQUESTED, cancelSent('ADMIN'), LOST]);
    expect(nextAction(state, ACCEPTED, NOW)).toEqual({
      kind: 'finish',
      ending: {
        status: 'FAILED',
        reason: 'compensated by an admin; the market does not know the order',
        forced: false,
      },
    });
  });

  it('polls an order the market cancelled for its last fills; compensating again adds nothing', () => {
    const state = saga
      .given([...AT_MARKET])
      .when(compensate({ kind: 'closed' }))
      .then([REQUESTED, cancelSent('ADMIN')]);
    expect(nextAction(state, ACCEPTED, NOW)).toEqual({ kind: 'poll' });
    saga
      .given([...AT_MARKET, REQUESTED, cancelSent('ADMIN')])
      .when(compensate({ kind: 'closed' }))
      .thenNothing();
  });

  it('settles the unconfirmed submit: never placed ends FAILED, placed is followed at the market', () => {
    const unconfirmed: OrderSagaEvent[] = [
      ...AT_MARKET.slice(0, 3),
      { type: 'OrderSagaSubmitUnconfirmed', data: { ...ID, reason: 'timeout' } },
    ];
    const ended = saga
      .given(unconfirmed)
      .when(compensate({ kind: 'not-placed' }))
      .then([
        REQUESTED,
        {
          type: 'OrderSagaEnding',
          data: { ...ID, status: 'FAILED', reason: 'compensated by an admin', forced: false },
        },
      ]);
    expect(nextAction(ended, ACCEPTED, NOW)).toMatchObject({ kind: 'finish' });
    const placed = saga
      .given(unconfirmed)
      .when(compensate({ kind: 'closed' }))
      .then([REQUESTED, cancelSent('ADMIN'), { type: 'OrderSagaSubmitted', data: ID }]);
    expect(nextAction(placed, ACCEPTED, NOW)).toEqual({ kind: 'poll' });
  });

  it('has nothing to compensate once finished', () => {
    saga
      .given([
        STARTED,
        { type: 'OrderSagaFinished', data: { ...ID, status: 'COMPLETED', reason: null } },
      ])
      .when(compensate(null))
      .thenNothing();
  });
});
