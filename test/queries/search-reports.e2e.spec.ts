import { beforeAll, describe, expect, it } from 'vitest';
import { DEPOSIT, OPEN_ACCOUNT, PLACE_ORDER } from '../e2e/graphql-operations.js';
import { type GraphQLResponse, bearerFor, useTestApp } from '../support/test-app.js';

// The whole app on the embedded default: search and reports from PostgreSQL, kept by the
// projectors from the commands sent here, read through GraphQL with each caller's token.
const ledger = useTestApp();

const SEARCH = `query ($text: String, $filter: OrderSearchFilterInput, $first: Int, $after: String, $consistency: ConsistencyInput) {
  searchOrders(text: $text, filter: $filter, first: $first, after: $after, consistency: $consistency) {
    nodes { id accountId customerId instrument side type status fee placedAt }
    total
    facets { status { value count } side { value count } instrument { value count } account { value count } }
    pageInfo { endCursor hasNextPage }
    position stale
  }
}`;

const FEES = `query ($from: String!, $to: String!, $bucket: ReportBucket, $consistency: ConsistencyInput) {
  feesReport(from: $from, to: $to, bucket: $bucket, consistency: $consistency) {
    rows { bucketStart currency charged refunded net count complete }
    position stale complete partialFrom
  }
}`;

const OUTCOMES = `query ($from: String!, $to: String!, $bucket: ReportBucket) {
  orderOutcomesReport(from: $from, to: $to, bucket: $bucket) {
    rows { bucketStart completed rejected failed cancelled expired total complete }
    complete partialFrom
  }
}`;

const TOP = `query ($currency: String, $first: Int, $consistency: ConsistencyInput) {
  topAccountsReport(currency: $currency, first: $first, consistency: $consistency) {
    rows { rank accountId customerId currency balance }
    position stale
  }
}`;

interface Searched {
  searchOrders: {
    nodes: { id: string; accountId: string; customerId: string; instrument: string }[];
    total: number;
    facets: Record<
      'status' | 'side' | 'instrument' | 'account',
      { value: string; count: number }[]
    >;
    pageInfo: { endCursor: string | null; hasNextPage: boolean };
    position: string;
    stale: boolean;
  };
}

function codesOf(response: GraphQLResponse<unknown>): string[] {
  return (response.errors ?? []).map((error) => error.extensions?.code ?? 'NO_CODE');
}

const day = (offset: number): string =>
  new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

let alice: string;
let bob: string;
let aliceAccount: string;
let aliceOrders: string[];
let lastPosition: string;

async function send(token: string, document: string, input: Record<string, unknown>) {
  const response = await ledger.gqlWith<Record<string, { id: string; position: string }>>(
    token,
    document,
    { input },
  );
  expect(response.errors).toBeUndefined();
  const result = Object.values(response.data!)[0]!;
  lastPosition = result.position;
  return result.id;
}

/** An account with cash and resting limit orders (far below the market: they do not fill). */
async function trader(token: string, customerId: string, orders: number) {
  const account = await send(token, OPEN_ACCOUNT, { customerId, name: 'Main', currency: 'USD' });
  await send(token, DEPOSIT, { accountId: account, amount: '5000.00', reference: 'seed' });
  const placed: string[] = [];
  for (let i = 0; i < orders; i++) {
    placed.push(
      await send(token, PLACE_ORDER, {
        accountId: account,
        side: 'BUY',
        type: 'LIMIT',
        instrument: i % 2 === 0 ? 'AAPL' : 'MSFT',
        quantity: '1',
        limitPrice: '1.00',
        timeInForceSeconds: 3_600,
      }),
    );
  }
  return { account, placed };
}

beforeAll(async () => {
  alice = await bearerFor('alice', ['customer']);
  bob = await bearerFor('bob', ['customer']);
  const a = await trader(alice, 'alice', 5);
  aliceAccount = a.account;
  aliceOrders = a.placed;
  await trader(bob, 'bob', 3);
});

async function search(token: string, variables: Record<string, unknown>) {
  const response = await ledger.gqlWith<Searched>(token, SEARCH, {
    consistency: { atLeast: lastPosition },
    ...variables,
  });
  expect(response.errors).toBeUndefined();
  return response.data!.searchOrders;
}

