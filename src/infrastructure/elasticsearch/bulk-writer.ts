import { type Client } from '@elastic/elasticsearch';
import { type BackoffPolicy, backoffDelayMs, pause } from '../resilience/backoff.js';

/** One document to index at an external version. */
export interface IndexAction {
  readonly index: string;
  readonly id: string;
  /** 1 to 2^63-1 (see external-version.ts). */
  readonly version: bigint;
  /** `external`: only a greater version replaces a document; `external_gte`: an equal one too. */
  readonly versionType: 'external' | 'external_gte';
  readonly document: Readonly<Record<string, unknown>>;
}

/** An item Elasticsearch refused for good: a retry would be refused again. */
export interface BulkItemFailure {
  readonly action: IndexAction;
  readonly status: number;
  readonly type: string;
  readonly reason: string;
}

export interface BulkOutcome {
  /** Items written. */
  readonly written: number;
  /** Items whose document already had this version or a later one: applied before. */
  readonly conflicts: number;
  readonly failures: readonly BulkItemFailure[];
}

/** Items the cluster kept turning away for load after every attempt: the caller retries later. */
export class BulkRejectedError extends Error {
  override readonly name = 'BulkRejectedError';
}

export const DEFAULT_BULK_RETRY: BackoffPolicy = {
  maxAttempts: 5,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
};

/**
 * The action line by hand: the version is a 63-bit integer, which a JSON number (a
 * double) would round, and JSON.stringify refuses a bigint. The transport sends string
 * lines as they are.
 */
export function actionLine(action: IndexAction): string {
  const meta = JSON.stringify({ _index: action.index, _id: action.id }).slice(0, -1);
  return `{"index":${meta},"version":${action.version.toString()},"version_type":"${action.versionType}"}}`;
}

interface ItemResult {
  readonly status: number;
  readonly error?: { readonly type?: string; readonly reason?: string | null } | undefined;
}

type Verdict = 'written' | 'conflict' | 'retry' | 'failed';

function verdictOf(item: ItemResult): Verdict {
  if (!item.error && item.status < 300) return 'written';
  const type = item.error?.type ?? '';
  if (item.status === 409 || type === 'version_conflict_engine_exception') return 'conflict';
  // Thread pool full or the node pushing back: the same item goes through a moment later.
  if (item.status === 429 || type === 'es_rejected_execution_exception') return 'retry';
  return 'failed';
}

/**
 * Writes the actions with the bulk API and answers only once every item is settled:
 * written, already there (a version conflict), or refused for good (returned with its
 * reason). Items turned away for load (429, rejected execution) are sent again alone,
 * with jittered exponential backoff, at most `policy.maxAttempts` times in all; if some
 * are still turned away, BulkRejectedError. A request that fails as a whole throws.
 */
export async function writeBulk(
  client: Client,
  actions: readonly IndexAction[],
  policy: BackoffPolicy = DEFAULT_BULK_RETRY,
  signal?: AbortSignal,
): Promise<BulkOutcome> {
  let pending = actions;
  let written = 0;
  let conflicts = 0;
  const failures: BulkItemFailure[] = [];
  for (let attempt = 1; pending.length > 0; attempt++) {
    const response = await client.bulk(
      { operations: pending.flatMap((action) => [actionLine(action), action.document]) },
      { signal },
    );
    const retry: IndexAction[] = [];
    response.items.forEach((entry, i) => {
      const item = (entry.index ?? Object.values(entry)[0]) as ItemResult;
      const action = pending[i]!;
      const verdict = verdictOf(item);
      if (verdict === 'written') written++;
      else if (verdict === 'conflict') conflicts++;
      else if (verdict === 'retry') retry.push(action);
      else failures.push(failureOf(action, item));
    });
    if (response.items.length !== pending.length) {
      throw new Error(`bulk answered ${response.items.length} items for ${pending.length}`);
    }
    pending = retry;
    if (pending.length === 0) break;
    if (attempt >= policy.maxAttempts || signal?.aborted) {
      throw new BulkRejectedError(
        `${pending.length} bulk items still turned away for load after ${attempt} attempts`,
      );
    }
    await pause(backoffDelayMs(policy, attempt), signal);
  }
  return { written, conflicts, failures };
}

function failureOf(action: IndexAction, item: ItemResult): BulkItemFailure {
  return {
    action,
    status: item.status,
    type: item.error?.type ?? 'unknown',
    reason: item.error?.reason ?? `status ${item.status}`,
  };
}
