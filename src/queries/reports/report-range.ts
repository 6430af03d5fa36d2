import { ValidationFailedError } from '../../shared/ledger-errors.js';
import { type ReportBucket, type ReportRange } from './report-rows.js';

/**
 * The most buckets one report may hold: a report's cost is its buckets times its slices,
 * so this bounds it (DAY: over three years; WEEK and MONTH: far more).
 */
export const MAX_REPORT_BUCKETS = 1_200;

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day a `YYYY-MM-DD` names, from 1970 on; undefined for anything else. */
function dayOf(value: string): Date | undefined {
  const match = ISO_DAY.exec(value);
  const day = match ? new Date(Date.UTC(+match[1]!, +match[2]! - 1, +match[3]!)) : undefined;
  // Date.UTC rolls 2026-02-30 over into March: a day that does not exist is refused.
  return day && day.toISOString().slice(0, 10) === value && day.getUTCFullYear() >= 1970
    ? day
    : undefined;
}

function parseDay(field: string, value: string): Date {
  const day = dayOf(value);
  if (!day) throw new ValidationFailedError([dayProblem(field)]);
  return day;
}

function dayProblem(field: string) {
  return { field, message: `${field} must be a day as YYYY-MM-DD, from 1970 on` };
}

/** The first day of the bucket that holds `day` (ISO weeks start on Monday). */
export function bucketStartOf(day: Date, bucket: ReportBucket): Date {
  switch (bucket) {
    case 'DAY':
      return day;
    case 'WEEK':
      return new Date(day.getTime() - ((day.getUTCDay() + 6) % 7) * DAY_MS);
    case 'MONTH':
      return new Date(Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), 1));
  }
}

/** The first day after the bucket that starts at `start`. */
export function nextBucketStart(start: Date, bucket: ReportBucket): Date {
  switch (bucket) {
    case 'DAY':
      return new Date(start.getTime() + DAY_MS);
    case 'WEEK':
      return new Date(start.getTime() + 7 * DAY_MS);
    case 'MONTH':
      return new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1));
  }
}

/**
 * The first day (`YYYY-MM-DD`) of every bucket the range spans, in order; past
 * MAX_REPORT_BUCKETS it stops after one more.
 */
export function bucketStarts(range: ReportRange, bucket: ReportBucket): string[] {
  const to = parseDay('to', range.to);
  const starts: string[] = [];
  for (
    let start = bucketStartOf(parseDay('from', range.from), bucket);
    start <= to && starts.length <= MAX_REPORT_BUCKETS;
    start = nextBucketStart(start, bucket)
  ) {
    starts.push(start.toISOString().slice(0, 10));
  }
  return starts;
}

/** How many buckets the range spans. */
export function bucketCount(range: ReportRange, bucket: ReportBucket): number {
  return bucketStarts(range, bucket).length;
}

/** A report's days, checked: real days, from <= to, and at most MAX_REPORT_BUCKETS buckets. */
export function checkedRange(from: string, to: string, bucket: ReportBucket): ReportRange {
  const problems = [
    ...(dayOf(from) ? [] : [dayProblem('from')]),
    ...(dayOf(to) ? [] : [dayProblem('to')]),
  ];
  if (problems.length > 0) throw new ValidationFailedError(problems);
  if (dayOf(from)! > dayOf(to)!) {
    throw new ValidationFailedError([{ field: 'to', message: 'to must not be before from' }]);
  }
  const range = { from, to };
  if (bucketCount(range, bucket) > MAX_REPORT_BUCKETS) {
    throw new ValidationFailedError([
      {
        field: 'bucket',
        message: `the range must hold at most ${MAX_REPORT_BUCKETS} buckets of ${bucket}`,
      },
    ]);
  }
  return range;
}

/** The most accounts per currency topAccountsReport lists. */
export const MAX_TOP_ACCOUNTS = 100;

export function checkTopAccountsLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TOP_ACCOUNTS) {
    throw new ValidationFailedError([
      { field: 'first', message: `first must be an integer from 1 to ${MAX_TOP_ACCOUNTS}` },
    ]);
  }
}

/**
 * Whether a bucket's figures are final: its last day (within the range) has ended by
 * `asOf`. A later event can still land in a bucket that has not ended, so a report says
 * so rather than pass a running day off as a whole one.
 */
export function isBucketComplete(
  bucketStart: string,
  bucket: ReportBucket,
  range: ReportRange,
  asOf: Date,
): boolean {
  const end = nextBucketStart(bucketStartOf(parseDay('bucketStart', bucketStart), bucket), bucket);
  const rangeEnd = new Date(parseDay('to', range.to).getTime() + DAY_MS);
  return (end < rangeEnd ? end : rangeEnd) <= asOf;
}
