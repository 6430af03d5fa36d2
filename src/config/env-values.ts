import { z } from 'zod';
import { reject } from './config-problems.js';

/**
 * Readers of environment values: each refuses what it cannot use, naming the variable
 * (see reject: under validateEnvironment every refusal is gathered, and the fallback
 * stands in until the load ends).
 */

export function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function integer(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  return numberIn(name, value, { fallback, min, max, whole: true });
}

/** A number with decimals, e.g. 0.5. */
export function decimal(
  name: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  return numberIn(name, value, { fallback, min, max, whole: false });
}

function numberIn(
  name: string,
  value: string | undefined,
  range: { fallback: number; min: number; max: number; whole: boolean },
): number {
  const given = nonEmpty(value);
  if (given === undefined) return range.fallback;
  // Finite only (zod's number refuses Infinity and NaN); Number() as before, so 1e3 is 1000.
  const shape = range.whole ? z.coerce.number().int() : z.coerce.number();
  const parsed = shape.min(range.min).max(range.max).safeParse(given);
  if (parsed.success) return parsed.data;
  const kind = range.whole ? 'an integer' : 'a number';
  return reject(
    `${name} must be ${kind} from ${range.min} to ${range.max}, got "${value}"`,
    range.fallback,
  );
}

export function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  const given = nonEmpty(value);
  if (given === undefined) return fallback;
  const parsed = z.enum(allowed as [T, ...T[]]).safeParse(given);
  if (parsed.success) return parsed.data as T;
  return reject(`${name} must be one of ${allowed.join(', ')}, got "${value}"`, fallback);
}

/**
 * A connection string or URL that starts with one of `schemes` (such as `postgres:`).
 * Only the scheme is checked: an EventStoreDB cluster's string (`esdb://a:2113,b:2113`)
 * is no URL, and the client that takes it tells the rest. The value is never echoed: it
 * may carry a password, and a start-up message ends up in logs.
 */
export function url(
  name: string,
  value: string | undefined,
  schemes: readonly string[],
): string | undefined {
  const given = nonEmpty(value);
  if (given === undefined) return undefined;
  const shape = z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/\S+$/i);
  const scheme = given.slice(0, given.indexOf(':') + 1).toLowerCase();
  if (shape.safeParse(given).success && schemes.includes(scheme)) return given;
  const listed = schemes.map((each) => `${each}//`).join(' or ');
  return reject(`${name} must be a ${listed} URL (value not shown)`, undefined);
}
