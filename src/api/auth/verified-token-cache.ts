import { type AuthenticatedCaller } from './token-claims.js';

/**
 * How many verified tokens are remembered, and for how long. Checking a signature costs
 * about 30 µs of the event loop (WebCrypto's job hand-off, not the hash), a third of a
 * whole `account(id)` request; a client sends the same token with request after request.
 */
export interface VerifiedTokenCacheBounds {
  /** 0 turns the cache off. */
  readonly maxEntries: number;
  /** A token is verified afresh at least this often, so a key withdrawn by the provider stops it. */
  readonly ttlMs: number;
}

export const DEFAULT_VERIFIED_TOKEN_CACHE: VerifiedTokenCacheBounds = {
  maxEntries: 10_000,
  ttlMs: 60_000,
};

/** Longer tokens are verified every time: the cache's memory stays below ~20 MB. */
export const MAX_CACHED_TOKEN_LENGTH = 2_048;

interface Entry {
  readonly caller: AuthenticatedCaller;
  /** When its `exp` (with the clock skew) has passed: from then on it is refused. */
  readonly expiresAtMs: number;
  readonly staleAtMs: number;
}

/**
 * Tokens that passed every check, by their exact text, so a hit is the very token that was
 * verified; only valid tokens enter, so refusals cannot fill it. The oldest entry leaves
 * first when it is full.
 */
export class VerifiedTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly bounds: VerifiedTokenCacheBounds) {}

  get size(): number {
    return this.entries.size;
  }

  /** The caller of a token verified before, while unexpired and fresh; else undefined. */
  get(token: string, nowMs: number): AuthenticatedCaller | undefined {
    const entry = this.entries.get(token);
    if (entry === undefined) return undefined;
    // An expired token goes back through the full check, which refuses it with its reason.
    if (nowMs >= entry.expiresAtMs || nowMs >= entry.staleAtMs) {
      this.entries.delete(token);
      return undefined;
    }
    return entry.caller;
  }

  add(token: string, caller: AuthenticatedCaller, expiresAtMs: number, nowMs: number): void {
    if (this.bounds.maxEntries === 0 || token.length > MAX_CACHED_TOKEN_LENGTH) return;
    if (this.entries.size >= this.bounds.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    this.entries.set(token, { caller, expiresAtMs, staleAtMs: nowMs + this.bounds.ttlMs });
  }
}
