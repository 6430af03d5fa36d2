/**
 * What a readiness check found: `up`; `degraded` (shown, but the process stays ready);
 * or `down` (the process is not ready). `data` is shown under the check's key.
 */
export interface ReadinessVerdict {
  readonly status: 'up' | 'degraded' | 'down';
  readonly data?: Readonly<Record<string, unknown>>;
}

/**
 * One thing /health/ready looks at. It is run under the configured timeout, its result
 * shared by the probes of the next second; one that throws or times out is down.
 */
export interface ReadinessCheck {
  /** The key it is shown under, e.g. `postgres`. */
  readonly key: string;
  run(): Promise<ReadinessVerdict>;
}
