import { Module } from '@nestjs/common';
import { CommandsModule } from '../commands/commands.module.js';
import { OrderPlacementSagaService } from './order-placement/order-placement-saga.service.js';
import { SagasAdminResolver } from './sagas-admin.resolver.js';

/** The process managers. The market gateway and the fee schedule come from the global MarketModule. */
@Module({
  imports: [CommandsModule],
  providers: [OrderPlacementSagaService, SagasAdminResolver],
})
export class SagasModule {}
