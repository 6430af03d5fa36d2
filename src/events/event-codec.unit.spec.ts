import { describe, expect, it } from 'vitest';
import { accountDecider } from '../domain/account.decider.js';
import { postingsBalance } from '../domain/ledger.js';
import { type JsonObject } from './json.js';
import {
  type DomainEvent,
  type DomainEventType,
  EVENT_VERSIONS,
  parseStoredTypeName,
  storedTypeName,
} from './event-catalog.js';
import { UnknownEventTypeError, decodeEvent, encodeEvent } from './event-codec.js';
import { UPCASTERS } from './upcasters.js';

/** 2^53 + 1: the first integer a JavaScript number cannot hold. */
const BEYOND_DOUBLE = 2n ** 53n + 1n;
/** A posting pair far beyond 2^53. */
const BIG_POSTINGS = [
  { ledgerAccount: 'external-bank' as const, amountMinor: -(2n ** 62n + 3n) },
  { ledgerAccount: 'customer-cash:a1' as const, amountMinor: 2n ** 62n + 3n },
];

/** One sample of every event type; the mapped type makes a missing one a compile error. */
const SAMPLES: { [K in DomainEventType]: Extract<DomainEvent, { type: K }> } = {
  AccountOpened: {
    type: 'AccountOpened',
    data: { accountId: 'a1', customerId: 'c1', name: 'Main – ünïcode', currency: 'JPY' },
  },
  FundsDeposited: {
    type: 'FundsDeposited',
    data: {
      paymentId: 'p1',
      amountMinor: 2n ** 62n + 3n,
      reference: 'ref',
      postings: BIG_POSTINGS,
    },
  },
  FundsWithdrawn: {
    type: 'FundsWithdrawn',
    data: {
      paymentId: 'p2',
      amountMinor: 1n,
      reference: '',
      postings: [
        { ledgerAccount: 'customer-cash:a1', amountMinor: -1n },
        { ledgerAccount: 'external-bank', amountMinor: 1n },
      ],
    },
  },
  AccountOrderOpened: { type: 'AccountOrderOpened', data: { orderId: 'o1', instrument: 'ACME' } },
  AccountOrderClosed: { type: 'AccountOrderClosed', data: { orderId: 'o1' } },
  CashReserved: { type: 'CashReserved', data: { orderId: 'o1', amountMinor: BEYOND_DOUBLE } },
  CashReservationReleased: {
    type: 'CashReservationReleased',
    data: { orderId: 'o1', amountMinor: 0n },
  },
  FeeCharged: {
    type: 'FeeCharged',
    data: {
      orderId: 'o1',
      paymentId: 'p3',
      amountMinor: 250n,
      fromReservationMinor: 200n,
      postings: [
        { ledgerAccount: 'customer-cash:a1', amountMinor: -250n },
        { ledgerAccount: 'fee-income', amountMinor: 250n },
      ],
    },
  },
  FeeRefunded: {
    type: 'FeeRefunded',
    data: {
      orderId: 'o1',
      paymentId: 'p4',
      amountMinor: 250n,
      postings: [
        { ledgerAccount: 'fee-income', amountMinor: -250n },
        { ledgerAccount: 'customer-cash:a1', amountMinor: 250n },
      ],
    },
  },
  TradeCashSettled: {
    type: 'TradeCashSettled',
    data: {
      orderId: 'o1',
      fillId: 'f1',
      paymentId: 'p5',
      side: 'BUY',
      amountMinor: BEYOND_DOUBLE,
      fromReservationMinor: BEYOND_DOUBLE - 1n,
      postings: [
        { ledgerAccount: 'customer-cash:a1', amountMinor: -BEYOND_DOUBLE },
        { ledgerAccount: 'market-settlement', amountMinor: BEYOND_DOUBLE },
      ],
    },
  },
  AccountClosed: { type: 'AccountClosed', data: { accountId: 'a1' } },
  SharesReserved: { type: 'SharesReserved', data: { orderId: 'o2', quantity: BEYOND_DOUBLE } },
  ShareReservationReleased: {
    type: 'ShareReservationReleased',
    data: { orderId: 'o2', quantity: 7n },
  },
  SharesAcquired: {
    type: 'SharesAcquired',
    data: { orderId: 'o1', fillId: 'f1', quantity: 10n, costMinor: 2n ** 64n + 1n },
  },
  SharesDisposed: {
    type: 'SharesDisposed',
    data: {
      orderId: 'o2',
      fillId: 'f2',
      quantity: 4n,
      fromReservationQuantity: 3n,
      costBasisMinor: BEYOND_DOUBLE,
      proceedsMinor: 9_999_999_999_999_999_999n,
    },
  },
  OrderPlaced: {
    type: 'OrderPlaced',
    data: {
      orderId: 'o1',
      accountId: 'a1',
      side: 'SELL',
      orderType: 'LIMIT',
      instrument: 'ACME',
      quantity: 1_000_000_000n,
      limitPriceMinor: BEYOND_DOUBLE,
      currency: 'USD',
      placedAt: '2024-03-01T10:00:00.000Z',
      expiresAt: '2024-03-02T10:00:00.000Z',
    },
  },
  OrderAccepted: { type: 'OrderAccepted', data: { orderId: 'o1' } },
  OrderFilled: {
    type: 'OrderFilled',
    data: { orderId: 'o1', fillId: 'f1', quantity: 3n, priceMinor: BEYOND_DOUBLE },
  },
  OrderCompleted: { type: 'OrderCompleted', data: { orderId: 'o1' } },
  OrderRejected: { type: 'OrderRejected', data: { orderId: 'o1', reason: 'insufficient funds' } },
  OrderFailed: { type: 'OrderFailed', data: { orderId: 'o1', reason: 'venue down' } },
  OrderCancellationRequested: {
    type: 'OrderCancellationRequested',
    data: { orderId: 'o1', reason: 'cancelled by customer' },
  },
  OrderCancelled: {
    type: 'OrderCancelled',
    data: { orderId: 'o1', reason: 'cancelled by customer' },
  },
  OrderExpired: { type: 'OrderExpired', data: { orderId: 'o1' } },
  OrderSagaStarted: {
    type: 'OrderSagaStarted',
    data: {
      orderId: 'o1',
      accountId: 'a1',
      side: 'BUY',
      instrument: 'ACME',
      quantity: 10n,
      priceMinor: BEYOND_DOUBLE,
      feeMinor: 100n,
      reserveMinor: BEYOND_DOUBLE,
      expiresAt: null,
    },
  },
  OrderSagaReserved: { type: 'OrderSagaReserved', data: { orderId: 'o1' } },
  OrderSagaFeeCharged: { type: 'OrderSagaFeeCharged', data: { orderId: 'o1' } },
  OrderSagaSubmitted: { type: 'OrderSagaSubmitted', data: { orderId: 'o1' } },
  OrderSagaSubmitUnconfirmed: {
    type: 'OrderSagaSubmitUnconfirmed',
    data: { orderId: 'o1', reason: 'timed out' },
  },
  OrderSagaMarketPolled: {
    type: 'OrderSagaMarketPolled',
    data: {
      orderId: 'o1',
      fills: [{ fillId: 'f1', quantity: 3n, priceMinor: BEYOND_DOUBLE }],
      status: 'OPEN',
      nextCursor: 1,
    },
  },
  OrderSagaFillSettled: { type: 'OrderSagaFillSettled', data: { orderId: 'o1', fillId: 'f1' } },
  OrderSagaMarketOrderMissing: {
    type: 'OrderSagaMarketOrderMissing',
    data: { orderId: 'o1', misses: 2 },
  },
  OrderSagaMarketOrderLost: { type: 'OrderSagaMarketOrderLost', data: { orderId: 'o1' } },
  OrderSagaMarketCancelSent: {
    type: 'OrderSagaMarketCancelSent',
    data: { orderId: 'o1', cause: 'CUSTOMER' },
  },
  OrderSagaCompensationRequested: {
    type: 'OrderSagaCompensationRequested',
    data: { orderId: 'o1', by: 'admin' },
  },
  OrderSagaEnding: {
    type: 'OrderSagaEnding',
    data: { orderId: 'o1', status: 'REJECTED', reason: 'INSUFFICIENT_FUNDS', forced: false },
  },
  OrderSagaFinished: {
    type: 'OrderSagaFinished',
    data: { orderId: 'o1', status: 'REJECTED', reason: null },
  },
};

