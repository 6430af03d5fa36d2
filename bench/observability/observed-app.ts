import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findFreePort } from '../../src/infrastructure/database/free-port.js';
import { AppProcess } from '../../test-kit/app-process.js';
import { BENCH_JWT_SECRET_TEXT } from '../read-side/ledger-app.js';
import { type CpuUse, meterCpu } from './cpu-meter.js';

/** The app's entry point, built: `dist/src/main.js` beside this file's `dist/bench/observability`. */
const MAIN = fileURLToPath(new URL('../../src/main.js', import.meta.url));
const START_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 60_000;

/** Whether logs, metrics scrapes and trace export are on for a run (see README, "Benchmarks"). */
export type ObservabilityMode = 'on' | 'off';

/** Every variable that turns logging or tracing on or off: none leaks in from the shell. */
const OBSERVABILITY_VARIABLES = /^(LOG_LEVEL|OTEL_.*)$/;

/** What "on" turns on: the request logs, the trace export, the scrapes of /metrics. */
export type ObservedPart = 'logs' | 'traces' | 'scrapes';
export type ObservedParts = ReadonlySet<ObservedPart>;
const PARTS: readonly ObservedPart[] = ['logs', 'traces', 'scrapes'];

/** `logs,traces,scrapes` (any of them, comma-separated); unset or empty: all three. */
export function parseObservedParts(raw: string | undefined): ObservedParts {
  const named = (raw ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  for (const part of named) {
    if (!(PARTS as readonly string[]).includes(part)) {
      throw new Error(
        `BENCH_OBSERVABILITY_PARTS takes ${PARTS.join(', ')}, got ${JSON.stringify(part)}`,
      );
    }
  }
  return new Set(named.length === 0 ? PARTS : (named as ObservedPart[]));
}

/**
 * The environment of one mode. On: logs at info, traces exported to the collector stub
 * (each only when among `parts`). Off: no logs, no OTLP endpoint (tracing then costs
 * nothing). Metrics are always collected; "on" adds the scrapes (MetricsScraper).
 */
export function modeEnvironment(
  mode: ObservabilityMode,
  otlpEndpoint: string,
  parts: ObservedParts,
): Record<string, string> {
  if (mode === 'off') return { LOG_LEVEL: 'silent' };
  return {
    LOG_LEVEL: parts.has('logs') ? 'info' : 'silent',
    ...(parts.has('traces')
      ? { OTEL_EXPORTER_OTLP_ENDPOINT: otlpEndpoint, OTEL_SERVICE_NAME: 'ledger-bench' }
      : {}),
  };
}

/** What the app wrote while it ran: its logs' bytes. */
export interface OutputCounts {
  readonly stdoutBytes: number;
  readonly stderrBytes: number;
}

/**
 * The app as an operator runs it (`node dist/src/main.js`, production settings) in a
 * process of its own, on the bench's database: logging and tracing are set up at start
 * from the environment, so each mode needs a process of its own. Its standard output goes
 * to a file, as a container runtime keeps it for a log shipper, and is counted from there.
 * Ready once /health/ready answers 200.
 */
export class ObservedApp {
  private constructor(
    private readonly app: AppProcess,
    private readonly dataDir: string,
    private readonly databaseUrl: string,
  ) {}

  get baseUrl(): string {
    return this.app.baseUrl;
  }

  /** Runs `work` (the timed part of a run) and answers the CPU time it cost each side. */
  metered<T>(work: () => Promise<T>): Promise<{ result: T; cpu: CpuUse }> {
    return meterCpu(this.app.child.pid!, this.databaseUrl, work);
  }

  static async start(
    databaseUrl: string,
    mode: ObservabilityMode,
    otlpEndpoint: string,
    parts: ObservedParts,
    /** More of the app's environment (LEDGER_PROJECTIONS, say). */
    env: Record<string, string> = {},
  ): Promise<ObservedApp> {
    const port = await findFreePort();
    const dataDir = await mkdtemp(join(tmpdir(), 'ledger-bench-observed-'));
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !OBSERVABILITY_VARIABLES.test(name)),
    );
    const app = new ObservedApp(
      AppProcess.start({
        cwd: process.cwd(),
        port,
        argv: [process.execPath, MAIN],
        stdoutFile: join(dataDir, 'stdout.log'),
        env: {
          ...inherited,
          NODE_ENV: 'production',
          DATABASE_URL: databaseUrl,
          HOST: '127.0.0.1',
          PORT: String(port),
          LEDGER_DATA_DIR: dataDir,
          LEDGER_JWT_SECRET: BENCH_JWT_SECRET_TEXT,
          // One token drives the whole load: no per-caller limit.
          LEDGER_RATE_LIMIT_PER_SECOND: '0',
          ...modeEnvironment(mode, otlpEndpoint, parts),
          ...env,
        },
      }),
      dataDir,
      databaseUrl,
    );
    try {
      await app.app.waitReady(START_TIMEOUT_MS);
    } catch (error) {
      await app.stop();
      throw error;
    }
    return app;
  }

  output(): OutputCounts {
    const { stdout, stderr } = this.app.outputBytes;
    return { stdoutBytes: stdout, stderrBytes: stderr };
  }

  /** SIGTERM, as an orchestrator stops it; SIGKILL if it has not ended in STOP_TIMEOUT_MS. */
  async stop(): Promise<void> {
    await this.app
      .stop('SIGTERM', STOP_TIMEOUT_MS)
      // Past the bound, the stop is forced: the next run needs the machine to itself.
      .catch(() => this.app.kill('SIGKILL'));
    await rm(this.dataDir, { recursive: true, force: true });
  }
}
