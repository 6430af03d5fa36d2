import { parseArgs } from 'node:util';

/**
 * Command-line options of the read-side benches. Each bench declares its own options
 * as data (a full-size default and a quick-mode default), so every bench gets the same
 * `--quick`, `--runs`, `--out`, `--keep-databases` and `--help` and a generated usage text.
 * Options are integers, flags, or choices among a few words.
 * The PostgreSQL server comes from BENCH_DATABASE_URL, as for the command-throughput bench.
 */

export const DEFAULT_SERVER_URL = 'postgres://postgres@127.0.0.1:5432/test';

export interface IntOption {
  readonly kind: 'int';
  readonly description: string;
  readonly full: number;
  readonly quick: number;
  /** Smallest accepted value (1 unless given). */
  readonly min?: number;
}

export interface FlagOption {
  readonly kind: 'flag';
  readonly description: string;
}

/** One of a few words, or unset: a variant of the bench (its results go to a file of their own). */
export interface ChoiceOption {
  readonly kind: 'choice';
  readonly description: string;
  readonly choices: readonly string[];
}

export type OptionSpec = Readonly<Record<string, IntOption | FlagOption | ChoiceOption>>;

export type OptionValues<S extends OptionSpec> = {
  readonly [K in keyof S]: S[K] extends IntOption
    ? number
    : S[K] extends ChoiceOption
      ? S[K]['choices'][number] | undefined
      : boolean;
};

export interface CommonOptions {
  readonly serverUrl: string;
  readonly quick: boolean;
  readonly runs: number;
  readonly keepDatabases: boolean;
  readonly outFile: string;
}

export type BenchOptions<S extends OptionSpec> = CommonOptions & OptionValues<S>;

/** Runs default to 3 (1 in quick mode): the median of three is the least that means anything. */
const RUNS: IntOption = {
  kind: 'int',
  description: 'repetitions of every measurement',
  full: 3,
  quick: 1,
};

function choiceOption(
  name: string,
  raw: string | boolean | undefined,
  choices: readonly string[],
): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string' || !choices.includes(raw)) {
    throw new Error(`--${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw;
}

function integerOption(name: string, raw: string, min: number): number {
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < min) {
    throw new Error(`--${name} must be an integer of at least ${min}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

export function usage(script: string, summary: string, spec: OptionSpec, name: string): string {
  const rows: [string, string][] = [
    ['--quick', 'smoke run with tiny sizes: proves the pipeline, its numbers mean nothing'],
    ['--runs <n>', `${RUNS.description} (${RUNS.full}; quick ${RUNS.quick})`],
    ...Object.entries(spec).map(([key, option]): [string, string] =>
      option.kind === 'int'
        ? [`--${key} <n>`, `${option.description} (${option.full}; quick ${option.quick})`]
        : option.kind === 'choice'
          ? [`--${key} <${option.choices.join('|')}>`, option.description]
          : [`--${key}`, option.description],
    ),
    ['--keep-databases', 'do not drop the bench databases afterwards'],
    ['--out <file>', `JSON result file (bench/results/${name}.json; quick: ${name}.quick.json)`],
    ['--help', ''],
  ];
  const width = Math.max(...rows.map(([flag]) => flag.length));
  return [
    `Usage: node ${script} [options]`,
    '',
    summary,
    '',
    'Options:',
    ...rows.map(([flag, text]) => `  ${flag.padEnd(width)}  ${text}`),
    `PostgreSQL server: BENCH_DATABASE_URL (${DEFAULT_SERVER_URL}); each bench creates and drops its own databases there.`,
  ].join('\n');
}

/** `.<option>` for each choice given: a variant's figures never overwrite the bench's own. */
function variants(spec: OptionSpec, given: (key: string) => string | boolean | undefined): string {
  return Object.entries(spec)
    .filter(([key, option]) => option.kind === 'choice' && given(key) !== undefined)
    .map(([key]) => `.${key}`)
    .join('');
}

/** Undefined when --help was asked for. */
export function readOptions<S extends OptionSpec>(
  name: string,
  spec: S,
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): BenchOptions<S> | undefined {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean' },
      runs: { type: 'string' },
      'keep-databases': { type: 'boolean' },
      out: { type: 'string' },
      help: { type: 'boolean' },
      ...Object.fromEntries(
        Object.entries(spec).map(([key, option]) => [
          key,
          { type: option.kind === 'flag' ? ('boolean' as const) : ('string' as const) },
        ]),
      ),
    },
    strict: true,
    allowPositionals: false,
  });
  // The bench-specific keys are only known at run time: read them as a plain record.
  const given = (key: string): string | boolean | undefined =>
    (values as Record<string, string | boolean | undefined>)[key];
  if (given('help') === true) return undefined;
  const quick = given('quick') === true;
  const specific = Object.fromEntries(
    Object.entries(spec).map(([key, option]) => {
      const raw = given(key);
      if (option.kind === 'flag') return [key, raw === true];
      if (option.kind === 'choice') return [key, choiceOption(key, raw, option.choices)];
      return [
        key,
        typeof raw === 'string'
          ? integerOption(key, raw, option.min ?? 1)
          : quick
            ? option.quick
            : option.full,
      ];
    }),
  ) as OptionValues<S>;
  const runs = given('runs');
  const out = given('out');
  return {
    ...specific,
    serverUrl: env['BENCH_DATABASE_URL'] || DEFAULT_SERVER_URL,
    quick,
    runs:
      typeof runs === 'string' ? integerOption('runs', runs, 1) : quick ? RUNS.quick : RUNS.full,
    keepDatabases: given('keep-databases') === true,
    // A smoke run must not overwrite the figures of a real one.
    outFile:
      typeof out === 'string'
        ? out
        : `bench/results/${name}${variants(spec, given)}${quick ? '.quick' : ''}.json`,
  };
}
