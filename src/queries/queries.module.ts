import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CheckpointProgressModule } from '../event-store/checkpoint-progress.module.js';
import { AccountStatementHandler } from './accounts/account-statement.query.js';
import { AccountHandler } from './accounts/account.query.js';
import { AccountsHandler } from './accounts/accounts.query.js';
import { AccountsResolver } from './accounts/accounts.resolver.js';
import { HoldingsHandler } from './accounts/holdings.query.js';
import { AuditTrailHandler } from './audit/audit-trail.query.js';
import { AccountAtHandler } from './history/account-at.query.js';
import { AccountAtResolver } from './history/account-at.resolver.js';
import { AuditTrailResolver } from './audit/audit-trail.resolver.js';
import { ConsistencyService } from './consistency/consistency.service.js';
import { LedgerEntriesHandler } from './ledger/ledger-entries.query.js';
import { LedgerEntriesResolver } from './ledger/ledger-entries.resolver.js';
import { OrderHandler } from './orders/order.query.js';
import { OrdersHandler } from './orders/orders.query.js';
import { OrdersResolver } from './orders/orders.resolver.js';
import { ProjectionsHandler } from './projections/projections.query.js';
import { ProjectionsResolver } from './projections/projections.resolver.js';
import { AccountStatementsRepository } from './repositories/account-statements.repository.js';
import { AccountsRepository } from './repositories/accounts.repository.js';
import { ProjectionStatusRepository } from './repositories/projection-status.repository.js';
import { ViewCheckpointsRepository } from './repositories/view-checkpoints.repository.js';
import { LogHorizonRepository } from './repositories/log-horizon.repository.js';
import { LogHorizonMetrics } from './projections/log-horizon.metrics.js';
import { ReplicaLagMetrics } from './replica/replica-lag.metrics.js';
import { ReplicaLagRepository } from './repositories/replica-lag.repository.js';
import { ProjectionStatusMetrics } from './projections/projection-status.metrics.js';
import { ProjectionLagCheck } from './projections/projection-lag.check.js';
import { HoldingsRepository } from './repositories/holdings.repository.js';
import { LedgerEntriesRepository } from './repositories/ledger-entries.repository.js';
import { OrdersRepository } from './repositories/orders.repository.js';
import { OrderSearchRepository } from './repositories/order-search.repository.js';
import { ReportsRepository } from './repositories/reports.repository.js';
import {
  BucketedReportHandler,
  CustodyHandler,
  TopAccountsHandler,
} from './reports/reports.query.js';
import { ReportsResolver } from './reports/reports.resolver.js';
import { ORDER_SEARCH_PROVIDER } from './search/order-search.binding.js';
import { PostgresOrderSearch } from './search/postgres-order-search.js';
import { SearchOrdersHandler } from './search/search-orders.query.js';
import { SearchResolver } from './search/search.resolver.js';

/**
 * The read side over GraphQL: thin resolvers, query handlers on the QueryBus, SQL in
 * repositories (the audit trail alone reads the log, through the event-store port). The consistency waits hear in-process projectors' batches on
 * CheckpointProgress.
 */
@Module({
  imports: [CqrsModule, CheckpointProgressModule],
  providers: [
    ProjectionStatusRepository,
    ViewCheckpointsRepository,
    LogHorizonRepository,
    LogHorizonMetrics,
    ReplicaLagRepository,
    ReplicaLagMetrics,
    ProjectionStatusMetrics,
    ProjectionLagCheck,
    AccountsRepository,
    HoldingsRepository,
    OrdersRepository,
    LedgerEntriesRepository,
    AccountStatementsRepository,
    OrderSearchRepository,
    ReportsRepository,
    PostgresOrderSearch,
    ORDER_SEARCH_PROVIDER,
    ConsistencyService,
    AccountHandler,
    AccountsHandler,
    HoldingsHandler,
    AccountStatementHandler,
    OrderHandler,
    OrdersHandler,
    LedgerEntriesHandler,
    ProjectionsHandler,
    AuditTrailHandler,
    AccountAtHandler,
    SearchOrdersHandler,
    BucketedReportHandler,
    TopAccountsHandler,
    CustodyHandler,
    AccountsResolver,
    OrdersResolver,
    LedgerEntriesResolver,
    ProjectionsResolver,
    AuditTrailResolver,
    AccountAtResolver,
    SearchResolver,
    ReportsResolver,
  ],
})
export class QueriesModule {}
