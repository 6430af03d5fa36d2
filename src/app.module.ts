import { type DynamicModule, Module } from '@nestjs/common';
import { CommandsModule } from './commands/commands.module.js';
import { ConfigModule } from './config/config.module.js';
import { type LedgerConfig } from './config/ledger-config.js';
import { DatabaseModule } from './infrastructure/database/database.module.js';
import { EventStoreModule } from './infrastructure/event-store/event-store.module.js';
import { LedgerGraphQLModule } from './infrastructure/graphql/graphql.module.js';
import { HealthController } from './infrastructure/health/health.controller.js';
import { ProjectionsModule } from './projections/projections.module.js';
import { QueriesModule } from './queries/queries.module.js';

@Module({})
export class AppModule {
  static forRoot(config: LedgerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        EventStoreModule,
        LedgerGraphQLModule,
        CommandsModule,
        QueriesModule,
        ProjectionsModule,
      ],
      controllers: [HealthController],
    };
  }
}
