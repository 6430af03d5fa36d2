import { beforeAll, describe, expect, it, vi } from 'vitest';
import { MAX_READ_COUNT } from '../../src/event-store/event-store.port.js';
import { START, comparePositions, decodePosition } from '../../src/event-store/position.js';
import { DEPOSIT, OPEN_ACCOUNT, PLACE_ORDER } from '../e2e/graphql-operations.js';
import { TEST_MARKET, TEST_SAGAS } from '../sagas/support/saga-test-kit.js';
import { type GraphQLResponse, bearerFor, useTestApp } from '../support/test-app.js';

interface Entry {
  position: string;
  stream: string;
  eventType: string;
  occurredAt: string;
  userId: string;
  initiatorId: string | null;
  correlationId: string;
  causationId: string;
  commandId: string;
}
interface TrailPage {
  auditTrail: {
    nodes: Entry[];
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
  };
}

const TRAIL = `query ($accountId: ID!, $first: Int, $after: String) {
  auditTrail(accountId: $accountId, first: $first, after: $after) {
    nodes { position stream eventType occurredAt userId initiatorId correlationId causationId commandId }
    pageInfo { endCursor hasNextPage } } }`;
const CUSTOMER = 'audit-customer';
const SAGA = 'system:order-saga';

const ledger = useTestApp({ sagas: TEST_SAGAS }, { market: TEST_MARKET });
let customer: string;
let admin: string;
let accountId: string;
let orderId: string;

async function asCustomer<T>(query: string, input: Record<string, unknown>): Promise<T> {
  const response = await ledger.gqlWith<T>(customer, query, { input });
  expect(response.errors).toBeUndefined();
  return response.data!;
}

function trailPage(
  authorization: string,
  first: number,
  after: string | null,
): Promise<GraphQLResponse<TrailPage>> {
  return ledger.gqlWith<TrailPage>(authorization, TRAIL, { accountId, first, after });
}

/** Every entry, page after page of `first`, each page checked for errors. */
async function wholeTrail(first: number): Promise<Entry[]> {
  const entries: Entry[] = [];
  let after: string | null = null;
  for (;;) {
    const response = await trailPage(admin, first, after);
    expect(response.errors).toBeUndefined();
    const { nodes, pageInfo } = response.data!.auditTrail;
    entries.push(...nodes);
    if (!pageInfo.hasNextPage) return entries;
    after = pageInfo.endCursor;
  }
}

beforeAll(async () => {
  customer = await bearerFor(CUSTOMER, ['customer']);
  admin = await bearerFor('audit-admin', ['admin']);
  const opened = await asCustomer<{ openAccount: { id: string } }>(OPEN_ACCOUNT, {
    customerId: CUSTOMER,
    name: 'Audited',
    currency: 'USD',
  });
  accountId = opened.openAccount.id;
  await asCustomer(DEPOSIT, { accountId, amount: '10000.00', reference: 'audit' });
  const placed = await asCustomer<{ placeOrder: { id: string } }>(PLACE_ORDER, {
    accountId,
    side: 'BUY',
    type: 'MARKET',
    instrument: 'AAPL',
    quantity: '1',
  });
  orderId = placed.placeOrder.id;
  // The saga's last record ends its work on the order.
  await vi.waitFor(
    async () =>
      expect((await wholeTrail(200)).map((entry) => entry.eventType)).toContain(
        'OrderSagaFinished.v1',
      ),
    { timeout: 20_000, interval: 100 },
  );
});

describe('auditTrail', () => {
  it("lists the account's and its orders' events in log order, as the log holds them", async () => {
    const trail = await wholeTrail(200);
    const streams = new Set([`account-${accountId}`, `order-${orderId}`, `order-saga-${orderId}`]);
    const log = (await ledger.store.readAll({ after: START, maxCount: MAX_READ_COUNT })).filter(
      (event) => streams.has(event.streamId),
    );
    expect(trail.map((entry) => [entry.position, entry.stream, entry.eventType])).toEqual(
      log.map((event) => [
        `${event.position.commit}.${event.position.prepare}`,
        event.streamId,
        event.type,
      ]),
    );
    expect(trail.map((entry) => entry.eventType).slice(0, 2)).toEqual([
      'AccountOpened.v1',
      'FundsDeposited.v2',
    ]);
    for (const entry of trail) {
      expect(entry.commandId, entry.eventType).not.toBe('');
      expect(Number.isNaN(Date.parse(entry.occurredAt)), entry.eventType).toBe(false);
    }
  });

  it("names the customer for its own commands, and the saga acting for the customer for the saga's", async () => {
    const trail = await wholeTrail(200);
    const byCustomer = trail.filter((entry) => entry.userId === CUSTOMER);
    expect(byCustomer.map((entry) => entry.eventType)).toEqual([
      'AccountOpened.v1',
      'FundsDeposited.v2',
      'AccountOrderOpened.v1',
      'OrderPlaced.v1',
    ]);
    expect(byCustomer.every((entry) => entry.initiatorId === null)).toBe(true);
    const bySaga = trail.filter((entry) => entry.userId === SAGA);
    expect(bySaga.length + byCustomer.length).toBe(trail.length);
    expect(new Set(bySaga.map((entry) => entry.stream))).toEqual(
      new Set([`account-${accountId}`, `order-${orderId}`, `order-saga-${orderId}`]),
    );
    // The saga's commands carry the correlation id of the request that placed the order.
    const placing = byCustomer.find((entry) => entry.eventType === 'OrderPlaced.v1')!;
    for (const entry of bySaga) {
      expect(entry.initiatorId, entry.eventType).toBe(CUSTOMER);
      expect(entry.correlationId, entry.eventType).toBe(placing.correlationId);
      expect(entry.causationId, entry.eventType).toMatch(`order-saga-${orderId}:`);
    }
  });

  it('pages to the end in log order, each entry once', async () => {
    const whole = await wholeTrail(200);
    const paged = await wholeTrail(3);
    expect(paged).toEqual(whole);
    const positions = paged.map((entry) => decodePosition(entry.position)!);
    for (let index = 1; index < positions.length; index++) {
      expect(comparePositions(positions[index - 1]!, positions[index]!)).toBe(-1);
    }
    const { endCursor } = (await trailPage(admin, 200, null)).data!.auditTrail.pageInfo;
    const beyond = await trailPage(admin, 3, endCursor);
    expect(beyond.data!.auditTrail).toMatchObject({
      nodes: [],
      pageInfo: { endCursor: null, hasNextPage: false },
    });
  });

  it('refuses a customer, even on its own account, and bounds the page size', async () => {
    const refused = await trailPage(customer, 10, null);
    expect(refused.errors?.map((error) => error.extensions?.code)).toEqual(['FORBIDDEN']);
    const tooBig = await trailPage(admin, 201, null);
    expect(tooBig.errors?.map((error) => error.extensions?.code)).toEqual(['VALIDATION_FAILED']);
    const tampered = await trailPage(admin, 10, 'bm90IGEgY3Vyc29y');
    expect(tampered.errors?.map((error) => error.extensions?.code)).toEqual(['VALIDATION_FAILED']);
  });

  it('stays the same after every view is rebuilt', async () => {
    const before = await wholeTrail(200);
    const rebuilt = await ledger.gqlWith<{ rebuildAllProjections: { swapped: boolean }[] }>(
      admin,
      'mutation { rebuildAllProjections { swapped } }',
    );
    expect(rebuilt.errors).toBeUndefined();
    expect(rebuilt.data!.rebuildAllProjections.every((report) => report.swapped)).toBe(true);
    expect(await wholeTrail(200)).toEqual(before);
  });
});
