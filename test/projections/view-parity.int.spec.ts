import { seededRandom } from '../../src/shared/seeded-random.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountDecider } from '../../src/domain/account.decider.js';
import { holdingDecider } from '../../src/domain/holding.decider.js';
import { orderDecider } from '../../src/domain/order.decider.js';
import { type AccountEvent } from '../../src/domain/account.events.js';
import { type HoldingEvent } from '../../src/domain/holding.events.js';
import { type OrderEvent } from '../../src/domain/order.events.js';
import { type ProjectedEvent, type Projection } from '../../src/projections/engine/projection.js';
import { VIEW_PROJECTIONS } from '../../src/projections/views/index.js';
import { replay } from '../support/given-when-then.js';
import { generateHistory, splitRandomly } from './projected-events.js';
import { useProjectionDatabase } from './projection-database.fixture.js';
import {
  type Row,
  applyBatches,
  bulkLoadBatches,
  liveTables,
  selectAll,
  shadowTables,
  truncate,
} from './projection-tables.js';

const HISTORY_EVENTS = 400;

function byStream(
  events: readonly ProjectedEvent[],
  prefix: string,
): Map<string, ProjectedEvent[]> {
  const streams = new Map<string, ProjectedEvent[]>();
  for (const projected of events) {
    const { streamId } = projected.recorded;
    if (!streamId.startsWith(prefix)) continue;
    streams.set(streamId, [...(streams.get(streamId) ?? []), projected]);
  }
  return streams;
}

