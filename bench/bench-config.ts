import { parseArgs } from 'node:util';
import { type ObservabilityChoice, parseObservability } from './observability/observed-runs.js';

export interface BenchConfig {
  /** Server URL; each system gets its own database created on that server. */
  readonly serverUrl: string;
  readonly accounts: number;
  readonly sequentialCommands: number;
  readonly concurrentCommands: number;
  readonly bareAppends: number;
  readonly concurrency: number;
  readonly poolSize: number;
  readonly runs: number;
  readonly seed: number;
  readonly quick: boolean;
  readonly skipEmmettBare: boolean;
  readonly skipUncached: boolean;
  readonly keepDatabases: boolean;
  readonly outFile: string;
  /** Set: the observability overhead through the app instead (see observability/command-overhead.ts). */
  readonly observability: ObservabilityChoice | undefined;
}

const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Defaults size each timed phase to run for at least ~5 s on a small machine. Quick mode
 * only proves the whole pipeline works end to end; its numbers mean nothing.
 */
const FULL = {
  accounts: 2_000,
  sequentialCommands: 5_000,
  concurrentCommands: 20_000,
  bareAppends: 20_000,
  runs: 3,
};
const QUICK = {
  accounts: 200,
  sequentialCommands: 300,
  concurrentCommands: 1_000,
  bareAppends: 1_000,
  runs: 1,
};

export const USAGE = `Usage: node dist/bench/command-throughput.bench.js [options]

Options (each also settable by the environment variable shown; flags win):
  --quick                 smoke run with tiny sizes             BENCH_QUICK=1
  --runs <n>              repetitions of every measurement      BENCH_RUNS (3)
  --accounts <n>          accounts opened before timing         BENCH_ACCOUNTS (2000)
  --sequential <n>        deposits with 1 in flight, per run    BENCH_SEQUENTIAL (5000)
  --concurrent <n>        deposits with --concurrency in flight BENCH_CONCURRENT (20000)
  --bare <n>              bare appends / raw inserts, per run   BENCH_BARE (20000)
  --concurrency <n>       async workers in concurrent phases    BENCH_CONCURRENCY (16)
  --pool-size <n>         pg pool size of every system          BENCH_POOL_SIZE (20)
  --seed <n>              workload PRNG seed                    BENCH_SEED (42)
  --skip-emmett-bare      leave out Emmett's bare appends       BENCH_SKIP_EMMETT_BARE=1
  --skip-uncached         leave out ours with the stream cache  BENCH_SKIP_UNCACHED=1
                          off (every command reads first)
  --keep-databases        do not drop the bench databases       BENCH_KEEP_DATABASES=1
  --out <file>            JSON result file                      BENCH_OUT (bench/results/command-throughput.json;
                                                                with --observability: command-overhead.json)
  --observability <mode>  on|off|both: deposits through the app BENCH_OBSERVABILITY
                          in a process of its own with logs, traces and /metrics scrapes
                          (on) or without (off); both alternates them run by run
  --help
Server: BENCH_DATABASE_URL (${DEFAULT_SERVER_URL}).`;

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function flag(raw: string | undefined): boolean {
  return raw !== undefined && raw !== '' && raw !== '0' && raw.toLowerCase() !== 'false';
}

/** Returns undefined when --help was asked for. */
export function readConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): BenchConfig | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean' },
      runs: { type: 'string' },
      accounts: { type: 'string' },
      sequential: { type: 'string' },
      concurrent: { type: 'string' },
      bare: { type: 'string' },
      concurrency: { type: 'string' },
      'pool-size': { type: 'string' },
      seed: { type: 'string' },
      'skip-emmett-bare': { type: 'boolean' },
      'skip-uncached': { type: 'boolean' },
      'keep-databases': { type: 'boolean' },
      out: { type: 'string' },
      observability: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.help) return undefined;

  const quick = values.quick ?? flag(env['BENCH_QUICK']);
  const observability = parseObservability(values.observability ?? env['BENCH_OBSERVABILITY']);
  const sizes = quick ? QUICK : FULL;
  const concurrency = positiveInt(
    'concurrency',
    values.concurrency ?? env['BENCH_CONCURRENCY'],
    16,
  );
  const poolSize = positiveInt('pool-size', values['pool-size'] ?? env['BENCH_POOL_SIZE'], 20);
  if (poolSize < concurrency) {
    // Fewer connections than workers would measure pool queueing, not the store.
    throw new Error(`pool-size (${poolSize}) must be at least concurrency (${concurrency})`);
  }
  return {
    serverUrl: env['BENCH_DATABASE_URL'] || DEFAULT_SERVER_URL,
    accounts: positiveInt('accounts', values.accounts ?? env['BENCH_ACCOUNTS'], sizes.accounts),
    sequentialCommands: positiveInt(
      'sequential',
      values.sequential ?? env['BENCH_SEQUENTIAL'],
      sizes.sequentialCommands,
    ),
    concurrentCommands: positiveInt(
      'concurrent',
      values.concurrent ?? env['BENCH_CONCURRENT'],
      sizes.concurrentCommands,
    ),
    bareAppends: positiveInt('bare', values.bare ?? env['BENCH_BARE'], sizes.bareAppends),
    concurrency,
    poolSize,
    runs: positiveInt('runs', values.runs ?? env['BENCH_RUNS'], sizes.runs),
    seed: positiveInt('seed', values.seed ?? env['BENCH_SEED'], 42),
    quick,
    skipEmmettBare: values['skip-emmett-bare'] ?? flag(env['BENCH_SKIP_EMMETT_BARE']),
    skipUncached: values['skip-uncached'] ?? flag(env['BENCH_SKIP_UNCACHED']),
    keepDatabases: values['keep-databases'] ?? flag(env['BENCH_KEEP_DATABASES']),
    outFile:
      values.out ??
      (env['BENCH_OUT'] ||
        (observability === undefined
          ? 'bench/results/command-throughput.json'
          : `bench/results/command-overhead${quick ? '.quick' : ''}.json`)),
    observability,
  };
}
