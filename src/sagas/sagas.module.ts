import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module.js';
import { LeadershipModule } from '../infrastructure/leadership/leadership.module.js';
import { OrderPlacementSagaService } from './order-placement/order-placement-saga.service.js';
import { SagaMetrics } from './saga.metrics.js';
import { SagaStepMetrics } from './order-placement/saga-step.metrics.js';
import { SagasAdminResolver } from './sagas-admin.resolver.js';

/**
 * The process managers. The market gateway and the fee schedule come from the global
 * MarketModule, the metrics registry from the global MetricsModule.
 */
@Module({
  imports: [CommandsModule, LeadershipModule],
  providers: [OrderPlacementSagaService, SagasAdminResolver, SagaMetrics, SagaStepMetrics],
})
export class SagasModule {}
