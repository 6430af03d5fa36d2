import { describe, expect, it } from 'vitest';
import { withSessionLock } from '../../src/infrastructure/database/session-lock.js';
import { RecordingConnection } from '../support/recording-connection.js';

class Busy extends Error {}
class WorkFailed extends Error {}

const isLock = (sql: string): boolean => sql.includes('pg_advisory_lock');
const isTry = (sql: string): boolean => sql.includes('pg_try_advisory_lock');
const isUnlock = (sql: string): boolean => sql.includes('pg_advisory_unlock');

/** The statements sent, by kind, with the key each named. */
function trace(connection: RecordingConnection): string[] {
  return connection.sent.map((sql, index) => {
    const [id, name] = (connection.parameters[index] ?? []) as [string | null, string | null];
    const key = id ?? name ?? '';
    if (isTry(sql)) return `try ${key}`;
    if (isLock(sql)) return `lock ${key}`;
    if (isUnlock(sql)) return `unlock ${key}`;
    return sql;
  });
}

describe('withSessionLock', () => {
  it('holds the locks, in the order given, for the work, then unlocks and returns the connection', async () => {
    const connection = new RecordingConnection();
    const result = await withSessionLock(connection.pool, [7n, 'b', 'a'], async (session) => {
      await session.client.query('SELECT work');
      return 'done';
    });
    expect(result).toBe('done');
    expect(trace(connection)).toEqual([
      'lock 7',
      'lock b',
      'lock a',
      'SELECT work',
      'unlock 7',
      'unlock b',
      'unlock a',
    ]);
    // A number is the key itself; a name is hashed by the server.
    expect(connection.parameters[0]).toEqual(['7', null]);
    expect(connection.parameters[1]).toEqual([null, 'b']);
    expect(connection.releases).toEqual([undefined]);
  });

  it('unlocks when the work fails, and rethrows its error', async () => {
    const connection = new RecordingConnection();
    const failure = new WorkFailed('no');
    await expect(
      withSessionLock(connection.pool, ['a'], async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(trace(connection)).toEqual(['lock a', 'unlock a']);
    expect(connection.releases).toEqual([undefined]);
  });

  it('closes a connection that could not unlock rather than return it to the pool still holding a lock', async () => {
    const broken = new Error('connection terminated');
    const connection = new RecordingConnection((sql) => (isUnlock(sql) ? broken : undefined));
    await expect(withSessionLock(connection.pool, ['a', 'b'], async () => 'done')).resolves.toBe(
      'done',
    );
    // Closing the session frees every lock it holds: no point trying the others.
    expect(trace(connection)).toEqual(['lock a', 'lock b', 'unlock a']);
    expect(connection.releases).toEqual([broken]);
  });

  it('fails at once with onBusy when a tried lock is held elsewhere, after unlocking those it took', async () => {
    // The first try gets its lock; the second finds it held.
    let tries = 0;
    const connection = new RecordingConnection((sql) =>
      isTry(sql) ? { rows: [{ locked: ++tries === 1 }] } : undefined,
    );
    let ran = false;
    await expect(
      withSessionLock(
        connection.pool,
        ['a', 'b', 'c'],
        async () => {
          ran = true;
        },
        { onBusy: (index) => new Busy(`busy ${index}`) },
      ),
    ).rejects.toThrow(new Busy('busy 1'));
    expect(ran).toBe(false);
    expect(trace(connection)).toEqual(['try a', 'try b', 'unlock a']);
    expect(connection.releases).toEqual([undefined]);
  });

  it('runs transactions on the locked connection, and closes it when one could not roll back', async () => {
    const broken = new Error('connection terminated');
    const connection = new RecordingConnection((sql) => (sql === 'ROLLBACK' ? broken : undefined));
    const failure = new WorkFailed('no');
    await expect(
      withSessionLock(connection.pool, ['a'], async (session) => {
        await session.transaction(async (client) => client.query('SELECT committed'));
        await session.transaction(async () => {
          throw failure;
        });
      }),
    ).rejects.toBe(failure);
    // The connection is closed, which frees the lock: no unlock on a connection in an unknown state.
    expect(trace(connection)).toEqual([
      'lock a',
      'BEGIN',
      'SELECT committed',
      'COMMIT',
      'BEGIN',
      'ROLLBACK',
    ]);
    expect(connection.releases).toEqual([broken]);
  });
});
