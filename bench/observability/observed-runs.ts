import { rotate } from '../bench-results.js';
import { type BenchSession, VerificationError, log } from '../bench-session.js';
import { bearerFor } from '../read-side/ledger-app.js';
import {
  type Spread,
  formatRate,
  formatRatio,
  formatSpread,
  renderTable,
  spread,
} from '../stats.js';
import { type CpuUse } from './cpu-meter.js';
import { workPerRequest } from './database-work.js';
import { MetricsScraper, type ScrapeCounts } from './metrics-scraper.js';
import {
  type ObservabilityMode,
  ObservedApp,
  type OutputCounts,
  parseObservedParts,
} from './observed-app.js';
import { type CollectorCounts, OtlpCollectorStub } from './otlp-collector-stub.js';

/** `--observability`: one mode, or both alternating run by run. */
export type ObservabilityChoice = ObservabilityMode | 'both';
const CHOICES: readonly ObservabilityChoice[] = ['on', 'off', 'both'];

/** The most logs, metrics and traces may take off the throughput (the budget). */
export const GOAL_MAX_DROP = 0.1;

export function parseObservability(raw: string | undefined): ObservabilityChoice | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!(CHOICES as readonly string[]).includes(raw)) {
    throw new Error(
      `--observability must be one of ${CHOICES.join(', ')}, got ${JSON.stringify(raw)}`,
    );
  }
  return raw as ObservabilityChoice;
}

/** The runs of a choice: with both, each run starts with the mode the last one ended with. */
export function schedule(
  choice: ObservabilityChoice,
  runs: number,
): { run: number; mode: ObservabilityMode }[] {
  const modes: ObservabilityMode[] = choice === 'both' ? ['off', 'on'] : [choice];
  return Array.from({ length: runs }, (_, index) =>
    rotate(modes, index).map((mode) => ({ run: index + 1, mode })),
  ).flat();
}

/**
 * What a measurement answers: its rate (per second), the requests it timed and the CPU
 * they cost (ObservedApp.metered), and whatever else it records.
 */
export interface ObservedMeasurement {
  readonly perSecond: number;
  readonly requests: number;
  readonly cpu: CpuUse;
  readonly details: Record<string, unknown>;
}

export interface ObservedRecord extends ObservedMeasurement {
  readonly run: number;
  readonly mode: ObservabilityMode;
  readonly appOutput: OutputCounts;
  readonly traces: CollectorCounts;
  readonly scrapes: ScrapeCounts | null;
}

export interface ObservedBench {
  readonly choice: ObservabilityChoice;
  readonly runs: number;
  /** Prefix of the runs' databases: each run gets a fresh one. */
  readonly label: string;
  /** What is measured, for the table. */
  readonly subject: string;
  /** Sets up (untimed) and measures one run against the app, with an admin's token. */
  measure(app: ObservedApp, authorization: string, run: number): Promise<ObservedMeasurement>;
}

/**
 * Runs a measurement against the app in each mode of the schedule, each run on a fresh
 * database and a fresh app process, and prints the medians and, with both modes, the
 * ratio against the goal. Answers what goes into the results file.
 */
export async function runObserved(
  session: BenchSession,
  bench: ObservedBench,
): Promise<Record<string, unknown>> {
  // What "on" turns on; all of it unless BENCH_OBSERVABILITY_PARTS names some, to price each.
  const parts = parseObservedParts(process.env['BENCH_OBSERVABILITY_PARTS']);
  const collector = await OtlpCollectorStub.start();
  session.defer(() => collector.close());
  const authorization = await bearerFor('bench-admin', 'admin');
  const records: ObservedRecord[] = [];
  for (const { run, mode } of schedule(bench.choice, bench.runs)) {
    const db = await session.database(`${bench.label}_r${run}_${mode}`);
    const app = await ObservedApp.start(db.url, mode, collector.endpoint, parts);
    try {
      const tracesBefore = collector.counts();
      const scraper =
        mode === 'on' && parts.has('scrapes')
          ? new MetricsScraper(`${app.baseUrl}/metrics`, authorization)
          : undefined;
      const measured = await bench.measure(app, authorization, run);
      const scrapes = (await scraper?.stop()) ?? null;
      const tracesAfter = collector.counts();
      const record: ObservedRecord = {
        ...measured,
        run,
        mode,
        appOutput: app.output(),
        traces: {
          requests: tracesAfter.requests - tracesBefore.requests,
          bytes: tracesAfter.bytes - tracesBefore.bytes,
        },
        scrapes,
      };
      check(record);
      records.push(record);
      log(describeRecord(record));
    } finally {
      await app.stop();
    }
  }
  return { ...summarize(bench, records), parts: [...parts] };
}

