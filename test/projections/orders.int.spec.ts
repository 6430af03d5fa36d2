import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type OrderEvent } from '../../src/domain/order.events.js';
import { ordersProjection } from '../../src/projections/views/orders.projection.js';
import { accountEvents as account, orderEvents as order } from './projected-events.js';
import { useProjectionDatabase } from './projection-database.fixture.js';
import { applyBatches, selectAll } from './projection-tables.js';

describe('orders projection', () => {
  const db = useProjectionDatabase({ emptied: [ordersProjection] });
  const { log } = db;
  const accountId = randomUUID();
  const orderId = randomUUID();

  const orders = () => selectAll(db.pool, 'view_orders');

  it('records the placement with all its fields', async () => {
    const placedAt = '2026-01-05T08:59:59.500Z';
    const [placed] = log.order(
      orderId,
      order.placed(orderId, {
        accountId,
        side: 'SELL',
        instrument: 'SAP',
        quantity: 12n,
        limitPriceMinor: 17_450n,
        currency: 'EUR',
        placedAt,
      }),
    );

    await applyBatches(db.pool, ordersProjection, [log.events]);

    expect(await orders()).toEqual([
      {
        order_id: orderId,
        account_id: accountId,
        side: 'SELL',
        order_type: 'LIMIT',
        instrument: 'SAP',
        currency: 'EUR',
        quantity: '12',
        limit_price_minor: '17450',
        filled_quantity: '0',
        filled_notional_minor: '0',
        fee_minor: '0',
        status: 'PLACED',
        reason: null,
        placed_at: new Date(placedAt),
        expires_at: new Date('2026-01-06T08:59:59.500Z'),
        updated_at: placed!.recorded.createdAt,
      },
    ]);
  });

  it('folds a whole lifecycle in one batch: fills add quantity and price x quantity', async () => {
    log.order(orderId, order.placed(orderId, { accountId, quantity: 10n }));
    log.order(orderId, order.accepted(orderId));
    log.order(orderId, order.filled(orderId, 4n, 19_010n));
    log.order(orderId, order.filled(orderId, 6n, 18_990n));
    log.order(orderId, order.completed(orderId));

    await applyBatches(db.pool, ordersProjection, [log.events]);

    expect(await orders()).toMatchObject([
      {
        order_type: 'MARKET',
        limit_price_minor: null,
        expires_at: null,
        filled_quantity: '10',
        filled_notional_minor: String(4n * 19_010n + 6n * 18_990n),
        status: 'COMPLETED',
        reason: null,
        updated_at: log.lastOccurredAt,
      },
    ]);
  });

  it('carries fills across batches', async () => {
    const first = [
      ...log.order(orderId, order.placed(orderId, { accountId, quantity: 10n })),
      ...log.order(orderId, order.accepted(orderId)),
      ...log.order(orderId, order.filled(orderId, 4n, 100n)),
    ];
    const second = log.order(orderId, order.filled(orderId, 1n, 200n));

    await applyBatches(db.pool, ordersProjection, [first]);
    expect(await orders()).toMatchObject([{ status: 'PARTIALLY_FILLED', filled_quantity: '4' }]);
    await applyBatches(db.pool, ordersProjection, [second]);
    expect(await orders()).toMatchObject([
      { status: 'PARTIALLY_FILLED', filled_quantity: '5', filled_notional_minor: '600' },
    ]);
  });

  it.each<[string, OrderEvent, string]>([
    ['REJECTED', order.rejected(orderId, 'market closed'), 'market closed'],
    ['FAILED', order.failed(orderId, 'venue error'), 'venue error'],
    ['CANCELLED', order.cancelled(orderId, 'customer'), 'customer'],
    ['EXPIRED', order.expired(orderId), 'time in force elapsed'],
  ])('ends %s with its reason', async (status, ending, reason) => {
    log.order(orderId, order.placed(orderId, { accountId, limitPriceMinor: 100n }));
    await applyBatches(db.pool, ordersProjection, [log.events]);
    log.order(orderId, ending);

    await applyBatches(db.pool, ordersProjection, [log.events.slice(1)]);

    expect(await orders()).toMatchObject([{ status, reason }]);
  });

  it('leaves the order at the market when a cancellation is only requested', async () => {
    log.order(orderId, order.placed(orderId, { accountId }), order.accepted(orderId));
    const accepted = log.events.at(-1)!;
    log.order(orderId, order.cancellationRequested(orderId, 'customer'));

    await applyBatches(db.pool, ordersProjection, [log.events]);

    expect(await orders()).toMatchObject([
      { status: 'ACCEPTED', reason: null, updated_at: accepted.recorded.createdAt },
    ]);
  });

  describe('takes the fee from the account stream whichever comes first in the log', () => {
    const placement = (id = orderId) => log.order(id, order.placed(id, { accountId }));
    const fee = (id = orderId) => log.account(accountId, account.feeCharged(accountId, id, 250n));
    const refund = (id = orderId) =>
      log.account(accountId, account.feeRefunded(accountId, id, 250n));

    it.each([
      ['after the placement, in a later batch', () => [placement(), fee()]],
      ['after the placement, in the same batch', () => [[...placement(), ...fee()]]],
      ['before the placement, in an earlier batch', () => [fee(), placement()]],
      ['before the placement, in the same batch', () => [[...fee(), ...placement()]]],
    ])('%s', async (_case, batches) => {
      await applyBatches(db.pool, ordersProjection, batches());

      const placed = log.events.find((e) => e.event.type === 'OrderPlaced')!;
      // The fee does not move updated_at: it is the same whichever event came first.
      expect(await orders()).toMatchObject([
        { fee_minor: '250', status: 'PLACED', updated_at: placed.recorded.createdAt },
      ]);
    });

    it('sets the fee back to 0 when it is refunded, before or after the placement', async () => {
      const early = randomUUID();
      await applyBatches(db.pool, ordersProjection, [fee(early), refund(early), placement(early)]);
      await applyBatches(db.pool, ordersProjection, [placement(), fee()]);
      expect(await orders()).toContainEqual(
        expect.objectContaining({ order_id: orderId, fee_minor: '250' }),
      );

      await applyBatches(db.pool, ordersProjection, [refund()]);

      const fees = (await orders()).map((row) => [row['order_id'], row['fee_minor']]);
      expect(fees).toEqual(
        expect.arrayContaining([
          [early, '0'],
          [orderId, '0'],
        ]),
      );
      expect(fees).toHaveLength(2);
    });
  });

  it('ignores the events it does not use', async () => {
    log.account(accountId, account.opened(accountId), account.deposited(accountId, 10n));
    log.account(accountId, account.cashReserved(orderId, 10n));

    await applyBatches(db.pool, ordersProjection, [log.events]);

    expect(await orders()).toEqual([]);
    expect(await selectAll(db.pool, 'view_order_fees')).toEqual([]);
  });

  it('refuses the events of an order it never saw placed', async () => {
    log.order(orderId, order.accepted(orderId));

    await expect(applyBatches(db.pool, ordersProjection, [log.events])).rejects.toThrow(
      /never placed/,
    );
  });
});
