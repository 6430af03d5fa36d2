import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestApp, startTestApp, temporaryDataDir } from '../support/test-app.js';
import {
  type CommandResultData,
  DEPOSIT,
  OPEN_ACCOUNT,
  PLACE_ORDER,
} from './graphql-operations.js';

const ACCOUNT = `query ($id: ID!, $consistency: ConsistencyInput) {
  account(id: $id, consistency: $consistency) { id balance available status }
}`;
const ORDERS = `query ($filter: OrderFilterInput, $consistency: ConsistencyInput) {
  orders(filter: $filter, first: 200, consistency: $consistency) { nodes { id status } position stale }
}`;

const ROUNDS = 1_000;
const WORKERS = 8;
const BACKGROUND_WRITERS = 4;

let ledger: TestApp;
let dataDir: Awaited<ReturnType<typeof temporaryDataDir>>;

beforeAll(async () => {
  dataDir = await temporaryDataDir();
  ledger = await startTestApp({ dataDir: dataDir.dir });
});
afterAll(async () => {
  await ledger?.close();
  await dataDir?.remove();
});

async function command(
  mutation: string,
  input: Record<string, unknown>,
  name: string,
): Promise<CommandResultData> {
  const response = await ledger.gql<Record<string, CommandResultData>>(mutation, { input });
  expect(response.errors).toBeUndefined();
  return response.data![name]!;
}

describe('read your own writes with consistency tokens', () => {
  it(`a query given a mutation's position sees that mutation, ${ROUNDS} times under concurrent load`, async () => {
    let loading = true;
    const background = Array.from({ length: BACKGROUND_WRITERS }, async () => {
      const { id } = await command(
        OPEN_ACCOUNT,
        { customerId: 'load', name: 'load', currency: 'USD' },
        'openAccount',
      );
      while (loading)
        await command(
          DEPOSIT,
          { accountId: id, amount: '1.00', reference: 'load' },
          'depositFunds',
        );
    });

    let rounds = 0;
    const failures: string[] = [];
    await Promise.all(
      Array.from({ length: WORKERS }, async (_, worker) => {
        const { id } = await command(
          OPEN_ACCOUNT,
          { customerId: `worker-${worker}`, name: 'rw', currency: 'USD' },
          'openAccount',
        );
        let cents = 0;
        while (rounds < ROUNDS) {
          rounds++;
          const written = await command(
            DEPOSIT,
            { accountId: id, amount: '0.01', reference: 'rw' },
            'depositFunds',
          );
          cents++;
          const read = await ledger.gql<{ account: { balance: string } }>(ACCOUNT, {
            id,
            consistency: { atLeast: written.position, timeoutMs: 10_000 },
          });
          const expected = (cents / 100).toFixed(2);
          const consistency = (read as { extensions?: { consistency?: { stale: boolean } } })
            .extensions?.consistency;
          if (
            read.errors ||
            read.data?.account.balance !== expected ||
            consistency?.stale !== false
          ) {
            failures.push(`worker ${worker}: wanted ${expected}, got ${JSON.stringify(read)}`);
          }
        }
      }),
    );
    loading = false;
    await Promise.all(background);
    expect(failures).toEqual([]);
    expect(rounds).toBeGreaterThanOrEqual(ROUNDS);
  });

  it('an order list given the placement position includes the new order', async () => {
    const { id: accountId } = await command(
      OPEN_ACCOUNT,
      { customerId: 'c', name: 'orders', currency: 'USD' },
      'openAccount',
    );
    const placed = await command(
      PLACE_ORDER,
      {
        commandId: randomUUID(),
        accountId,
        side: 'BUY',
        type: 'MARKET',
        instrument: 'AAPL',
        quantity: '1',
      },
      'placeOrder',
    );
    const read = await ledger.gql<{
      orders: { nodes: { id: string; status: string }[]; stale: boolean };
    }>(ORDERS, {
      filter: { accountId },
      consistency: { atLeast: placed.position, timeoutMs: 10_000 },
    });
    expect(read.errors).toBeUndefined();
    expect(read.data!.orders.stale).toBe(false);
    expect(read.data!.orders.nodes).toEqual([{ id: placed.id, status: 'PLACED' }]);
  });
});