/** A MARKET order: the nullable bigint field is null. */
const MARKET_ORDER: DomainEvent = {
  type: 'OrderPlaced',
  data: {
    ...SAMPLES.OrderPlaced.data,
    orderType: 'MARKET',
    limitPriceMinor: null,
    expiresAt: null,
  },
};

/** What an event store hands back: JSON text parsed again. */
function throughStorage(event: DomainEvent, streamId = 'stream-1'): DomainEvent {
  const encoded = encodeEvent(event);
  const data = JSON.parse(JSON.stringify(encoded.data)) as JsonObject;
  return decodeEvent({ type: encoded.type, data, streamId });
}

describe('event codec', () => {
  it('has a sample of every event type in the catalog', () => {
    expect(Object.keys(SAMPLES).sort()).toEqual(Object.keys(EVENT_VERSIONS).sort());
  });

  it.each(Object.values(SAMPLES).map((event) => [event.type, event] as const))(
    'round-trips %s exactly',
    (_type, event) => {
      const decoded = throughStorage(event);
      expect(decoded).toEqual(event);
    },
  );

  it('round-trips a MARKET order with a null limit price', () => {
    expect(throughStorage(MARKET_ORDER)).toEqual(MARKET_ORDER);
  });

  it('stores bigints as decimal strings and decodes them as bigints, beyond 2^53 too', () => {
    const encoded = encodeEvent(SAMPLES.TradeCashSettled);
    const stored = JSON.parse(JSON.stringify(encoded.data)) as JsonObject;

    expect(stored['amountMinor']).toBe('9007199254740993');
    expect(stored['fromReservationMinor']).toBe('9007199254740992');
    expect(stored['postings']).toEqual([
      { ledgerAccount: 'customer-cash:a1', amountMinor: '-9007199254740993' },
      { ledgerAccount: 'market-settlement', amountMinor: '9007199254740993' },
    ]);
    expect(stored['side']).toBe('BUY');

    const decoded = decodeEvent({ type: encoded.type, data: stored, streamId: 'account-a1' });
    if (decoded.type !== 'TradeCashSettled') throw new Error(`decoded ${decoded.type}`);
    expect(decoded.data.amountMinor).toBe(2n ** 53n + 1n);
    expect(decoded.data.postings[0]!.amountMinor).toBe(-(2n ** 53n + 1n));
  });

  it('keeps share quantities and other bigints exact', () => {
    const decoded = throughStorage(SAMPLES.SharesDisposed);
    if (decoded.type !== 'SharesDisposed') throw new Error(`decoded ${decoded.type}`);
    expect(decoded.data).toEqual({
      orderId: 'o2',
      fillId: 'f2',
      quantity: 4n,
      fromReservationQuantity: 3n,
      costBasisMinor: 9_007_199_254_740_993n,
      proceedsMinor: 9_999_999_999_999_999_999n,
    });
    expect(typeof decoded.data.quantity).toBe('bigint');
  });

  it('leaves string fields alone even when they hold digits', () => {
    const event: DomainEvent = {
      type: 'AccountOrderOpened',
      data: { orderId: '12345678901234567890', instrument: '007' },
    };
    expect(throughStorage(event)).toEqual(event);
  });

  describe('stored type names', () => {
    it('are <Type>.v<version>', () => {
      expect(storedTypeName('FundsDeposited')).toBe('FundsDeposited.v2');
      expect(storedTypeName('AccountOpened')).toBe('AccountOpened.v1');
      expect(encodeEvent(SAMPLES.FundsDeposited).type).toBe('FundsDeposited.v2');
    });

    it.each(Object.values(SAMPLES).map((event) => [event.type, event] as const))(
      '%s is stored under its versioned name',
      (type, event) => {
        const stored = encodeEvent(event).type;
        expect(stored).toMatch(/^[A-Za-z]+\.v[1-9]\d*$/);
        expect(stored).toBe(`${type}.v${EVENT_VERSIONS[type]}`);
        expect(parseStoredTypeName(stored)).toEqual({ type, version: EVENT_VERSIONS[type] });
      },
    );

    it('are not parsed from other shapes', () => {
      expect(parseStoredTypeName('FundsDeposited')).toBeUndefined();
      expect(parseStoredTypeName('FundsDeposited.2')).toBeUndefined();
      expect(parseStoredTypeName('Funds-Deposited.v2')).toBeUndefined();
    });
  });

  describe('decoding what it does not understand', () => {
    it.each([
      ['an unknown type', 'SomethingElse.v1'],
      ['a name without a version', 'FundsDeposited'],
      ['a prototype property', 'toString.v1'],
      ['a version newer than this build', 'FundsDeposited.v3'],
      ['a newer version of a v1 type', 'AccountOpened.v2'],
      ['a version without an upcaster', 'AccountOpened.v0'],
    ])('throws UnknownEventTypeError for %s (%s)', (_what, type) => {
      expect(() => decodeEvent({ type, data: {}, streamId: 'account-a1' })).toThrow(
        UnknownEventTypeError,
      );
    });

    it('names the type and the stream in the error', () => {
      expect(() =>
        decodeEvent({ type: 'SomethingElse.v1', data: {}, streamId: 'account-a1' }),
      ).toThrow(/SomethingElse\.v1.*account-a1/);
    });
  });

  describe('upcasting FundsDeposited.v1', () => {
    const storedV1 = {
      type: 'FundsDeposited.v1',
      streamId: 'account-a1',
      data: JSON.parse(
        JSON.stringify({
          paymentId: 'p1',
          amount: '12.34',
          currency: 'USD',
          reference: 'first deposit',
        }),
      ) as JsonObject,
    };

    it('is registered as the one upcaster from FundsDeposited.v1', () => {
      expect(UPCASTERS.map((upcaster) => `${upcaster.type}.v${upcaster.fromVersion}`)).toEqual([
        'FundsDeposited.v1',
      ]);
    });

    it('decodes to v2 with exact minor units and balanced postings to the stream’s account', () => {
      const decoded = decodeEvent(storedV1);

      expect(decoded).toEqual({
        type: 'FundsDeposited',
        data: {
          paymentId: 'p1',
          amountMinor: 1_234n,
          reference: 'first deposit',
          postings: [
            { ledgerAccount: 'external-bank', amountMinor: -1_234n },
            { ledgerAccount: 'customer-cash:a1', amountMinor: 1_234n },
          ],
        },
      });
      if (decoded.type !== 'FundsDeposited') throw new Error(`decoded ${decoded.type}`);
      expect(postingsBalance(decoded.data.postings)).toBe(0n);
    });

    it('evolves an account like a v2 deposit', () => {
      const decoded = decodeEvent(storedV1);
      if (decoded.type !== 'FundsDeposited') throw new Error(`decoded ${decoded.type}`);

      const opened = accountDecider.evolve(accountDecider.initialState, {
        type: 'AccountOpened',
        data: { accountId: 'a1', customerId: 'c1', name: 'Main', currency: 'USD' },
      });
      const state = accountDecider.evolve(opened, decoded);
      expect(state.balanceMinor).toBe(1_234n);

      const withdrawAll = accountDecider.decide(
        { type: 'WithdrawFunds', paymentId: 'p2', amountMinor: 1_234n, reference: 'out' },
        state,
      );
      expect(withdrawAll.kind).toBe('accepted');
    });

    it('re-encodes as v2', () => {
      const decoded = decodeEvent(storedV1);
      expect(encodeEvent(decoded)).toEqual({
        type: 'FundsDeposited.v2',
        data: {
          paymentId: 'p1',
          amountMinor: '1234',
          reference: 'first deposit',
          postings: [
            { ledgerAccount: 'external-bank', amountMinor: '-1234' },
            { ledgerAccount: 'customer-cash:a1', amountMinor: '1234' },
          ],
        },
      });
    });

    it('uses the currency’s minor digits', () => {
      const decoded = decodeEvent({
        ...storedV1,
        data: { paymentId: 'p1', amount: '1500', currency: 'JPY', reference: 'yen' },
      });
      if (decoded.type !== 'FundsDeposited') throw new Error(`decoded ${decoded.type}`);
      expect(decoded.data.amountMinor).toBe(1_500n);
    });

    it.each([
      ['an amount with too many decimals', { amount: '12.345', currency: 'USD' }],
      ['a non-decimal amount', { amount: '1e3', currency: 'USD' }],
      ['a zero amount', { amount: '0', currency: 'USD' }],
      ['an unknown currency', { amount: '12.34', currency: 'XXX' }],
    ])('refuses %s', (_what, fields) => {
      expect(() =>
        decodeEvent({ ...storedV1, data: { paymentId: 'p1', reference: 'r', ...fields } }),
      ).toThrow();
    });

    describe('regression: refuses what it cannot turn into a sound v2 deposit', () => {
      it.each(['order-o1', 'holding-a1-ACME', 'stream-1', 'accounts-a1', 'my-account-a1', ''])(
        'throws for a stream that is not an account stream (%j)',
        (streamId) => {
          expect(() => decodeEvent({ ...storedV1, streamId })).toThrow(/account stream/);
        },
      );

      it('still decodes a deposit on any account stream, taking the account id from it', () => {
        const decoded = decodeEvent({ ...storedV1, streamId: 'account-acc-42' });
        if (decoded.type !== 'FundsDeposited') throw new Error(`decoded ${decoded.type}`);
        expect(decoded.data.postings).toEqual([
          { ledgerAccount: 'external-bank', amountMinor: -1_234n },
          { ledgerAccount: 'customer-cash:acc-42', amountMinor: 1_234n },
        ]);
      });

      it.each([
        ['a missing paymentId', {}],
        ['a null paymentId', { paymentId: null }],
        ['a numeric paymentId', { paymentId: 42 }],
        ['an object paymentId', { paymentId: { id: 'p1' } }],
      ] as const)('throws for %s', (_what, payment) => {
        const data: JsonObject = { amount: '12.34', currency: 'USD', reference: 'r', ...payment };
        expect(() => decodeEvent({ ...storedV1, data })).toThrow(/paymentId/);
      });
    });
  });
});
