import { Logger } from '@nestjs/common';
import type pg from 'pg';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { OPERATION_LIMITS } from '../../src/api/operation-limits.js';
import { DEFAULT_SAGA_CONFIG } from '../../src/config/saga-config.js';
import { DATABASE_POOL } from '../../src/infrastructure/database/database.tokens.js';
import { type LedgerErrorCode } from '../../src/shared/ledger-errors.js';
import { type GraphQLResponse, bearerFor, useTestApp } from '../support/test-app.js';
import {
  type CommandResultData,
  DEPOSIT,
  OPEN_ACCOUNT,
  PLACE_ORDER,
} from './graphql-operations.js';

/**
 * What attackers and broken clients send, one row per request. Every row must answer a
 * clear error with a stable code and the right HTTP status, tell nothing of the server's
 * insides, write nothing, log once below the error level, and leave the app serving.
 * A new case is one row.
 */

// No saga: nothing may write in the background while the log is counted.
const ledger = useTestApp({ sagas: { ...DEFAULT_SAGA_CONFIG, enabled: false } });

interface HttpRequest {
  readonly method?: 'GET' | 'POST';
  readonly url?: string;
  readonly contentType?: string;
  readonly body?: string | Buffer;
}

interface Given {
  /** An open account with money in it. */
  readonly accountId: string;
}

interface HostileCase {
  readonly name: string;
  readonly request: (given: Given) => HttpRequest;
  readonly status: number;
  readonly code: LedgerErrorCode;
  /** The input field named in `extensions.fields`, for VALIDATION_FAILED. */
  readonly field?: string;
}

const json = (body: unknown): HttpRequest => ({
  contentType: 'application/json',
  body: JSON.stringify(body),
});
const graphql = (query: string, variables?: Record<string, unknown>): HttpRequest =>
  json({ query, variables });
const get = (parameters: Record<string, string>): HttpRequest => ({
  method: 'GET',
  url: `/graphql?${new URLSearchParams(parameters).toString()}`,
});
const post = (contentType: string | undefined, body: string | Buffer): HttpRequest => ({
  contentType,
  body,
});

const deposit = (given: Given, input: Record<string, unknown>): HttpRequest =>
  graphql(DEPOSIT, {
    input: { accountId: given.accountId, amount: '1', reference: 'r', ...input },
  });
const openAccount = (input: Record<string, unknown>): HttpRequest =>
  graphql(OPEN_ACCOUNT, {
    input: { customerId: 'c-hostile', name: 'Main', currency: 'USD', ...input },
  });
const placeOrder = (given: Given, input: Record<string, unknown>): HttpRequest =>
  graphql(PLACE_ORDER, {
    input: {
      accountId: given.accountId,
      side: 'BUY',
      type: 'LIMIT',
      instrument: 'AAPL',
      quantity: '1',
      limitPrice: '1.00',
      ...input,
    },
  });

const cursor = (parts: readonly string[]): string =>
  Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
const ORDERS_AFTER = 'query($after: String) { orders(after: $after) { nodes { id } } }';
const ENTRIES_AFTER =
  'query($id: ID!, $after: String) { ledgerEntries(accountId: $id, after: $after) { nodes { postingIndex } } }';
const ACCOUNTS_AFTER = 'query($after: String) { accounts(after: $after) { nodes { id } } }';
const ACCOUNT_READ =
  'query($id: ID!, $c: ConsistencyInput) { account(id: $id, consistency: $c) { id } }';

const DEPOSITS = (count: number): string =>
  Array.from({ length: count }, (_, i) => `d${i}: depositFunds(input: $input) { id }`).join(' ');
const MUTATION_ALIASES = (count: number): string =>
  `mutation($input: MoveFundsInput!) { ${DEPOSITS(count)} }`;
const FRAGMENT_BOMB = `{ ...F0 } ${Array.from(
  { length: 30 },
  (_, i) =>
    `fragment F${i} on Query { ${i === 29 ? 'instruments { symbol }' : `...F${i + 1} ...F${i + 1}`} }`,
).join(' ')}`;
const FORM_MUTATION = (given: Given): string =>
  `mutation { depositFunds(input: {accountId: "${given.accountId}", amount: "1", reference: "csrf"}) { id } }`;
