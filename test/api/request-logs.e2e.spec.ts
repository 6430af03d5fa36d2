import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IdempotentCommands } from '../../src/commands/idempotency/idempotent-commands.service.js';
import { DEFAULT_SAGA_CONFIG } from '../../src/config/saga-config.js';
import { loadTelemetryConfig } from '../../src/config/telemetry-config.js';
import { DEPOSIT, OPEN_ACCOUNT, WITHDRAW } from '../e2e/graphql-operations.js';
import {
  TEST_JWT_SECRET,
  type TestApp,
  bearerFor,
  startTestApp,
  temporaryDataDir,
} from '../support/test-app.js';

/** One JSON log line as pino writes it. */
interface LogLine {
  level: number;
  msg?: string;
  correlationId?: string;
  context?: string;
  code?: string;
  operation?: string;
  outcome?: string;
  durationMs?: number;
  statusCode?: number;
  err?: { stack?: string; message?: string };
  [field: string]: unknown;
}

const DEBUG = 20;
const INFO = 30;
const ERROR = 50;
const SECRET_TEXT = new TextDecoder().decode(TEST_JWT_SECRET);
// Personal data a customer sends: it may be stored, never logged.
const NAME = 'Ingrid Bergström-Lindqvist';
const REFERENCE = 'Rent for Storgatan 12, flat 4';

const captured: string[] = [];
const lines = (): LogLine[] => captured.map((line) => JSON.parse(line) as LogLine);
let ledger: TestApp;
let dataDir: Awaited<ReturnType<typeof temporaryDataDir>>;
let customerToken: string;
let accountId: string;

async function post(
  query: string,
  variables: Record<string, unknown>,
  headers: Record<string, string>,
): Promise<{
  body: { data?: unknown; errors?: { message: string; extensions?: { code?: string } }[] };
  headers: Record<string, unknown>;
}> {
  const response = await ledger.app.inject({
    method: 'POST',
    url: '/graphql',
    payload: { query, variables },
    headers,
  });
  return { body: response.json(), headers: response.headers };
}

function linesOf(correlationId: string): LogLine[] {
  return lines().filter((line) => line.correlationId === correlationId);
}

beforeAll(async () => {
  dataDir = await temporaryDataDir();
  ledger = await startTestApp(
    {
      dataDir: dataDir.dir,
      sagas: { ...DEFAULT_SAGA_CONFIG, enabled: false },
      // Everything down to debug: what an operator who turns the level down would see.
      telemetry: loadTelemetryConfig({ LOG_LEVEL: 'debug', LEDGER_JWT_SECRET: SECRET_TEXT }),
    },
    { logDestination: { write: (line: string) => void captured.push(line) } },
  );
  customerToken = await bearerFor('customer-logs', ['customer']);
});
afterAll(async () => {
  await ledger?.close();
  await dataDir?.remove();
});

