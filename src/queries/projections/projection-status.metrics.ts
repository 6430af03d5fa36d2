import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from '../../config/ledger-config.js';
import {
  type MetricCollector,
  MetricsRegistry,
} from '../../infrastructure/metrics/metrics.registry.js';
import { ONE_SCRAPE, sharedReading } from '../../infrastructure/metrics/shared-reading.js';
import { PROJECTION_NAMES } from '../../shared/view-tables.js';
import {
  type ProjectionStatusRow,
  ProjectionStatusRepository,
} from '../repositories/projection-status.repository.js';

type Figure = (row: ProjectionStatusRow) => number | null;

/**
 * Where every projector stands, on /metrics: the checkpoint rows, read once per scrape
 * for all four gauges. Lag is counted against the PostgreSQL log only (as the
 * `projections` query does): on EventStoreDB the lag gauges have no samples.
 */
@Injectable()
export class ProjectionStatusMetrics implements OnModuleInit {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly checkpoints: ProjectionStatusRepository,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
  ) {}

  onModuleInit(): void {
    const countLag = this.config.eventStoreUrl === undefined;
    const rows = sharedReading(
      () => this.checkpoints.statuses(PROJECTION_NAMES, { countLag }),
      ONE_SCRAPE,
    );
    const perProjection =
      (figure: Figure): MetricCollector<'projection'> =>
      async () =>
        (await rows()).flatMap((row) => {
          const value = figure(row);
          return value === null ? [] : [{ labels: { projection: row.name }, value }];
        });
    const gauge = (name: string, help: string, figure: Figure): void =>
      this.registry.gauge({ name, help, labelNames: ['projection'] }, perProjection(figure));
    gauge(
      'ledger_projection_position',
      "The projector's checkpoint: the second part of its log position (the event's sequence on PostgreSQL, the prepare position on EventStoreDB)",
      (row) => Number(row.position.prepare),
    );
    gauge(
      'ledger_projection_lag_events',
      'Log events after the checkpoint, counted up to 1,000,000 (PostgreSQL store only)',
      (row) => row.lagEvents,
    );
    gauge(
      'ledger_projection_lag_seconds',
      'Age of the oldest log event the projector has not applied, 0 when caught up (PostgreSQL store only)',
      (row) => (row.lagMs === null ? null : row.lagMs / 1_000),
    );
    gauge(
      'ledger_projection_parked_events',
      'Events the projector gave up on, waiting for a replay',
      (row) => row.parked,
    );
  }
}
