import { describe, expect, it } from 'vitest';
import { INSTRUMENTS } from '../../src/config/instruments.js';
import { CURRENCIES } from '../../src/domain/money.js';
import { type ProjectedEvent, liveBinding } from '../../src/projections/engine/projection.js';
import { orderSearchProjection } from '../../src/projections/views/order-search.projection.js';
import { reportsProjection } from '../../src/projections/views/reports.projection.js';
import { ReportsRepository } from '../../src/queries/repositories/reports.repository.js';
import { type ReportBucket } from '../../src/queries/reports/report-rows.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import { testSeed } from '../support/test-seed.js';
import { appendLog, generateHistory, splitRandomly } from './projected-events.js';
import { useProjectionDatabase } from './projection-database.fixture.js';
import { applyBatches, digest, liveTables } from './projection-tables.js';

const DAY_MS = 86_400_000;
const FIRST_DAY = Date.parse('2026-01-05T00:00:00.000Z');

/**
 * The generated history with its events spread over weeks: most follow each other by
 * minutes, some by whole days, so that the range has days without any activity.
 */
function spreadHistory(seed: number): ProjectedEvent[] {
  const random = seededRandom(seed * 31);
  let clock = FIRST_DAY + 9 * 3_600_000;
  return generateHistory(seededRandom(seed), 300).events.map((projected) => {
    clock += random() < 0.03 ? 2 * DAY_MS + 3_600_000 : Math.floor(random() * 40 * 60_000);
    const occurredAt = new Date(clock).toISOString();
    const { recorded } = projected;
    return {
      ...projected,
      recorded: { ...recorded, metadata: { ...recorded.metadata, occurredAt } },
    };
  });
}

const dayOf = (projected: ProjectedEvent): string =>
  String(projected.recorded.metadata['occurredAt']).slice(0, 10);

type Sums = Map<string, bigint[]>;

function add(sums: Sums, key: string, values: readonly bigint[]): void {
  const row = sums.get(key);
  if (row) values.forEach((value, index) => (row[index]! += value));
  else sums.set(key, [...values]);
}

/** The reports computed straight from the events, by day: what the rollups must hold. */
function expectedByDay(events: readonly ProjectedEvent[]) {
  const currencies = new Map<string, string>();
  const orders = new Map<
    string,
    { day: string; type: string; instrument: string; currency: string }
  >();
  const latestFee = new Map<string, bigint>();
  const fees: Sums = new Map();
  const volume: Sums = new Map();
  const outcomes: Sums = new Map();
  for (const projected of events) {
    const { event, recorded } = projected;
    const day = dayOf(projected);
    switch (event.type) {
      case 'AccountOpened':
        currencies.set(recorded.streamId.slice('account-'.length), event.data.currency);
        break;
      case 'FeeCharged':
      case 'FeeRefunded': {
        const charged = event.type === 'FeeCharged';
        const currency = currencies.get(recorded.streamId.slice('account-'.length))!;
        const amount = event.data.amountMinor;
        add(fees, `${day}|${currency}`, [charged ? amount : 0n, charged ? 0n : amount, 1n]);
        latestFee.set(event.data.orderId, charged ? amount : 0n);
        break;
      }
      case 'OrderPlaced':
        orders.set(event.data.orderId, { day, type: event.data.orderType, ...event.data });
        break;
      case 'OrderFilled': {
        const placed = orders.get(event.data.orderId)!;
        const { quantity, priceMinor } = event.data;
        add(volume, `${day}|${placed.instrument}|${placed.currency}`, [
          quantity,
          quantity * priceMinor,
          1n,
        ]);
        break;
      }
      case 'OrderCompleted':
      case 'OrderRejected':
      case 'OrderFailed':
      case 'OrderCancelled':
      case 'OrderExpired':
        add(outcomes, `${day}|${event.type.slice('Order'.length).toUpperCase()}`, [1n]);
        break;
      default:
        break;
    }
  }
  const customerOrders: Sums = new Map();
  for (const [orderId, placed] of orders) {
    const key = `${placed.day}|${placed.type}|${placed.instrument}|CASH_${placed.currency}`;
    add(customerOrders, key, [1n, latestFee.get(orderId) ?? 0n]);
  }
  return { fees, volume, outcomes, customerOrders };
}

