import { type INestApplication } from '@nestjs/common';

/** Longest a graceful stop may take before the process exits anyway. */
export const SHUTDOWN_TIMEOUT_MS = 30_000;
const SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Stops the app once, on the first SIGTERM or SIGINT: requests drain, projectors and sagas
 * finish their turn, the pool closes and an embedded PostgreSQL shuts down; then the
 * process exits 0, or 1 when the stop failed or outlasted `timeoutMs`. Later signals are
 * ignored: npm and a terminal each pass a signal on, so one stop often arrives twice.
 * Installed before the app starts: a signal during the start stops it once it is up.
 */
export function stopOnSignals(
  app: Promise<INestApplication>,
  log: (line: string) => void,
  timeoutMs: number = SHUTDOWN_TIMEOUT_MS,
): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log(`Ledger stopping (${signal})`);
    setTimeout(() => {
      log(`Ledger did not stop within ${timeoutMs / 1000} s; exiting`);
      process.exit(1);
    }, timeoutMs).unref();
    app
      .then((started) => started.close())
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
