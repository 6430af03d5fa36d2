/**
 * Account query: requests per second of the app's GraphQL `account(id)` (Nest, Mercurius,
 * the query bus and the consistency layer, over HTTP) against a bare Fastify endpoint that
 * runs the same SELECT (AccountsRepository itself, on a pool of the same size) and
 * answers the same fields as JSON. Both in this process, on the same database and one
 * fixed seeded account; autocannon drives them from a worker thread, so the load
 * generator does not share the servers' event loop. Runs alternate which one goes first.
 * `npm run bench:query -- --help` for the knobs.
 */
import { type AddressInfo } from 'node:net';
import type autocannon from 'autocannon';
import Fastify from 'fastify';
import { toAccountType } from '../../src/queries/accounts/account.type.js';
import { AccountsRepository } from '../../src/queries/repositories/accounts.repository.js';
import { formatRate, formatRatio, formatSpread, renderTable, spread } from '../stats.js';
import { VerificationError, log } from '../bench-session.js';
import { formatMs, runBench } from './harness.js';
import { rotate } from '../bench-results.js';
import { ACCOUNT, DEPOSIT, LedgerApp, bearerFor, decimalAmount } from './ledger-app.js';
import { type Request, fire } from './cannon.js';
import { queryOverhead } from '../observability/query-overhead.js';

const GOAL_RATIO = 0.6;
/** The most the access check (token, rule, ownership, rate limit) may take off `account(id)`. */
const GOAL_ACCESS_COST = 0.1;

const formatPercent = (share: number): string => `${(share * 100).toFixed(1)} %`;
/** The app's default pool size (LEDGER_DB_POOL_SIZE): the bare endpoint gets as many connections. */
const POOL_SIZE = 20;

const OPTIONS = {
  seconds: { kind: 'int', description: 'measured seconds per target per run', full: 10, quick: 3 },
  'warmup-seconds': {
    kind: 'int',
    description: 'unmeasured seconds per target before the runs',
    full: 3,
    quick: 1,
    min: 0,
  },
  connections: { kind: 'int', description: 'autocannon connections', full: 16, quick: 16 },
  pipelining: { kind: 'int', description: 'requests in flight per connection', full: 1, quick: 1 },
  workers: {
    kind: 'int',
    description: "autocannon worker threads (0: in the servers' own event loop)",
    full: 1,
    quick: 1,
    min: 0,
  },
  observability: {
    kind: 'choice',
    description:
      'instead: the app in a process of its own with logs, traces and /metrics scrapes (on) or without (off); both alternates them run by run',
    choices: ['on', 'off', 'both'],
  },
} as const;

/**
 * `graphql`: the account's owner asks with a customer token (verified, the rule applied,
 * ownership read, the rate limit counted); `unchecked`: the same request to the same app
 * with its access check switched off, to price the check in the same run.
 */
type Target = 'bare' | 'graphql' | 'unchecked';
const TARGETS = ['bare', 'graphql', 'unchecked'] as const;

interface CannonRecord {
  readonly run: number;
  readonly target: Target;
  readonly slot: number;
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly latencyMs: {
    readonly p50: number;
    readonly p90: number;
    readonly p99: number;
    readonly max: number;
  };
  readonly errors: number;
  readonly non2xx: number;
  readonly mismatches: number;
}

