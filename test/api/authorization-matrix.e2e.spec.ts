import { type GraphQLField } from 'graphql';
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SAGA_CONFIG } from '../../src/config/saga-config.js';
import type pg from 'pg';
import { DATABASE_POOL } from '../../src/infrastructure/database/database.tokens.js';
import { OPERATION_RULES } from '../../src/api/auth/operation-rules.js';
import { bearerFor, useTestApp, type GraphQLResponse } from '../support/test-app.js';

/** Whose objects an operation is aimed at. */
interface Targets {
  readonly customer: string;
  readonly account: string;
  readonly order: string;
}

/**
 * Arguments for every operation of the schema, aimed at the given customer's objects. An
 * operation missing here fails the matrix: a new one is listed, never forgotten.
 */
const ARGUMENTS: Record<string, (t: Targets) => string> = {
  openAccount: (t) => `input: { customerId: "${t.customer}", name: "Matrix", currency: "USD" }`,
  depositFunds: (t) => `input: { accountId: "${t.account}", amount: "1.00", reference: "m" }`,
  withdrawFunds: (t) => `input: { accountId: "${t.account}", amount: "1.00", reference: "m" }`,
  placeOrder: (t) =>
    `input: { accountId: "${t.account}", side: BUY, type: LIMIT, instrument: "AAPL", quantity: "1", limitPrice: "1.00", timeInForceSeconds: 60 }`,
  cancelOrder: (t) => `input: { orderId: "${t.order}" }`,
  closeAccount: (t) => `input: { accountId: "${t.account}" }`,
  account: (t) => `id: "${t.account}"`,
  accounts: (t) => `customerId: "${t.customer}"`,
  holdings: (t) => `accountId: "${t.account}"`,
  accountStatement: (t) => `accountId: "${t.account}"`,
  ledgerEntries: (t) => `accountId: "${t.account}"`,
  order: (t) => `id: "${t.order}"`,
  orders: (t) => `filter: { accountId: "${t.account}" }`,
  instruments: () => '',
  instrument: () => 'symbol: "AAPL"',
  marketCircuits: () => '',
  setInstrumentHalted: () => 'input: { symbol: "AAPL", halted: false }',
  projections: () => '',
  parkedEvents: () => '',
  rebuildProjection: () => 'input: { name: "holdings" }',
  startProjectionRebuild: () => 'input: { name: "holdings" }',
  rebuildJobs: () => '',
  rebuildAllProjections: () => '',
  replayParkedEvents: () => 'input: { name: "holdings" }',
  restartProjection: () => 'input: { name: "holdings" }',
  rebuildSearchIndex: () => '',
  parkedSagas: () => '',
  parkedSagaCount: () => '',
  sagaStatus: () => '',
  retrySaga: (t) => `input: { orderId: "${t.order}" }`,
  compensateSaga: (t) => `input: { orderId: "${t.order}" }`,
  failSaga: (t) => `input: { orderId: "${t.order}", reason: "matrix" }`,
  auditTrail: (t) => `accountId: "${t.account}"`,
  accountAt: (t) => `id: "${t.account}"`,
  startExport: () => 'input: { name: "matrix" }',
  searchOrders: (t) => `filter: { accountIds: ["${t.account}"] }`,
  feesReport: () => 'from: "2026-01-01", to: "2026-01-31"',
  volumeReport: () => 'from: "2026-01-01", to: "2026-01-31"',
  orderOutcomesReport: () => 'from: "2026-01-01", to: "2026-01-31"',
  customerOrdersReport: () => 'from: "2026-01-01", to: "2026-01-31", bucket: WEEK',
  topAccountsReport: () => 'currency: "USD"',
  custodyReport: () => '',
};

const AUTH_CODES = ['UNAUTHENTICATED', 'FORBIDDEN'];

// The saga would append to orders in the background: every write here is the request's.
const ledger = useTestApp({ sagas: { ...DEFAULT_SAGA_CONFIG, enabled: false } });

interface Operation {
  readonly name: string;
  readonly kind: 'query' | 'mutation';
  readonly field: GraphQLField<unknown, unknown>;
}

