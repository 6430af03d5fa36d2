import { cashPaymentMethod, currencyOfPaymentMethod } from '../../shared/payment-method.js';
import { Inject, Injectable } from '@nestjs/common';
import { INSTRUMENTS } from '../../config/instruments.js';
import { CURRENCIES } from '../../domain/money.js';
import { READ_DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type ReadQueries } from '../../infrastructure/database/read-pool.js';
import { OrderTypeInput } from '../../shared/order-enums.js';
import { checkTopAccountsLimit, checkedRange } from '../reports/report-range.js';
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
 * A report over one rollup: its dimensions, the rows every bucket shows even with no
 * activity (`seed`, a SELECT of the dimensions whose parameters start at $4), and the
 * sums it adds up.
 */
interface RollupQuery {
  readonly table: string;
  readonly dims: readonly string[];
  readonly seed: string;
  readonly seedValues: readonly unknown[];
  readonly sums: readonly string[];
}

type RollupResult = Record<string, string>;

function quote(identifier: string): string {
  return `"${identifier}"`;
}

/**
 * Every bucket of the range (date_trunc: ISO weeks start on Monday) crossed with the
 * seeded dimensions and any others the range has, with the rollup's sums over the days
 * of the range in it: zeros where nothing happened. $1 is the unit, $2 and $3 the days.
 */
function rollupSql({ table, dims, seed, sums }: RollupQuery): string {
  const dimList = dims.map(quote).join(', ');
  const inRange = `FROM ${table} WHERE day BETWEEN $2::date AND $3::date`;
  const groups = dims.map((_, index) => index + 2).join(', ');
  return `
    WITH buckets AS (
      SELECT bucket::date AS bucket_start
        FROM generate_series(date_trunc($1::text, $2::date::timestamp),
                             date_trunc($1::text, $3::date::timestamp),
                             ('1 ' || $1::text)::interval) AS bucket
    ),
    dims AS (${seed} UNION SELECT ${dimList} ${inRange}),
    sums AS (
      SELECT date_trunc($1::text, day::timestamp)::date AS bucket_start, ${dimList},
             ${sums.map((sum) => `sum(${quote(sum)}) AS ${quote(sum)}`).join(', ')}
        ${inRange}
       GROUP BY 1, ${groups}
    )
    SELECT to_char(b.bucket_start, 'YYYY-MM-DD') AS bucket_start,
           ${dims.map((dim) => `d.${quote(dim)}`).join(', ')},
           ${sums.map((sum) => `coalesce(s.${quote(sum)}, 0)::text AS ${quote(sum)}`).join(', ')}
      FROM buckets b CROSS JOIN dims d
      LEFT JOIN sums s ON s.bucket_start = b.bucket_start
                      AND ${dims.map((dim) => `s.${quote(dim)} = d.${quote(dim)}`).join(' AND ')}
     ORDER BY b.bucket_start, ${dims.map((dim) => `d.${quote(dim)} COLLATE "C"`).join(', ')}`;
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
    const rows = await this.rollup(range, bucket, {
      table: 'report_fees_daily',
      dims: ['currency'],
      seed: 'SELECT unnest($4::text[]) AS currency',
      seedValues: [Object.keys(CURRENCIES)],
      sums: ['charged_minor', 'refunded_minor', 'count'],
    });
    return rows.map((row) => ({
      bucketStart: row['bucket_start']!,
      currency: row['currency']!,
      chargedMinor: BigInt(row['charged_minor']!),
      refundedMinor: BigInt(row['refunded_minor']!),
      count: Number(row['count']),
    }));
  }

  /** Per bucket, one row for every instrument of the catalogue. */
  async volume(range: ReportRange, bucket: ReportBucket): Promise<VolumeRow[]> {
    const rows = await this.rollup(range, bucket, {
      table: 'report_volume_daily',
      dims: ['instrument', 'currency'],
      seed: 'SELECT * FROM unnest($4::text[], $5::text[]) AS catalogue(instrument, currency)',
      seedValues: [INSTRUMENTS.map((i) => i.symbol), INSTRUMENTS.map((i) => i.currency)],
      sums: ['quantity', 'value_minor', 'fills'],
    });
    return rows.map((row) => ({
      bucketStart: row['bucket_start']!,
      instrument: row['instrument']!,
      currency: row['currency']!,
      quantity: BigInt(row['quantity']!),
      valueMinor: BigInt(row['value_minor']!),
      fills: Number(row['fills']),
    }));
  }

  /** One row per bucket. */
  async outcomes(range: ReportRange, bucket: ReportBucket): Promise<OutcomesRow[]> {
    const rows = await this.rollup(range, bucket, {
      table: 'report_outcomes_daily',
      dims: ['status'],
      seed: 'SELECT unnest($4::text[]) AS status',
      seedValues: [OUTCOME_STATUSES],
      sums: ['orders'],
    });
    const buckets = new Map<string, Record<string, number>>();
    for (const row of rows) {
      const counts = buckets.get(row['bucket_start']!) ?? {};
      counts[row['status']!] = Number(row['orders']);
      buckets.set(row['bucket_start']!, counts);
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
    const rows = await this.rollup(range, bucket, {
      table: 'report_customer_orders_daily',
      dims: ['order_type', 'instrument', 'payment_method'],
      seed: `SELECT order_type, instrument, payment_method
               FROM unnest($4::text[]) AS types(order_type)
              CROSS JOIN unnest($5::text[], $6::text[]) AS catalogue(instrument, payment_method)`,
      seedValues: [
        Object.values(OrderTypeInput),
        INSTRUMENTS.map((i) => i.symbol),
        INSTRUMENTS.map((i) => cashPaymentMethod(i.currency)),
      ],
      sums: ['orders', 'fee_minor'],
    });
    return rows.map((row) => ({
      bucketStart: row['bucket_start']!,
      orderType: row['order_type']!,
      instrument: row['instrument']!,
      paymentMethod: row['payment_method']!,
      currency: currencyOfPaymentMethod(row['payment_method']!),
      orders: Number(row['orders']),
      feeMinor: BigInt(row['fee_minor']!),
    }));
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

  private async rollup(
    range: ReportRange,
    bucket: ReportBucket,
    query: RollupQuery,
  ): Promise<RollupResult[]> {
    checkedRange(range.from, range.to, bucket);
    const { rows } = await this.pool.query<RollupResult>(rollupSql(query), [
      UNITS[bucket],
      range.from,
      range.to,
      ...query.seedValues,
    ]);
    return rows;
  }
}
