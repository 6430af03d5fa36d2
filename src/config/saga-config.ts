import { integer, oneOf } from './env-values.js';

/** How the order placement saga runs (environment: LEDGER_SAGA_*). */
export interface SagaConfig {
  /** Whether this process runs the saga (LEDGER_SAGAS=off for an instance that only takes commands). */
  readonly enabled: boolean;
  /** Orders advanced at once; each order's own steps always run one after another. */
  readonly concurrency: number;
  /** Failed turns in a row (a market outage, a refused settlement) before the saga is parked. */
  readonly maxAttempts: number;
  readonly retryBaseDelayMs: number;
  readonly retryMaxDelayMs: number;
  /** How often an order resting at the market is asked for new fills. */
  readonly marketPollIntervalMs: number;
  /** How long a claimed saga stays another process's: a crashed holder's turn is retaken after it. */
  readonly leaseMs: number;
  /** Extra cash a MARKET buy reserves beyond last price x quantity, for the price moving before it fills. */
  readonly marketBuyCollarBps: number;
  /** Log events read per page by the saga's follower. */
  readonly batchSize: number;
}

export const DEFAULT_SAGA_CONFIG: SagaConfig = {
  enabled: true,
  concurrency: 8,
  maxAttempts: 8,
  retryBaseDelayMs: 100,
  retryMaxDelayMs: 10_000,
  marketPollIntervalMs: 250,
  leaseMs: 30_000,
  marketBuyCollarBps: 100,
  batchSize: 500,
};

export function loadSagaConfig(env: NodeJS.ProcessEnv): SagaConfig {
  const d = DEFAULT_SAGA_CONFIG;
  const enabled = oneOf('LEDGER_SAGAS', env['LEDGER_SAGAS'], ['on', 'off'], 'on');
  const retryBaseDelayMs = integer(
    'LEDGER_SAGA_RETRY_BASE_MS',
    env['LEDGER_SAGA_RETRY_BASE_MS'],
    d.retryBaseDelayMs,
    1,
    60_000,
  );
  return {
    enabled: enabled !== 'off',
    concurrency: integer(
      'LEDGER_SAGA_CONCURRENCY',
      env['LEDGER_SAGA_CONCURRENCY'],
      d.concurrency,
      1,
      256,
    ),
    maxAttempts: integer(
      'LEDGER_SAGA_MAX_ATTEMPTS',
      env['LEDGER_SAGA_MAX_ATTEMPTS'],
      d.maxAttempts,
      1,
      100,
    ),
    retryBaseDelayMs,
    retryMaxDelayMs: integer(
      'LEDGER_SAGA_RETRY_MAX_MS',
      env['LEDGER_SAGA_RETRY_MAX_MS'],
      Math.max(d.retryMaxDelayMs, retryBaseDelayMs),
      retryBaseDelayMs,
      600_000,
    ),
    marketPollIntervalMs: integer(
      'LEDGER_SAGA_POLL_MS',
      env['LEDGER_SAGA_POLL_MS'],
      d.marketPollIntervalMs,
      10,
      60_000,
    ),
    leaseMs: integer(
      'LEDGER_SAGA_LEASE_MS',
      env['LEDGER_SAGA_LEASE_MS'],
      d.leaseMs,
      1_000,
      3_600_000,
    ),
    marketBuyCollarBps: integer(
      'LEDGER_SAGA_MARKET_BUY_COLLAR_BPS',
      env['LEDGER_SAGA_MARKET_BUY_COLLAR_BPS'],
      d.marketBuyCollarBps,
      0,
      5_000,
    ),
    batchSize: integer(
      'LEDGER_SAGA_BATCH_SIZE',
      env['LEDGER_SAGA_BATCH_SIZE'],
      d.batchSize,
      1,
      10_000,
    ),
  };
}
