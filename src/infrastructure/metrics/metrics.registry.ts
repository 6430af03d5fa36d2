import { Injectable, Logger } from '@nestjs/common';
import {
  Counter,
  Gauge,
  Histogram,
  Registry,
  collectDefaultMetrics,
  type LabelValues,
} from 'prom-client';
import { systemClock } from '../resilience/clock.js';
import { withDeadline } from '../resilience/deadline.js';
import { ONE_SCRAPE, sharedReading } from './shared-reading.js';

/** One value of a collected gauge, told apart from the others by its labels. */
export interface MetricSample<L extends string = string> {
  readonly labels?: Readonly<Partial<Record<L, string>>>;
  readonly value: number;
}

/** Reads a gauge's current samples when /metrics is scraped. */
export type MetricCollector<L extends string = string> = () =>
  readonly MetricSample<L>[] | Promise<readonly MetricSample<L>[]>;

export interface MetricDefinition<L extends string> {
  readonly name: string;
  readonly help: string;
  readonly labelNames?: readonly L[];
}

/** A scrape must answer even when one collector (a database count, say) hangs. */
export const COLLECT_TIMEOUT_MS = 2_000;
/** Names are registered by code, not by data: more than this is a leak. */
const MAX_METRICS = 200;
/**
 * Latency buckets in seconds, from a cached read (1 ms) to a call at its deadline (10 s):
 * one set for every duration histogram, so that dashboards compare like with like.
 */
export const DURATION_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * How often the event loop's delay is sampled (nodejs_eventloop_lag_*). prom-client's
 * default, 10 ms, is a timer that wakes the process 100 times a second: about 0.6% of a
 * core on our machine, most of what an idle app spends. Every 100 ms costs a sixth of
 * that, and a stall of the loop longer than a sample is still caught and measured.
 */
const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * The metrics /metrics shows, on prom-client. Modules register theirs at start-up
 * (onModuleInit): counters and histograms they update as things happen, and gauges with
 * a collector read on every scrape, so that a level is never stale and nothing has to
 * push it. Node's own process metrics (collectDefaultMetrics) come with it.
 *
 * prom-client reads every metric of a scrape at once and waits for all: one collector
 * that hangs would hold the whole scrape, one that throws would fail it. So render()
 * reads each metric on its own under COLLECT_TIMEOUT_MS and leaves out what does not
 * answer (Prometheus sees absent series, not a stale or made-up value); and a collector
 * still running from an earlier scrape is awaited, not started again, so a hung database
 * query costs one connection, not one per scrape.
 */
@Injectable()
export class MetricsRegistry {
  private readonly logger = new Logger(MetricsRegistry.name);
  private readonly registry = new Registry();

  constructor() {
    collectDefaultMetrics({
      register: this.registry,
      eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** A gauge whose samples `collect` reads on every scrape; its earlier samples are dropped. */
  gauge<L extends string>(definition: MetricDefinition<L>, collect: MetricCollector<L>): void {
    this.checkRoom(definition.name);
    // Only calls while one runs share it: a hung one is not started again.
    const read = sharedReading(async () => collect(), ONE_SCRAPE);
    const gauge: Gauge<L> = new Gauge<L>({
      ...definition,
      labelNames: definition.labelNames ?? [],
      registers: [this.registry],
      // A function, not an arrow: prom-client calls it with the gauge as `this`.
      async collect() {
        const samples = await read();
        gauge.reset();
        for (const { labels, value } of samples) {
          if (labels === undefined) gauge.set(value);
          else gauge.set(labels as LabelValues<L>, value);
        }
      },
    });
  }

  counter<L extends string>(definition: MetricDefinition<L>): Counter<L> {
    this.checkRoom(definition.name);
    return new Counter<L>({
      ...definition,
      labelNames: definition.labelNames ?? [],
      registers: [this.registry],
    });
  }

  /** A histogram of durations in seconds (DURATION_BUCKETS_SECONDS). */
  durationHistogram<L extends string>(definition: MetricDefinition<L>): Histogram<L> {
    this.checkRoom(definition.name);
    return new Histogram<L>({
      ...definition,
      labelNames: definition.labelNames ?? [],
      buckets: DURATION_BUCKETS_SECONDS,
      registers: [this.registry],
    });
  }

  /**
   * Every metric in the text exposition format. A metric whose collector fails or takes
   * longer than COLLECT_TIMEOUT_MS is left out of this scrape (and logged): the others
   * still answer.
   */
  async render(timeoutMs = COLLECT_TIMEOUT_MS): Promise<string> {
    const families = await Promise.all(
      this.registry.getMetricsAsArray().map(async ({ name }) => {
        try {
          return await withDeadline(
            () => this.registry.getSingleMetricAsString(name),
            timeoutMs,
            systemClock,
          );
        } catch (error) {
          this.logger.warn(`Metric ${name} left out of the scrape: ${(error as Error).message}`);
          return undefined;
        }
      }),
    );
    const answered = families.filter((family) => family !== undefined);
    return answered.length === 0 ? '' : `${answered.join('\n\n')}\n`;
  }

  private checkRoom(name: string): void {
    if (this.registry.getSingleMetric(name) !== undefined) {
      throw new Error(`Metric ${name} is registered already`);
    }
    if (this.registry.getMetricsAsArray().length >= MAX_METRICS) {
      throw new Error(`At most ${MAX_METRICS} metrics can be registered`);
    }
  }
}
