import { Global, Module } from '@nestjs/common';
import { MetricsController } from './metrics.controller.js';
import { MetricsRegistry } from './metrics.registry.js';

/**
 * GET /metrics and the one MetricsRegistry behind it. Global, so that any module injects
 * the registry and registers its gauges without importing this one.
 */
@Global()
@Module({
  providers: [MetricsRegistry],
  controllers: [MetricsController],
  exports: [MetricsRegistry],
})
export class MetricsModule {}
