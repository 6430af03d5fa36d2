import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A client of the app over HTTP that sends a command again, with the same command id,
 * until the app answers it: a crash, a refused connection, a timeout or a 5xx is not an
 * answer. A business refusal is one (the command was decided and wrote nothing).
 */

/** Codes that mean the service did not decide the command: send it again. */
const RETRYABLE_CODES = new Set([
  'SERVICE_UNAVAILABLE',
  'CONCURRENCY_CONFLICT',
  'RATE_LIMITED',
  'INTERNAL_SERVER_ERROR',
]);
/** The domain's refusals: an answer, with nothing written. */
export const BUSINESS_REFUSALS = new Set([
  'INSUFFICIENT_FUNDS',
  'INSUFFICIENT_HOLDINGS',
  'ACCOUNT_CLOSED',
  'ACCOUNT_NOT_EMPTY',
  'ACCOUNT_HAS_OPEN_ORDERS',
  'ORDER_NOT_ACTIVE',
]);

const REQUEST_TIMEOUT_MS = 15_000;
const RETRY_BASE_MS = 100;
const RETRY_MAX_MS = 1_000;

export type Answer =
  | { readonly kind: 'acknowledged'; readonly id: string; readonly attempts: number }
  | { readonly kind: 'refused'; readonly code: string; readonly attempts: number }
  /** Not answered within the bound, or answered with a code the soak never expects. */
  | { readonly kind: 'failed'; readonly reason: string; readonly attempts: number };

interface GraphQLBody {
  readonly data?: Record<string, { id: string } | null> | null;
  readonly errors?: readonly { message: string; extensions?: { code?: string } }[];
}

export class SoakClient {
  /** Attempts that were not answered (the app down, a retryable code), by reason. */
  readonly retries = new Map<string, number>();

  constructor(
    private readonly baseUrl: string,
    private readonly authorization: string,
    private readonly answerTimeoutMs: number,
  ) {}

  /** One GraphQL request; throws on a transport failure or a non-JSON answer. */
  async request<T>(query: string, variables: Record<string, unknown>): Promise<GraphQLBody & T> {
    const response = await fetch(`${this.baseUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: this.authorization },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    if (response.status >= 500) {
      await response.body?.cancel();
      throw new Error(`HTTP ${response.status}`);
    }
    return (await response.json()) as GraphQLBody & T;
  }

  /** The mutation with `input` (which carries its commandId), sent until it is answered. */
  async command(mutation: string, input: Record<string, unknown>): Promise<Answer> {
    const deadline = Date.now() + this.answerTimeoutMs;
    for (let attempts = 1; ; attempts++) {
      const outcome = await this.attempt(mutation, input, attempts);
      if (outcome !== undefined) return outcome;
      if (Date.now() > deadline) {
        return { kind: 'failed', reason: `unanswered for ${this.answerTimeoutMs} ms`, attempts };
      }
      await sleep(Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempts - 1, 4)));
    }
  }

  /** The answer, or undefined when the attempt was not answered. */
  private async attempt(
    mutation: string,
    input: Record<string, unknown>,
    attempts: number,
  ): Promise<Answer | undefined> {
    let body: GraphQLBody;
    try {
      body = await this.request(mutation, { input });
    } catch (error) {
      this.countRetry((error as Error).name === 'TimeoutError' ? 'timeout' : 'unreachable');
      return undefined;
    }
    const [error] = body.errors ?? [];
    if (error === undefined) {
      const result = Object.values(body.data ?? {})[0];
      return result
        ? { kind: 'acknowledged', id: result.id, attempts }
        : { kind: 'failed', reason: 'an answer without a result', attempts };
    }
    const code = error.extensions?.code ?? 'NO_CODE';
    if (RETRYABLE_CODES.has(code)) {
      this.countRetry(code);
      return undefined;
    }
    if (BUSINESS_REFUSALS.has(code)) return { kind: 'refused', code, attempts };
    return { kind: 'failed', reason: `${code}: ${error.message}`, attempts };
  }

  private countRetry(reason: string): void {
    this.retries.set(reason, (this.retries.get(reason) ?? 0) + 1);
  }
}
