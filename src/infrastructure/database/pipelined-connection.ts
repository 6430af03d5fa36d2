import type pg from 'pg';
import { createPool } from './create-pool.js';

/**
 * pg's pipeline mode (not in @types/pg yet): statements issued before the previous
 * answer came are sent at once, so independent statements cost one round trip together
 * instead of one each. COPY is not available on such a connection.
 */
interface PipelineConfig {
  readonly pipeline?: boolean;
}

/**
 * A pool of one pipelined connection, for a loop of transactions (a projector's
 * batches) whose independent statements can go out together. Its owner ends it.
 */
export function createPipelinedPool(options: pg.PoolConfig): pg.Pool {
  const config: pg.PoolConfig & PipelineConfig = { ...options, max: 1, pipeline: true };
  return createPool(config);
}

export function isPipelined(client: pg.ClientBase): boolean {
  return (client as pg.ClientBase & PipelineConfig).pipeline === true;
}

/**
 * Runs statements that do not depend on each other: all sent at once on a pipelined
 * connection, one after another on any other (where pg forbids overlapping queries).
 * In a transaction, a failed one aborts it for those after it, as it would in sequence.
 */
export async function independently(
  client: pg.ClientBase,
  statements: readonly (() => Promise<unknown>)[],
): Promise<void> {
  if (isPipelined(client)) {
    await settleAll(statements.map((statement) => statement()));
    return;
  }
  for (const statement of statements) await statement();
}

/**
 * Waits for every one of them, then fails with the first failure. On a shared
 * connection, work still running when the caller rolls back would go on issuing its
 * statements after the ROLLBACK, outside any transaction.
 */
export async function settleAll<T>(work: readonly Promise<T>[]): Promise<T[]> {
  const outcomes = await Promise.allSettled(work);
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<T>).value);
}

/** Two independent reads, together when the connection is pipelined (see independently). */
export async function both<A, B>(
  client: pg.ClientBase,
  first: () => Promise<A>,
  second: () => Promise<B>,
): Promise<[A, B]> {
  if (isPipelined(client)) {
    const [a, b] = await settleAll<A | B>([first(), second()]);
    return [a as A, b as B];
  }
  return [await first(), await second()];
}
