/** FNV-1a: spreads a seed and a stream name over 32 bits. */
function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * A seeded generator of numbers in [0, 1) (mulberry32): the same seed gives the same
 * sequence on every machine. With a stream name (an instrument's prices, the failures of
 * calls) each stream is independent of how much the others are used.
 */
export function seededRandom(seed: number, stream?: string): () => number {
  let state = stream === undefined ? seed >>> 0 : hash32(`${seed}:${stream}`);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
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
