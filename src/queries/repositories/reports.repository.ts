import { cashPaymentMethod, currencyOfPaymentMethod } from '../../shared/payment-method.js';
import { Inject, Injectable } from '@nestjs/common';
import { INSTRUMENTS } from '../../config/instruments.js';
import { CURRENCIES } from '../../domain/money.js';
import { READ_DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type ReadQueries } from '../../infrastructure/database/read-pool.js';
import { OrderTypeInput } from '../../shared/order-enums.js';
import { bucketStarts, checkTopAccountsLimit, checkedRange } from '../reports/report-range.js';
import {
  type CustodyRow,
  type CustomerOrdersRow,
  type FeesRow,
  type OutcomesRow,
  type ReportBucket,
  type ReportRange,
  type TopAccountRow,
  type VolumeRow,
} from '../reports/report-rows.js';

const UNITS: Record<ReportBucket, string> = { DAY: 'day', WEEK: 'week', MONTH: 'month' };

const OUTCOME_STATUSES = ['COMPLETED', 'REJECTED', 'FAILED', 'CANCELLED', 'EXPIRED'] as const;

/**
 * A report over one rollup: its dimensions, the slices (one value per dimension) every
 * bucket shows even with no activity, and the sums it adds up.
 */
interface RollupQuery {
  readonly table: string;
  readonly dims: readonly string[];
  readonly seed: readonly (readonly string[])[];
  readonly sums: readonly string[];
}

type RollupResult = Record<string, string>;

function quote(identifier: string): string {
  return `"${identifier}"`;
}

/**
 * The rollup's sums over the days of the range by bucket (date_trunc: ISO weeks start on
 * Monday) and slice, where it has rows. $1 is the unit, $2 and $3 the days.
 */
function rollupSql({ table, dims, sums }: RollupQuery): string {
  const dimList = dims.map(quote).join(', ');
  return `
    SELECT to_char(date_trunc($1::text, day::timestamp), 'YYYY-MM-DD') AS bucket_start, ${dimList},
           ${sums.map((sum) => `sum(${quote(sum)})::text AS ${quote(sum)}`).join(', ')}
      FROM ${table} WHERE day BETWEEN $2::date AND $3::date
     GROUP BY 1, ${dimList}`;
}

/** Slices in the byte order of their UTF-8 values, dimension by dimension (COLLATE "C"). */
function byteOrder(a: readonly string[], b: readonly string[]): number {
  for (let index = 0; index < a.length; index++) {
    const order = Buffer.compare(Buffer.from(a[index]!), Buffer.from(b[index]!));
    if (order !== 0) return order;
  }
  return 0;
}

/** A report's row for one bucket and slice, from the rollup's sums (undefined: zeros). */
type ToReportRow<T> = (
  bucketStart: string,
  slice: readonly string[],
  sums: RollupResult | undefined,
) => T;

/**
 * Every bucket crossed with every slice (the seeded ones and any other the rollup has in
 * the range), by bucket and then slice in byte order. Done here, not in SQL: a year of
 * days is mostly zeros (14,000 rows for customer orders), which cost more built, sorted,
 * sent and parsed than made here around the few rows the rollup has.
 */
function zeroFilled<T>(
  { dims, seed }: RollupQuery,
  buckets: readonly string[],
  found: readonly RollupResult[],
  toRow: ToReportRow<T>,
): T[] {
  // A text value holds no NUL, so the joined values name one slice.
  const sliceKey = (slice: readonly string[]) => slice.join('\u0000');
  const sliceOf = (row: RollupResult) => dims.map((dim) => row[dim]!);
  const slices = new Map<string, readonly string[]>();
  for (const slice of [...seed, ...found.map(sliceOf)]) slices.set(sliceKey(slice), slice);
  const ordered = [...slices.values()].sort(byteOrder);
  const sliceIndex = new Map(ordered.map((slice, index) => [sliceKey(slice), index]));
  const bucketIndex = new Map(buckets.map((bucketStart, index) => [bucketStart, index]));
  // The rollup's rows by position: bucket by bucket, each bucket's slices in order.
  const cells = new Array<RollupResult | undefined>(buckets.length * ordered.length);
  for (const row of found) {
    const bucket = bucketIndex.get(row['bucket_start']!)!;
    cells[bucket * ordered.length + sliceIndex.get(sliceKey(sliceOf(row)))!] = row;
  }
  const rows: T[] = [];
  buckets.forEach((bucketStart, bucket) => {
    ordered.forEach((slice, index) => {
      rows.push(toRow(bucketStart, slice, cells[bucket * ordered.length + index]));
    });
  });
  return rows;
}

