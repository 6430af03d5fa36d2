import { Args, Context, Int, Query, Resolver } from '@nestjs/graphql';
import { QueryBus } from '@nestjs/cqrs';
import { type MercuriusContext } from 'mercurius';
import { encodePosition } from '../../event-store/position.js';
import { formatMoney } from '../../shared/decimal-format.js';
import {
  ConsistencyArg,
  ConsistencyInput,
  readConsistencyOf,
} from '../consistency/consistency.input.js';
import { executeConsistent } from '../consistency/consistent-query.js';
import { type ConsistencyReport } from '../consistency/consistency-report.js';
import { MAX_REPORT_BUCKETS, MAX_TOP_ACCOUNTS, checkedRange } from './report-range.js';
import {
  type BucketedReport,
  type BucketedReportKind,
  BucketedReportQuery,
  CustodyQuery,
  TopAccountsQuery,
} from './reports.query.js';
import {
  CustodyReportType,
  CustomerOrdersReportType,
  FeesReportType,
  OrderOutcomesReportType,
  ReportBucketInput,
  TopAccountsReportType,
  VolumeReportType,
} from './report.types.js';

const FromArg = (): ParameterDecorator =>
  Args('from', { type: () => String, description: 'First day, YYYY-MM-DD (UTC)' });
const ToArg = (): ParameterDecorator =>
  Args('to', { type: () => String, description: 'Last day, YYYY-MM-DD (UTC), included' });
const BucketArg = (): ParameterDecorator =>
  Args('bucket', {
    type: () => ReportBucketInput,
    nullable: true,
    defaultValue: ReportBucketInput.DAY,
    description: `How rows group the days; at most ${MAX_REPORT_BUCKETS} buckets per report`,
  });

function coverage(consistency: ConsistencyReport, report: BucketedReport<unknown>) {
  return {
    position: encodePosition(consistency.position),
    stale: consistency.stale,
    complete: report.complete,
    partialFrom: report.partialFrom,
  };
}

/** Admin reports over the daily rollups; each waits on `consistency` like every query. */
@Resolver()
export class ReportsResolver {
  constructor(private readonly queryBus: QueryBus) {}

  private async bucketed<K extends BucketedReportKind>(
    ctx: MercuriusContext,
    kind: K,
    args: { from: string; to: string; bucket: ReportBucketInput; consistency: ConsistencyInput },
  ) {
    const bucket = args.bucket ?? ReportBucketInput.DAY;
    const result = await executeConsistent(
      this.queryBus,
      ctx,
      new BucketedReportQuery(
        kind,
        checkedRange(args.from, args.to, bucket),
        bucket,
        readConsistencyOf(args.consistency),
      ),
    );
    return { report: result.value, coverage: coverage(result.consistency, result.value) };
  }

