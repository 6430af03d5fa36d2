import { Injectable, type OnModuleInit } from '@nestjs/common';
import { MetricsRegistry } from '../infrastructure/metrics/metrics.registry.js';
import { OrderPlacementSagaService } from './order-placement/order-placement-saga.service.js';

/** The sagas' gauges on /metrics: a parked saga waits for an admin, so it must be alertable. */
@Injectable()
export class SagaMetrics implements OnModuleInit {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly sagas: OrderPlacementSagaService,
  ) {}

  onModuleInit(): void {
    this.registry.register(
      'ledger_parked_sagas',
      'Order placement sagas parked after failing too often, waiting for an admin',
      async () => [{ value: (await this.sagas.counts()).parked }],
    );
  }
}