describe('request logs', () => {
  it('writes one line per request with its operation, duration and outcome, under the client’s correlation id', async () => {
    const { body, headers } = await post(
      `mutation OpenMain($input: OpenAccountInput!) { openAccount(input: $input) { id } }`,
      { input: { customerId: 'customer-logs', name: NAME, currency: 'USD' } },
      { authorization: customerToken, 'x-correlation-id': 'corr-open-1' },
    );
    expect(body.errors).toBeUndefined();
    expect(headers['x-correlation-id']).toBe('corr-open-1');
    const requestLines = linesOf('corr-open-1').filter((line) => line.msg === 'request');
    expect(requestLines).toHaveLength(1);
    expect(requestLines[0]).toMatchObject({
      level: INFO,
      operation: 'OpenMain',
      operationType: 'mutation',
      outcome: 'OK',
      statusCode: 200,
      path: '/graphql',
    });
    expect(requestLines[0]!.durationMs).toBeGreaterThan(0);
    // The correlation id reached the event's metadata.
    accountId = (body.data as { openAccount: { id: string } }).openAccount.id;
    const [event] = await ledger.store.readStream(`account-${accountId}`, { maxCount: 1 });
    expect(event?.metadata['correlationId']).toBe('corr-open-1');
  });

  it('makes up a correlation id when the client sends none (or one it cannot keep)', async () => {
    const { headers } = await post(
      '{ instruments { symbol } }',
      {},
      {
        authorization: customerToken,
        'x-correlation-id': 'no spaces or newlines\nallowed',
      },
    );
    const id = headers['x-correlation-id'];
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(linesOf(String(id)).filter((line) => line.msg === 'request')).toMatchObject([
      { operation: 'instruments', outcome: 'OK' },
    ]);
  });

  it('logs a refused command at debug, without a stack, and its request with the code', async () => {
    const { body } = await post(
      WITHDRAW,
      { input: { accountId, amount: '5.00', reference: REFERENCE } },
      { authorization: customerToken, 'x-correlation-id': 'corr-refused' },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_FUNDS');
    const own = linesOf('corr-refused');
    // Nowhere at error: neither under the request's id nor without one (Nest's own handler).
    expect(lines().filter((line) => line.level >= ERROR)).toEqual([]);
    expect(own.find((line) => line.code === 'INSUFFICIENT_FUNDS')).toMatchObject({ level: DEBUG });
    expect(own.every((line) => line.err === undefined)).toBe(true);
    expect(own.find((line) => line.msg === 'request')).toMatchObject({
      level: INFO,
      outcome: 'INSUFFICIENT_FUNDS',
    });
  });

  it('logs a validation error at debug by its fields, not the value the client sent', async () => {
    const { body } = await post(
      OPEN_ACCOUNT,
      { input: { customerId: 'customer-logs', name: NAME, currency: 'USD', nickname: NAME } },
      { authorization: customerToken, 'x-correlation-id': 'corr-invalid' },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
    const own = linesOf('corr-invalid');
    expect(own.filter((line) => line.level >= ERROR)).toEqual([]);
    expect(own.find((line) => line.code === 'VALIDATION_FAILED')).toMatchObject({
      level: DEBUG,
      fields: ['nickname'],
    });
  });

  it('logs an unexpected error once, with its stack and correlation id, and tells the client nothing of it', async () => {
    const commands = ledger.app.get(IdempotentCommands, { strict: false });
    const leakyToken = customerToken.slice('Bearer '.length);
    vi.spyOn(commands, 'run').mockRejectedValueOnce(
      new Error(`the store fell over holding ${leakyToken} and ${SECRET_TEXT}`),
    );
    const { body } = await post(
      DEPOSIT,
      { input: { accountId, amount: '1.00', reference: REFERENCE } },
      { authorization: customerToken, 'x-correlation-id': 'corr-internal' },
    );
    expect(body.errors).toEqual([
      expect.objectContaining({
        message: 'Internal error',
        extensions: { code: 'INTERNAL_SERVER_ERROR' },
      }),
    ]);
    const errors = lines().filter((line) => line.level >= ERROR);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      correlationId: 'corr-internal',
      code: 'INTERNAL_SERVER_ERROR',
    });
    expect(errors[0]!.err?.stack).toContain(
      'the store fell over holding [redacted] and [redacted]',
    );
    expect(linesOf('corr-internal').find((line) => line.msg === 'request')).toMatchObject({
      outcome: 'INTERNAL_SERVER_ERROR',
    });
  });

  it('writes no token, secret or customer data, whatever the requests carried', async () => {
    const opened = await post(
      OPEN_ACCOUNT,
      { input: { customerId: 'customer-logs', name: NAME, currency: 'EUR' } },
      { authorization: customerToken },
    );
    expect(opened.body.errors).toBeUndefined();
    await post(
      DEPOSIT,
      { input: { accountId, amount: '10.00', reference: REFERENCE } },
      {
        authorization: customerToken,
      },
    );
    // A token that does not verify (another signature): refused, and not written down.
    const forged = `${customerToken.slice(0, -6)}AAAAAA`;
    const refused = await post('{ instruments { symbol } }', {}, { authorization: forged });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');

    const log = captured.join('');
    expect(captured.length).toBeGreaterThan(10);
    for (const secret of [
      customerToken.slice('Bearer '.length),
      forged.slice('Bearer '.length),
      SECRET_TEXT,
      NAME,
      REFERENCE,
    ]) {
      expect(log).not.toContain(secret);
    }
    expect(log).not.toMatch(/eyJ[\w-]{10,}\./);
  });
});