const SQL = "' OR 1=1; DROP TABLE ledger_events; --";

const refused = (
  name: string,
  status: number,
  code: LedgerErrorCode,
  request: (given: Given) => HttpRequest,
): HostileCase => ({ name, status, code, request });
const invalid = (
  name: string,
  field: string,
  request: (given: Given) => HttpRequest,
): HostileCase => ({ name, status: 200, code: 'VALIDATION_FAILED', field, request });

const transport: HostileCase[] = [
  refused('a form post (CSRF)', 415, 'UNSUPPORTED_MEDIA_TYPE', (given) =>
    post('application/x-www-form-urlencoded', `query=${encodeURIComponent(FORM_MUTATION(given))}`),
  ),
  refused('a multipart form', 415, 'UNSUPPORTED_MEDIA_TYPE', (given) =>
    post(
      'multipart/form-data; boundary=x',
      `--x\r\nContent-Disposition: form-data; name="query"\r\n\r\n${FORM_MUTATION(given)}\r\n--x--\r\n`,
    ),
  ),
  refused('JSON sent as text/plain', 415, 'UNSUPPORTED_MEDIA_TYPE', (given) =>
    post('text/plain', JSON.stringify({ query: FORM_MUTATION(given) })),
  ),
  refused('no content type', 415, 'UNSUPPORTED_MEDIA_TYPE', (given) =>
    post(undefined, JSON.stringify({ query: FORM_MUTATION(given) })),
  ),
  refused('JSON in UTF-16, said so', 415, 'UNSUPPORTED_MEDIA_TYPE', () =>
    post('application/json; charset=utf-16', Buffer.from('{"query":"{ __typename }"}', 'utf16le')),
  ),
  refused('a mutation sent with GET', 405, 'METHOD_NOT_ALLOWED', (given) =>
    get({ query: FORM_MUTATION(given) }),
  ),
  refused('malformed JSON', 400, 'BAD_REQUEST', () => post('application/json', '{"query": }')),
  refused('truncated JSON', 400, 'BAD_REQUEST', () =>
    post('application/json', '{"query": "{ instruments { symbol } }"'),
  ),
  refused('an empty body', 400, 'BAD_REQUEST', () => post('application/json', '')),
  refused('JSON null', 400, 'BAD_REQUEST', () => post('application/json', 'null')),
  refused('a JSON string', 400, 'BAD_REQUEST', () => post('application/json', '"{ __typename }"')),
  refused('JSON in UTF-16, unsaid', 400, 'BAD_REQUEST', () =>
    post('application/json', Buffer.from('\ufeff{"query":"{ __typename }"}', 'utf16le')),
  ),
  refused('query a number', 400, 'BAD_REQUEST', () => json({ query: 5 })),
  refused('query an object', 400, 'BAD_REQUEST', () => json({ query: { kind: 'Document' } })),
  refused('no query', 400, 'BAD_REQUEST', () => json({ variables: {} })),
  refused('an empty query', 400, 'BAD_REQUEST', () => json({ query: '  ' })),
  refused('a JSON syntax tree as the query', 400, 'BAD_REQUEST', () =>
    json({ query: JSON.stringify({ kind: 'Document', definitions: [] }) }),
  ),
  refused('the query "5"', 400, 'BAD_REQUEST', () => json({ query: '5' })),
  refused('variables a string', 400, 'BAD_REQUEST', () =>
    json({ query: '{ __typename }', variables: '{}' }),
  ),
  refused('variables a list', 400, 'BAD_REQUEST', () =>
    json({ query: '{ __typename }', variables: [1] }),
  ),
  refused('operationName a number', 400, 'BAD_REQUEST', () =>
    json({ query: '{ __typename }', operationName: 1 }),
  ),
  refused('__proto__ in the variables', 400, 'BAD_REQUEST', (given) =>
    post(
      'application/json',
      `{"query":${JSON.stringify(DEPOSIT)},"variables":{"input":{"accountId":"${given.accountId}","amount":"1","reference":"r","__proto__":{"admin":true}}}}`,
    ),
  ),
  refused('__proto__ in the body', 400, 'BAD_REQUEST', () =>
    post('application/json', '{"query":"{ __typename }","__proto__":{"admin":true}}'),
  ),
  refused('constructor.prototype in an input', 400, 'BAD_REQUEST', (given) =>
    post(
      'application/json',
      `{"query":${JSON.stringify(DEPOSIT)},"variables":{"input":{"accountId":"${given.accountId}","amount":"1","reference":"r","constructor":{"prototype":{"admin":true}}}}}`,
    ),
  ),
  refused('__proto__ in a GET’s variables', 400, 'BAD_REQUEST', () =>
    get({ query: '{ __typename }', variables: '{"__proto__":{"admin":true}}' }),
  ),
  refused('malformed variables in a GET', 400, 'BAD_REQUEST', () =>
    get({ query: '{ __typename }', variables: '{' }),
  ),
  refused('a GET without a query', 400, 'BAD_REQUEST', () => get({})),
  refused('a body over 1 MB', 413, 'PAYLOAD_TOO_LARGE', () =>
    json({ query: '{ __typename }', variables: { pad: 'x'.repeat(1_100_000) } }),
  ),
  refused('a batch of two operations', 400, 'BAD_REQUEST', () =>
    post(
      'application/json',
      JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    ),
  ),
  refused('a batch of 1,000 mutations', 400, 'BAD_REQUEST', (given) =>
    post(
      'application/json',
      JSON.stringify(
        Array.from({ length: 1_000 }, () => ({
          query: DEPOSIT,
          variables: { input: { accountId: given.accountId, amount: '1', reference: 'r' } },
        })),
      ),
    ),
  ),
];

