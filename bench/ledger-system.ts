import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { AggregateStore } from '../src/commands/aggregate-store.js';
import { type CommandContext, metadataFor } from '../src/commands/command-context.js';
import { deterministicUuid } from '../src/commands/deterministic-id.js';
import { type AccountCommand, accountDecider } from '../src/domain/account.decider.js';
import { customerCash, transfer } from '../src/domain/ledger.js';
import { encodeEvent } from '../src/events/event-codec.js';
import { toJson } from '../src/events/event-metadata.js';
import { ACCOUNT_STREAM_PREFIX, accountStream } from '../src/events/stream-names.js';
import { migrate } from '../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../src/infrastructure/database/migrations/index.js';
import { WrongExpectedRevisionError } from '../src/event-store/event-store.errors.js';
import { type EventStore } from '../src/event-store/event-store.port.js';
import { PostgresEventStore } from '../src/infrastructure/event-store/postgres/postgres.event-store.js';
import {
  type AppendSystem,
  type CommandSystem,
  bareAppendProblems,
  bareStreamId,
  totalsFromRows,
} from './bench-systems.js';
import { runLoad } from './load-runner.js';
import { type AccountTotal, type Deposit, benchCommandIds } from './workload.js';

function freshContext(): CommandContext {
  return { ...benchCommandIds(), now: new Date().toISOString() };
}

/**
 * Passes every call straight through and counts the conflicts the AggregateStore will
 * retry: it reports none itself. One extra promise hop per call, microseconds against
 * a command's milliseconds.
 */
class ConflictCountingStore implements EventStore {
  conflicts = 0;

  constructor(private readonly inner: EventStore) {}

  async appendToStream(...args: Parameters<EventStore['appendToStream']>) {
    try {
      return await this.inner.appendToStream(...args);
    } catch (error) {
      if (error instanceof WrongExpectedRevisionError) this.conflicts += 1;
      throw error;
    }
  }
  readStream(...args: Parameters<EventStore['readStream']>) {
    return this.inner.readStream(...args);
  }
  readAll(...args: Parameters<EventStore['readAll']>) {
    return this.inner.readAll(...args);
  }
  readAllAsCsv(...args: Parameters<EventStore['readAllAsCsv']>) {
    return this.inner.readAllAsCsv(...args);
  }
  waitForEvents(...args: Parameters<EventStore['waitForEvents']>) {
    return this.inner.waitForEvents(...args);
  }
  subscribeToAll(...args: Parameters<EventStore['subscribeToAll']>) {
    return this.inner.subscribeToAll(...args);
  }
  headPosition() {
    return this.inner.headPosition();
  }
  close() {
    return this.inner.close();
  }
}

export interface LedgerSystemOptions {
  readonly label: string;
  /**
   * Passed to AggregateStore; undefined keeps its default. 0 makes every command read its
   * stream first, as a process that did not write the stream last (another instance, a
   * restart) must, and as Emmett always does.
   */
  readonly streamCacheSize?: number;
}

/** Ours, wired as the app wires it minus Nest: PostgresEventStore under AggregateStore. */
export class LedgerSystem implements CommandSystem, AppendSystem {
  readonly label: string;
  private readonly eventStore: PostgresEventStore;
  private readonly counting: ConflictCountingStore;
  private readonly aggregates: AggregateStore;

  constructor(
    private readonly pool: pg.Pool,
    options: LedgerSystemOptions,
  ) {
    this.label = options.label;
    this.eventStore = new PostgresEventStore(pool);
    this.counting = new ConflictCountingStore(this.eventStore);
    this.aggregates = new AggregateStore(
      this.counting,
      options.streamCacheSize === undefined
        ? undefined
        : { streamCacheSize: options.streamCacheSize },
    );
  }

  get conflicts(): number {
    return this.counting.conflicts;
  }

  async openAccounts(ids: readonly string[], concurrency: number): Promise<void> {
    await migrate(this.pool, MIGRATIONS);
    const result = await runLoad(ids.length, concurrency, (index) => {
      const accountId = ids[index]!;
      return this.aggregates.execute(
        accountStream(accountId),
        accountDecider,
        (): AccountCommand => ({
          type: 'OpenAccount',
          accountId,
          customerId: `customer-${index}`,
          name: `Bench account ${index}`,
          currency: 'USD',
        }),
        freshContext(),
      );
    });
    if (result.failures > 0)
      throw new Error(`${this.label}: opening accounts: ${result.firstFailure}`);
    // Fresh tables: give the planner real statistics before anything is timed.
    await this.pool.query('ANALYZE');
  }

  async deposit(accountId: string, deposit: Deposit): Promise<void> {
    const context = freshContext();
    // As MoveFundsHandler does: the payment id follows from the command id.
    const paymentId = deterministicUuid('payment', context.commandId);
    await this.aggregates.execute(
      accountStream(accountId),
      accountDecider,
      (): AccountCommand => ({
        type: 'DepositFunds',
        paymentId,
        amountMinor: BigInt(deposit.amountMinor),
        reference: deposit.reference,
      }),
      context,
    );
  }

  async depositTotals(): Promise<Map<string, AccountTotal>> {
    const { rows } = await this.pool.query<{ stream_id: string; count: string; sum: string }>(
      `SELECT stream_id, count(*)::text AS count, sum((data->>'amountMinor')::numeric)::text AS sum
       FROM ledger_events WHERE stream_id ^@ $1 AND type LIKE 'FundsDeposited.%'
       GROUP BY stream_id`,
      [ACCOUNT_STREAM_PREFIX],
    );
    return totalsFromRows(rows, ACCOUNT_STREAM_PREFIX);
  }

  /**
   * The event a deposit writes, appended with no read and no check: what the store alone
   * costs per write. Same data and metadata shape as a real FundsDeposited.
   */
  async append(streamIndex: number, deposit: Deposit): Promise<void> {
    const context = freshContext();
    const amountMinor = BigInt(deposit.amountMinor);
    const streamId = bareStreamId(streamIndex);
    await this.eventStore.appendToStream(
      streamId,
      [
        {
          id: randomUUID(),
          ...encodeEvent({
            type: 'FundsDeposited',
            data: {
              paymentId: deterministicUuid('payment', context.commandId),
              amountMinor,
              reference: deposit.reference,
              postings: transfer('external-bank', customerCash(streamId), amountMinor),
            },
          }),
          metadata: toJson(metadataFor(context)),
        },
      ],
      { expectedRevision: 'any' },
    );
  }

  async verify(expectedRows: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ events: string; broken_streams: string }>(
      `SELECT coalesce(sum(n), 0)::text AS events,
              count(*) FILTER (WHERE n <> last_revision + 1)::text AS broken_streams
       FROM (SELECT stream_id, count(*) AS n, max(revision) AS last_revision
             FROM ledger_events WHERE stream_id ^@ 'bench_bare-' GROUP BY stream_id) AS s`,
    );
    return bareAppendProblems(rows[0]!, expectedRows, 'revisions');
  }

  async close(): Promise<void> {
    await this.eventStore.close();
  }
}
