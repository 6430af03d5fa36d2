import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_POOL } from '../../src/infrastructure/database/database.tokens.js';
import { type TestApp, startTestApp, temporaryDataDir } from '../support/test-app.js';
import {
  type CommandResultData,
  DEPOSIT,
  OPEN_ACCOUNT,
  PLACE_ORDER,
} from './graphql-operations.js';

let dataDir: Awaited<ReturnType<typeof temporaryDataDir>>;
beforeAll(async () => {
  dataDir = await temporaryDataDir();
});
afterAll(async () => {
  await dataDir.remove();
});

async function withApp<T>(work: (ledger: TestApp) => Promise<T>): Promise<T> {
  const ledger = await startTestApp({ dataDir: dataDir.dir });
  try {
    return await work(ledger);
  } finally {
    await ledger.close();
  }
}

function data<T>(response: { data?: unknown; errors?: unknown }, name: string): T {
  expect(response.errors).toBeUndefined();
  return (response.data as Record<string, T>)[name]!;
}

describe('across restarts of the embedded default', () => {
  it('keeps events and command results: a retry after a restart returns the first result', async () => {
    const commandId = `deposit-${randomUUID()}`;
    const { accountId, first } = await withApp(async (ledger) => {
      const opened = data<CommandResultData>(
        await ledger.gql(OPEN_ACCOUNT, { input: { customerId: 'c', name: 'n', currency: 'USD' } }),
        'openAccount',
      );
      const deposit = data<CommandResultData>(
        await ledger.gql(DEPOSIT, {
          input: { commandId, accountId: opened.id, amount: '5.00', reference: 'r' },
        }),
        'depositFunds',
      );
      return { accountId: opened.id, first: deposit };
    });

    await withApp(async (ledger) => {
      const retry = data<CommandResultData>(
        await ledger.gql(DEPOSIT, {
          input: { commandId, accountId, amount: '5.00', reference: 'r' },
        }),
        'depositFunds',
      );
      expect(retry).toEqual(first);
      const reused = await ledger.gql(DEPOSIT, {
        input: { commandId, accountId, amount: '6.00', reference: 'r' },
      });
      expect(reused.errors?.[0]?.extensions?.code).toBe('IDEMPOTENCY_KEY_REUSED');
      const events = await ledger.store.readStream(`account-${accountId}`);
      expect(events.map((e) => e.type)).toEqual(['AccountOpened.v1', 'FundsDeposited.v2']);
    });
  });

  it('a crash after the append but before the result was recorded does not append twice', async () => {
    await withApp(async (ledger) => {
      const pool = ledger.app.get<pg.Pool>(DATABASE_POOL);
      const opened = data<CommandResultData>(
        await ledger.gql(OPEN_ACCOUNT, { input: { customerId: 'c', name: 'n', currency: 'USD' } }),
        'openAccount',
      );
      const commandId = `order-${randomUUID()}`;
      const input = {
        commandId,
        accountId: opened.id,
        side: 'BUY',
        type: 'MARKET',
        instrument: 'AAPL',
        quantity: '2',
      };
      const first = data<CommandResultData>(await ledger.gql(PLACE_ORDER, { input }), 'placeOrder');
      // The crash window: the events are in, the recorded result is not.
      await pool.query('DELETE FROM ledger_command_results WHERE command_id = $1', [commandId]);

      const retry = data<CommandResultData>(await ledger.gql(PLACE_ORDER, { input }), 'placeOrder');
      expect(retry.id).toBe(first.id);
      expect(retry.revision).toBe(first.revision);
      expect((await ledger.store.readStream(`order-${first.id}`)).map((e) => e.type)).toEqual([
        'OrderPlaced.v1',
      ]);
      expect((await ledger.store.readStream(`account-${opened.id}`)).map((e) => e.type)).toEqual([
        'AccountOpened.v1',
        'AccountOrderOpened.v1',
      ]);
    });
  });
});
