import { type BenchConfig } from '../bench-config.js';
import { type BenchSession, VerificationError, log } from '../bench-session.js';
import { runLoad } from '../load-runner.js';
import { decimalAmount } from '../read-side/ledger-app.js';
import { DEPOSIT, OPEN_ACCOUNT } from '../../test-kit/graphql-operations.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import { type Deposit, planDeposits } from '../workload.js';
import { type ObservedApp } from './observed-app.js';
import { type ObservabilityChoice, runObserved } from './observed-runs.js';

/** A mutation over HTTP, as a client sends it; a GraphQL error throws. */
async function mutate(
  app: ObservedApp,
  authorization: string,
  mutation: string,
  input: Record<string, unknown>,
): Promise<{ id: string }> {
  const response = await fetch(`${app.baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query: mutation, variables: { input } }),
  });
  const body = (await response.json()) as {
    data?: Record<string, { id: string }> | null;
    errors?: { message: string }[];
  };
  const result = body.data ? Object.values(body.data)[0] : undefined;
  if (body.errors?.length || !result) {
    throw new Error(body.errors?.map((error) => error.message).join('; ') ?? 'no data');
  }
  return result;
}

function depositsOf(
  app: ObservedApp,
  authorization: string,
  ids: readonly string[],
  deposits: readonly Deposit[],
  concurrency: number,
): ReturnType<typeof runLoad> {
  return runLoad(deposits.length, concurrency, (index) => {
    const deposit = deposits[index]!;
    return mutate(app, authorization, DEPOSIT, {
      accountId: ids[deposit.accountIndex]!,
      amount: decimalAmount(deposit.amountMinor),
      reference: deposit.reference,
    });
  });
}

/**
 * `npm run bench -- --observability on|off|both`: deposit commands through the whole app
 * over HTTP (GraphQL, the command bus, the event store, the projectors and saga running
 * beside), with logs, traces and scrapes on or off. Each run opens --accounts accounts
 * and sends a warm-up (untimed), then --concurrent deposits with --concurrency in flight.
 */
export function commandOverhead(
  session: BenchSession,
  config: BenchConfig,
  choice: ObservabilityChoice,
): Promise<Record<string, unknown>> {
  return runObserved(session, {
    choice,
    runs: config.runs,
    label: 'observed_commands',
    subject: `depositFunds over HTTP, ${config.concurrency} in flight`,
    async measure(app, authorization, run) {
      const ids: string[] = new Array<string>(config.accounts);
      const opened = await runLoad(config.accounts, config.concurrency, async (index) => {
        const account = await mutate(app, authorization, OPEN_ACCOUNT, {
          customerId: `bench-customer-${index}`,
          name: `Bench account ${index}`,
          currency: 'USD',
        });
        ids[index] = account.id;
      });
      const random = seededRandom(config.seed + run);
      const warmUp = planDeposits(
        random,
        Math.min(1_000, config.accounts * 2),
        config.accounts,
        `r${run}-warm`,
      );
      const warmed = await depositsOf(app, authorization, ids, warmUp, config.concurrency);
      const timed = planDeposits(
        random,
        config.concurrentCommands,
        config.accounts,
        `r${run}-timed`,
      );
      const { result, cpu } = await app.metered(() =>
        depositsOf(app, authorization, ids, timed, config.concurrency),
      );
      for (const [phase, load] of Object.entries({ opened, warmed, result })) {
        if (load.failures > 0) {
          throw new VerificationError(
            `run ${run}, ${phase}: ${load.failures} failed, first: ${load.firstFailure}`,
          );
        }
      }
      log(
        `  run ${run}: ${config.accounts} accounts, ${warmUp.length} warm-up and ${timed.length} timed deposits`,
      );
      return {
        perSecond: result.perSecond,
        requests: timed.length,
        cpu,
        details: { load: result },
      };
    },
  });
}
