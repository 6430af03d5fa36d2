import { describe, expect, it } from 'vitest';
import { ValidationFailedError } from '../../shared/ledger-errors.js';
import {
  MAX_REPORT_BUCKETS,
  MAX_TOP_ACCOUNTS,
  bucketCount,
  bucketStarts,
  checkTopAccountsLimit,
  checkedRange,
  isBucketComplete,
} from './report-range.js';
import { withCompleteness } from './reports.query.js';

describe('report ranges', () => {
  it('counts buckets the way the rollups group days', () => {
    expect(bucketCount({ from: '2026-01-01', to: '2026-12-31' }, 'DAY')).toBe(365);
    // 2026-01-01 is a Thursday: its week started on Monday 29 December.
    expect(bucketCount({ from: '2026-01-01', to: '2026-01-05' }, 'WEEK')).toBe(2);
    expect(bucketCount({ from: '2026-01-31', to: '2026-03-01' }, 'MONTH')).toBe(3);
  });

  it("lists each bucket's first day, as date_trunc starts them", () => {
    expect(bucketStarts({ from: '2026-01-01', to: '2026-01-12' }, 'WEEK')).toEqual([
      '2025-12-29',
      '2026-01-05',
      '2026-01-12',
    ]);
    expect(bucketStarts({ from: '2026-01-31', to: '2026-03-01' }, 'MONTH')).toEqual([
      '2026-01-01',
      '2026-02-01',
      '2026-03-01',
    ]);
    expect(bucketStarts({ from: '2026-02-27', to: '2026-03-01' }, 'DAY')).toEqual([
      '2026-02-27',
      '2026-02-28',
      '2026-03-01',
    ]);
  });

  it('refuses days that do not exist, reversed ranges and too many buckets', () => {
    const refusals: [string, string, 'DAY' | 'WEEK'][] = [
      ['2026-02-29', '2026-03-01', 'DAY'],
      ['2026-13-01', '2026-12-01', 'DAY'],
      ['1969-12-31', '1970-01-02', 'DAY'],
      ['2026-03-02', '2026-03-01', 'DAY'],
      ['x', 'y', 'DAY'],
      ['2020-01-01', '2026-01-01', 'DAY'],
      ['26-01-01', '2026-01-01', 'WEEK'],
    ];
    for (const [from, to, bucket] of refusals) {
      expect(() => checkedRange(from, to, bucket), `${from}..${to}`).toThrow(ValidationFailedError);
    }
    expect(checkedRange('2020-01-01', '2026-01-01', 'WEEK')).toEqual({
      from: '2020-01-01',
      to: '2026-01-01',
    });
    const lastDay = new Date(Date.UTC(2026, 0, MAX_REPORT_BUCKETS)).toISOString().slice(0, 10);
    expect(() => checkedRange('2026-01-01', lastDay, 'DAY')).not.toThrow();
  });

  it('calls a bucket complete once its last day within the range has ended', () => {
    const range = { from: '2026-03-01', to: '2026-03-10' };
    const at = (iso: string) => new Date(iso);
    expect(isBucketComplete('2026-03-09', 'DAY', range, at('2026-03-10T00:00:00Z'))).toBe(true);
    expect(isBucketComplete('2026-03-10', 'DAY', range, at('2026-03-10T23:59:59Z'))).toBe(false);
    // The week of 9 March runs to the 15th, but the range ends on the 10th.
    expect(isBucketComplete('2026-03-09', 'WEEK', range, at('2026-03-11T00:00:00Z'))).toBe(true);
    expect(isBucketComplete('2026-03-01', 'MONTH', range, at('2026-03-10T12:00:00Z'))).toBe(false);
  });

  it('marks nothing complete when the read is stale, and names the first partial bucket', () => {
    const rows = [{ bucketStart: '2026-03-01' }, { bucketStart: '2026-03-02' }];
    const range = { from: '2026-03-01', to: '2026-03-02' };
    expect(withCompleteness(rows, 'DAY', range, undefined)).toMatchObject({
      complete: false,
      partialFrom: '2026-03-01',
    });
    expect(withCompleteness(rows, 'DAY', range, new Date('2026-03-02T08:00:00Z'))).toMatchObject({
      complete: false,
      partialFrom: '2026-03-02',
      rows: [{ complete: true }, { complete: false }],
    });
    expect(withCompleteness(rows, 'DAY', range, new Date('2026-03-05T00:00:00Z'))).toMatchObject({
      complete: true,
      partialFrom: null,
    });
  });
});

describe('report range problems', () => {
  it('names every bad day at once, and the top-accounts bound', () => {
    const fields = (work: () => void): string[] => {
      try {
        work();
      } catch (error) {
        if (error instanceof ValidationFailedError) return error.fields.map((f) => f.field);
        throw error;
      }
      return [];
    };
    expect(fields(() => checkedRange('x', 'y', 'DAY'))).toEqual(['from', 'to']);
    expect(fields(() => checkedRange('2026-01-02', '2026-01-01', 'DAY'))).toEqual(['to']);
    expect(fields(() => checkTopAccountsLimit(MAX_TOP_ACCOUNTS))).toEqual([]);
    expect(fields(() => checkTopAccountsLimit(0))).toEqual(['first']);
  });
});