describe('searchOrders through GraphQL', () => {
  it('gives a customer its own orders only, with facets that count them', async () => {
    const found = await search(alice, {});
    expect(found.stale).toBe(false);
    expect(found.total).toBe(5);
    expect(new Set(found.nodes.map((node) => node.customerId))).toEqual(new Set(['alice']));
    expect(found.facets.instrument).toEqual([
      { value: 'AAPL', count: 3 },
      { value: 'MSFT', count: 2 },
    ]);
    expect(found.facets.account).toEqual([{ value: aliceAccount, count: 5 }]);
    // Bob's account named outright still finds nothing of Bob's.
    const narrowed = await search(alice, { text: 'bob' });
    expect(narrowed.total).toBe(0);
  });

  it('lets an admin find any order by a part of its id, and pages by keyset', async () => {
    const admin = await bearerFor('ops', ['admin']);
    const wanted = aliceOrders[2]!;
    const byPart = await search(admin, { text: wanted.slice(9, 18) });
    expect(byPart.nodes.map((node) => node.id)).toEqual([wanted]);

    const seen: string[] = [];
    let after: string | null = null;
    do {
      const page = await search(admin, { first: 3, after });
      expect(page.total).toBe(8);
      seen.push(...page.nodes.map((node) => node.id));
      after = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : null;
    } while (after);
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
  });

  it('refuses bad input with VALIDATION_FAILED', async () => {
    for (const variables of [
      { text: 'x'.repeat(201) },
      { after: 'not-a-cursor' },
      { first: 0 },
      { filter: { placedFrom: '2026-02-01T00:00:00Z', placedTo: '2026-01-01T00:00:00Z' } },
      { filter: { instruments: ['not a symbol'] } },
    ]) {
      const response = await ledger.gqlWith(alice, SEARCH, variables);
      expect(codesOf(response), JSON.stringify(variables)).toEqual(['VALIDATION_FAILED']);
    }
  });
});

describe('reports through GraphQL', () => {
  it('reports every day of the range, zeros included, and marks the running day partial', async () => {
    const response = await ledger.gql<{
      feesReport: {
        rows: { bucketStart: string; currency: string; complete: boolean; count: number }[];
        stale: boolean;
        complete: boolean;
        partialFrom: string | null;
      };
    }>(FEES, { from: day(-3), to: day(0), consistency: { atLeast: lastPosition } });
    expect(response.errors).toBeUndefined();
    const report = response.data!.feesReport;
    expect(report.stale).toBe(false);
    const days = [...new Set(report.rows.map((row) => row.bucketStart))];
    expect(days).toEqual([day(-3), day(-2), day(-1), day(0)]);
    const usdDays = report.rows.filter((row) => row.currency === 'USD');
    expect(usdDays).toHaveLength(4);
    expect(usdDays.slice(0, 3).every((row) => row.count === 0 && row.complete)).toBe(true);
    expect(usdDays[3]!.complete).toBe(false);
    expect(report).toMatchObject({ complete: false, partialFrom: day(0) });
  });

  it('groups by week and month', async () => {
    const weeks = await ledger.gql<{ orderOutcomesReport: { rows: { bucketStart: string }[] } }>(
      OUTCOMES,
      { from: '2026-03-01', to: '2026-03-31', bucket: 'WEEK' },
    );
    expect(weeks.errors).toBeUndefined();
    // 2026-03-01 is a Sunday: its ISO week starts on Monday 23 February.
    expect(weeks.data!.orderOutcomesReport.rows.map((row) => row.bucketStart)).toEqual([
      '2026-02-23',
      '2026-03-02',
      '2026-03-09',
      '2026-03-16',
      '2026-03-23',
      '2026-03-30',
    ]);
    const months = await ledger.gql<{ orderOutcomesReport: { rows: { bucketStart: string }[] } }>(
      OUTCOMES,
      { from: '2026-01-15', to: '2026-04-02', bucket: 'MONTH' },
    );
    expect(months.data!.orderOutcomesReport.rows.map((row) => row.bucketStart)).toEqual([
      '2026-01-01',
      '2026-02-01',
      '2026-03-01',
      '2026-04-01',
    ]);
  });

  it('ranks the largest balances per currency', async () => {
    const response = await ledger.gql<{
      topAccountsReport: { rows: { rank: number; customerId: string; currency: string }[] };
    }>(TOP, { currency: 'USD', first: 10, consistency: { atLeast: lastPosition } });
    expect(response.errors).toBeUndefined();
    const { rows } = response.data!.topAccountsReport;
    expect(rows.map((row) => row.rank)).toEqual(rows.map((_, index) => index + 1));
    expect(new Set(rows.map((row) => row.customerId))).toEqual(new Set(['alice', 'bob']));
  });

  it('refuses bad ranges with VALIDATION_FAILED', async () => {
    for (const variables of [
      { from: '2026-02-30', to: '2026-03-01' },
      { from: '2026-03-02', to: '2026-03-01' },
      { from: '2020-01-01', to: '2026-01-01' },
      { from: 'yesterday', to: '2026-01-01' },
    ]) {
      const response = await ledger.gql(FEES, variables);
      expect(codesOf(response), JSON.stringify(variables)).toEqual(['VALIDATION_FAILED']);
    }
    const top = await ledger.gql(TOP, { currency: 'XXX' });
    expect(codesOf(top)).toEqual(['VALIDATION_FAILED']);
    const tooMany = await ledger.gql(TOP, { first: 101 });
    expect(codesOf(tooMany)).toEqual(['VALIDATION_FAILED']);
  });
});