function operations(): Operation[] {
  const { schema } = ledger.app.get(GraphQLSchemaHost);
  const of = (kind: Operation['kind'], type: ReturnType<typeof schema.getQueryType>) =>
    Object.values(type?.getFields() ?? {}).map((field) => ({ name: field.name, kind, field }));
  return [...of('query', schema.getQueryType()), ...of('mutation', schema.getMutationType())];
}

/** Whether a field's type has fields to select (the app's graphql module is another realm). */
function hasFields(type: unknown): boolean {
  let named = type as { ofType?: unknown };
  while (named.ofType) named = named.ofType as { ofType?: unknown };
  return 'getFields' in named;
}

function documentOf(operation: Operation, targets: Targets): string {
  const args = ARGUMENTS[operation.name]!(targets);
  const selection = hasFields(operation.field.type) ? ' { __typename }' : '';
  return `${operation.kind} { ${operation.name}${args === '' ? '' : `(${args})`}${selection} }`;
}

let customerA: string;
let customerB: string;
let admin: string;
let own: Targets;
let other: Targets;

async function setUp(sub: string, caller: string): Promise<Targets> {
  const opened = await ledger.gqlWith<{ openAccount: { id: string } }>(
    caller,
    `mutation { openAccount(input: { customerId: "${sub}", name: "Main", currency: "USD" }) { id } }`,
  );
  const account = opened.data!.openAccount.id;
  await ledger.gqlWith(
    caller,
    `mutation { depositFunds(input: { accountId: "${account}", amount: "1000.00", reference: "seed" }) { id } }`,
  );
  const order = ARGUMENTS['placeOrder']!({ customer: sub, account, order: '' });
  const placed = await ledger.gqlWith<{ placeOrder: { id: string } }>(
    caller,
    `mutation { placeOrder(${order}) { id } }`,
  );
  return { customer: sub, account, order: placed.data!.placeOrder.id };
}

/** Events stored, counted in the table: a log reader's horizon could hide a late commit. */
async function head(): Promise<string> {
  const pool = ledger.app.get<pg.Pool>(DATABASE_POOL);
  const { rows } = await pool.query<{ count: string }>('SELECT count(*) FROM ledger_events');
  return rows[0]!.count;
}

function codes(response: GraphQLResponse<unknown>): string[] {
  return (response.errors ?? []).map((error) => error.extensions?.code ?? 'NO_CODE');
}

/** Sends the operation and, when it was refused, checks that nothing was written. */
async function send(
  authorization: string | undefined,
  document: string,
): Promise<{ codes: string[]; data: unknown }> {
  const before = await head();
  const response = await ledger.gqlWith(authorization, document);
  const answered = codes(response);
  if (answered.length > 0 && !response.data) expect(await head(), document).toBe(before);
  return { codes: answered, data: response.data };
}

beforeAll(async () => {
  customerA = await bearerFor('customer-a', ['customer']);
  customerB = await bearerFor('customer-b', ['customer']);
  admin = await bearerFor('matrix-admin', ['admin']);
  own = await setUp('customer-a', customerA);
  other = await setUp('customer-b', customerB);
});

