import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from '../../config/ledger-config.js';
import { MetricsRegistry } from '../../infrastructure/metrics/metrics.registry.js';
import { LogHorizonRepository } from '../repositories/log-horizon.repository.js';

/**
 * How long the log's readers have been held back, and by which backend: a stuck or
 * killed writer would otherwise show only as projections and sagas that stop moving.
 */
@Injectable()
export class LogHorizonMetrics implements OnModuleInit {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly horizon: LogHorizonRepository,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  onModuleInit(): void {
    // The horizon is the PostgreSQL log's: EventStoreDB has its own.
    if (this.config.eventStoreUrl !== undefined) return;
    this.registry.gauge(
      {
        name: 'ledger_log_horizon_held_seconds',
        help: "Age of the oldest append still running, which every reader of the log waits for; 0 when none runs. Labels: the append's backend pid and database",
        labelNames: ['pid', 'database'],
      },
      async () => {
        const hold = await this.horizon.oldestAppend();
        if (hold === undefined) return [{ value: 0 }];
        const labels = { pid: String(hold.pid), database: hold.database };
        return [{ labels, value: hold.heldMs / 1_000 }];
      },
    );
  }
}
