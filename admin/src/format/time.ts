/**
 * Times arrive as ISO 8601 instants (UTC). They are shown in the user's zone; the exact
 * UTC instant goes on hover (a `title`), so two operators in different zones can compare.
 */
export interface ShownTime {
  /** In the user's (or the given) zone, e.g. "6 Dec 2026, 11:02:03". */
  readonly local: string;
  /** The same instant in UTC, e.g. "2026-12-06 10:02:03 UTC". */
  readonly utc: string;
}

export function showTime(iso: string, timeZone?: string, locale?: string): ShownTime {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return { local: iso, utc: iso };
  const local = new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'medium',
    timeZone,
  }).format(date);
  const utc = `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return { local, utc };
}

/** A UTC day (`YYYY-MM-DD`) as the reports name buckets, shown as a short date. */
export function showDay(day: string, locale?: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(date);
}

/** `YYYY-MM-DD` of a date in UTC, as the reports take their range. */
export function utcDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The last `days` UTC days up to today, both ends included. */
export function lastDays(days: number, now: Date = new Date()): { from: string; to: string } {
  const from = new Date(now.getTime() - (days - 1) * 86_400_000);
  return { from: utcDay(from), to: utcDay(now) };
}