const limits: HostileCase[] = [
  refused('a 20,000-deep list literal', 400, 'LIMIT_EXCEEDED', () =>
    graphql(`{ instrument(symbol: ${'['.repeat(20_000)}${']'.repeat(20_000)}) { symbol } }`),
  ),
  refused('20,000 nested object literals', 400, 'LIMIT_EXCEEDED', () =>
    graphql(`{ orders(filter: ${'{a: '.repeat(20_000)}1${'}'.repeat(20_000)}) { position } }`),
  ),
  refused('20,000 nested selections', 400, 'LIMIT_EXCEEDED', () =>
    graphql(`
      ${'{ a '.repeat(20_000)}
      ${'}'.repeat(20_000)}
    `),
  ),
  refused('1,000 aliased deposits', 400, 'LIMIT_EXCEEDED', (given) =>
    graphql(MUTATION_ALIASES(1_000), {
      input: { accountId: given.accountId, amount: '1', reference: 'r' },
    }),
  ),
  refused('one mutation over the limit', 400, 'LIMIT_EXCEEDED', (given) =>
    graphql(MUTATION_ALIASES(OPERATION_LIMITS.mutations + 1), {
      input: { accountId: given.accountId, amount: '1', reference: 'r' },
    }),
  ),
  refused('mutations in a fragment on the root', 400, 'LIMIT_EXCEEDED', (given) =>
    graphql(
      `mutation($input: MoveFundsInput!) { ...M } fragment M on Mutation { ${DEPOSITS(
        OPERATION_LIMITS.mutations + 1,
      )} }`,
      { input: { accountId: given.accountId, amount: '1', reference: 'r' } },
    ),
  ),
  refused('an alias bomb', 400, 'LIMIT_EXCEEDED', () =>
    graphql(
      `{ ${Array.from({ length: 500 }, (_, i) => `a${i}: instruments { symbol }`).join(' ')} }`,
    ),
  ),
  refused('a fragment bomb', 400, 'LIMIT_EXCEEDED', () => graphql(FRAGMENT_BOMB)),
  refused('a repeated field', 400, 'LIMIT_EXCEEDED', () =>
    graphql(`{ ${'__typename '.repeat(OPERATION_LIMITS.fields + 1)}}`),
  ),
  refused('a query of 100,001 characters', 400, 'LIMIT_EXCEEDED', () =>
    graphql(`{ __typename } #${'x'.repeat(OPERATION_LIMITS.queryLength)}`),
  ),
];