runBench({
  name: 'account-query',
  title: 'Account query bench (read side)',
  script: 'dist/bench/read-side/account-query.bench.js',
  summary:
    "autocannon against the app's GraphQL account(id) query and against a bare Fastify + pg endpoint\n" +
    'running the same SELECT (AccountsRepository), same process, same database, one seeded account.',
  options: OPTIONS,
  describe: (o) =>
    `${o.seconds} s per target per run, ${o.runs} run(s), ${o.connections} connections, pipelining ${o.pipelining}, ` +
    `autocannon ${o.workers > 0 ? `in ${o.workers} worker thread(s)` : 'in the main thread'}`,
  async run(context) {
    const { options } = context;
    if (options.observability) return queryOverhead(context, options, options.observability);
    log('\nSetup (not timed)');
    const db = await context.database('query');
    const app = await LedgerApp.start(db.url, { listen: true });
    context.defer(() => app.close());
    const [accountId] = await app.openAccounts(1);
    const deposit = await app.command(DEPOSIT, {
      accountId,
      amount: decimalAmount(123_456),
      reference: 'seed',
    });
    await app.readAccount(accountId!, deposit.position);
    // openAccounts opens account i for bench-customer-i: this is the owner's own token.
    const owner = await bearerFor('bench-customer-0', 'customer');

    const repository = new AccountsRepository(context.pool(db.url, POOL_SIZE));
    const bare = Fastify();
    bare.get<{ Params: { id: string } }>('/accounts/:id', async (request, reply) => {
      const view = await repository.findById(request.params.id);
      if (!view) return reply.code(404).send({ error: 'not found' });
      return toAccountType(view);
    });
    await bare.listen({ port: 0, host: '127.0.0.1' });
    context.defer(() => bare.close());
    const bareUrl = `http://127.0.0.1:${(bare.server.address() as AddressInfo).port}`;

    // The expected bodies, read once; also proves both answer the same account.
    const graphqlBody = JSON.stringify({ query: ACCOUNT, variables: { id: accountId } });
    const graphqlAnswer = await fetch(`${app.baseUrl!}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: owner },
      body: graphqlBody,
    }).then((response) => response.text());
    const bareAnswer = await fetch(`${bareUrl}/accounts/${accountId}`).then((response) =>
      response.text(),
    );
    const fromGraphql = (
      JSON.parse(graphqlAnswer) as { data?: { account?: { id: string; balance: string } } }
    ).data?.account;
    const fromBare = JSON.parse(bareAnswer) as { id?: string; balance?: string };
    if (
      !fromGraphql ||
      fromGraphql.id !== accountId ||
      fromBare.id !== accountId ||
      fromGraphql.balance !== fromBare.balance
    ) {
      throw new VerificationError(
        `the two endpoints disagree:\n  graphql: ${graphqlAnswer}\n  bare: ${bareAnswer}`,
      );
    }
    log(
      `  app on ${app.baseUrl}, bare on ${bareUrl}; account ${accountId} (balance ${fromBare.balance})`,
    );
    log(`  graphql answer ${graphqlAnswer.length} bytes, bare answer ${bareAnswer.length} bytes`);

    const graphqlRequest: Request = {
      url: `${app.baseUrl!}/graphql`,
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: owner },
      body: graphqlBody,
      expectBody: graphqlAnswer,
    };
    const cannon = {
      connections: options.connections,
      pipelining: options.pipelining,
      workers: options.workers,
    };
    const requests: Record<Target, Request> = {
      bare: { url: `${bareUrl}/accounts/${accountId}`, method: 'GET', expectBody: bareAnswer },
      graphql: graphqlRequest,
      unchecked: graphqlRequest,
    };
    const fireAt = (target: Target, seconds: number): Promise<autocannon.Result> => {
      app.switchAccessCheck(target !== 'unchecked');
      return fire(requests[target], seconds, cannon);
    };
    if (options['warmup-seconds'] > 0) {
      for (const target of TARGETS) await fireAt(target, options['warmup-seconds']);
      log(`  warmed up ${options['warmup-seconds']} s each`);
    }

    const records: CannonRecord[] = [];
    for (let run = 1; run <= options.runs; run++) {
      for (const [slot, target] of rotate(TARGETS, run - 1).entries()) {
        const result = await fireAt(target, options.seconds);
        const record: CannonRecord = {
          run,
          target,
          slot,
          requests: result.requests.total,
          seconds: result.duration,
          requestsPerSecond: result.requests.total / result.duration,
          latencyMs: {
            p50: result.latency.p50,
            p90: result.latency.p90,
            p99: result.latency.p99,
            max: result.latency.max,
          },
          errors: result.errors + result.timeouts,
          non2xx: result.non2xx,
          mismatches: result.mismatches,
        };
        if (record.errors + record.non2xx + record.mismatches > 0) {
          throw new VerificationError(
            `${target}, run ${run}: ${record.errors} errors, ${record.non2xx} non-2xx, ${record.mismatches} wrong bodies`,
          );
        }
        records.push(record);
        log(
          `  run ${run}  ${target.padEnd(8)} ${formatRate(record.requestsPerSecond).padStart(9)}  ` +
            `p50 ${formatMs(record.latencyMs.p50)}  p99 ${formatMs(record.latencyMs.p99)}  ${record.requests} requests, all verified`,
        );
      }
    }

    const rates = (target: Target): number[] =>
      records.filter((r) => r.target === target).map((r) => r.requestsPerSecond);
    const latency = (target: Target, pick: (r: CannonRecord) => number): string =>
      formatMs(spread(records.filter((r) => r.target === target).map(pick)).median);
    const bareRate = spread(rates('bare'));
    const graphqlRate = spread(rates('graphql'));
    const uncheckedRate = spread(rates('unchecked'));
    const paired = spread(rates('graphql').map((rate, index) => rate / rates('bare')[index]!));
    const ratio = graphqlRate.median / bareRate.median;
    // The check's share of the unchecked rate, run by run (both measured in the same run).
    const accessCost = spread(
      rates('graphql').map((rate, index) => 1 - rate / rates('unchecked')[index]!),
    );
    const row = (label: string, target: Target): string[] => [
      label,
      formatSpread(spread(rates(target))),
      latency(target, (r) => r.latencyMs.p50),
      latency(target, (r) => r.latencyMs.p99),
    ];
    log(
      `\nResults: requests per second, median (min – max) of ${options.runs} run(s); latency medians`,
    );
    log(
      renderTable(
        ['Target', 'req/s', 'p50', 'p99'],
        [
          row('bare Fastify + pg (same SELECT)', 'bare'),
          row("app GraphQL account(id), owner's token", 'graphql'),
          row('the same, access check switched off', 'unchecked'),
        ],
      ),
    );
    log(
      `\napp / bare: ${formatRatio(ratio)} (paired runs ${formatSpread(paired, formatRatio)}); ` +
        `goal >= ${formatRatio(GOAL_RATIO)}: ${ratio >= GOAL_RATIO ? 'met' : 'NOT met'}`,
    );
    log(
      `access check: ${formatPercent(accessCost.median)} of the unchecked rate ` +
        `(runs ${formatPercent(accessCost.min)} – ${formatPercent(accessCost.max)}); ` +
        `goal <= ${formatPercent(GOAL_ACCESS_COST)}: ${accessCost.median <= GOAL_ACCESS_COST ? 'met' : 'NOT met'}`,
    );
    return {
      targets: {
        bare: 'Fastify GET /accounts/:id -> AccountsRepository.findById -> toAccountType, JSON',
        graphql:
          "POST /graphql account(id) { all fields of Account } with the owner's customer token, through the app (listening on 127.0.0.1)",
        unchecked: 'the same request to the same app, its access check switched off',
        poolSize: POOL_SIZE,
      },
      summary: {
        bare: bareRate,
        graphql: graphqlRate,
        unchecked: uncheckedRate,
        ratioOfMedians: ratio,
        pairedRatios: paired,
        goalRatio: GOAL_RATIO,
        goalMet: ratio >= GOAL_RATIO,
        accessCost,
        goalAccessCost: GOAL_ACCESS_COST,
        accessGoalMet: accessCost.median <= GOAL_ACCESS_COST,
      },
      runs: records,
    };
  },
});
