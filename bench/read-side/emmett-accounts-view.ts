import { performance } from 'node:perf_hooks';
import { type Event, type ReadEvent } from '@event-driven-io/emmett';
import {
  type PostgresEventStore,
  getPostgreSQLEventStore,
  pongoSingleStreamProjection,
  rebuildPostgreSQLProjections,
} from '@event-driven-io/emmett-postgresql';
import type pg from 'pg';
import { parseStoredTypeName } from '../../src/events/event-catalog.js';
import { type JsonObject } from '../../src/event-store/event-store.port.js';

/**
 * The accounts view written the way Emmett's guides write one: a Pongo document per
 * account stream, evolved event by event (`pongoSingleStreamProjection`), rebuilt with
 * `rebuildPostgreSQLProjections`. It keeps what view_accounts keeps (status, currency,
 * balance, reserved cash) and folds the same events the same way; it does not keep the
 * statement lines our accounts projection also writes.
 *
 * Events are appended as our store holds them: the type without its version suffix and
 * the data exactly as `encodeEvent` wrote it (money as decimal strings).
 */

const COLLECTION = 'accounts_balance';

/** Money as our codec stores it (a decimal string); Emmett's JSON reviver may hand back a bigint. */
type Minor = string;

type AccountOpened = Event<'AccountOpened', { accountId: string; currency: string }>;
type FundsDeposited = Event<'FundsDeposited', { amountMinor: Minor }>;
type FundsWithdrawn = Event<'FundsWithdrawn', { amountMinor: Minor }>;
type CashReserved = Event<'CashReserved', { amountMinor: Minor }>;
type CashReservationReleased = Event<'CashReservationReleased', { amountMinor: Minor }>;
type FeeCharged = Event<'FeeCharged', { amountMinor: Minor; fromReservationMinor: Minor }>;
type FeeRefunded = Event<'FeeRefunded', { amountMinor: Minor }>;
type TradeCashSettled = Event<
  'TradeCashSettled',
  { side: 'BUY' | 'SELL'; amountMinor: Minor; fromReservationMinor: Minor }
>;
type AccountClosed = Event<'AccountClosed', { accountId: string }>;
type AccountViewEvent =
  | AccountOpened
  | FundsDeposited
  | FundsWithdrawn
  | CashReserved
  | CashReservationReleased
  | FeeCharged
  | FeeRefunded
  | TradeCashSettled
  | AccountClosed;

interface AccountBalance extends Record<string, unknown> {
  readonly accountId: string;
  readonly currency: string;
  readonly status: 'OPEN' | 'CLOSED';
  readonly balanceMinor: Minor;
  readonly reservedMinor: Minor;
}

function minor(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'string' || typeof value === 'number') return BigInt(value);
  throw new Error(`not an amount: ${JSON.stringify(value)}`);
}

function moved(document: AccountBalance, balance: bigint, reserved: bigint): AccountBalance {
  return {
    ...document,
    balanceMinor: (minor(document.balanceMinor) + balance).toString(),
    reservedMinor: (minor(document.reservedMinor) + reserved).toString(),
  };
}

function evolve(
  document: AccountBalance | null,
  { type, data }: ReadEvent<AccountViewEvent>,
): AccountBalance | null {
  if (type === 'AccountOpened') {
    return {
      accountId: data.accountId,
      currency: data.currency,
      status: 'OPEN',
      balanceMinor: '0',
      reservedMinor: '0',
    };
  }
  if (document === null) throw new Error(`${type} before AccountOpened`);
  switch (type) {
    case 'FundsDeposited':
    case 'FeeRefunded':
      return moved(document, minor(data.amountMinor), 0n);
    case 'FundsWithdrawn':
      return moved(document, -minor(data.amountMinor), 0n);
    case 'CashReserved':
      return moved(document, 0n, minor(data.amountMinor));
    case 'CashReservationReleased':
      return moved(document, 0n, -minor(data.amountMinor));
    case 'FeeCharged':
      return moved(document, -minor(data.amountMinor), -minor(data.fromReservationMinor));
    case 'TradeCashSettled': {
      const amount = minor(data.amountMinor);
      return moved(
        document,
        data.side === 'BUY' ? -amount : amount,
        -minor(data.fromReservationMinor),
      );
    }
    case 'AccountClosed':
      return { ...document, status: 'CLOSED' };
  }
}

export const emmettAccountsProjection = pongoSingleStreamProjection<
  AccountBalance,
  AccountViewEvent
>({
  collectionName: COLLECTION,
  canHandle: [
    'AccountOpened',
    'FundsDeposited',
    'FundsWithdrawn',
    'CashReserved',
    'CashReservationReleased',
    'FeeCharged',
    'FeeRefunded',
    'TradeCashSettled',
    'AccountClosed',
  ],
  evolve,
});

export interface EmmettAccountTotals {
  readonly accounts: number;
  readonly closed: number;
  readonly balanceMinor: bigint;
  readonly reservedMinor: bigint;
}

/** Emmett's store and its rebuilt accounts view, in a database of its own. */
export class EmmettAccountsView {
  private readonly store: PostgresEventStore;

  /** `pool` is used for loading and reading only; the rebuild opens its own (Emmett's default). */
  constructor(
    private readonly url: string,
    private readonly pool: pg.Pool,
  ) {
    this.store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
  }

