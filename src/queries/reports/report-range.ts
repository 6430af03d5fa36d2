import { ValidationFailedError } from '../../shared/ledger-errors.js';
import { type ReportBucket, type ReportRange } from './report-rows.js';

/** The longest range a report covers: ten years. */
export const MAX_REPORT_DAYS = 3_660;
/** The most day buckets a report answers: two years of them. */
export const MAX_DAY_BUCKETS = 731;
/** The most accounts per currency the top-accounts report lists. */
export const MAX_TOP_ACCOUNTS = 100;

const DAY_MS = 86_400_000;
const DATE = /^\d{4}-\d{2}-\d{2}$/u;

/** Milliseconds of a `YYYY-MM-DD` that names a real day, else undefined. */
function dayMs(value: string): number | undefined {
  if (!DATE.test(value)) return undefined;
  const ms = Date.parse(`${value}T00:00:00.000Z`);
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== value ? undefined : ms;
}

/**
 * Checks a report's range before any SQL runs: real days, `from` not after `to`, and a
 * bounded number of days and buckets (every bucket of the range is answered).
 */
export function checkReportRange(range: ReportRange, bucket: ReportBucket = 'MONTH'): void {
  const from = dayMs(range.from);
  const to = dayMs(range.to);
  const errors = [
    ...(from === undefined ? [{ field: 'from', message: 'from must be a date, YYYY-MM-DD' }] : []),
    ...(to === undefined ? [{ field: 'to', message: 'to must be a date, YYYY-MM-DD' }] : []),
  ];
  if (errors.length > 0) throw new ValidationFailedError(errors);
  const days = (to! - from!) / DAY_MS + 1;
  if (days < 1) throw new ValidationFailedError([{ field: 'to', message: 'to is before from' }]);
  if (days > MAX_REPORT_DAYS) {
    throw new ValidationFailedError([
      { field: 'to', message: `a report covers at most ${MAX_REPORT_DAYS} days` },
    ]);
  }
  if (bucket === 'DAY' && days > MAX_DAY_BUCKETS) {
    throw new ValidationFailedError([
      { field: 'bucket', message: `a report by DAY covers at most ${MAX_DAY_BUCKETS} days` },
    ]);
  }
}

export function checkTopAccountsLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_TOP_ACCOUNTS) {
    throw new ValidationFailedError([
      { field: 'limit', message: `limit must be an integer from 1 to ${MAX_TOP_ACCOUNTS}` },
    ]);
  }
}
