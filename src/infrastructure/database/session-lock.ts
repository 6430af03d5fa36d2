import type pg from 'pg';
import { transactionOn } from './transaction.js';

/**
 * An advisory lock's key: a number of the application's own, or a name the server
 * hashes into one (`hashtext`), so that SQL elsewhere can name the same lock.
 */
export type AdvisoryLockKey = bigint | string;

/** The connection holding the locks, for the work done under them. */
export interface LockedSession {
  readonly client: pg.PoolClient;
  /** A transaction on the locked connection (see transactionOn); the locks outlive it. */
  transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T>;
}

export interface SessionLockOptions {
  /**
   * Given: the locks are tried rather than waited for, and a key held elsewhere fails the
   * call at once with this error (told the key's index in `keys`), after releasing those taken.
   */
  readonly onBusy?: (index: number) => Error;
}

// One bigint parameter or one text parameter: the other is null.
const KEY = 'coalesce($1::bigint, hashtext($2::text))';
const LOCK_SQL = `SELECT pg_advisory_lock(${KEY})`;
const TRY_LOCK_SQL = `SELECT pg_try_advisory_lock(${KEY}) AS locked`;
const UNLOCK_SQL = `SELECT pg_advisory_unlock(${KEY})`;

function keyParameters(key: AdvisoryLockKey): [string | null, string | null] {
  return typeof key === 'bigint' ? [key.toString(), null] : [null, key];
}

/** Takes the lock; false when a try found it held elsewhere. */
async function lock(
  client: pg.ClientBase,
  key: AdvisoryLockKey,
  options: SessionLockOptions,
): Promise<boolean> {
  if (options.onBusy === undefined) {
    await client.query(LOCK_SQL, keyParameters(key));
    return true;
  }
  const { rows } = await client.query<{ locked: boolean }>(TRY_LOCK_SQL, keyParameters(key));
  return rows[0]?.locked === true;
}

/** Unlocks in order; the first failure, if any (the rest are then left to the connection's close). */
async function unlockAll(
  client: pg.ClientBase,
  held: readonly AdvisoryLockKey[],
): Promise<Error | undefined> {
  for (const key of held) {
    try {
      await client.query(UNLOCK_SQL, keyParameters(key));
    } catch (failure) {
      return failure instanceof Error ? failure : new Error(String(failure));
    }
  }
  return undefined;
}

/**
 * Runs `work` on a connection of its own that holds session-level advisory locks on
 * `keys`, taken in the order given (give every holder the same order: no deadlock) and
 * released when the work ends, however it ends. Session locks hold no transaction id, so
 * they do not hold back readers of the log. A connection that could not unlock (or whose
 * transaction could not roll back) is closed, which releases its locks, instead of going
 * back to the pool still holding them for whoever borrows it next.
 */
export async function withSessionLock<T>(
  pool: pg.Pool,
  keys: readonly AdvisoryLockKey[],
  work: (session: LockedSession) => Promise<T>,
  options: SessionLockOptions = {},
): Promise<T> {
  const client = await pool.connect();
  const held: AdvisoryLockKey[] = [];
  let broken: Error | undefined;
  const session: LockedSession = {
    client,
    transaction: (inner) => transactionOn(client, inner, (failure) => (broken = failure)),
  };
  try {
    for (const [index, key] of keys.entries()) {
      if (!(await lock(client, key, options))) throw options.onBusy!(index);
      held.push(key);
    }
    return await work(session);
  } finally {
    broken ??= await unlockAll(client, held);
    client.release(broken);
  }
}
