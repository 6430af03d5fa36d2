import { setTimeout as sleep } from 'node:timers/promises';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type RequestDrain } from './app.request-drain.js';

/** Longest the app's own close (projectors, sagas, pools, the embedded PostgreSQL) may take. */
export const SHUTDOWN_TIMEOUT_MS = 30_000;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

export interface StartedApp {
  readonly app: NestFastifyApplication;
  readonly requests: RequestDrain;
}

export interface StopTimings {
  /** Requests still served (readiness 503) before new ones are refused (LEDGER_SHUTDOWN_DELAY_MS). */
  readonly delayMs: number;
  /** Bound on the requests in flight finishing (LEDGER_SHUTDOWN_DRAIN_MS). */
  readonly drainMs: number;
  /** Bound on the app's close after that. */
  readonly closeMs?: number;
}

/**
 * The stop itself: readiness 503 for `delayMs`, then new requests refused while those in
 * flight finish (up to `drainMs`), then the app closes: projectors and sagas stop after
 * their batch or turn (a checkpoint), leaderships are released, the HTTP server and the
 * pools close, and an embedded PostgreSQL shuts down (fast mode: a clean checkpoint).
 */
async function stopGracefully(
  { app, requests }: StartedApp,
  log: (line: string) => void,
  timings: StopTimings,
): Promise<void> {
  requests.leave();
  if (timings.delayMs > 0) await sleep(timings.delayMs);
  const left = await requests.drain(timings.drainMs);
  if (left > 0) {
    log(`${left} requests still in flight after ${timings.drainMs} ms; closing their connections`);
  }
  await app.close();
}

/**
 * Stops the app once, on the first SIGTERM or SIGINT (see stopGracefully); then the
 * process exits 0, or 1 when the stop failed or outlasted its bound (delay + drain +
 * close). Later signals are ignored: npm and a terminal each pass a signal on, so one
 * stop often arrives twice. Installed before the app starts: a signal during the start
 * stops it once it is up.
 */
export function stopOnSignals(
  starting: Promise<StartedApp>,
  log: (line: string) => void,
  timings: StopTimings,
): void {
  let stopping = false;
  const boundMs = timings.delayMs + timings.drainMs + (timings.closeMs ?? SHUTDOWN_TIMEOUT_MS);
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`Ledger stopping (${signal})`);
    setTimeout(() => {
      log(`Ledger did not stop within ${boundMs / 1000} s; exiting`);
      process.exit(1);
    }, boundMs).unref();
    starting
      .then((started) => stopGracefully(started, log, timings))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          log(`Ledger failed to stop cleanly: ${(error as Error).message}`);
          process.exit(1);
        },
      );
  };
  for (const signal of SIGNALS) process.on(signal, stop);
}
