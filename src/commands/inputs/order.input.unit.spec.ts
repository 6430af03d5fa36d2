import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { describe, expect, it } from 'vitest';
import { MAX_QUANTITY } from '../../domain/money.js';
import { type OrderCommand, initialOrderState, orderDecider } from '../../domain/order.decider.js';
import { PlaceOrderInput } from './order.input.js';

/** The messages the input validation gives `quantity`; none when it passes. */
function quantityErrors(quantity: unknown): string[] {
  const input = plainToInstance(PlaceOrderInput, {
    accountId: '00000000-0000-4000-8000-000000000001',
    side: 'BUY',
    type: 'MARKET',
    instrument: 'AAPL',
    quantity,
  });
  return validateSync(input)
    .filter((error) => error.property === 'quantity')
    .flatMap((error) => Object.values(error.constraints ?? {}));
}

/** What the order decider makes of a placement of `quantity` shares. */
function placement(quantity: bigint): ReturnType<typeof orderDecider.decide> {
  const command: OrderCommand = {
    type: 'PlaceOrder',
    orderId: 'o1',
    accountId: 'a1',
    side: 'BUY',
    orderType: 'MARKET',
    instrument: 'AAPL',
    quantity,
    limitPriceMinor: null,
    currency: 'USD',
    placedAt: '2026-01-31T12:00:00.000Z',
    timeInForceSeconds: null,
  };
  return orderDecider.decide(command, initialOrderState);
}

describe('PlaceOrderInput quantity: the domain largest quantity is the input limit', () => {
  it('accepts exactly the largest quantity the order decider places', () => {
    expect(quantityErrors(MAX_QUANTITY.toString())).toEqual([]);
    expect(placement(MAX_QUANTITY).kind).toBe('accepted');
  });

  it('refuses one more, as VALIDATION_FAILED on quantity, as the order decider does', () => {
    const tooMany = MAX_QUANTITY + 1n;
    expect(quantityErrors(tooMany.toString())).toEqual([
      `quantity must be a whole number from 1 to ${MAX_QUANTITY}`,
    ]);
    expect(placement(tooMany)).toMatchObject({
      kind: 'rejected',
      rejection: { code: 'VALIDATION_FAILED', field: 'quantity' },
    });
  });

  it.each(['0', '01', '1.5', '-1', '1e3', ' 1', '', '9'.repeat(40), 1, null])(
    'refuses %j',
    (quantity) => {
      expect(quantityErrors(quantity)).not.toEqual([]);
    },
  );

  it('accepts the smallest quantity', () => {
    expect(quantityErrors('1')).toEqual([]);
  });
});
