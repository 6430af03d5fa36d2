/** Lifetime of a minted token unless `--ttl` says otherwise. */
export const DEFAULT_TOKEN_TTL_SECONDS = 3_600;
/** A token cannot be revoked before it expires: a month is as long as one may live. */
export const MAX_TOKEN_TTL_SECONDS = 30 * 86_400;

const UNIT_SECONDS = { s: 1, m: 60, h: 3_600, d: 86_400 } as const;
const TTL = /^([1-9][0-9]{0,7})([smhd])$/;

/** `90s`, `15m`, `1h`, `30d` in seconds; undefined for anything else or beyond the bounds. */
export function parseTtlSeconds(text: string): number | undefined {
  const match = TTL.exec(text.trim());
  if (match === null) return undefined;
  const seconds = Number(match[1]) * UNIT_SECONDS[match[2] as keyof typeof UNIT_SECONDS];
  return seconds <= MAX_TOKEN_TTL_SECONDS ? seconds : undefined;
}
