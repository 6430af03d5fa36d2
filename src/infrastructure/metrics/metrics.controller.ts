import { Controller, Get, Header } from '@nestjs/common';
import { MetricsRegistry } from './metrics.registry.js';

const PROMETHEUS_TEXT = 'text/plain; version=0.0.4; charset=utf-8';

@Controller()
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  /** Scraped by Prometheus: every registered gauge, read now. */
  @Get('metrics')
  @Header('content-type', PROMETHEUS_TEXT)
  metrics(): Promise<string> {
    return this.registry.render();
  }
}
