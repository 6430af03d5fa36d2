import { type BenchSession, VerificationError, log } from '../bench-session.js';
import { type Request, fire } from '../read-side/cannon.js';
import { ACCOUNT, bearerFor, decimalAmount } from '../read-side/ledger-app.js';
import { DEPOSIT, OPEN_ACCOUNT } from '../../test-kit/graphql-operations.js';
import { type ObservedApp } from './observed-app.js';
import { type ObservabilityChoice, runObserved } from './observed-runs.js';

/** What the account-query bench's options give this measurement. */
export interface QueryOverheadOptions {
  readonly runs: number;
  readonly seconds: number;
  readonly 'warmup-seconds': number;
  readonly connections: number;
  readonly pipelining: number;
  readonly workers: number;
}

/** Bound on waiting for the seeded account to reach its view. */
const SEED_WAIT_MS = 30_000;

async function graphql(
  app: ObservedApp,
  authorization: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<string> {
  const response = await fetch(`${app.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  if (!response.ok || (JSON.parse(text) as { errors?: unknown }).errors !== undefined) {
    throw new VerificationError(`GraphQL answered ${response.status}: ${text.slice(0, 500)}`);
  }
  return text;
}

/** Opens the one account the load reads, funds it, and waits for its view: untimed. */
async function seedAccount(app: ObservedApp, authorization: string): Promise<string> {
  const input = (fields: Record<string, unknown>): Record<string, unknown> => ({ input: fields });
  const opened = JSON.parse(
    await graphql(
      app,
      authorization,
      OPEN_ACCOUNT,
      input({ customerId: 'bench-customer-0', name: 'Bench account 0', currency: 'USD' }),
    ),
  ) as { data: { openAccount: { id: string } } };
  const accountId = opened.data.openAccount.id;
  const deposited = JSON.parse(
    await graphql(
      app,
      authorization,
      DEPOSIT,
      input({ accountId, amount: decimalAmount(123_456), reference: 'seed' }),
    ),
  ) as { data: { depositFunds: { position: string } } };
  await graphql(app, authorization, ACCOUNT, {
    id: accountId,
    consistency: { atLeast: deposited.data.depositFunds.position, timeoutMs: SEED_WAIT_MS },
  });
  return accountId;
}

/**
 * `npm run bench:query -- --observability on|off|both`: autocannon against account(id)
 * with the owner's token, the app in a process of its own with logs, traces and scrapes
 * on or off. Every answer is checked against the first.
 */
export function queryOverhead(
  session: BenchSession,
  options: QueryOverheadOptions,
  choice: ObservabilityChoice,
): Promise<Record<string, unknown>> {
  return runObserved(session, {
    choice,
    runs: options.runs,
    label: 'observed_query',
    subject: `account(id) over HTTP, ${options.connections} connections`,
    async measure(app, authorization, run) {
      const accountId = await seedAccount(app, authorization);
      const owner = await bearerFor('bench-customer-0', 'customer');
      const body = JSON.stringify({ query: ACCOUNT, variables: { id: accountId } });
      const request: Request = {
        url: `${app.baseUrl}/graphql`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: owner },
        body,
        expectBody: await graphql(app, owner, ACCOUNT, { id: accountId }),
      };
      const cannon = {
        connections: options.connections,
        pipelining: options.pipelining,
        workers: options.workers,
      };
      if (options['warmup-seconds'] > 0) await fire(request, options['warmup-seconds'], cannon);
      const { result, cpu } = await app.metered(() => fire(request, options.seconds, cannon));
      const failed = result.errors + result.timeouts + result.non2xx + result.mismatches;
      if (failed > 0) {
        throw new VerificationError(
          `run ${run}: ${result.errors + result.timeouts} errors, ${result.non2xx} non-2xx, ${result.mismatches} wrong bodies`,
        );
      }
      log(`  run ${run}: ${result.requests.total} requests in ${result.duration} s, all verified`);
      return {
        perSecond: result.requests.total / result.duration,
        requests: result.requests.total,
        cpu,
        details: {
          requests: result.requests.total,
          seconds: result.duration,
          latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
        },
      };
    },
  });
}
