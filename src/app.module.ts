import { type DynamicModule, Module } from '@nestjs/common';
import { CommandsModule } from './commands/commands.module.js';
import { ConfigModule } from './config/config.module.js';
import { servesApi } from './config/deployment-config.js';
import { type LedgerConfig } from './config/ledger-config.js';
import { loadMarketConfig } from './market/market-env.js';
import { DatabaseModule } from './infrastructure/database/database.module.js';
import { EventStoreModule } from './infrastructure/event-store/event-store.module.js';
import { AdminApiModule } from './api/admin-api.module.js';
import { ExportsModule } from './exports/exports.module.js';
import { AuthModule } from './api/auth/auth.module.js';
import { LedgerGraphQLModule } from './api/graphql.module.js';
import { HealthModule } from './infrastructure/health/health.module.js';
import { MetricsModule } from './infrastructure/metrics/metrics.module.js';
import { type MarketConfig } from './market/market.config.js';
import { MarketModule } from './market/market.module.js';
import { ProjectionsModule } from './projections/projections.module.js';
import { QueriesModule } from './queries/queries.module.js';
import { SearchIndexerModule } from './projections/elasticsearch/search-indexer.module.js';
import { SagasModule } from './sagas/sagas.module.js';

@Module({})
export class AppModule {
  /**
   * `market`: the simulated market and fees; unset, from the LEDGER_MARKET_* / LEDGER_FEE_*
   * variables. A worker (LEDGER_ROLE=worker) serves no GraphQL and no admin routes: its
   * resolvers stay plain providers that nothing calls.
   */
  static forRoot(config: LedgerConfig, market: MarketConfig = loadMarketConfig()): DynamicModule {
    const api = servesApi(config.deployment.role) ? [LedgerGraphQLModule, AdminApiModule] : [];
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        EventStoreModule,
        ...api,
        AuthModule,
        MetricsModule,
        HealthModule,
        MarketModule.forRoot(market),
        CommandsModule,
        QueriesModule,
        ProjectionsModule,
        SearchIndexerModule,
        SagasModule,
        ExportsModule,
      ],
    };
  }
}
