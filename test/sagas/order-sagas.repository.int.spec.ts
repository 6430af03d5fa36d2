import { describe, expect, it } from 'vitest';
import { START } from '../../src/event-store/position.js';
import { OrderSagasRepository } from '../../src/sagas/order-placement/order-sagas.repository.js';
import { useMigratedDatabase } from '../support/test-database.js';

const database = useMigratedDatabase({ scope: 'test' });
const LEASE_MS = 30_000;

describe('order sagas repository: when the next saga is due', () => {
  // Regression: GREATEST(0, NULL) is 0 in PostgreSQL, so an empty table read as "a saga
  // is due now" and an idle scheduler claimed hundreds of times a second.
  it('says nothing is due when no saga is active', async () => {
    const sagas = new OrderSagasRepository(database.pool);
    expect(await sagas.claimDue('runner-a', 8, LEASE_MS)).toEqual({
      claimed: [],
      nextDueInMs: undefined,
    });
    expect(await sagas.nextDueInMs()).toBeUndefined();
  });

  it('counts a leased saga from its lease, and nothing once it finished', async () => {
    const sagas = new OrderSagasRepository(database.pool);
    const from = await sagas.checkpoint();
    expect(await sagas.schedule(from, { ...START, prepare: 1n }, ['order-1'])).toBe(true);
    expect(await sagas.nextDueInMs()).toBe(0);

    const claim = await sagas.claimDue('runner-a', 8, LEASE_MS);
    expect(claim.claimed.map((saga) => saga.orderId)).toEqual(['order-1']);
    // The one active saga was just claimed: no other is due.
    expect(claim.nextDueInMs).toBeUndefined();
    const again = await sagas.claimDue('runner-b', 8, LEASE_MS);
    expect(again.claimed).toEqual([]);
    expect(again.nextDueInMs).toBeGreaterThan(LEASE_MS - 5_000);
    expect(again.nextDueInMs).toBeLessThanOrEqual(LEASE_MS);

    await sagas.finish('order-1', 'runner-a');
    expect(await sagas.claimDue('runner-b', 8, LEASE_MS)).toEqual({
      claimed: [],
      nextDueInMs: undefined,
    });
  });

  it('reads an overdue saga as due now, never as negative', async () => {
    const sagas = new OrderSagasRepository(database.pool);
    const from = await sagas.checkpoint();
    await sagas.schedule(from, { ...START, prepare: 1n }, ['order-2']);
    await database.pool.query(
      `UPDATE ledger_order_sagas SET due_at = now() - interval '1 minute' WHERE order_id = $1`,
      ['order-2'],
    );
    expect(await sagas.nextDueInMs()).toBe(0);
  });
});
