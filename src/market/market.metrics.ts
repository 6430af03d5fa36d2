import { Injectable, type OnModuleInit } from '@nestjs/common';
import { type Histogram } from 'prom-client';
import { MetricsRegistry } from '../infrastructure/metrics/metrics.registry.js';
import { MarketUnavailableError } from './market-gateway.port.js';
import { ResilientMarketGateway } from './resilient-market-gateway.js';

/** The market's gauges on /metrics: an alert on an open circuit needs no GraphQL poll. */
@Injectable()
export class MarketMetrics implements OnModuleInit {
  constructor(
    private readonly registry: MetricsRegistry,
    private readonly gateway: ResilientMarketGateway,
  ) {}

  onModuleInit(): void {
    this.registry.gauge(
      {
        name: 'ledger_market_circuit_open',
        help: '1 while the market circuit is OPEN or HALF_OPEN (not yet shown healthy again), else 0',
        labelNames: ['circuit'],
      },
      () =>
        this.gateway.circuits().map((circuit) => ({
          labels: { circuit: circuit.name },
          value: circuit.state === 'CLOSED' ? 0 : 1,
        })),
    );
    this.registry.gauge(
      {
        name: 'ledger_market_circuit_failures',
        help: 'Failed market calls in a row per circuit (a success resets it)',
        labelNames: ['circuit'],
      },
      () =>
        this.gateway.circuits().map((circuit) => ({
          labels: { circuit: circuit.name },
          value: circuit.consecutiveFailures,
        })),
    );
  }
}

/** How a market call ended: an answer, or which kind of "no answer". */
function outcomeOf(error: unknown): string {
  if (error instanceof MarketUnavailableError) return error.kind.toLowerCase();
  return 'error';
}

/**
 * Times calls to the market, retries and waits included (what a saga step waits for).
 * The gateway's operations name the label: a closed set written in code.
 */
@Injectable()
export class MarketCallMetrics {
  private readonly duration: Histogram<'operation' | 'outcome'>;

  constructor(registry: MetricsRegistry) {
    this.duration = registry.durationHistogram({
      name: 'ledger_market_call_duration_seconds',
      help: 'Market gateway calls, attempts and backoff included, by operation and outcome (ok, or why there was no answer)',
      labelNames: ['operation', 'outcome'],
    });
  }

  async time<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const end = this.duration.startTimer({ operation });
    try {
      const result = await call();
      end({ outcome: 'ok' });
      return result;
    } catch (error) {
      end({ outcome: outcomeOf(error) });
      throw error;
    }
  }
}
