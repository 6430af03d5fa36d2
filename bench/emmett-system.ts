import { randomUUID } from 'node:crypto';
import {
  type Command,
  CommandHandler,
  type Event,
  IllegalStateError,
  type AsyncRetryOptions,
  NO_CONCURRENCY_CHECK,
  asyncRetry,
  isExpectedVersionConflictError,
} from '@event-driven-io/emmett';
import {
  type PostgresEventStore,
  getPostgreSQLEventStore,
} from '@event-driven-io/emmett-postgresql';
import type pg from 'pg';
import { ACCOUNT_STREAM_PREFIX, accountStream } from '../src/events/stream-names.js';
import {
  type AppendSystem,
  type CommandSystem,
  bareAppendProblems,
  bareStreamId,
  totalsFromRows,
} from './bench-systems.js';
import { runLoad } from './load-runner.js';
import { type AccountTotal, type Deposit, benchCommandIds } from './workload.js';

/**
 * The account written the way Emmett's guides write it: plain command and event types,
 * `decide` returning events and throwing on a broken rule, `evolve` folding events into
 * a small state. Payloads carry what ours carries (payment id, postings, the same five
 * metadata fields), so both stores write and read the same amount of JSON.
 */
interface Posting {
  readonly ledgerAccount: string;
  readonly amountMinor: number;
}

interface CommandMetadata extends Record<string, unknown> {
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly userId: string;
  readonly occurredAt: string;
}

type OpenAccount = Command<
  'OpenAccount',
  { accountId: string; customerId: string; name: string; currency: string },
  CommandMetadata
>;
type DepositFunds = Command<
  'DepositFunds',
  { paymentId: string; amountMinor: number; reference: string },
  CommandMetadata
>;
type AccountCommand = OpenAccount | DepositFunds;

type AccountOpened = Event<
  'AccountOpened',
  { accountId: string; customerId: string; name: string; currency: string },
  CommandMetadata
>;
type FundsDeposited = Event<
  'FundsDeposited',
  { paymentId: string; amountMinor: number; reference: string; postings: Posting[] },
  CommandMetadata
>;
type AccountEvent = AccountOpened | FundsDeposited;

interface Account {
  readonly status: 'NONE' | 'OPEN';
  readonly accountId: string;
  readonly balanceMinor: number;
}

const initialState = (): Account => ({ status: 'NONE', accountId: '', balanceMinor: 0 });

function evolve(state: Account, event: AccountEvent): Account {
  switch (event.type) {
    case 'AccountOpened':
      return { status: 'OPEN', accountId: event.data.accountId, balanceMinor: 0 };
    case 'FundsDeposited':
      return { ...state, balanceMinor: state.balanceMinor + event.data.amountMinor };
  }
}

function decide(command: AccountCommand, state: Account): AccountEvent {
  switch (command.type) {
    case 'OpenAccount':
      if (state.status !== 'NONE') throw new IllegalStateError('Account already exists');
      return { type: 'AccountOpened', data: command.data, metadata: command.metadata };
    case 'DepositFunds': {
      if (state.status !== 'OPEN') throw new IllegalStateError('Account not found');
      const { paymentId, amountMinor, reference } = command.data;
      return {
        type: 'FundsDeposited',
        data: {
          paymentId,
          amountMinor,
          reference,
          postings: [
            { ledgerAccount: 'external-bank', amountMinor: -amountMinor },
            { ledgerAccount: `customer-cash:${state.accountId}`, amountMinor },
          ],
        },
        metadata: command.metadata,
      };
    }
  }
}

function commandMetadata(): CommandMetadata {
  return { ...benchCommandIds(), occurredAt: new Date().toISOString() };
}

export class EmmettSystem implements CommandSystem, AppendSystem {
  readonly label = 'Emmett';
  conflicts = 0;
  private readonly store: PostgresEventStore;
  private readonly handle;

  private readonly conflictRetry: AsyncRetryOptions = {
    retries: 11,
    factor: 2,
    minTimeout: 2,
    maxTimeout: 50,
    randomize: true,
    shouldRetryError: (error) => {
      if (!isExpectedVersionConflictError(error)) return false;
      this.conflicts += 1;
      return true;
    },
  };

