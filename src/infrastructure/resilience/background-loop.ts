import { type BackoffPolicy, backoffDelayMs, pause } from './backoff.js';

/** Between passes after a failure (the store or the database went away, say). */
const RESTART_BACKOFF: BackoffPolicy = {
  maxAttempts: Infinity,
  baseDelayMs: 200,
  maxDelayMs: 10_000,
};

/**
 * Work that runs in the background until stopped: `pass` runs again and again until it
 * answers false or the loop is stopped. A pass that throws is reported and run again
 * after a backoff that grows with the failures in a row, so a follower outlives an
 * outage without hammering what is down.
 */
export class BackgroundLoop {
  private abort = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly pass: (signal: AbortSignal) => Promise<boolean>,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  get running(): boolean {
    return this.loop !== undefined;
  }

  start(): void {
    if (this.loop) return;
    this.abort = new AbortController();
    this.loop = this.run(this.abort.signal).finally(() => {
      this.loop = undefined;
    });
  }

  /** Aborts the pass under way (through its signal) and waits for it to end. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.loop;
  }

  private async run(signal: AbortSignal): Promise<void> {
    for (let failures = 0; !signal.aborted;) {
      try {
        if (!(await this.pass(signal))) return;
        failures = 0;
      } catch (error) {
        failures++;
        this.onFailure(error);
        await pause(backoffDelayMs(RESTART_BACKOFF, Math.min(failures, 10)), signal);
      }
    }
  }
}
