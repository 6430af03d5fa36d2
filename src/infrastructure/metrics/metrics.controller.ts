import { Controller, Get, Res } from '@nestjs/common';
import { type FastifyReply } from 'fastify';
import { MetricsRegistry } from './metrics.registry.js';

@Controller()
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  /** Scraped by Prometheus: every registered metric, gauges read now. */
  @Get('metrics')
  async metrics(@Res({ passthrough: true }) reply: FastifyReply): Promise<string> {
    void reply.header('content-type', this.registry.contentType);
    return this.registry.render();
  }
}
