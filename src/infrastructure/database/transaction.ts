import type pg from 'pg';

/**
 * Told that a connection's ROLLBACK failed. Its state is then unknown (it may still be
 * in the transaction, holding its locks), so its owner must close it, never reuse it.
 */
export type OnBrokenConnection = (rollbackFailure: Error) => void;

/**
 * Throws unless the server committed. A transaction whose failure went unseen (a
 * statement error caught by the work, or one answered late on a pipelined connection)
 * answers COMMIT with ROLLBACK rather than with an error.
 */
export function assertCommitted(commit: pg.QueryResult): void {
  if (commit.command !== 'COMMIT') throw new Error(`COMMIT answered ${commit.command}`);
}

/** Rolls back, and answers the ROLLBACK's own failure, if any (see OnBrokenConnection). */
export async function rollback(client: pg.ClientBase): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch (failure) {
    return failure instanceof Error ? failure : new Error(String(failure));
  }
}

/**
 * Runs `work` in a transaction on a connection the caller holds (and releases): committed,
 * or rolled back and the work's error rethrown. `onBroken` is told when the ROLLBACK fails.
 */
export async function transactionOn<C extends pg.ClientBase, T>(
  client: C,
  work: (client: C) => Promise<T>,
  onBroken: OnBrokenConnection,
): Promise<T> {
  try {
    await client.query('BEGIN');
    const result = await work(client);
    assertCommitted(await client.query('COMMIT'));
    return result;
  } catch (error) {
    const failure = await rollback(client);
    if (failure) onBroken(failure);
    throw error;
  }
}

/**
 * Runs `work` in a transaction on a connection of its own from the pool: committed, or
 * rolled back and the work's error rethrown. A connection whose ROLLBACK failed is
 * closed instead of going back to the pool.
 */
export async function withTransaction<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    return await transactionOn(client, work, (failure) => (broken = failure));
  } finally {
    client.release(broken);
  }
}
