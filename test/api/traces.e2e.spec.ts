import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  CORRELATION_ATTRIBUTE,
  tracingEnabled,
} from '../../src/infrastructure/telemetry/tracing.js';
import { DEPOSIT, OPEN_ACCOUNT, PLACE_ORDER } from '../e2e/graphql-operations.js';
import { TEST_MARKET, TEST_SAGAS } from '../sagas/support/saga-test-kit.js';
import { type TestApp, bearerFor, startTestApp, temporaryDataDir } from '../support/test-app.js';

const exporter = new InMemorySpanExporter();
let ledger: TestApp;
let dataDir: Awaited<ReturnType<typeof temporaryDataDir>>;
let admin: string;

beforeAll(async () => {
  dataDir = await temporaryDataDir();
  ledger = await startTestApp(
    { dataDir: dataDir.dir, sagas: TEST_SAGAS },
    { market: TEST_MARKET, spanExporter: exporter },
  );
  admin = await bearerFor('test-admin', ['admin']);
});
afterAll(async () => {
  await ledger?.close();
  await dataDir?.remove();
});

async function command<T>(
  query: string,
  input: Record<string, unknown>,
  correlationId: string,
): Promise<T> {
  const response = await ledger.app.inject({
    method: 'POST',
    url: '/graphql',
    payload: { query, variables: { input } },
    headers: { authorization: admin, 'x-correlation-id': correlationId },
  });
  const body = response.json<{ data?: Record<string, T>; errors?: unknown }>();
  expect(body.errors).toBeUndefined();
  return Object.values(body.data!)[0]!;
}

const spans = (): ReadableSpan[] => exporter.getFinishedSpans();
const spanId = (span: ReadableSpan): string => span.spanContext().spanId;
const parentOf = (span: ReadableSpan): string | undefined => span.parentSpanContext?.spanId;
const correlationOf = (span: ReadableSpan): unknown => span.attributes[CORRELATION_ATTRIBUTE];

/** The one finished span named so whose correlation id is `correlationId`. */
function onlySpan(name: string, correlationId: string): ReadableSpan {
  const found = spans().filter(
    (span) => span.name === name && correlationOf(span) === correlationId,
  );
  expect(found, `spans named ${name} of ${correlationId}`).toHaveLength(1);
  return found[0]!;
}

describe('traces', () => {
  it('runs the SDK while the app runs', () => {
    expect(tracingEnabled()).toBe(true);
  });

  it('traces a GraphQL operation, its command and its append as one tree, each with the correlation id', async () => {
    await command(
      OPEN_ACCOUNT,
      { customerId: 'c-trace', name: 'Main', currency: 'USD' },
      'trace-open',
    );
    const operation = onlySpan('graphql mutation openAccount', 'trace-open');
    const commandSpan = onlySpan('command openAccount', 'trace-open');
    const append = onlySpan('append', 'trace-open');
    expect(parentOf(operation)).toBeUndefined();
    expect(parentOf(commandSpan)).toBe(spanId(operation));
    expect(parentOf(append)).toBe(spanId(commandSpan));
    const traceIds = new Set([operation, commandSpan, append].map((s) => s.spanContext().traceId));
    expect(traceIds.size).toBe(1);
    expect(operation.attributes).toMatchObject({
      'graphql.operation.name': 'openAccount',
      'graphql.operation.type': 'mutation',
      'ledger.outcome': 'OK',
    });
    expect(append.attributes['ledger.stream']).toMatch(/^account-/);
  });

  it('traces the projection batch that applied the command, listing its correlation id', async () => {
    await command(
      OPEN_ACCOUNT,
      { customerId: 'c-trace', name: 'Second', currency: 'EUR' },
      'trace-batch',
    );
    await vi.waitFor(
      () => {
        const batches = spans().filter(
          (span) =>
            span.name === 'projection batch' &&
            (correlationOf(span) as string[] | undefined)?.includes('trace-batch'),
        );
        expect(batches.length).toBeGreaterThan(0);
        // Its own trace: a batch carries many requests' work, not one request's.
        expect(parentOf(batches[0]!)).toBeUndefined();
        expect(batches[0]!.attributes['ledger.events']).toBeGreaterThan(0);
      },
      { timeout: 15_000, interval: 50 },
    );
  });

  it('traces each saga step under the correlation id of the request that placed the order, its appends beneath it', async () => {
    const account = await command<{ id: string }>(
      OPEN_ACCOUNT,
      { customerId: 'c-trace', name: 'Trading', currency: 'USD' },
      'trace-setup',
    );
    await command(
      DEPOSIT,
      { accountId: account.id, amount: '100000', reference: 'funding' },
      'trace-setup',
    );
    const order = await command<{ id: string }>(
      PLACE_ORDER,
      { accountId: account.id, side: 'BUY', type: 'MARKET', instrument: 'AAPL', quantity: '1' },
      'trace-order',
    );
    await vi.waitFor(
      () => {
        const steps = spans().filter(
          (span) => span.name.startsWith('saga step ') && correlationOf(span) === 'trace-order',
        );
        expect(steps.map((step) => step.name)).toEqual(
          expect.arrayContaining(['saga step start', 'saga step reserve', 'saga step chargeFee']),
        );
        const start = steps.find((step) => step.name === 'saga step start')!;
        expect(start.attributes['ledger.order_id']).toBe(order.id);
        const appends = spans().filter(
          (span) => span.name === 'append' && parentOf(span) === spanId(start),
        );
        expect(appends).toHaveLength(1);
        expect(correlationOf(appends[0]!)).toBe('trace-order');
        expect(appends[0]!.attributes['ledger.stream']).toBe(`order-saga-${order.id}`);
      },
      { timeout: 20_000, interval: 50 },
    );
    // The saga's commands carry the request's correlation id into their events too.
    const [started] = await ledger.store.readStream(`order-saga-${order.id}`, { maxCount: 1 });
    expect(started?.metadata['correlationId']).toBe('trace-order');
  });
});
