import { Module } from '@nestjs/common';
import { CheckpointProgressModule } from '../../event-store/checkpoint-progress.module.js';
import { SearchIndexAdminResolver } from './search-index-admin.resolver.js';
import { SearchIndexerService } from './search-indexer.service.js';

/**
 * The Elasticsearch indexer of order search. Imported by the app always: without
 * ELASTICSEARCH_URL its service does nothing (search is then served from PostgreSQL).
 */
@Module({
  imports: [CheckpointProgressModule],
  providers: [SearchIndexerService, SearchIndexAdminResolver],
  exports: [SearchIndexerService],
})
export class SearchIndexerModule {}