  /**
   * Appends every event of our log (read from `source`, the database our log is in)
   * through Emmett's store: untimed setup. A stream's events go in one append (at most
   * `chunk` events each), so a million events load in minutes rather than hours; Emmett's
   * global order is therefore stream by stream, which changes nothing for a per-account
   * view.
   *
   * One append at a time, deliberately. Emmett 0.42 reads its log in (transaction_id,
   * global_position) order but skips every message whose global_position is at or below
   * the last one it checkpointed; appends running in parallel interleave their sequence
   * values, and its rebuild then drops events (seen while writing this bench). Serial
   * appends give a log whose two orders agree. The pool given to the constructor should
   * have synchronous_commit off to make this quick; it is not used by the timed rebuild.
   */
  async load(
    source: pg.Pool,
    chunk = 500,
  ): Promise<{ events: number; appends: number; seconds: number }> {
    await this.store.schema.migrate();
    const started = performance.now();
    let events = 0;
    let appends = 0;
    let after: { streamId: string; revision: string } = { streamId: '', revision: '-1' };
    let run: { streamId: string; events: Event<string, JsonObject, JsonObject>[] } | undefined;
    const flush = async (): Promise<void> => {
      if (!run) return;
      await this.store.appendToStream(run.streamId, run.events);
      appends += 1;
      run = undefined;
    };
    for (;;) {
      // Not aliased `revision`: ORDER BY would then sort by the text ('100' < '99').
      const { rows } = await source.query<{
        stream_id: string;
        revision_text: string;
        type: string;
        data: JsonObject;
        metadata: JsonObject;
      }>(
        `SELECT stream_id, revision::text AS revision_text, type, data, metadata FROM ledger_events
         WHERE (stream_id, revision) > ($1, $2::bigint) ORDER BY stream_id, revision LIMIT 10000`,
        [after.streamId, after.revision],
      );
      if (rows.length === 0) break;
      const last = rows[rows.length - 1]!;
      after = { streamId: last.stream_id, revision: last.revision_text };
      for (const row of rows) {
        if (run && (run.streamId !== row.stream_id || run.events.length >= chunk)) await flush();
        run ??= { streamId: row.stream_id, events: [] };
        run.events.push({
          type: parseStoredTypeName(row.type)?.type ?? row.type,
          data: row.data,
          metadata: row.metadata,
        });
        events += 1;
      }
    }
    await flush();
    await this.pool.query('VACUUM ANALYZE');
    return { events, appends, seconds: (performance.now() - started) / 1_000 };
  }

  /**
   * Back to nothing before a timed rebuild: the rebuild truncates the collection itself,
   * but it would resume from the checkpoint a previous rebuild stored.
   */
  async reset(): Promise<void> {
    await this.pool.query(`DELETE FROM emt_processors`).catch(() => undefined);
    await this.pool.query(`TRUNCATE ${COLLECTION}`).catch(() => undefined);
  }

  /**
   * Emmett's rebuild of the view from the start of its log, until no events are left or
   * `maxSeconds` have passed (then it is stopped, and `events` says how far it got: the
   * events up to its stored checkpoint). Its puller sleeps `pullingFrequencyInMs` (50 ms
   * by default) between batches even when more are waiting; 0 here, so that the figure is
   * Emmett's processing, not a setting: it still waits 100 ms once after its first batch.
   * Batches as ours.
   */
  async rebuild(
    batchSize: number,
    maxSeconds: number,
  ): Promise<{ seconds: number; finished: boolean; events: number }> {
    const consumer = rebuildPostgreSQLProjections<AccountViewEvent>({
      connectionString: this.url,
      projections: [emmettAccountsProjection],
      pulling: { batchSize, pullingFrequencyInMs: 0 },
    });
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    const run = consumer.start().then(() => true);
    // Observed at once: a failure after the time limit must not go unhandled.
    run.catch(() => undefined);
    let finished: boolean;
    try {
      finished = await Promise.race([
        run,
        new Promise<false>((resolve) => {
          timer = setTimeout(() => resolve(false), maxSeconds * 1_000);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      // Stopped before it is timed and counted: a batch it finishes meanwhile counts on both sides.
      await consumer.close();
    }
    const seconds = (performance.now() - started) / 1_000;
    return { seconds, finished, events: finished ? await this.count() : await this.processed() };
  }

  /** Events in Emmett's log. */
  private async count(): Promise<number> {
    const { rows } = await this.pool.query<{ events: string }>(
      'SELECT count(*)::text AS events FROM emt_messages',
    );
    return Number(rows[0]!.events);
  }

  /** Events up to the rebuild's stored checkpoint (a zero-padded global position). */
  private async processed(): Promise<number> {
    const { rows } = await this.pool.query<{ events: string }>(
      `SELECT count(*)::text AS events FROM emt_messages
       WHERE global_position <= (SELECT max(last_processed_checkpoint::bigint) FROM emt_processors)`,
    );
    return Number(rows[0]!.events);
  }

  async totals(): Promise<EmmettAccountTotals> {
    const { rows } = await this.pool.query<{
      accounts: string;
      closed: string;
      balance: string | null;
      reserved: string | null;
    }>(
      `SELECT count(*)::text AS accounts,
              count(*) FILTER (WHERE data->>'status' = 'CLOSED')::text AS closed,
              sum((data->>'balanceMinor')::numeric)::text AS balance,
              sum((data->>'reservedMinor')::numeric)::text AS reserved
       FROM ${COLLECTION}`,
    );
    const row = rows[0]!;
    return {
      accounts: Number(row.accounts),
      closed: Number(row.closed),
      balanceMinor: BigInt(row.balance ?? '0'),
      reservedMinor: BigInt(row.reserved ?? '0'),
    };
  }

  /** Emmett does not end a pool it was handed; the caller ends `pool` after this. */
  async close(): Promise<void> {
    await this.store.close();
  }
}