  @Query(() => FeesReportType, { description: 'Fees charged and refunded, by bucket and currency' })
  async feesReport(
    @FromArg() from: string,
    @ToArg() to: string,
    @BucketArg() bucket: ReportBucketInput,
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<FeesReportType> {
    const { report, coverage } = await this.bucketed(ctx, 'fees', {
      from,
      to,
      bucket,
      consistency,
    });
    return {
      ...coverage,
      rows: report.rows.map((row) => ({
        bucketStart: row.bucketStart,
        complete: row.complete,
        currency: row.currency,
        charged: formatMoney(row.chargedMinor, row.currency),
        refunded: formatMoney(row.refundedMinor, row.currency),
        net: formatMoney(row.chargedMinor - row.refundedMinor, row.currency),
        count: row.count,
      })),
    };
  }

  @Query(() => VolumeReportType, {
    description: 'Shares and value traded, by bucket and instrument',
  })
  async volumeReport(
    @FromArg() from: string,
    @ToArg() to: string,
    @BucketArg() bucket: ReportBucketInput,
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<VolumeReportType> {
    const { report, coverage } = await this.bucketed(ctx, 'volume', {
      from,
      to,
      bucket,
      consistency,
    });
    return {
      ...coverage,
      rows: report.rows.map((row) => ({
        bucketStart: row.bucketStart,
        complete: row.complete,
        instrument: row.instrument,
        currency: row.currency,
        quantity: row.quantity.toString(),
        value: formatMoney(row.valueMinor, row.currency),
        fills: row.fills,
      })),
    };
  }

  @Query(() => OrderOutcomesReportType, {
    description: 'Orders that ended, by bucket and final status',
  })
  async orderOutcomesReport(
    @FromArg() from: string,
    @ToArg() to: string,
    @BucketArg() bucket: ReportBucketInput,
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<OrderOutcomesReportType> {
    const { report, coverage } = await this.bucketed(ctx, 'outcomes', {
      from,
      to,
      bucket,
      consistency,
    });
    return {
      ...coverage,
      rows: report.rows.map((row) => ({
        ...row,
        total: row.completed + row.rejected + row.failed + row.cancelled + row.expired,
      })),
    };
  }

  @Query(() => CustomerOrdersReportType, {
    description:
      'Orders placed and their fees across customers, by bucket, order type, instrument and payment method',
  })
  async customerOrdersReport(
    @FromArg() from: string,
    @ToArg() to: string,
    @BucketArg() bucket: ReportBucketInput,
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CustomerOrdersReportType> {
    const { report, coverage } = await this.bucketed(ctx, 'customerOrders', {
      from,
      to,
      bucket,
      consistency,
    });
    return {
      ...coverage,
      rows: report.rows.map((row) => ({
        bucketStart: row.bucketStart,
        complete: row.complete,
        orderType: row.orderType,
        instrument: row.instrument,
        paymentMethod: row.paymentMethod,
        currency: row.currency,
        orders: row.orders,
        fees: formatMoney(row.feeMinor, row.currency),
      })),
    };
  }

  @Query(() => TopAccountsReportType, {
    description: 'The accounts with the largest cash balances, per currency',
  })
  async topAccountsReport(
    @Args('currency', {
      type: () => String,
      nullable: true,
      description: 'Only this currency (ISO 4217); omitted, every currency',
    })
    currency: string | null,
    @Args('first', {
      type: () => Int,
      nullable: true,
      defaultValue: 10,
      description: `Accounts per currency, 1 to ${MAX_TOP_ACCOUNTS}`,
    })
    first: number,
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<TopAccountsReportType> {
    const result = await executeConsistent(
      this.queryBus,
      ctx,
      new TopAccountsQuery(currency ?? undefined, first ?? 10, readConsistencyOf(consistency)),
    );
    const rank = new Map<string, number>();
    return {
      position: encodePosition(result.consistency.position),
      stale: result.consistency.stale,
      rows: result.value.map((row) => {
        rank.set(row.currency, (rank.get(row.currency) ?? 0) + 1);
        return {
          rank: rank.get(row.currency)!,
          accountId: row.accountId,
          customerId: row.customerId,
          name: row.name,
          currency: row.currency,
          balance: formatMoney(row.balanceMinor, row.currency),
        };
      }),
    };
  }

  @Query(() => CustodyReportType, {
    description:
      'Accounts and the cash held for customers per currency, from the accounts view as it stands',
  })
  async custodyReport(
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<CustodyReportType> {
    const result = await executeConsistent(
      this.queryBus,
      ctx,
      new CustodyQuery(readConsistencyOf(consistency)),
    );
    return {
      position: encodePosition(result.consistency.position),
      stale: result.consistency.stale,
      rows: result.value.map((row) => ({
        currency: row.currency,
        openAccounts: row.openAccounts,
        closedAccounts: row.closedAccounts,
        balance: formatMoney(row.balanceMinor, row.currency),
        reserved: formatMoney(row.reservedMinor, row.currency),
      })),
    };
  }
}
