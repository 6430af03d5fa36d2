import { Module } from '@nestjs/common';
import { CheckpointProgressModule } from '../../event-store/checkpoint-progress.module.js';
import { LeadershipModule } from '../../infrastructure/leadership/leadership.module.js';
import { ProjectionsModule } from '../projections.module.js';
import { SearchIndexAdminResolver } from './search-index-admin.resolver.js';
import { SearchIndexerService } from './search-indexer.service.js';
import { SearchIndexReadiness } from './search-index.readiness.js';

/**
 * The Elasticsearch indexer of order search. Imported by the app always: without
 * ELASTICSEARCH_URL its service does nothing (search is then served from PostgreSQL).
 * When it runs, it attaches to the projections service, so that restartProjection,
 * replayParkedEvents and parkedEvents take its name like a view's.
 */
@Module({
  imports: [CheckpointProgressModule, LeadershipModule, ProjectionsModule],
  providers: [SearchIndexerService, SearchIndexAdminResolver, SearchIndexReadiness],
  exports: [SearchIndexerService],
})
export class SearchIndexerModule {}
