import { describe, expect, it } from 'vitest';
import { type OrderState, initialOrderState } from '../../domain/order.decider.js';
import { type OrderSagaEvent } from '../../events/order-saga.events.js';
import {
  type SagaState,
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
