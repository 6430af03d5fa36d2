import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { type AppendSystem, bareStreamId } from './bench-systems.js';
import { type Deposit } from './workload.js';

/**
 * The ceiling: one single-row INSERT per write, autocommitted, into a table with
 * nothing but a bigserial key. No event store can append faster than this on the same
 * server, pool size and payload size.
 */
export class RawInsertSystem implements AppendSystem {
  readonly label = 'raw INSERT';
  readonly conflicts = 0;

  constructor(private readonly pool: pg.Pool) {}

  async createTable(): Promise<void> {
    await this.pool.query(`
      CREATE TABLE bench_raw (
        id bigserial PRIMARY KEY,
        stream_id text NOT NULL,
        data jsonb NOT NULL
      )`);
  }

  async append(streamIndex: number, deposit: Deposit): Promise<void> {
    const streamId = bareStreamId(streamIndex);
    const amount = String(deposit.amountMinor);
    const id = randomUUID();
    // The same fields a FundsDeposited event carries in its data and metadata, so the
    // row is as wide as an event row's JSON.
    const data = JSON.stringify({
      data: {
        paymentId: randomUUID(),
        amountMinor: amount,
        reference: deposit.reference,
        postings: [
          { ledgerAccount: 'external-bank', amountMinor: `-${amount}` },
          { ledgerAccount: `customer-cash:${streamId}`, amountMinor: amount },
        ],
      },
      metadata: {
        correlationId: id,
        causationId: id,
        commandId: id,
        userId: 'bench',
        occurredAt: new Date().toISOString(),
      },
    });
    await this.pool.query('INSERT INTO bench_raw (stream_id, data) VALUES ($1, $2)', [
      streamId,
      data,
    ]);
  }

  async verify(expectedRows: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ n: string }>(
      'SELECT count(*)::text AS n FROM bench_raw',
    );
    const found = Number(rows[0]!.n);
    return found === expectedRows ? [] : [`expected ${expectedRows} rows, found ${found}`];
  }

  async close(): Promise<void> {
    // Nothing of its own to close: the caller ends the pool.
  }
}
