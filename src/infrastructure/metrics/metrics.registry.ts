import { Injectable, Logger } from '@nestjs/common';
import { systemClock } from '../resilience/clock.js';
import { withDeadline } from '../resilience/deadline.js';
import { formatGauge, isMetricName, type MetricSample } from './prometheus-text.js';

/** Reads a gauge's current samples when /metrics is scraped. */
export type MetricCollector = () => readonly MetricSample[] | Promise<readonly MetricSample[]>;

/** A scrape must answer even when one collector (a database count, say) hangs. */
const COLLECT_TIMEOUT_MS = 2_000;
/** Names are registered by code, not by data: more than this is a leak. */
const MAX_METRICS = 200;

interface Metric {
  readonly help: string;
  readonly collect: MetricCollector;
}

/**
 * The gauges /metrics shows. Any module registers its own at start-up (onModuleInit)
 * with a collector read on every scrape, so the values are never stale and nothing
 * has to push updates. Only gauges: every figure here is a current level, not a count.
 */
@Injectable()
export class MetricsRegistry {
  private readonly logger = new Logger(MetricsRegistry.name);
  private readonly metrics = new Map<string, Metric>();

  register(name: string, help: string, collect: MetricCollector): void {
    if (!isMetricName(name)) throw new Error(`Invalid Prometheus metric name "${name}"`);
    if (this.metrics.has(name)) throw new Error(`Metric ${name} is registered already`);
    if (this.metrics.size >= MAX_METRICS) {
      throw new Error(`At most ${MAX_METRICS} metrics can be registered`);
    }
    this.metrics.set(name, { help, collect });
  }

  /**
   * Every metric in the text exposition format, by name. A collector that fails or takes
   * longer than COLLECT_TIMEOUT_MS is left out of this scrape (and logged): the others
   * still answer, and Prometheus sees the gap as absent series.
   */
  async render(): Promise<string> {
    const names = [...this.metrics.keys()].sort();
    const families = await Promise.all(
      names.map(async (name) => {
        const { help, collect } = this.metrics.get(name)!;
        try {
          const samples = await withDeadline(
            async () => collect(),
            COLLECT_TIMEOUT_MS,
            systemClock,
          );
          return formatGauge(name, help, samples);
        } catch (error) {
          this.logger.warn(`Metric ${name} left out of the scrape: ${(error as Error).message}`);
          return '';
        }
      }),
    );
    return families.join('');
  }
}