function bucketOf(day: string, bucket: ReportBucket): string {
  if (bucket === 'DAY') return day;
  if (bucket === 'MONTH') return `${day.slice(0, 7)}-01`;
  const ms = Date.parse(`${day}T00:00:00Z`);
  const sinceMonday = (new Date(ms).getUTCDay() + 6) % 7;
  return new Date(ms - sinceMonday * DAY_MS).toISOString().slice(0, 10);
}

/** Daily sums rolled up into buckets, without the all-zero rows. */
function rebucket(daily: Sums, bucket: ReportBucket): Sums {
  const sums: Sums = new Map();
  for (const [key, values] of daily) {
    const [day, ...dims] = key.split('|');
    add(sums, [bucketOf(day!, bucket), ...dims].join('|'), values);
  }
  return nonZero(sums);
}

function nonZero(sums: Sums): Sums {
  return new Map([...sums].filter(([, values]) => values.some((value) => value !== 0n)));
}

function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (
    let ms = Date.parse(`${from}T00:00:00Z`);
    ms <= Date.parse(`${to}T00:00:00Z`);
    ms += DAY_MS
  ) {
    days.push(new Date(ms).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * Every bucket in order, each with the same rows: the seeded dimensions (at least
 * `least`) and any others the range has (the generator trades symbols in other
 * currencies than the catalogue's).
 */
function expectEveryBucket(starts: readonly string[], buckets: readonly string[], least: number) {
  const perBucket = new Map<string, number>();
  for (const start of starts) perBucket.set(start, (perBucket.get(start) ?? 0) + 1);
  expect([...perBucket.keys()]).toEqual(buckets);
  const counts = new Set(perBucket.values());
  expect(counts.size).toBe(1);
  expect([...counts][0]).toBeGreaterThanOrEqual(least);
  expect(starts).toEqual([...starts].sort());
}

describe('reports projection', () => {
  const db = useProjectionDatabase({ emptied: [reportsProjection, orderSearchProjection] });
  const reports = () => new ReportsRepository(db.pool);
  const random = seededRandom(testSeed('reports projection'));

  async function answered(from: string, to: string, bucket: ReportBucket) {
    const range = { from, to };
    const [fees, volume, outcomes, customerOrders] = await Promise.all([
      reports().fees(range, bucket),
      reports().volume(range, bucket),
      reports().outcomes(range, bucket),
      reports().customerOrders(range, bucket),
    ]);
    const sums = <Row>(
      rows: readonly Row[],
      key: (row: Row) => string,
      values: (row: Row) => bigint[],
    ): Sums => nonZero(new Map(rows.map((row) => [key(row), values(row)])));
    const statuses = ['COMPLETED', 'REJECTED', 'FAILED', 'CANCELLED', 'EXPIRED'] as const;
    return {
      buckets: {
        fees: fees.map((r) => r.bucketStart),
        volume: volume.map((r) => r.bucketStart),
        outcomes: outcomes.map((r) => r.bucketStart),
        customerOrders: customerOrders.map((r) => r.bucketStart),
      },
      fees: sums(
        fees,
        (r) => `${r.bucketStart}|${r.currency}`,
        (r) => [r.chargedMinor, r.refundedMinor, BigInt(r.count)],
      ),
      volume: sums(
        volume,
        (r) => `${r.bucketStart}|${r.instrument}|${r.currency}`,
        (r) => [r.quantity, r.valueMinor, BigInt(r.fills)],
      ),
      outcomes: nonZero(
        new Map(
          outcomes.flatMap((r) =>
            statuses.map(
              (status) =>
                [
                  `${r.bucketStart}|${status}`,
                  [BigInt(r[status.toLowerCase() as Lowercase<typeof status>])],
                ] as const,
            ),
          ),
        ),
      ),
      customerOrders: sums(
        customerOrders,
        (r) => `${r.bucketStart}|${r.orderType}|${r.instrument}|${r.paymentMethod}`,
        (r) => [BigInt(r.orders), r.feeMinor],
      ),
    };
  }

  it.each([1, 2, 3])(
    'every rollup equals the aggregation of the events, whatever the batches (history %i)',
    async (history) => {
      const events = spreadHistory(history);
      await applyBatches(
        db.pool,
        reportsProjection,
        splitRandomly(events, random, 1 + ((history * 13) % 40)),
      );
      const expected = expectedByDay(events);
      for (const sums of Object.values(expected)) expect(sums.size).toBeGreaterThan(0);
      const first = dayOf(events[0]!);
      const last = dayOf(events.at(-1)!);
      // Two quiet days either side, and quiet days inside the history.
      const from = new Date(Date.parse(`${first}T00:00:00Z`) - 2 * DAY_MS)
        .toISOString()
        .slice(0, 10);
      const to = new Date(Date.parse(`${last}T00:00:00Z`) + 2 * DAY_MS).toISOString().slice(0, 10);
      const days = daysBetween(from, to);
      expect(days.length).toBeGreaterThan(new Set(events.map(dayOf)).size);

      for (const bucket of ['DAY', 'WEEK', 'MONTH'] as const) {
        const got = await answered(from, to, bucket);
        const buckets = [...new Set(days.map((day) => bucketOf(day, bucket)))];
        expectEveryBucket(got.buckets.fees, buckets, Object.keys(CURRENCIES).length);
        expectEveryBucket(got.buckets.volume, buckets, INSTRUMENTS.length);
        expectEveryBucket(got.buckets.outcomes, buckets, 1);
        expectEveryBucket(got.buckets.customerOrders, buckets, INSTRUMENTS.length * 2);
        expect(got.fees, bucket).toEqual(rebucket(expected.fees, bucket));
        expect(got.volume, bucket).toEqual(rebucket(expected.volume, bucket));
        expect(got.outcomes, bucket).toEqual(rebucket(expected.outcomes, bucket));
        expect(got.customerOrders, bucket).toEqual(rebucket(expected.customerOrders, bucket));
      }
    },
  );

  it('lists each bucket\'s slices in the byte order of their values, as COLLATE "C" sorts', async () => {
    const events = spreadHistory(1);
    await applyBatches(db.pool, reportsProjection, [events]);
    const day = dayOf(events[0]!);
    const rows = await reports().customerOrders({ from: day, to: day }, 'DAY');
    const slices = rows.map((row) => [row.orderType, row.instrument, row.paymentMethod].join(' '));
    expect(slices.length).toBeGreaterThan(1);
    expect(slices).toEqual(
      [...slices].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
  });

  it('answers the largest balances of each currency', async () => {
    await db.pool.query('TRUNCATE view_accounts');
    await db.pool.query(
      `INSERT INTO view_accounts (account_id, customer_id, name, currency, status, balance_minor, opened_at, updated_at)
       VALUES ('a', 'c1', 'A', 'USD', 'OPEN', 500, now(), now()), ('b', 'c2', 'B', 'USD', 'OPEN', 900, now(), now()),
              ('c', 'c3', 'C', 'USD', 'OPEN', 500, now(), now()), ('d', 'c4', 'D', 'EUR', 'OPEN', 10, now(), now())`,
    );
    const usd = await reports().topAccounts('USD', 2);
    expect(usd.map((row) => [row.accountId, row.balanceMinor])).toEqual([
      ['b', 900n],
      ['a', 500n],
    ]);
    const all = await reports().topAccounts(undefined, 1);
    expect(all.map((row) => row.accountId)).toEqual(['d', 'b']);
  });

  it('a blue/green rebuild of reports and order-search leaves identical tables', async () => {
    const events = spreadHistory(4);
    await appendLog(db.store, events, 50);
    const views = [reportsProjection, orderSearchProjection];
    db.runner(views.map(liveBinding), {
      batchSize: 23,
      retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 10 },
      onFailure: 'stop',
    }).start();
    const tables = views.flatMap((view) => Object.values(liveTables(view)));
    const reports = await db.rebuilder().rebuild(views, { batchSize: 37, alignTimeoutMs: 20_000 });
    expect(reports.map((report) => [report.projection, report.swapped])).toEqual([
      ['reports', true],
      ['order-search', true],
    ]);
    for (const report of reports) expect(report.parity.every((table) => table.equal)).toBe(true);
    for (const table of tables)
      expect((await digest(db.pool, table)).rows, table).toBeGreaterThan(0);
    await db.stopRunners();
  }, 120_000);
});