describe('view projections over a generated history', () => {
  const db = useProjectionDatabase();

  async function tableContents(projection: Projection, suffix?: string): Promise<Row[][]> {
    return Promise.all(
      projection.tables.map((table) => selectAll(db.pool, suffix ? `${table}_${suffix}` : table)),
    );
  }

  // Rebuild parity: a rebuild reads the log in other batch sizes than the live run did.
  describe.each(VIEW_PROJECTIONS.map((projection) => [projection.name, projection] as const))(
    '%s',
    (_name, projection) => {
      it.each([1, 2, 3])(
        'gives the same rows in one batch, one event at a time, in random batches, bulk-loaded and bulk-loaded in steps (seed %i)',
        async (seed) => {
          const { events } = generateHistory(seededRandom(seed), HISTORY_EVENTS);
          const live = liveTables(projection);
          await truncate(db.pool, live);
          await applyBatches(db.pool, projection, [events], live);

          const single = await shadowTables(db.pool, projection, 'single');
          await applyBatches(
            db.pool,
            projection,
            events.map((event) => [event]),
            single,
          );
          const split = await shadowTables(db.pool, projection, 'split');
          const batches = splitRandomly(events, seededRandom(seed * 7919), 40);
          await applyBatches(db.pool, projection, batches, split);
          const bulk = await shadowTables(db.pool, projection, 'bulk');
          await bulkLoadBatches(db.pool, projection, batches, bulk);
          // In steps: after the first, the load writes into tables it has filled already.
          const stepped = await shadowTables(db.pool, projection, 'stepped');
          await bulkLoadBatches(db.pool, projection, batches, stepped, 1 + (seed % 3));

          const expected = await tableContents(projection);
          for (const rows of expected) expect(rows.length).toBeGreaterThan(0);
          expect(await tableContents(projection, 'single')).toEqual(expected);
          expect(await tableContents(projection, 'split')).toEqual(expected);
          expect(await tableContents(projection, 'bulk')).toEqual(expected);
          expect(await tableContents(projection, 'stepped')).toEqual(expected);
        },
      );

      it('writes only to the tables it is given', async () => {
        const { events } = generateHistory(seededRandom(11), 150);
        await truncate(db.pool, liveTables(projection));
        const shadow = await shadowTables(db.pool, projection, 'shadow');
        await applyBatches(db.pool, projection, splitRandomly(events, seededRandom(5), 30), shadow);

        for (const rows of await tableContents(projection)) expect(rows).toEqual([]);
        for (const rows of await tableContents(projection, 'shadow')) {
          expect(rows.length).toBeGreaterThan(0);
        }
      });
    },
  );

  describe('agree with the state the deciders fold from the same events', () => {
    const { events } = generateHistory(seededRandom(2024), HISTORY_EVENTS);

    beforeAll(async () => {
      for (const projection of VIEW_PROJECTIONS) {
        await truncate(db.pool, liveTables(projection));
        await applyBatches(db.pool, projection, splitRandomly(events, seededRandom(3), 25));
      }
    });

    it('accounts: balance, reserved cash, status and the statement lines', async () => {
      const views = new Map(
        (await selectAll(db.pool, 'view_accounts')).map((r) => [r['account_id'], r]),
      );
      const statements = await selectAll(db.pool, 'view_account_statements');
      const streams = byStream(events, 'account-');
      expect(views.size).toBe(streams.size);
      for (const [streamId, stream] of streams) {
        // Account streams hold only account events.
        const state = replay(
          accountDecider,
          stream.map((projected) => projected.event as AccountEvent),
        );
        expect(views.get(state.accountId), streamId).toMatchObject({
          status: state.status,
          balance_minor: state.balanceMinor.toString(),
          reserved_minor: state.reservedMinor.toString(),
        });
        const lines = statements.filter((row) => row['account_id'] === state.accountId);
        let balance = 0n;
        for (const line of lines) {
          balance += BigInt(String(line['amount_minor']));
          expect(line['balance_after_minor']).toBe(balance.toString());
        }
        expect(balance).toBe(state.balanceMinor);
      }
    });

    it('holdings: quantity, reserved quantity and cost basis', async () => {
      const views = await selectAll(db.pool, 'view_holdings');
      const streams = byStream(events, 'holding-');
      expect(views).toHaveLength(streams.size);
      for (const [streamId, stream] of streams) {
        const state = replay(
          holdingDecider,
          stream.map((projected) => projected.event as HoldingEvent),
        );
        const view = views.find(
          (row) => streamId === `holding-${row['account_id']}-${row['instrument']}`,
        );
        expect(view, streamId).toMatchObject({
          quantity: state.quantity.toString(),
          reserved_quantity: state.reservedQuantity.toString(),
          cost_basis_minor: state.costBasisMinor.toString(),
        });
      }
    });

    it('orders: status, fills and the fee', async () => {
      const views = new Map(
        (await selectAll(db.pool, 'view_orders')).map((r) => [r['order_id'], r]),
      );
      const fees = new Map<string, bigint>();
      for (const { event } of events) {
        if (event.type === 'FeeCharged') fees.set(event.data.orderId, event.data.amountMinor);
        if (event.type === 'FeeRefunded') fees.set(event.data.orderId, 0n);
      }
      const streams = byStream(events, 'order-');
      expect(views.size).toBe(streams.size);
      for (const stream of streams.values()) {
        const state = replay(
          orderDecider,
          stream.map((projected) => projected.event as OrderEvent),
        );
        expect(views.get(state.orderId)).toMatchObject({
          account_id: state.accountId,
          status: state.status,
          quantity: state.quantity.toString(),
          filled_quantity: state.filledQuantity.toString(),
          filled_notional_minor: state.filledNotionalMinor.toString(),
          fee_minor: (fees.get(state.orderId) ?? 0n).toString(),
          reason: state.reason,
        });
      }
    });

    it('ledger entries: every posting once, each event and the whole journal summing to zero', async () => {
      const entries = await selectAll(db.pool, 'view_ledger_entries');
      const postings = events.flatMap(({ event }) =>
        'postings' in event.data ? event.data.postings : [],
      );
      expect(entries).toHaveLength(postings.length);

      const perEvent = new Map<string, bigint>();
      for (const entry of entries) {
        const key = `${entry['commit_position']}.${entry['prepare_position']}`;
        perEvent.set(key, (perEvent.get(key) ?? 0n) + BigInt(String(entry['amount_minor'])));
      }
      expect([...perEvent.values()].every((sum) => sum === 0n)).toBe(true);
      const { rows } = await db.pool.query<{ total: string }>(
        'SELECT sum(amount_minor)::text AS total FROM view_ledger_entries',
      );
      expect(rows[0]?.total).toBe('0');

      // A customer's cash ledger account is the account balance.
      const balances = await db.pool.query<{
        account_id: string;
        journal: string;
        balance: string;
      }>(
        `SELECT a.account_id, coalesce(sum(e.amount_minor), 0)::text AS journal,
                a.balance_minor::text AS balance, a.currency, min(e.currency) AS entry_currency
           FROM view_accounts a
           LEFT JOIN view_ledger_entries e ON e.ledger_account = 'customer-cash:' || a.account_id
          GROUP BY a.account_id`,
      );
      for (const row of balances.rows) expect(row.journal, row.account_id).toBe(row.balance);
      const currencies = await db.pool.query<{ mismatched: string }>(
        `SELECT count(*)::text AS mismatched FROM view_ledger_entries e
           JOIN view_accounts a ON a.account_id = e.account_id WHERE a.currency <> e.currency`,
      );
      expect(currencies.rows[0]?.mismatched).toBe('0');
    });
  });
});