const UNSAFE_TEXT: [string, string][] = [
  ['NUL', 'a\u0000b'],
  ['a lone surrogate', 'a\ud800b'],
  ['a control character', 'a\u0007b'],
  ['a newline', 'a\nb'],
  ['a C1 control', 'a\u0085b'],
  ['a right-to-left override', 'abc\u202Efdp.exe'],
  ['a left-to-right isolate', 'a\u2066b'],
  ['a right-to-left mark', 'a\u200Fb'],
  ['a zero-width space', 'a\u200Bb'],
  ['a zero-width joiner', 'a\u200Db'],
  ['a word joiner', 'a\u2060b'],
  ['a byte order mark', '\uFEFFab'],
  ['a line separator', 'a\u2028b'],
];

const text: HostileCase[] = [
  ...UNSAFE_TEXT.flatMap(([label, value]) => [
    invalid(`${label} in a name`, 'name', () => openAccount({ name: value })),
    invalid(`${label} in a reference`, 'reference', (given) =>
      deposit(given, { reference: value }),
    ),
  ]),
  invalid('a blank name', 'name', () => openAccount({ name: '   ' })),
  invalid('NUL in an account id looked up', 'id', () => graphql(ACCOUNT_READ, { id: 'a\u0000' })),
  invalid('a lone surrogate in a customer id listed', 'customerId', () =>
    graphql('query($c: String) { accounts(customerId: $c) { nodes { id } } }', { c: '\udc00' }),
  ),
  invalid('NUL in an orders filter', 'accountId', () =>
    graphql('query($f: OrderFilterInput) { orders(filter: $f) { position } }', {
      f: { accountId: 'a\u0000' },
    }),
  ),
  invalid('SQL in a customer id', 'customerId', () => openAccount({ customerId: SQL })),
  invalid('SQL in an account id', 'accountId', (given) => deposit(given, { accountId: SQL })),
];

const BAD_NUMBERS: [string, unknown][] = [
  ['a JSON number', 5],
  ['1e3', '1e3'],
  ['0x10', '0x10'],
  ['Arabic-Indic digits', '\u0665'],
  ['full-width digits', '\uff15'],
  ['+5', '+5'],
  ['" 5 "', ' 5 '],
  ['5.', '5.'],
  ['.5', '.5'],
  ['-0', '-0'],
  ['NaN', 'NaN'],
  ['Infinity', 'Infinity'],
  ['1_000', '1_000'],
  ['1,5', '1,5'],
  ['SQL', SQL],
];

const numbers: HostileCase[] = BAD_NUMBERS.flatMap(([label, value]) => [
  invalid(`amount: ${label}`, 'amount', (given) => deposit(given, { amount: value })),
  invalid(`quantity: ${label}`, 'quantity', (given) => placeOrder(given, { quantity: value })),
]);

const cursors: HostileCase[] = [
  invalid('an orders cursor at 0000-00-00', 'after', () =>
    graphql(ORDERS_AFTER, { after: cursor(['orders', '0000-00-00T00:00:00.000000Z', 'x']) }),
  ),
  invalid('an orders cursor in the year 294277', 'after', () =>
    graphql(ORDERS_AFTER, { after: cursor(['orders', '294277-01-01T00:00:00.000000Z', 'x']) }),
  ),
  invalid('an orders cursor on 30 February', 'after', () =>
    graphql(ORDERS_AFTER, { after: cursor(['orders', '2023-02-30T00:00:00.000000Z', 'x']) }),
  ),
  invalid('an orders cursor with NUL in its id', 'after', () =>
    graphql(ORDERS_AFTER, { after: cursor(['orders', '2023-01-01T00:00:00.000000Z', 'x\u0000']) }),
  ),
  invalid('a posting index past smallint', 'after', (given) =>
    graphql(ENTRIES_AFTER, {
      id: given.accountId,
      after: cursor(['ledger-entries', '1', '1', '40000']),
    }),
  ),
  invalid('an accounts cursor with NUL', 'after', () =>
    graphql(ACCOUNTS_AFTER, { after: cursor(['accounts', '\u0000']) }),
  ),
  invalid('a cursor of another query', 'after', () =>
    graphql(ACCOUNTS_AFTER, { after: cursor(['orders', '2023-01-01T00:00:00.000000Z', 'x']) }),
  ),
  invalid('a cursor that is not base64 JSON', 'after', () =>
    graphql(ACCOUNTS_AFTER, { after: '%%%not-a-cursor' }),
  ),
  invalid('an SQL cursor', 'after', () => graphql(ACCOUNTS_AFTER, { after: SQL })),
  invalid('a cursor of 10,000 characters', 'after', () =>
    graphql(ACCOUNTS_AFTER, { after: 'A'.repeat(10_000) }),
  ),
];

