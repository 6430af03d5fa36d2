import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import { LedgerError } from '../../shared/ledger-errors.js';

/** Too many requests from one caller: `extensions.retryAfterMs` says when to try again. */
export class RateLimitedError extends LedgerError {
  override readonly name = 'RateLimitedError';
  readonly code = 'RATE_LIMITED' as const;
  override readonly retryAfterMs: number;
  constructor(retryAfterMs: number) {
    super(`Too many requests; try again in ${retryAfterMs} ms`);
    this.retryAfterMs = retryAfterMs;
  }
}

/** A limiter that lets everything through: a limit of 0 switches limiting off. */
function limiter(perSecond: number): RateLimiterMemory | undefined {
  return perSecond === 0 ? undefined : new RateLimiterMemory({ points: perSecond, duration: 1 });
}

/**
 * Requests a second, per caller: by token subject once authenticated, by address before
 * (so a flood of bad tokens is slowed down as well). In this process's memory: with
 * several replicas, each allows its share.
 */
export class RequestLimits {
  private readonly perCaller: RateLimiterMemory | undefined;
  private readonly perAddress: RateLimiterMemory | undefined;

  constructor(limits: { requestsPerSecond: number; anonymousRequestsPerSecond: number }) {
    this.perCaller = limiter(limits.requestsPerSecond);
    this.perAddress = limiter(limits.anonymousRequestsPerSecond);
  }

  /** Counts a request of an authenticated caller; RATE_LIMITED past the limit. */
  callerRequest(subject: string): Promise<void> {
    return take(this.perCaller, `sub:${subject}`);
  }

  /** Counts a request that could not be authenticated, by the address it came from. */
  anonymousRequest(address: string): Promise<void> {
    return take(this.perAddress, `ip:${address}`);
  }
}

async function take(limiter: RateLimiterMemory | undefined, key: string): Promise<void> {
  if (!limiter) return;
  try {
    await limiter.consume(key);
  } catch (refusal) {
    // The limiter answers a refusal with its state, never with an error of its own.
    if (!(refusal instanceof RateLimiterRes)) throw refusal;
    throw new RateLimitedError(Math.max(1, Math.ceil(refusal.msBeforeNext)));
  }
}
