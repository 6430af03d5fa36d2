import { Injectable } from '@nestjs/common';
import { type Counter, type Histogram } from 'prom-client';
import { MetricsRegistry } from '../infrastructure/metrics/metrics.registry.js';
import { type BatchObserver } from './engine/projection-runner.js';

/**
 * The live projectors' batches on /metrics. A batch is one transaction for every view
 * it touches: each of them is told its duration. Label values are checkpoint names, set
 * in code (the views and the search indexer).
 */
@Injectable()
export class ProjectionBatchMetrics implements BatchObserver {
  private readonly duration: Histogram<'projection'>;
  private readonly applied: Counter<'projection'>;

  constructor(registry: MetricsRegistry) {
    this.duration = registry.durationHistogram({
      name: 'ledger_projection_batch_duration_seconds',
      help: 'Projector batches committed (view writes and checkpoint in one transaction), by view',
      labelNames: ['projection'],
    });
    this.applied = registry.counter({
      name: 'ledger_projection_events_applied_total',
      help: 'Log events applied by this process, by view',
      labelNames: ['projection'],
    });
  }

  batchCommitted(
    applied: readonly { checkpointName: string; events: number }[],
    seconds: number,
  ): void {
    for (const { checkpointName, events } of applied) {
      this.duration.observe({ projection: checkpointName }, seconds);
      this.applied.inc({ projection: checkpointName }, events);
    }
  }
}
