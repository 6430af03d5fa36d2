/** Readers of environment values: each refuses what it cannot use, naming the variable. */

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
  if (nonEmpty(value) === undefined) return range.fallback;
  const parsed = Number(value);
  const shaped = range.whole ? Number.isInteger(parsed) : Number.isFinite(parsed);
  if (!shaped || parsed < range.min || parsed > range.max) {
    const kind = range.whole ? 'an integer' : 'a number';
    throw new Error(`${name} must be ${kind} from ${range.min} to ${range.max}, got "${value}"`);
  }
  return parsed;
}

export function oneOf<T extends string>(
  name: string,
  value: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  const given = nonEmpty(value);
  if (given === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(given)) {
    throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
  }
  return given as T;
}
