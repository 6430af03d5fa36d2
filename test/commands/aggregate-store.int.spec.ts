import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AggregateStore,
  type CommandOutcome,
  type StreamResult,
} from '../../src/commands/aggregate-store.js';
import { CommandRejectedError } from '../../src/shared/ledger-errors.js';
import { type CommandContext } from '../../src/commands/command-context.js';
import { type AccountCommand, accountDecider } from '../../src/domain/account.decider.js';
import { accountStream } from '../../src/events/stream-names.js';
import { createPool } from '../../src/infrastructure/database/create-pool.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

function context(commandId: string = randomUUID()): CommandContext {
  return {
    commandId,
    correlationId: commandId,
    causationId: commandId,
    userId: 'test',
    now: new Date().toISOString(),
  };
}

/** The stream after a command that was not refused. */
function resultOf<S>(outcome: CommandOutcome<S>): StreamResult<S> {
  if (outcome.outcome === 'rejected') {
    expect.unreachable(`refused: ${outcome.rejection.code} ${outcome.rejection.message}`);
  }
  return outcome.result;
}

describe('AggregateStore', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let store: PostgresEventStore;

  beforeEach(async () => {
    database = await createTestDatabase();
    pool = createPool({ connectionString: database.url, max: 10 });
    await migrate(pool, MIGRATIONS);
    store = new PostgresEventStore(pool);
  });
  afterEach(async () => {
    await store.close();
    await pool.end();
    await database.drop();
  });

  async function run(
    aggregates: AggregateStore,
    accountId: string,
    command: AccountCommand,
    commandId?: string,
  ) {
    return aggregates.execute(
      accountStream(accountId),
      accountDecider,
      () => command,
      context(commandId),
    );
  }

  /** As `run`, through the call that answers a refusal with an outcome instead of throwing. */
  async function attempt(
    aggregates: AggregateStore,
    accountId: string,
    command: AccountCommand,
    commandId?: string,
  ) {
    return aggregates.tryExecute(
      accountStream(accountId),
      accountDecider,
      () => command,
      context(commandId),
    );
  }

  function openAccount(aggregates: AggregateStore, accountId: string) {
    return run(aggregates, accountId, {
      type: 'OpenAccount',
      accountId,
      customerId: 'c',
      name: 'n',
      currency: 'USD',
    });
  }

  it.each([
    ['with', 10_000],
    ['without', 0],
  ])(
    'decides on the current state %s its stream cache when another process wrote meanwhile',
    async (_, size) => {
      // Two stores: two processes writing the same account.
      const first = new AggregateStore(store, { streamCacheSize: size });
      const second = new AggregateStore(store, { streamCacheSize: size });
      const accountId = randomUUID();
      await openAccount(first, accountId);
      await run(first, accountId, {
        type: 'DepositFunds',
        paymentId: 'p1',
        amountMinor: 100n,
        reference: 'r',
      });

      await run(second, accountId, {
        type: 'WithdrawFunds',
        paymentId: 'p2',
        amountMinor: 80n,
        reference: 'r',
      });
      // `first` last saw a balance of 100: only the stream's real state may decide.
      const refused = await run(first, accountId, {
        type: 'WithdrawFunds',
        paymentId: 'p3',
        amountMinor: 50n,
        reference: 'r',
      }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(CommandRejectedError);
      expect((refused as CommandRejectedError).rejection.code).toBe('INSUFFICIENT_FUNDS');

      const accepted = await run(first, accountId, {
        type: 'WithdrawFunds',
        paymentId: 'p4',
        amountMinor: 20n,
        reference: 'r',
      });
      expect(accepted.state.balanceMinor).toBe(0n);
      expect(accepted.revision).toBe(3n);
      expect((await first.load(accountStream(accountId), accountDecider)).state.balanceMinor).toBe(
        0n,
      );
    },
  );

  it.each([
    ['with', 10_000],
    ['without', 0],
  ])(
    'refuses a command only on the current state %s its stream cache when another process wrote meanwhile',
    async (_, size) => {
      const first = new AggregateStore(store, { streamCacheSize: size });
      const second = new AggregateStore(store, { streamCacheSize: size });
      const accountId = randomUUID();
      await openAccount(first, accountId);
      await run(second, accountId, {
        type: 'DepositFunds',
        paymentId: 'p1',
        amountMinor: 100n,
        reference: 'r',
      });
      // `first` last saw an empty account: a stale refusal would be INSUFFICIENT_FUNDS.
      const accepted = await run(first, accountId, {
        type: 'WithdrawFunds',
        paymentId: 'p2',
        amountMinor: 60n,
        reference: 'r',
      });
      expect(accepted).toMatchObject({ appended: 1, revision: 2n });
      expect(accepted.state.balanceMinor).toBe(40n);
    },
  );

  it('does not run a command again that is already in the stream, cached or not', async () => {
    const accountId = randomUUID();
    const writer = new AggregateStore(store);
    await openAccount(writer, accountId);
    const commandId = randomUUID();
    const deposit: AccountCommand = {
      type: 'DepositFunds',
      paymentId: 'p',
      amountMinor: 5n,
      reference: 'r',
    };
    const first = await run(writer, accountId, deposit, commandId);
    const cachedRetry = await run(writer, accountId, deposit, commandId);
    const freshRetry = await run(new AggregateStore(store), accountId, deposit, commandId);
    for (const retry of [cachedRetry, freshRetry]) {
      expect(retry).toMatchObject({ revision: first.revision, appended: 0 });
    }
    expect(await store.readStream(accountStream(accountId))).toHaveLength(2);
  });

  describe('tryExecute: the decision as an outcome, with the write', () => {
    const deposit: AccountCommand = {
      type: 'DepositFunds',
      paymentId: 'p',
      amountMinor: 70n,
      reference: 'r',
    };

    it('accepted: the events appended and the stream after them', async () => {
      const aggregates = new AggregateStore(store);
      const accountId = randomUUID();
      await openAccount(aggregates, accountId);
      const outcome = await attempt(aggregates, accountId, deposit);
      expect(outcome).toMatchObject({
        outcome: 'accepted',
        result: { streamId: accountStream(accountId), revision: 1n, appended: 1 },
      });
      expect(resultOf(outcome).state.balanceMinor).toBe(70n);
      expect(await store.readStream(accountStream(accountId))).toHaveLength(2);
    });

    it.each([
      ['with', 10_000],
      ['without', 0],
    ])(
      'rejected: the decider refusal with its code, nothing written, %s its stream cache',
      async (_, size) => {
        const aggregates = new AggregateStore(store, { streamCacheSize: size });
        const accountId = randomUUID();
        await openAccount(aggregates, accountId);
        await attempt(aggregates, accountId, deposit);
        const refused = await attempt(aggregates, accountId, {
          type: 'WithdrawFunds',
          paymentId: 'w',
          amountMinor: 71n,
          reference: 'r',
        });
        expect(refused).toEqual({
          outcome: 'rejected',
          rejection: { code: 'INSUFFICIENT_FUNDS', message: expect.any(String) },
        });
        const missing = await attempt(aggregates, randomUUID(), deposit);
        expect(missing).toEqual({
          outcome: 'rejected',
          rejection: { code: 'NOT_FOUND', message: 'Account not found' },
        });
        expect(await store.readStream(accountStream(accountId))).toHaveLength(2);
      },
    );

    it('already done: a replayed command id, cached or not, answers the first write', async () => {
      const writer = new AggregateStore(store);
      const accountId = randomUUID();
      await openAccount(writer, accountId);
      const commandId = randomUUID();
      const first = await attempt(writer, accountId, deposit, commandId);
      expect(first.outcome).toBe('accepted');
      const { revision, position } = resultOf(first);
      for (const aggregates of [writer, new AggregateStore(store)]) {
        const replay = await attempt(aggregates, accountId, deposit, commandId);
        expect(replay).toMatchObject({
          outcome: 'already-done',
          result: { revision, position, appended: 0 },
        });
        expect(resultOf(replay).state.balanceMinor).toBe(70n);
      }
      expect(await store.readStream(accountStream(accountId))).toHaveLength(2);
    });

    it('already done: a new command the decider finds already in effect', async () => {
      const aggregates = new AggregateStore(store);
      const accountId = randomUUID();
      await openAccount(aggregates, accountId);
      // Nothing reserved for this order: releasing it has nothing left to do.
      const outcome = await attempt(aggregates, accountId, { type: 'ReleaseCash', orderId: 'o' });
      expect(outcome).toMatchObject({
        outcome: 'already-done',
        result: { revision: 0n, appended: 0 },
      });
      expect(await store.readStream(accountStream(accountId))).toHaveLength(1);
    });

    it('execute throws the same refusal as CommandRejectedError', async () => {
      const aggregates = new AggregateStore(store);
      const refused = await run(aggregates, randomUUID(), deposit).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(CommandRejectedError);
      expect((refused as CommandRejectedError).rejection).toEqual({
        code: 'NOT_FOUND',
        message: 'Account not found',
      });
    });
  });
});
