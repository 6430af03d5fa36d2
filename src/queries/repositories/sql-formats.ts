/**
 * A timestamptz as exact ISO text in UTC with its microseconds: a JS Date keeps
 * milliseconds only, and a keyset cursor must name the exact value.
 */
export function isoMicros(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
}