describe('the authorization matrix, generated from the schema', () => {
  it('lists every operation of the schema with its arguments and its access rule', () => {
    const names = operations().map((operation) => operation.name);
    expect(names.filter((name) => ARGUMENTS[name] === undefined)).toEqual([]);
    expect(names.filter((name) => OPERATION_RULES[name] === undefined)).toEqual([]);
  });

  it('refuses every operation without a token or with a bad one, writing nothing', async () => {
    const forged = (await bearerFor('customer-a', ['admin'])).slice(0, -4) + 'AAAA';
    for (const operation of operations()) {
      const document = documentOf(operation, own);
      expect((await send(undefined, document)).codes, document).toEqual(['UNAUTHENTICATED']);
      expect((await send('Bearer not.a.token', document)).codes, document).toEqual([
        'UNAUTHENTICATED',
      ]);
      expect((await send(forged, document)).codes, document).toEqual(['UNAUTHENTICATED']);
    }
  });

  it('lets an admin call every operation', async () => {
    for (const operation of operations()) {
      const document = documentOf(operation, own);
      const { codes: answered } = await send(admin, document);
      expect(
        answered.filter((code) => AUTH_CODES.includes(code)),
        document,
      ).toEqual([]);
    }
  });

  it("gives a customer its own data and refuses admin operations and another's data", async () => {
    for (const operation of operations()) {
      const rule = OPERATION_RULES[operation.name]!;
      const onOwn = await send(customerA, documentOf(operation, own));
      const onOther = await send(customerA, documentOf(operation, other));
      const label = `${operation.name} (${rule.kind})`;
      switch (rule.kind) {
        case 'admin':
          expect(onOwn.codes, label).toEqual(['FORBIDDEN']);
          expect(onOther.codes, label).toEqual(['FORBIDDEN']);
          break;
        case 'any-caller':
        case 'own-list':
          expect(
            onOwn.codes.filter((c) => AUTH_CODES.includes(c)),
            label,
          ).toEqual([]);
          expect(
            onOther.codes.filter((c) => AUTH_CODES.includes(c)),
            label,
          ).toEqual([]);
          break;
        case 'own-customer':
          expect(
            onOwn.codes.filter((c) => AUTH_CODES.includes(c)),
            label,
          ).toEqual([]);
          expect(onOther.codes, label).toEqual(['FORBIDDEN']);
          break;
        case 'own-account':
        case 'own-order':
          expect(
            onOwn.codes.filter((c) => AUTH_CODES.includes(c)),
            label,
          ).toEqual([]);
          expect(onOwn.codes, label).not.toContain('NOT_FOUND');
          expect(onOther.codes, label).toEqual(['NOT_FOUND']);
          break;
      }
    }
  });

  it("answers another customer's object exactly as one that does not exist", async () => {
    // Well-formed ids that were never issued: what a customer might guess.
    const missing: Targets = {
      customer: 'nobody',
      account: '00000000-0000-4000-8000-000000000001',
      order: '00000000-0000-4000-8000-000000000002',
    };
    for (const name of ['account', 'holdings', 'order', 'depositFunds', 'cancelOrder']) {
      const operation = operations().find((candidate) => candidate.name === name)!;
      const onOther = await send(customerA, documentOf(operation, other));
      const onMissing = await send(customerA, documentOf(operation, missing));
      expect(onOther, name).toEqual(onMissing);
    }
  });

  // Regression: the ownership lookup ran before validation and handed the store a NUL.
  it("refuses a customer's malformed ids by validation, never as an internal error", async () => {
    for (const id of ['bad\u0000id', 'x'.repeat(300), '']) {
      const targets: Targets = { customer: 'customer-a', account: id, order: id };
      for (const name of ['account', 'holdings', 'order', 'depositFunds', 'cancelOrder']) {
        const operation = operations().find((candidate) => candidate.name === name)!;
        const { codes: answered } = await send(customerA, documentOf(operation, targets));
        expect(
          answered.filter((code) => code === 'INTERNAL_SERVER_ERROR'),
          name,
        ).toEqual([]);
        expect(answered.length, name).toBeGreaterThan(0);
      }
    }
  });

  it("narrows a customer's lists to its own accounts and orders", async () => {
    const accounts = await ledger.gqlWith<{ accounts: { nodes: { customerId: string }[] } }>(
      customerA,
      '{ accounts(consistency: { atLeast: "0.0" }) { nodes { customerId } } }',
    );
    expect(accounts.data!.accounts.nodes.map((node) => node.customerId)).not.toContain(
      'customer-b',
    );
    const asB = await ledger.gqlWith<{ accounts: { nodes: unknown[] } }>(
      customerA,
      '{ accounts(customerId: "customer-b") { nodes { id } } }',
    );
    expect(asB.data!.accounts.nodes).toEqual([]);
    const orders = await ledger.gqlWith<{ orders: { nodes: { accountId: string }[] } }>(
      customerA,
      '{ orders { nodes { accountId } } }',
    );
    expect(orders.data!.orders.nodes.map((node) => node.accountId)).not.toContain(other.account);
  });
});
