import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  COLLECT_TIMEOUT_MS,
  MetricsRegistry,
} from '../../src/infrastructure/metrics/metrics.registry.js';
import { bearerFor, useTestApp } from '../support/test-app.js';
import {
  type CommandResultData,
  DEPOSIT,
  OPEN_ACCOUNT,
  PLACE_ORDER,
  WITHDRAW,
} from '../e2e/graphql-operations.js';

/**
 * /metrics of a real app (embedded PostgreSQL, projectors and saga running) after
 * commands, queries, projector batches and a saga's market calls: the figures an
 * operator alerts on are there, with the labels the README lists.
 */
const ledger = useTestApp();

const ACCOUNT = `query ($id: ID!, $consistency: ConsistencyInput) {
  account(id: $id, consistency: $consistency) { id balance }
}`;
/** Bound on waiting for the saga to reach the market: seconds normally, more on a loaded machine. */
const SAGA_WAIT_MS = 30_000;

async function scrape(): Promise<string> {
  const response = await ledger.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: await bearerFor('metrics-admin', ['admin']) },
  });
  expect(response.statusCode).toBe(200);
  expect(response.headers['content-type']).toContain('text/plain; version=0.0.4');
  return response.body;
}

/** The value of one series (`name{labels}` exactly as written), or undefined when absent. */
function valueOf(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

async function command<T = CommandResultData>(
  query: string,
  input: Record<string, unknown>,
): Promise<{ data?: Record<string, T> | null; errors?: { extensions?: { code?: string } }[] }> {
  return ledger.gql<Record<string, T>>(query, { input });
}

async function openFundedAccount(): Promise<{ accountId: string; position: string }> {
  const opened = await command(OPEN_ACCOUNT, {
    customerId: `metrics-${randomUUID()}`,
    name: 'Metrics',
    currency: 'USD',
  });
  const accountId = opened.data!['openAccount']!.id;
  const deposited = await command(DEPOSIT, { accountId, amount: '1000.00', reference: 'm' });
  return { accountId, position: deposited.data!['depositFunds']!.position };
}

describe('/metrics after commands, queries and projector batches', () => {
  it('times commands by command and outcome, and counts events, replays and refusals', async () => {
    const { accountId } = await openFundedAccount();
    const commandId = randomUUID();
    const withdrawal = { accountId, amount: '1.00', reference: 'w', commandId };
    await command(WITHDRAW, withdrawal);
    await command(WITHDRAW, withdrawal);
    const refused = await command(WITHDRAW, { accountId, amount: '5000.00', reference: 'x' });
    expect(refused.errors?.[0]?.extensions?.code).toBe('INSUFFICIENT_FUNDS');

    const text = await scrape();
    const count = (labels: string): number | undefined =>
      valueOf(text, `ledger_command_duration_seconds_count{${labels}}`);
    expect(count('command="openAccount",outcome="ok"')).toBeGreaterThanOrEqual(1);
    expect(count('command="withdrawFunds",outcome="ok"')).toBe(2);
    expect(count('command="withdrawFunds",outcome="INSUFFICIENT_FUNDS"')).toBe(1);
    expect(valueOf(text, 'ledger_idempotent_replays_total{source="stored_result"}')).toBe(1);
    expect(
      valueOf(text, 'ledger_events_appended_total{type="AccountOpened"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(valueOf(text, 'ledger_events_appended_total{type="FundsWithdrawn"}')).toBe(1);
    expect(text).toContain('# TYPE ledger_command_conflicts_retried_total counter');
  });

  it('times GraphQL requests by root field and outcome, unknown operations as other', async () => {
    const { accountId, position } = await openFundedAccount();
    const read = await ledger.gql<{ account: { balance: string } }>(ACCOUNT, {
      id: accountId,
      consistency: { atLeast: position, timeoutMs: 10_000 },
    });
    expect(read.data?.account.balance).toBe('1000.00');
    await ledger.gql('{ __typename }');
    await ledger.gql('query { account(id: ');

    const text = await scrape();
    const count = (labels: string): number | undefined =>
      valueOf(text, `ledger_graphql_request_duration_seconds_count{${labels}}`);
    expect(count('operation="account",outcome="ok"')).toBeGreaterThanOrEqual(1);
    expect(count('operation="openAccount",outcome="ok"')).toBeGreaterThanOrEqual(1);
    expect(count('operation="other",outcome="ok"')).toBeGreaterThanOrEqual(1);
    expect(count('operation="other",outcome="refused"')).toBeGreaterThanOrEqual(1);
    // Label values come from the schema, never from the client's text.
    expect(text).not.toMatch(/ledger_graphql_request_duration_seconds_count\{operation="account\(/);
  });

  it('shows the projectors: batches, position, lag and parked events per view', async () => {
    const { accountId, position } = await openFundedAccount();
    await ledger.gql(ACCOUNT, {
      id: accountId,
      consistency: { atLeast: position, timeoutMs: 10_000 },
    });

    const text = await scrape();
    expect(
      valueOf(text, 'ledger_projection_batch_duration_seconds_count{projection="accounts"}'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      valueOf(text, 'ledger_projection_events_applied_total{projection="accounts"}'),
    ).toBeGreaterThanOrEqual(2);
    expect(valueOf(text, 'ledger_projection_position{projection="accounts"}')).toBeGreaterThan(0);
    expect(
      valueOf(text, 'ledger_projection_lag_events{projection="accounts"}'),
    ).toBeGreaterThanOrEqual(0);
    expect(
      valueOf(text, 'ledger_projection_lag_seconds{projection="accounts"}'),
    ).toBeGreaterThanOrEqual(0);
    expect(valueOf(text, 'ledger_projection_parked_events{projection="accounts"}')).toBe(0);
  });

  it('shows the saga, the market calls, the pool and the process', async () => {
    const { accountId } = await openFundedAccount();
    const placed = await command(PLACE_ORDER, {
      accountId,
      side: 'BUY',
      type: 'MARKET',
      instrument: 'AAPL',
      quantity: '1',
    });
    expect(placed.errors).toBeUndefined();

    const deadline = Date.now() + SAGA_WAIT_MS;
    let text = await scrape();
    while (
      valueOf(text, 'ledger_saga_step_duration_seconds_count{step="submit",outcome="ok"}') ===
      undefined
    ) {
      if (Date.now() > deadline) throw new Error('the saga did not submit the order in time');
      await new Promise((resolve) => setTimeout(resolve, 200));
      text = await scrape();
    }
    expect(
      valueOf(
        text,
        'ledger_market_call_duration_seconds_count{operation="submitOrder",outcome="ok"}',
      ),
    ).toBeGreaterThanOrEqual(1);
    expect(valueOf(text, 'ledger_sagas{state="active"}')).toBeGreaterThanOrEqual(0);
    expect(valueOf(text, 'ledger_sagas{state="parked"}')).toBe(0);
    expect(valueOf(text, 'ledger_parked_sagas')).toBe(0);
    expect(valueOf(text, 'ledger_market_circuit_open{circuit="market"}')).toBe(0);
    expect(valueOf(text, 'ledger_pg_pool_clients{pool="primary",state="total"}')).toBeGreaterThan(
      0,
    );
    expect(
      valueOf(text, 'ledger_pg_pool_clients{pool="primary",state="waiting"}'),
    ).toBeGreaterThanOrEqual(0);
    // Unlabelled when no append runs; labelled by the append's backend when the scrape
    // catches one of the saga's appends in flight.
    expect(text).toMatch(/^ledger_log_horizon_held_seconds(\{[^}]*\})? [\d.e+-]+$/m);
    expect(text).toMatch(/^process_resident_memory_bytes \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });
});

describe('a scrape with a collector that hangs', () => {
  it('answers with every other metric within the bound', async () => {
    const registry = ledger.app.get(MetricsRegistry);
    registry.gauge(
      { name: 'ledger_test_hung', help: 'Never answers' },
      () => new Promise<never>(() => undefined),
    );
    const startedMs = performance.now();
    const text = await scrape();
    // COLLECT_TIMEOUT_MS, and slack for a loaded machine.
    expect(performance.now() - startedMs).toBeLessThan(COLLECT_TIMEOUT_MS + 3_000);
    expect(text).not.toContain('ledger_test_hung');
    expect(text).toContain('# TYPE ledger_command_duration_seconds histogram');
    expect(valueOf(text, 'ledger_parked_sagas')).toBe(0);
  });
});
