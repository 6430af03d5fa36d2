/**
 * A place in the global log. Both stores order their log by a pair compared
 * lexicographically: PostgreSQL by (transaction id, sequence), EventStoreDB by
 * (commit, prepare). Outside the store it travels as an opaque string token.
 */
export interface Position {
  readonly commit: bigint;
  readonly prepare: bigint;
}

/** Before the first event: reading "after START" reads the whole log. */
export const START: Position = Object.freeze({ commit: 0n, prepare: 0n });

export function comparePositions(a: Position, b: Position): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

export function maxPosition(a: Position, b: Position): Position {
  return comparePositions(a, b) >= 0 ? a : b;
}

const TOKEN_PATTERN = /^(\d{1,20})\.(\d{1,20})$/;
/** Both stores' position parts are unsigned 64-bit integers: no larger one was ever issued. */
const MAX_PART = 2n ** 64n - 1n;

export function encodePosition(position: Position): string {
  return `${position.commit}.${position.prepare}`;
}

/** Returns undefined for anything that is not a token this system produced. */
export function decodePosition(token: string): Position | undefined {
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return undefined;
  const position = { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
  return position.commit > MAX_PART || position.prepare > MAX_PART ? undefined : position;
}
