import { describe, expect, it } from 'vitest';
import { transactionOn, withTransaction } from '../../src/infrastructure/database/transaction.js';
import { RecordingConnection } from '../support/recording-connection.js';

class WorkFailed extends Error {}

describe('withTransaction', () => {
  it('commits the work and answers its result, then returns the connection to the pool', async () => {
    const connection = new RecordingConnection();
    const result = await withTransaction(connection.pool, async (client) => {
      await client.query('INSERT INTO t VALUES (1)');
      return 42;
    });
    expect(result).toBe(42);
    expect(connection.sent).toEqual(['BEGIN', 'INSERT INTO t VALUES (1)', 'COMMIT']);
    expect(connection.releases).toEqual([undefined]);
  });

  it('rolls back when the work fails and rethrows its error, the connection kept', async () => {
    const connection = new RecordingConnection();
    const failure = new WorkFailed('no');
    await expect(
      withTransaction(connection.pool, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(connection.sent).toEqual(['BEGIN', 'ROLLBACK']);
    expect(connection.releases).toEqual([undefined]);
  });

  it('rolls back when COMMIT fails', async () => {
    const lost = new Error('connection lost at commit');
    const connection = new RecordingConnection((sql) => (sql === 'COMMIT' ? lost : undefined));
    await expect(withTransaction(connection.pool, async () => 1)).rejects.toBe(lost);
    expect(connection.sent).toEqual(['BEGIN', 'COMMIT', 'ROLLBACK']);
    expect(connection.releases).toEqual([undefined]);
  });

  it('fails when the server answers COMMIT with ROLLBACK (a failure the work swallowed)', async () => {
    const connection = new RecordingConnection((sql) =>
      sql === 'COMMIT' ? { command: 'ROLLBACK' } : undefined,
    );
    await expect(withTransaction(connection.pool, async () => 1)).rejects.toThrow(
      'COMMIT answered ROLLBACK',
    );
    expect(connection.sent).toEqual(['BEGIN', 'COMMIT', 'ROLLBACK']);
  });

  it('closes a connection whose ROLLBACK failed, and still rethrows the work error', async () => {
    const broken = new Error('connection terminated');
    const connection = new RecordingConnection((sql) => (sql === 'ROLLBACK' ? broken : undefined));
    const failure = new WorkFailed('no');
    await expect(
      withTransaction(connection.pool, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(connection.releases).toEqual([broken]);
  });

  it('treats a failed BEGIN as the work failing: rolled back, the connection closed if that fails too', async () => {
    const down = new Error('connection terminated');
    const connection = new RecordingConnection((sql) =>
      sql === 'BEGIN' || sql === 'ROLLBACK' ? down : undefined,
    );
    let ran = false;
    await expect(
      withTransaction(connection.pool, async () => {
        ran = true;
      }),
    ).rejects.toBe(down);
    expect(ran).toBe(false);
    expect(connection.releases).toEqual([down]);
  });
});

describe('transactionOn', () => {
  it('leaves the connection to its holder, and tells it when the ROLLBACK failed', async () => {
    const broken = new Error('connection terminated');
    const connection = new RecordingConnection((sql) => (sql === 'ROLLBACK' ? broken : undefined));
    const told: Error[] = [];
    const failure = new WorkFailed('no');
    await expect(
      transactionOn(
        connection.client,
        async () => {
          throw failure;
        },
        (rollbackFailure) => told.push(rollbackFailure),
      ),
    ).rejects.toBe(failure);
    expect(told).toEqual([broken]);
    expect(connection.releases).toEqual([]);
  });

  it('tells nothing when the ROLLBACK went through', async () => {
    const connection = new RecordingConnection();
    const told: Error[] = [];
    await expect(
      transactionOn(
        connection.client,
        async () => {
          throw new WorkFailed('no');
        },
        (rollbackFailure) => told.push(rollbackFailure),
      ),
    ).rejects.toBeInstanceOf(WorkFailed);
    expect(told).toEqual([]);
  });
});
