import { Mutation, Resolver } from '@nestjs/graphql';
import { LedgerError } from '../../shared/ledger-errors.js';
import { type IndexParity, SearchIndexParityError } from './search-index-rebuilder.js';
import {
  SearchIndexRebuildReportType,
  type SearchIndexParityType,
} from './search-index-admin.type.js';
import { SearchIndexerService } from './search-indexer.service.js';

export class NoSearchIndexError extends LedgerError {
  override readonly name = 'NoSearchIndexError';
  readonly code = 'NOT_FOUND' as const;
  constructor() {
    super(
      'There is no search index: ELASTICSEARCH_URL is not set, so search is served from PostgreSQL (rebuild the order-search projection instead)',
    );
  }
}

function parityOf(parity: readonly IndexParity[]): SearchIndexParityType[] {
  return parity.map((p) => ({
    ...p,
    equal: p.live.documents === p.rebuilt.documents && p.live.checksum === p.rebuilt.checksum,
  }));
}

/** The operator's handle on the Elasticsearch indexes (admin only, like every projection operation). */
@Resolver()
export class SearchIndexAdminResolver {
  constructor(private readonly indexer: SearchIndexerService) {}

  @Mutation(() => SearchIndexRebuildReportType, {
    description:
      'Blue/green rebuild of the Elasticsearch search indexes from the log: the aliases move in one call only when the rebuilt indexes match the live ones. NOT_FOUND without ELASTICSEARCH_URL. Answers when done',
  })
  async rebuildSearchIndex(): Promise<SearchIndexRebuildReportType> {
    if (!this.indexer.configured) throw new NoSearchIndexError();
    try {
      const report = await this.indexer.rebuild();
      return { swapped: true, position: report.position, parity: parityOf(report.parity) };
    } catch (error) {
      if (!(error instanceof SearchIndexParityError)) throw error;
      return { swapped: false, position: null, parity: parityOf(error.parity) };
    }
  }
}
