import { Injectable } from '@nestjs/common';
import { type Histogram } from 'prom-client';
import { MetricsRegistry } from '../../infrastructure/metrics/metrics.registry.js';
import { type SagaStepTimer } from './order-placement.runner.js';

/** Times the saga's steps: the step names are the saga's actions, a closed set. */
@Injectable()
export class SagaStepMetrics implements SagaStepTimer {
  private readonly duration: Histogram<'step' | 'outcome'>;

  constructor(registry: MetricsRegistry) {
    this.duration = registry.durationHistogram({
      name: 'ledger_saga_step_duration_seconds',
      help: 'Order placement saga steps by step and outcome: ok, wait (nothing new at the market yet), error',
      labelNames: ['step', 'outcome'],
    });
  }

  async time<T>(step: string, work: () => Promise<T | null>): Promise<T | null> {
    const end = this.duration.startTimer({ step });
    try {
      const after = await work();
      end({ outcome: after === null ? 'wait' : 'ok' });
      return after;
    } catch (error) {
      end({ outcome: 'error' });
      throw error;
    }
  }
}
