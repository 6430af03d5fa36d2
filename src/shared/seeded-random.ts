/** FNV-1a: spreads a seed and a stream name over 32 bits. */
function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32's step: its state moves by this much per number drawn. */
const STEP = 0x6d2b79f5;

/**
 * A seeded generator of numbers in [0, 1) (mulberry32): the same seed gives the same
 * sequence on every machine. With a stream name (an instrument's prices, the failures of
 * calls) each stream is independent of how much the others are used. `skip`: start past
 * that many draws, in constant time (the state moves by a fixed step per draw), so that
 * a stream resumed after a restart goes on where it stood.
 */
export function seededRandom(seed: number, stream?: string, skip = 0): () => number {
  if (!Number.isSafeInteger(skip) || skip < 0) {
    throw new RangeError(`skip must be a whole number >= 0, got ${skip}`);
  }
  const start = stream === undefined ? seed >>> 0 : hash32(`${seed}:${stream}`);
  // Math.imul takes skip modulo 2^32, as the state's own arithmetic does.
  let state = (start + Math.imul(skip, STEP)) >>> 0;
  return () => {
    state = (state + STEP) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** A whole number from `min` to `max`, both included. */
export function randomInteger(random: () => number, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}
