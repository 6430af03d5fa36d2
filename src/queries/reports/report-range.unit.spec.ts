import { describe, expect, it } from 'vitest';
import { ValidationFailedError } from '../../shared/ledger-errors.js';
import {
  MAX_DAY_BUCKETS,
  MAX_REPORT_DAYS,
  MAX_TOP_ACCOUNTS,
  checkReportRange,
  checkTopAccountsLimit,
} from './report-range.js';

function fieldsOf(work: () => void): string[] {
  try {
    work();
  } catch (error) {
    if (error instanceof ValidationFailedError) return error.fields.map((f) => f.field);
    throw error;
  }
  return [];
}

const plusDays = (day: string, days: number): string =>
  new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

describe('report ranges', () => {
  it('takes real days, one day included', () => {
    expect(fieldsOf(() => checkReportRange({ from: '2026-02-28', to: '2026-02-28' }))).toEqual([]);
    expect(fieldsOf(() => checkReportRange({ from: '2024-02-29', to: '2024-03-01' }))).toEqual([]);
  });

  it.each([
    ['2026-02-30', '2026-03-01', ['from']],
    ['2026-1-01', '2026-01-02', ['from']],
    ['2026-01-01', 'tomorrow', ['to']],
    ['x', 'y', ['from', 'to']],
    ['2026-01-02', '2026-01-01', ['to']],
  ])('refuses %s to %s', (from, to, fields) => {
    expect(fieldsOf(() => checkReportRange({ from, to }))).toEqual(fields);
  });

  it('bounds the days, and the day buckets more tightly', () => {
    const from = '2020-01-01';
    expect(
      fieldsOf(() => checkReportRange({ from, to: plusDays(from, MAX_REPORT_DAYS - 1) })),
    ).toEqual([]);
    expect(fieldsOf(() => checkReportRange({ from, to: plusDays(from, MAX_REPORT_DAYS) }))).toEqual(
      ['to'],
    );
    const lastDay = plusDays(from, MAX_DAY_BUCKETS - 1);
    expect(fieldsOf(() => checkReportRange({ from, to: lastDay }, 'DAY'))).toEqual([]);
    expect(fieldsOf(() => checkReportRange({ from, to: plusDays(lastDay, 1) }, 'DAY'))).toEqual([
      'bucket',
    ]);
    expect(fieldsOf(() => checkReportRange({ from, to: plusDays(lastDay, 1) }, 'WEEK'))).toEqual(
      [],
    );
  });

  it('bounds the top accounts', () => {
    expect(fieldsOf(() => checkTopAccountsLimit(1))).toEqual([]);
    expect(fieldsOf(() => checkTopAccountsLimit(MAX_TOP_ACCOUNTS))).toEqual([]);
    for (const limit of [0, MAX_TOP_ACCOUNTS + 1, 1.5]) {
      expect(fieldsOf(() => checkTopAccountsLimit(limit))).toEqual(['limit']);
    }
  });
});
