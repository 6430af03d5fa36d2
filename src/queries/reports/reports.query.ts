import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { isCurrency } from '../../domain/money.js';
import { ValidationFailedError } from '../../shared/ledger-errors.js';
import { projectionsOf } from '../../shared/view-tables.js';
import { ConsistencyService, type ReadConsistency } from '../consistency/consistency.service.js';
import { ConsistentQuery } from '../consistency/consistent-query.js';
import { ReportsRepository } from '../repositories/reports.repository.js';
import { checkTopAccountsLimit, isBucketComplete } from './report-range.js';
import {
  type Bucketed,
  type CustodyRow,
  type CustomerOrdersRow,
  type FeesRow,
  type OutcomesRow,
  type ReportBucket,
  type ReportRange,
  type TopAccountRow,
  type VolumeRow,
} from './report-rows.js';

interface BucketedRows {
  readonly fees: FeesRow;
  readonly volume: VolumeRow;
  readonly outcomes: OutcomesRow;
  readonly customerOrders: CustomerOrdersRow;
}
export type BucketedReportKind = keyof BucketedRows;

/** A bucketed report's rows, each marked complete or not, and the report's own completeness. */
export interface BucketedReport<Row> {
  readonly rows: readonly (Row & { readonly complete: boolean })[];
  readonly complete: boolean;
  readonly partialFrom: string | null;
}

export class BucketedReportQuery<K extends BucketedReportKind> extends ConsistentQuery<
  BucketedReport<BucketedRows[K]>
> {
  constructor(
    readonly kind: K,
    readonly range: ReportRange,
    readonly bucket: ReportBucket,
    consistency: ReadConsistency,
  ) {
    super(consistency);
  }
}

const ROLLUP_PROJECTIONS = projectionsOf(['report_fees_daily']);

/** Marks each bucket complete once it has ended by `asOf`; nothing is complete when stale. */
export function withCompleteness<Row extends Bucketed>(
  rows: readonly Row[],
  bucket: ReportBucket,
  range: ReportRange,
  asOf: Date | undefined,
): BucketedReport<Row> {
  const marked = rows.map((row) => ({
    ...row,
    complete: asOf !== undefined && isBucketComplete(row.bucketStart, bucket, range, asOf),
  }));
  const partialFrom = marked.find((row) => !row.complete)?.bucketStart ?? null;
  return { rows: marked, complete: partialFrom === null, partialFrom };
}

/** The four reports kept as daily rollups by the `reports` projector. */
@QueryHandler(BucketedReportQuery)
export class BucketedReportHandler implements IQueryHandler<
  BucketedReportQuery<BucketedReportKind>
> {
  constructor(
    private readonly consistency: ConsistencyService,
    private readonly reports: ReportsRepository,
  ) {}

  async execute(query: BucketedReportQuery<BucketedReportKind>) {
    const { kind, range, bucket } = query;
    const read = await this.consistency.read(
      ROLLUP_PROJECTIONS,
      query.consistency,
      (): Promise<readonly BucketedRows[BucketedReportKind][]> => this.reports[kind](range, bucket),
    );
    // The moment of the read: a bucket ended before it holds every event written in it
    // that the rollup had applied, and the rollup is not behind (else the report is stale).
    const asOf = read.consistency.stale ? undefined : new Date();
    return {
      value: withCompleteness<BucketedRows[BucketedReportKind]>(read.value, bucket, range, asOf),
      consistency: read.consistency,
    };
  }
}

export class TopAccountsQuery extends ConsistentQuery<readonly TopAccountRow[]> {
  constructor(
    readonly currency: string | undefined,
    readonly first: number,
    consistency: ReadConsistency,
  ) {
    super(consistency);
  }
}

@QueryHandler(TopAccountsQuery)
export class TopAccountsHandler implements IQueryHandler<TopAccountsQuery> {
  constructor(
    private readonly consistency: ConsistencyService,
    private readonly reports: ReportsRepository,
  ) {}

  execute(query: TopAccountsQuery) {
    checkTopAccountsLimit(query.first);
    if (query.currency !== undefined && !isCurrency(query.currency)) {
      throw new ValidationFailedError([
        { field: 'currency', message: 'currency must be an ISO 4217 code the ledger keeps' },
      ]);
    }
    return this.consistency.read(projectionsOf(['view_accounts']), query.consistency, () =>
      this.reports.topAccounts(query.currency, query.first),
    );
  }
}

export class CustodyQuery extends ConsistentQuery<readonly CustodyRow[]> {}

@QueryHandler(CustodyQuery)
export class CustodyHandler implements IQueryHandler<CustodyQuery> {
  constructor(
    private readonly consistency: ConsistencyService,
    private readonly reports: ReportsRepository,
  ) {}

  execute(query: CustodyQuery) {
    return this.consistency.read(projectionsOf(['view_accounts']), query.consistency, () =>
      this.reports.custody(),
    );
  }
}
