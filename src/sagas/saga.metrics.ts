import { Injectable, type OnModuleInit } from '@nestjs/common';
import { MetricsRegistry } from '../infrastructure/metrics/metrics.registry.js';
import { ONE_SCRAPE, sharedReading } from '../infrastructure/metrics/shared-reading.js';
import { OrderPlacementSagaService } from './order-placement/order-placement-saga.service.js';

/** The sagas' gauges on /metrics: a parked saga waits for an admin, so it must be alertable. */
@Injectable()
export class SagaMetrics implements OnModuleInit {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly sagas: OrderPlacementSagaService,
  ) {}

  onModuleInit(): void {
    const counts = sharedReading(() => this.sagas.counts(), ONE_SCRAPE);
    this.registry.gauge(
      {
        name: 'ledger_parked_sagas',
        help: 'Order placement sagas parked after failing too often, waiting for an admin',
      },
      async () => [{ value: (await counts()).parked }],
    );
    this.registry.gauge(
      {
        name: 'ledger_sagas',
        help: 'Order placement sagas by state: active (under way), parked, finished',
        labelNames: ['state'],
      },
      async () =>
        Object.entries(await counts()).map(([state, value]) => ({ labels: { state }, value })),
    );
  }
}
