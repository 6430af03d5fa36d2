import { Injectable, type OnModuleInit } from '@nestjs/common';
import { MetricsRegistry } from '../infrastructure/metrics/metrics.registry.js';
import { ResilientMarketGateway } from './resilient-market-gateway.js';

/** The market's gauges on /metrics: an alert on an open circuit needs no GraphQL poll. */
@Injectable()
export class MarketMetrics implements OnModuleInit {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly gateway: ResilientMarketGateway,
  ) {}

  onModuleInit(): void {
    this.registry.register(
      'ledger_market_circuit_open',
      '1 while the market circuit is OPEN or HALF_OPEN (not yet shown healthy again), else 0',
      () =>
        this.gateway.circuits().map((circuit) => ({
          labels: { circuit: circuit.name },
          value: circuit.state === 'CLOSED' ? 0 : 1,
        })),
    );
    this.registry.register(
      'ledger_market_circuit_failures',
      'Failed market calls in a row per circuit (a success resets it)',
      () =>
        this.gateway.circuits().map((circuit) => ({
          labels: { circuit: circuit.name },
          value: circuit.consecutiveFailures,
        })),
    );
  }
}
