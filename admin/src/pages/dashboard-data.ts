import { chartValue, sumDecimals } from '../format/money';
import { type Series } from '../components/chart';

interface DayRow {
  readonly bucketStart: string;
}

/** The report's days, in order, once each. */
export function daysOf(rows: readonly DayRow[]): string[] {
  return [...new Set(rows.map((row) => row.bucketStart))].sort();
}

/**
 * One series per group (a currency, say), summing the rows of a day and group; groups
 * whose every value is zero are left out, so a chart shows what happened.
 */
export function seriesBy<Row extends DayRow>(
  rows: readonly Row[],
  groupOf: (row: Row) => string,
  valueOf: (row: Row) => string,
): { days: string[]; series: Series[] } {
  const days = daysOf(rows);
  const sums = new Map<string, Map<string, string[]>>();
  for (const row of rows) {
    const group = sums.get(groupOf(row)) ?? new Map<string, string[]>();
    group.set(row.bucketStart, [...(group.get(row.bucketStart) ?? []), valueOf(row)]);
    sums.set(groupOf(row), group);
  }
  const series = [...sums.entries()]
    .map(([label, byDay]) => ({
      label,
      values: days.map((day) => chartValue(sumDecimals(byDay.get(day) ?? []))),
    }))
    .filter((s) => s.values.some((value) => value !== 0));
  return { days, series };
}

/** Totals of a decimal field per currency, leaving out currencies that sum to zero. */
export function totalsByCurrency<Row extends { currency: string }>(
  rows: readonly Row[],
  valueOf: (row: Row) => string,
): { currency: string; total: string }[] {
  const byCurrency = new Map<string, string[]>();
  for (const row of rows)
    byCurrency.set(row.currency, [...(byCurrency.get(row.currency) ?? []), valueOf(row)]);
  return [...byCurrency.entries()]
    .map(([currency, values]) => ({ currency, total: sumDecimals(values) }))
    .filter((row) => !/^-?0(\.0*)?$/.test(row.total));
}

export interface InstrumentTotal {
  readonly instrument: string;
  readonly currency: string;
  readonly value: string;
  readonly quantity: string;
  readonly fills: number;
}

/** Instruments by fills over the range, most first: the busiest at the top. */
export function topInstruments(
  rows: readonly (InstrumentTotal & DayRow)[],
  limit: number,
): InstrumentTotal[] {
  const byInstrument = new Map<string, (InstrumentTotal & DayRow)[]>();
  for (const row of rows)
    byInstrument.set(row.instrument, [...(byInstrument.get(row.instrument) ?? []), row]);
  return [...byInstrument.values()]
    .map((list) => ({
      instrument: list[0]!.instrument,
      currency: list[0]!.currency,
      value: sumDecimals(list.map((r) => r.value)),
      quantity: sumDecimals(list.map((r) => r.quantity)),
      fills: list.reduce((sum, r) => sum + r.fills, 0),
    }))
    .filter((row) => row.fills > 0)
    .sort((a, b) => b.fills - a.fills || a.instrument.localeCompare(b.instrument))
    .slice(0, limit);
}