/** A sum as a bigint: 0 where the rollup had no row. */
function bigSum(sums: RollupResult | undefined, name: string): bigint {
  return sums === undefined ? 0n : BigInt(sums[name]!);
}

/** A count: 0 where the rollup had no row. */
function countSum(sums: RollupResult | undefined, name: string): number {
  return sums === undefined ? 0 : Number(sums[name]);
}

interface TopAccountResult {
  account_id: string;
  customer_id: string;
  name: string;
  currency: string;
  balance_minor: string;
}

interface CustodyResult {
  currency: string;
  open_accounts: number;
  closed_accounts: number;
  balance_minor: string;
  reserved_minor: string;
}

/** The report rollups (kept by the `reports` projector) and view_accounts for top accounts. */
@Injectable()
export class ReportsRepository {
  constructor(@Inject(READ_DATABASE_POOL) private readonly pool: ReadQueries) {}

  /** Per bucket, one row for every currency the ledger accepts. */
  async fees(range: ReportRange, bucket: ReportBucket): Promise<FeesRow[]> {
    return this.rollup(
      range,
      bucket,
      {
        table: 'report_fees_daily',
        dims: ['currency'],
        seed: Object.keys(CURRENCIES).map((currency) => [currency]),
        sums: ['charged_minor', 'refunded_minor', 'count'],
      },
      (bucketStart, [currency], sums) => ({
        bucketStart,
        currency: currency!,
        chargedMinor: bigSum(sums, 'charged_minor'),
        refundedMinor: bigSum(sums, 'refunded_minor'),
        count: countSum(sums, 'count'),
      }),
    );
  }

  /** Per bucket, one row for every instrument of the catalogue. */
  async volume(range: ReportRange, bucket: ReportBucket): Promise<VolumeRow[]> {
    return this.rollup(
      range,
      bucket,
      {
        table: 'report_volume_daily',
        dims: ['instrument', 'currency'],
        seed: INSTRUMENTS.map((instrument) => [instrument.symbol, instrument.currency]),
        sums: ['quantity', 'value_minor', 'fills'],
      },
      (bucketStart, [instrument, currency], sums) => ({
        bucketStart,
        instrument: instrument!,
        currency: currency!,
        quantity: bigSum(sums, 'quantity'),
        valueMinor: bigSum(sums, 'value_minor'),
        fills: countSum(sums, 'fills'),
      }),
    );
  }

