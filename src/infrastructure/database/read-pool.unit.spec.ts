import type pg from 'pg';
import { describe, expect, it, vi } from 'vitest';
import { RECOVERY_CONFLICT_RETRY, ReadPool, isRecoveryConflict } from './read-pool.js';

function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

const CONFLICT = pgError('40001', 'canceling statement due to conflict with recovery');
const RESULT = { rows: [{ n: 1 }] } as unknown as pg.QueryResult;

/** A pool whose queries fail with `failures` in turn, then answer RESULT. */
function poolFailing(...failures: Error[]): { pool: pg.Pool; query: ReturnType<typeof vi.fn> } {
  const query = vi.fn(() => {
    const failure = failures.shift();
    return failure === undefined ? Promise.resolve(RESULT) : Promise.reject(failure);
  });
  return { pool: { query } as unknown as pg.Pool, query };
}

describe('isRecoveryConflict', () => {
  it('knows the SQLSTATEs a standby cancels reads with', () => {
    expect(isRecoveryConflict(CONFLICT)).toBe(true);
    expect(
      isRecoveryConflict(pgError('40P01', 'canceling statement due to conflict with recovery')),
    ).toBe(true);
  });

  it('refuses anything else', () => {
    expect(isRecoveryConflict(pgError('42P01', 'relation "x" does not exist'))).toBe(false);
    expect(
      isRecoveryConflict(pgError('57014', 'canceling statement due to statement timeout')),
    ).toBe(false);
    expect(isRecoveryConflict(new Error('connection terminated'))).toBe(false);
    expect(isRecoveryConflict('40001')).toBe(false);
    expect(isRecoveryConflict(null)).toBe(false);
  });
});

describe('ReadPool', () => {
  it('retries a replica read cancelled by recovery, and answers', async () => {
    const { pool, query } = poolFailing(CONFLICT, CONFLICT);
    await expect(new ReadPool(pool, true).query('SELECT 1', [])).resolves.toBe(RESULT);
    expect(query).toHaveBeenCalledTimes(3);
  });

  it(`gives up after ${RECOVERY_CONFLICT_RETRY.maxAttempts} attempts with the last conflict`, async () => {
    const conflicts = Array.from({ length: RECOVERY_CONFLICT_RETRY.maxAttempts }, () => CONFLICT);
    const { pool, query } = poolFailing(...conflicts);
    await expect(new ReadPool(pool, true).query('SELECT 1')).rejects.toBe(CONFLICT);
    expect(query).toHaveBeenCalledTimes(RECOVERY_CONFLICT_RETRY.maxAttempts);
  });

  it('does not retry any other failure', async () => {
    const missing = pgError('42P01', 'relation "x" does not exist');
    const { pool, query } = poolFailing(missing);
    await expect(new ReadPool(pool, true).query('SELECT 1')).rejects.toBe(missing);
    expect(query).toHaveBeenCalledTimes(1);
  });

  it('runs a query on the primary once, as it always did', async () => {
    const { pool, query } = poolFailing(CONFLICT);
    await expect(new ReadPool(pool, false).query('SELECT 1')).rejects.toBe(CONFLICT);
    expect(query).toHaveBeenCalledTimes(1);
  });

  it('sends a named statement as a prepared one, plain text as it is', async () => {
    const { pool, query } = poolFailing();
    const reads = new ReadPool(pool, false);
    await reads.query({ name: 'one', text: 'SELECT $1::int' }, [1]);
    await reads.query('SELECT 2');
    expect(query).toHaveBeenNthCalledWith(1, { name: 'one', text: 'SELECT $1::int', values: [1] });
    expect(query).toHaveBeenNthCalledWith(2, { text: 'SELECT 2', values: undefined });
  });
});