function check(record: ObservedRecord): void {
  const { scrapes } = record;
  if (scrapes && (scrapes.failures > 0 || scrapes.scrapes === 0)) {
    throw new VerificationError(
      `run ${record.run}: ${scrapes.scrapes} scrapes of /metrics, ${scrapes.failures} failed (${scrapes.firstFailure ?? 'none ran'})`,
    );
  }
}

function describeRecord(record: ObservedRecord): string {
  const kib = (bytes: number): string => `${(bytes / 1024).toFixed(0)} KiB`;
  const scraped = record.scrapes
    ? `, ${record.scrapes.scrapes} scrapes (${kib(record.scrapes.bytes)})`
    : '';
  const cpu = cpuPerRequest(record);
  const { before, after } = record.cpu.databaseWork;
  const work = Object.entries(workPerRequest(before, after, record.requests))
    .map(([name, value]) => `${name} ${value}`)
    .join(', ');
  return (
    `  run ${record.run}  ${record.mode.padEnd(3)}  ${formatRate(record.perSecond).padStart(9)}  ` +
    `logs ${kib(record.appOutput.stdoutBytes + record.appOutput.stderrBytes)}, ` +
    `traces ${record.traces.requests} exports (${kib(record.traces.bytes)})${scraped}; ` +
    `CPU per request: app ${micros(cpu.app)}, database ${micros(cpu.database)}, bench ${micros(cpu.bench)}\n` +
    `    database work per request: ${work}`
  );
}

const micros = (seconds: number): string => `${(seconds * 1e6).toFixed(0)} µs`;

/** CPU seconds per timed request, side by side and in all. */
function cpuPerRequest(record: ObservedRecord): {
  app: number;
  database: number;
  bench: number;
  total: number;
} {
  const { appSeconds, databaseSeconds, benchSeconds } = record.cpu;
  const per = (seconds: number): number => seconds / record.requests;
  return {
    app: per(appSeconds),
    database: per(databaseSeconds),
    bench: per(benchSeconds),
    total: per(appSeconds + databaseSeconds + benchSeconds),
  };
}

type CpuSide = keyof ReturnType<typeof cpuPerRequest>;
const CPU_SIDES: readonly CpuSide[] = ['app', 'database', 'bench', 'total'];

/**
 * CPU per request by mode (medians), and the throughput ratio they imply where the load
 * saturates the machine: off's CPU per request over on's. Unlike the measured rates, it
 * does not drift with what else the machine runs.
 */
