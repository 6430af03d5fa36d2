import { integer, oneOf } from './env-values.js';

/** How /health/ready judges this process (environment: LEDGER_READY_*). */
export interface HealthConfig {
  /** Projection lag (age of the oldest event a view has not applied) above which the lag check is not up. */
  readonly readyMaxLagSeconds: number;
  /**
   * What a lag over the threshold does: `report` shows it (status `degraded`, HTTP 200),
   * `fail` makes the process unready (503). Lag is shared by every replica: see README, "Health".
   */
  readonly readyLagPolicy: 'report' | 'fail';
  /** Bound on each readiness check: one that takes longer is down. */
  readonly readyCheckTimeoutMs: number;
}

export function loadHealthConfig(env: NodeJS.ProcessEnv): HealthConfig {
  return {
    readyMaxLagSeconds: integer(
      'LEDGER_READY_MAX_LAG_SECONDS',
      env['LEDGER_READY_MAX_LAG_SECONDS'],
      60,
      1,
      86_400,
    ),
    readyLagPolicy: oneOf(
      'LEDGER_READY_LAG',
      env['LEDGER_READY_LAG'],
      ['report', 'fail'],
      'report',
    ),
    readyCheckTimeoutMs: integer(
      'LEDGER_READY_CHECK_TIMEOUT_MS',
      env['LEDGER_READY_CHECK_TIMEOUT_MS'],
      1_000,
      50,
      30_000,
    ),
  };
}