  /** One row per bucket. */
  async outcomes(range: ReportRange, bucket: ReportBucket): Promise<OutcomesRow[]> {
    const rows = await this.rollup(
      range,
      bucket,
      {
        table: 'report_outcomes_daily',
        dims: ['status'],
        seed: OUTCOME_STATUSES.map((status) => [status]),
        sums: ['orders'],
      },
      (bucketStart, [status], sums) => ({
        bucketStart,
        status: status!,
        orders: countSum(sums, 'orders'),
      }),
    );
    const buckets = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const counts = buckets.get(row.bucketStart) ?? {};
      counts[row.status] = row.orders;
      buckets.set(row.bucketStart, counts);
    }
    return [...buckets].map(([bucketStart, counts]) => ({
      bucketStart,
      completed: counts['COMPLETED'] ?? 0,
      rejected: counts['REJECTED'] ?? 0,
      failed: counts['FAILED'] ?? 0,
      cancelled: counts['CANCELLED'] ?? 0,
      expired: counts['EXPIRED'] ?? 0,
    }));
  }

  /**
   * Per bucket, one row for every order type and catalogue instrument, paid in the
   * instrument's currency.
   */
  async customerOrders(range: ReportRange, bucket: ReportBucket): Promise<CustomerOrdersRow[]> {
    return this.rollup(
      range,
      bucket,
      {
        table: 'report_customer_orders_daily',
        dims: ['order_type', 'instrument', 'payment_method'],
        seed: Object.values(OrderTypeInput).flatMap((orderType) =>
          INSTRUMENTS.map((instrument) => [
            orderType,
            instrument.symbol,
            cashPaymentMethod(instrument.currency),
          ]),
        ),
        sums: ['orders', 'fee_minor'],
      },
      (bucketStart, [orderType, instrument, paymentMethod], sums) => ({
        bucketStart,
        orderType: orderType!,
        instrument: instrument!,
        paymentMethod: paymentMethod!,
        currency: currencyOfPaymentMethod(paymentMethod!),
        orders: countSum(sums, 'orders'),
        feeMinor: bigSum(sums, 'fee_minor'),
      }),
    );
  }

  /**
   * The largest balances of one currency, or of each currency the ledger accepts (by
   * currency, then balance descending, ties by account id): each an index range scan.
   */
  async topAccounts(currency: string | undefined, limit: number): Promise<TopAccountRow[]> {
    checkTopAccountsLimit(limit);
    const { rows } = await this.pool.query<TopAccountResult>(
      `SELECT a.account_id, a.customer_id, a.name, a.currency, a.balance_minor::text AS balance_minor
         FROM unnest($1::text[]) AS currencies(currency)
        CROSS JOIN LATERAL (
          SELECT * FROM view_accounts v WHERE v.currency = currencies.currency
           ORDER BY v.balance_minor DESC, v.account_id LIMIT $2) a
        ORDER BY a.currency COLLATE "C", a.balance_minor DESC, a.account_id`,
      [currency === undefined ? Object.keys(CURRENCIES) : [currency], limit],
    );
    return rows.map((row) => ({
      accountId: row.account_id,
      customerId: row.customer_id,
      name: row.name,
      currency: row.currency,
      balanceMinor: BigInt(row.balance_minor),
    }));
  }

  /** Accounts and cash per currency the ledger keeps (zeros for a currency with no account). */
  async custody(): Promise<CustodyRow[]> {
    const { rows } = await this.pool.query<CustodyResult>(
      `SELECT c.currency,
              count(a.account_id) FILTER (WHERE a.status = 'OPEN')::int AS open_accounts,
              count(a.account_id) FILTER (WHERE a.status = 'CLOSED')::int AS closed_accounts,
              coalesce(sum(a.balance_minor), 0)::text AS balance_minor,
              coalesce(sum(a.reserved_minor), 0)::text AS reserved_minor
         FROM unnest($1::text[]) AS c(currency)
         LEFT JOIN view_accounts a ON a.currency = c.currency
        GROUP BY c.currency
        ORDER BY c.currency COLLATE "C"`,
      [Object.keys(CURRENCIES)],
    );
    return rows.map((row) => ({
      currency: row.currency,
      openAccounts: row.open_accounts,
      closedAccounts: row.closed_accounts,
      balanceMinor: BigInt(row.balance_minor),
      reservedMinor: BigInt(row.reserved_minor),
    }));
  }

  private async rollup<T>(
    range: ReportRange,
    bucket: ReportBucket,
    query: RollupQuery,
    toRow: ToReportRow<T>,
  ): Promise<T[]> {
    checkedRange(range.from, range.to, bucket);
    const { rows } = await this.pool.query<RollupResult>(rollupSql(query), [
      UNITS[bucket],
      range.from,
      range.to,
    ]);
    return zeroFilled(query, bucketStarts(range, bucket), rows, toRow);
  }
}
