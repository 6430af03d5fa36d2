import { integer, oneOf } from './env-values.js';

/**
 * What this process does: `api` answers GraphQL and runs no projector or saga loop,
 * `worker` runs them and serves only /health and /metrics, `all` does both.
 */
export type LedgerRole = 'api' | 'worker' | 'all';
export const LEDGER_ROLES: readonly LedgerRole[] = ['api', 'worker', 'all'];

/** How this process takes part in a deployment of several (see README, "Running several replicas"). */
export interface DeploymentConfig {
  readonly role: LedgerRole;
  /**
   * After SIGTERM, how long requests are still served as usual before the server stops
   * taking new ones: the time a load balancer needs to stop routing here.
   */
  readonly shutdownDelayMs: number;
  /** Then, how long requests in flight may take to finish before their connections are cut. */
  readonly shutdownDrainMs: number;
}

export const DEFAULT_SHUTDOWN_DRAIN_MS = 10_000;

export function loadDeploymentConfig(env: NodeJS.ProcessEnv): DeploymentConfig {
  return {
    role: oneOf('LEDGER_ROLE', env['LEDGER_ROLE'], LEDGER_ROLES, 'all'),
    shutdownDelayMs: integer(
      'LEDGER_SHUTDOWN_DELAY_MS',
      env['LEDGER_SHUTDOWN_DELAY_MS'],
      0,
      0,
      60_000,
    ),
    shutdownDrainMs: integer(
      'LEDGER_SHUTDOWN_DRAIN_MS',
      env['LEDGER_SHUTDOWN_DRAIN_MS'],
      DEFAULT_SHUTDOWN_DRAIN_MS,
      0,
      60_000,
    ),
  };
}

/** Whether the role runs projectors and saga loops (LEDGER_PROJECTIONS and LEDGER_SAGAS may still turn them off). */
export function runsWorkers(role: LedgerRole): boolean {
  return role !== 'api';
}

/** Whether the role answers GraphQL and serves the admin UI. */
export function servesApi(role: LedgerRole): boolean {
  return role !== 'worker';
}
