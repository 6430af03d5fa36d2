import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import {
  type HealthCheckResult,
  HealthCheckService,
  type HealthIndicatorResult,
  HealthIndicatorService,
} from '@nestjs/terminus';
import { LEDGER_CONFIG, type LedgerConfig } from '../../config/ledger-config.js';
import { describeError } from '../../shared/error-logging.js';
import { sharedReading } from '../metrics/shared-reading.js';
import { systemClock } from '../resilience/clock.js';
import { withDeadline } from '../resilience/deadline.js';
import { type ReadinessCheck, type ReadinessVerdict } from './readiness-check.js';

/** Probes within this long of a check share its result: a probe per replica per second stays cheap. */
const CHECK_REUSE_MS = 1_000;
/** Checks are registered by code at start-up: more is a leak. */
const MAX_CHECKS = 20;

/**
 * Whether this process can serve: every registered check, run at once, each under its
 * own timeout. Readiness turns false the moment shutdown begins (onModuleDestroy is the
 * first hook app.close() calls, while the HTTP server still answers), so that a load
 * balancer stops sending requests before the server stops taking them.
 */
@Injectable()
export class Readiness implements OnModuleDestroy {
  private readonly logger = new Logger('Readiness');
  private readonly checks = new Map<string, () => Promise<ReadinessVerdict>>();
  private shuttingDown = false;
  private wasReady: boolean | undefined;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  register(check: ReadinessCheck): void {
    if (this.checks.has(check.key)) throw new Error(`Readiness check ${check.key} exists already`);
    if (this.checks.size >= MAX_CHECKS) throw new Error(`At most ${MAX_CHECKS} readiness checks`);
    const timeoutMs = this.config.health.readyCheckTimeoutMs;
    const bounded = (): Promise<ReadinessVerdict> =>
      withDeadline(() => check.run(), timeoutMs, systemClock).catch(
        (error: unknown): ReadinessVerdict => ({
          status: 'down',
          data: { message: describeError(error) },
        }),
      );
    this.checks.set(check.key, sharedReading(bounded, CHECK_REUSE_MS));
  }

  onModuleDestroy(): void {
    this.shuttingDown = true;
  }

  /** The checks' results; throws ServiceUnavailableException (503, same body) when not ready. */
  async check(): Promise<HealthCheckResult> {
    try {
      const result = await this.health.check([
        () => this.shutdownIndicator(),
        ...[...this.checks].map(
          ([key, run]) =>
            async () =>
              this.indicatorOf(key, await run()),
        ),
      ]);
      this.noteReady(true, result);
      return result;
    } catch (error) {
      this.noteReady(false, (error as { getResponse?: () => unknown }).getResponse?.());
      throw error;
    }
  }

  private shutdownIndicator(): HealthIndicatorResult {
    const session = this.indicators.check('shutdown');
    return this.shuttingDown ? session.down({ message: 'shutting down' }) : session.up();
  }

  private indicatorOf(key: string, { status, data = {} }: ReadinessVerdict): HealthIndicatorResult {
    const session = this.indicators.check(key);
    if (status === 'up') return session.up({ ...data });
    if (status === 'degraded') return session.degraded({ ...data });
    return session.down({ ...data });
  }

  /** One log line when readiness changes, not one per probe. */
  private noteReady(ready: boolean, result: unknown): void {
    if (this.wasReady === ready) return;
    this.wasReady = ready;
    if (ready) this.logger.log('ready');
    else this.logger.warn(`not ready: ${JSON.stringify(result)}`);
  }
}