function summarizeCpu(records: readonly ObservedRecord[]): Record<string, unknown> {
  const medians = (mode: ObservabilityMode): Record<CpuSide, number> | undefined => {
    const costs = records.filter((record) => record.mode === mode).map(cpuPerRequest);
    if (costs.length === 0) return undefined;
    const entries = CPU_SIDES.map((side) => [side, spread(costs.map((cost) => cost[side])).median]);
    return Object.fromEntries(entries) as Record<CpuSide, number>;
  };
  const perMode = { off: medians('off'), on: medians('on') };
  log(
    renderTable(
      ['CPU per request (median)', ...CPU_SIDES],
      Object.entries(perMode).flatMap(([mode, cost]) =>
        cost ? [[mode, ...CPU_SIDES.map((side) => micros(cost[side]))]] : [],
      ),
    ),
  );
  if (!perMode.on || !perMode.off) return { cpuPerRequest: perMode };
  const ratio = perMode.off.total / perMode.on.total;
  log(
    `on / off at equal CPU (off's CPU per request over on's): ${formatRatio(ratio)}, ` +
      `a drop of ${((1 - ratio) * 100).toFixed(1)} %; goal <= ${GOAL_MAX_DROP * 100} %: ` +
      `${1 - ratio <= GOAL_MAX_DROP ? 'met' : 'NOT met'}`,
  );
  return { cpuPerRequest: perMode, ratioAtEqualCpu: ratio };
}

/** Rates per mode; with both, the ratio on/off (of medians, and paired run by run) against the goal. */
function summarize(
  bench: ObservedBench,
  records: readonly ObservedRecord[],
): Record<string, unknown> {
  const rates = (mode: ObservabilityMode): number[] =>
    records.filter((record) => record.mode === mode).map((record) => record.perSecond);
  const perMode: Partial<Record<ObservabilityMode, Spread>> = {};
  for (const mode of ['off', 'on'] as const) {
    if (rates(mode).length > 0) perMode[mode] = spread(rates(mode));
  }
  log(`\nResults: ${bench.subject}, per second, median (min – max) of ${bench.runs} run(s)`);
  log(
    renderTable(
      ['Observability', 'rate'],
      Object.entries(perMode).map(([mode, rate]) => [mode, formatSpread(rate)]),
    ),
  );
  warnIfUnwired(records);
  const cpu = summarizeCpu(records);
  if (!perMode.on || !perMode.off) {
    return { observability: bench.choice, perMode, ...cpu, runs: records };
  }
  const ratio = perMode.on.median / perMode.off.median;
  const paired = spread(
    Array.from({ length: bench.runs }, (_, index) => {
      const of = (mode: ObservabilityMode): number =>
        records.find((record) => record.run === index + 1 && record.mode === mode)!.perSecond;
      return of('on') / of('off');
    }),
  );
  const drop = 1 - ratio;
  const met = drop <= GOAL_MAX_DROP;
  log(
    `\non / off: ${formatRatio(ratio)} (paired runs ${formatSpread(paired, formatRatio)}), ` +
      `a drop of ${(drop * 100).toFixed(1)} %; goal <= ${GOAL_MAX_DROP * 100} %: ${met ? 'met' : 'NOT met'}`,
  );
  return {
    observability: bench.choice,
    perMode,
    ratioOfMedians: ratio,
    pairedRatios: paired,
    drop,
    goalMaxDrop: GOAL_MAX_DROP,
    goalMet: met,
    ...cpu,
    runs: records,
  };
}

/**
 * An "on" run that logged hardly more than an "off" one, or exported no trace, measured less
 * than it claims: the build does not honour LOG_LEVEL or OTEL_EXPORTER_OTLP_ENDPOINT.
 */
function warnIfUnwired(records: readonly ObservedRecord[]): void {
  const logBytes = (mode: ObservabilityMode): number[] =>
    records
      .filter((record) => record.mode === mode)
      .map((record) => record.appOutput.stdoutBytes + record.appOutput.stderrBytes);
  const on = logBytes('on');
  if (on.length === 0) return;
  // A line per request makes "on" log many times what the start-up lines of "off" are.
  const quietest = Math.min(...on);
  if (quietest === 0 || quietest < 2 * Math.max(0, ...logBytes('off'))) {
    log('WARNING: "on" logged hardly more than "off": LOG_LEVEL is not honoured by this build');
  }
  if (records.some((record) => record.mode === 'on' && record.traces.requests === 0)) {
    log(
      'WARNING: an "on" run exported no trace: OTEL_EXPORTER_OTLP_ENDPOINT is not honoured by this build',
    );
  }
}