const consistency: HostileCase[] = [
  ...['99999999999999999999.1', '1.99999999999999999999', '-1.0', '1.2.3', 'abc', '', SQL].map(
    (atLeast) =>
      invalid(`the consistency token ${JSON.stringify(atLeast)}`, 'atLeast', (given) =>
        graphql(ACCOUNT_READ, { id: given.accountId, c: { atLeast } }),
      ),
  ),
  ...[-1, 30_001, 2_147_483_647, 1e12, 1.5].map((timeoutMs) =>
    invalid(`a timeout of ${timeoutMs} ms`, 'timeoutMs', (given) =>
      graphql(ACCOUNT_READ, { id: given.accountId, c: { timeoutMs } }),
    ),
  ),
  ...[0, -1, 201, 1e12].map((first) =>
    invalid(`a page of ${first}`, 'first', () =>
      graphql('query($first: Int) { accounts(first: $first) { nodes { id } } }', { first }),
    ),
  ),
];

/** What no answer may hold: stack frames, file paths, SQL and PostgreSQL's own words. */
const LEAKS =
  /\bat .+\(|\/work\/|\/src\/|node_modules|\.[jt]s:\d+|invalid byte sequence|unsupported Unicode|out of range|syntax error at|relation "|violates|Maximum call stack|Internal error/i;

let given: Given;

async function eventCount(): Promise<number> {
  const pool = ledger.app.get<pg.Pool>(DATABASE_POOL);
  const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM ledger_events');
  return Number(rows[0]!.n);
}

/** As an authenticated admin: what is refused here is the request, not the caller. */
async function send(request: HttpRequest): Promise<{ status: number; body: string }> {
  const authorization = await bearerFor('hostile-admin', ['admin']);
  const response = await ledger.app.inject({
    method: request.method ?? 'POST',
    url: request.url ?? '/graphql',
    headers:
      request.contentType === undefined
        ? { authorization }
        : { authorization, 'content-type': request.contentType },
    payload: request.body,
  });
  return { status: response.statusCode, body: response.body };
}

async function stillServing(): Promise<void> {
  const { status, body } = await send(graphql(ACCOUNT_READ, { id: given.accountId }));
  expect(status).toBe(200);
  expect(JSON.parse(body)).toMatchObject({ data: { account: { id: given.accountId } } });
}

/** The GraphQL edge's log lines, by level. */
function graphqlLogLines(): Record<'error' | 'warn' | 'log' | 'debug', number> {
  const count = (level: 'error' | 'warn' | 'log' | 'debug'): number => {
    const spy = vi.mocked(Logger.prototype[level]);
    return spy.mock.contexts.filter(
      (logger) => (logger as Logger | undefined)?.['context'] === 'GraphQL',
    ).length;
  };
  return { error: count('error'), warn: count('warn'), log: count('log'), debug: count('debug') };
}

beforeAll(async () => {
  const opened = await ledger.gql<{ openAccount: CommandResultData }>(OPEN_ACCOUNT, {
    input: { customerId: 'c-hostile', name: 'Main', currency: 'USD' },
  });
  const accountId = opened.data!.openAccount.id;
  await ledger.gql(DEPOSIT, { input: { accountId, amount: '100.00', reference: 'seed' } });
  // Wait until the view holds the account, so that `stillServing` can read it.
  await ledger.gql(ACCOUNT_READ, {
    id: accountId,
    c: { atLeast: opened.data!.openAccount.position },
  });
  given = { accountId };
});

afterEach(() => vi.restoreAllMocks());

describe.each([
  ['the HTTP request', transport],
  ['the size of an operation', limits],
  ['text', text],
  ['numbers', numbers],
  ['cursors', cursors],
  ['consistency and paging arguments', consistency],
])('hostile input: %s', (_group, cases) => {
  it.each(cases.map((hostile) => [hostile.name, hostile] as const))(
    '%s',
    async (_name, hostile) => {
      for (const level of ['error', 'warn', 'log', 'debug'] as const) {
        vi.spyOn(Logger.prototype, level).mockImplementation(() => undefined);
      }
      const before = await eventCount();
      const { status, body } = await send(hostile.request(given));

      expect(status).toBe(hostile.status);
      const answer = JSON.parse(body) as GraphQLResponse;
      expect(answer.errors, body).toHaveLength(1);
      const [error] = answer.errors!;
      expect(error!.extensions?.code, body).toBe(hostile.code);
      if (hostile.field !== undefined) {
        expect(error!.extensions?.fields?.map((f) => f.field)).toContain(hostile.field);
      }
      expect(body).not.toMatch(LEAKS);
      expect(await eventCount()).toBe(before);
      // Logged once, and not as an error of the server.
      expect(graphqlLogLines()).toMatchObject({ error: 0, warn: 0 });
      const { log, debug } = graphqlLogLines();
      expect(log + debug).toBe(1);
      await stillServing();
    },
  );
});

describe('hostile input that is harmless is taken as it is', () => {
  it('stores SQL-looking text as text', async () => {
    const response = await ledger.gql<{ depositFunds: CommandResultData }>(DEPOSIT, {
      input: { accountId: given.accountId, amount: '1', reference: SQL },
    });
    expect(response.errors).toBeUndefined();
    const events = await ledger.store.readStream(`account-${given.accountId}`);
    expect(events.at(-1)!.data).toMatchObject({ reference: SQL });
    await stillServing();
  });

  it('stores names in NFC', async () => {
    const response = await ledger.gql<{ openAccount: CommandResultData }>(OPEN_ACCOUNT, {
      input: { customerId: 'c-nfc', name: 'Cafe\u0301', currency: 'EUR' },
    });
    expect(response.errors).toBeUndefined();
    const [opened] = await ledger.store.readStream(`account-${response.data!.openAccount.id}`);
    expect(opened!.data).toMatchObject({ name: 'Caf\u00e9' });
  });

  it('runs as many mutations in one request as the limit allows', async () => {
    const before = await eventCount();
    const response = await ledger.gql(MUTATION_ALIASES(OPERATION_LIMITS.mutations), {
      input: { accountId: given.accountId, amount: '1', reference: 'batch' },
    });
    expect(response.errors).toBeUndefined();
    expect(await eventCount()).toBe(before + OPERATION_LIMITS.mutations);
  });

  it('takes a query as application/graphql, and a query by GET', async () => {
    const typed = await send(post('application/graphql', '{ instruments { symbol } }'));
    expect(typed.status).toBe(200);
    expect(JSON.parse(typed.body)).toMatchObject({ data: { instruments: expect.any(Array) } });
    const read = await send(get({ query: '{ instruments { symbol } }' }));
    expect(read.status).toBe(200);
    expect(JSON.parse(read.body)).toMatchObject({ data: { instruments: expect.any(Array) } });
  });

  it('takes JSON with its UTF-8 charset said', async () => {
    const response = await send(
      post('application/json; charset=UTF-8', JSON.stringify({ query: '{ __typename }' })),
    );
    expect(response.status).toBe(200);
  });

  it('says Allow: POST to a mutation sent with GET', async () => {
    const response = await ledger.app.inject({
      method: 'GET',
      url: `/graphql?${new URLSearchParams({ query: FORM_MUTATION(given) }).toString()}`,
    });
    expect(response.statusCode).toBe(405);
    expect(response.headers['allow']).toBe('POST');
  });
});