  /**
   * `pool` is handed to Emmett so it runs on exactly as many connections as ours; the
   * caller ends it after `close()`. Emmett's stock conflict retry waits 100 ms and more
   * between attempts, which would charge Emmett for a policy choice rather than for its
   * store, so `conflictRetry` follows the schedule ours uses: up to 12 attempts, backing
   * off from 2 ms to at most 50 ms, randomised.
   */
  constructor(
    connectionString: string,
    private readonly pool: pg.Pool,
  ) {
    this.store = getPostgreSQLEventStore(connectionString, { connectionOptions: { pool } });
    this.handle = CommandHandler<Account, AccountEvent>({
      evolve,
      initialState,
      retry: { onVersionConflict: this.conflictRetry },
    });
  }

  async openAccounts(ids: readonly string[], concurrency: number): Promise<void> {
    // Emmett creates its schema lazily on first use; do it here so no timed phase pays.
    await this.store.schema.migrate();
    const result = await runLoad(ids.length, concurrency, (index) => {
      const accountId = ids[index]!;
      const command: OpenAccount = {
        type: 'OpenAccount',
        data: {
          accountId,
          customerId: `customer-${index}`,
          name: `Bench account ${index}`,
          currency: 'USD',
        },
        metadata: commandMetadata(),
      };
      return this.handle(this.store, accountStream(accountId), (state) => decide(command, state));
    });
    if (result.failures > 0) throw new Error(`Emmett: opening accounts: ${result.firstFailure}`);
    await this.pool.query('ANALYZE');
  }

  async deposit(accountId: string, deposit: Deposit): Promise<void> {
    const command: DepositFunds = {
      type: 'DepositFunds',
      data: {
        paymentId: randomUUID(),
        amountMinor: deposit.amountMinor,
        reference: deposit.reference,
      },
      metadata: commandMetadata(),
    };
    await this.handle(this.store, accountStream(accountId), (state) => decide(command, state));
  }

  async depositTotals(): Promise<Map<string, AccountTotal>> {
    const { rows } = await this.pool.query<{ stream_id: string; count: string; sum: string }>(
      `SELECT stream_id, count(*)::text AS count,
              sum((message_data->>'amountMinor')::numeric)::text AS sum
       FROM emt_messages WHERE stream_id ^@ $1 AND message_type = 'FundsDeposited'
       GROUP BY stream_id`,
      [ACCOUNT_STREAM_PREFIX],
    );
    return totalsFromRows(rows, ACCOUNT_STREAM_PREFIX);
  }

  /**
   * Emmett's own append with no concurrency check: its store's cost per write alone.
   * Even unchecked, two appends racing on one stream can collide (emt_append_to_stream
   * reads the stream's position, then writes position + 1: the loser hits the unique
   * key and Emmett reports a version conflict), so a collision is retried as a command
   * would be.
   */
  async append(streamIndex: number, deposit: Deposit): Promise<void> {
    const streamId = bareStreamId(streamIndex);
    const event: FundsDeposited = {
      type: 'FundsDeposited',
      data: {
        paymentId: randomUUID(),
        amountMinor: deposit.amountMinor,
        reference: deposit.reference,
        postings: [
          { ledgerAccount: 'external-bank', amountMinor: -deposit.amountMinor },
          { ledgerAccount: `customer-cash:${streamId}`, amountMinor: deposit.amountMinor },
        ],
      },
      metadata: commandMetadata(),
    };
    await asyncRetry(
      () =>
        this.store.appendToStream(streamId, [event], {
          expectedStreamVersion: NO_CONCURRENCY_CHECK,
        }),
      this.conflictRetry,
    );
  }

  async verify(expectedRows: number): Promise<string[]> {
    const { rows } = await this.pool.query<{ events: string; broken_streams: string }>(
      `SELECT coalesce(sum(n), 0)::text AS events,
              count(*) FILTER (WHERE n <> last_position)::text AS broken_streams
       FROM (SELECT stream_id, count(*) AS n, max(stream_position) AS last_position
             FROM emt_messages WHERE stream_id ^@ 'bench_bare-' GROUP BY stream_id) AS s`,
    );
    return bareAppendProblems(rows[0]!, expectedRows, 'positions');
  }

  /** Emmett does not end a pool it was handed; the caller ends `pool` after this. */
  async close(): Promise<void> {
    await this.store.close();
  }
}
