import { describe, expect, it } from 'vitest';
import { NoSearchIndexError, SearchIndexAdminResolver } from './search-index-admin.resolver.js';
import { type IndexParity, SearchIndexParityError } from './search-index-rebuilder.js';
import { type SearchIndexerService } from './search-indexer.service.js';

const same: IndexParity = {
  alias: 'ledger-orders',
  live: { documents: 3, checksum: '7' },
  rebuilt: { documents: 3, checksum: '7' },
};
const differs: IndexParity = { ...same, rebuilt: { documents: 2, checksum: '5' } };

function resolverOver(indexer: Partial<SearchIndexerService>): SearchIndexAdminResolver {
  return new SearchIndexAdminResolver(indexer as SearchIndexerService);
}

describe('rebuildSearchIndex', () => {
  it('is NOT_FOUND without ELASTICSEARCH_URL', async () => {
    await expect(resolverOver({ configured: false }).rebuildSearchIndex()).rejects.toThrow(
      NoSearchIndexError,
    );
  });

  it('reports a swap, and a refused one with the figures that differ', async () => {
    const swapped = resolverOver({
      configured: true,
      rebuild: () => Promise.resolve({ position: '5.1', swapped: [], parity: [same] }),
    });
    expect(await swapped.rebuildSearchIndex()).toEqual({
      swapped: true,
      position: '5.1',
      parity: [{ ...same, equal: true }],
    });
    const refused = resolverOver({
      configured: true,
      rebuild: () => Promise.reject(new SearchIndexParityError([same, differs])),
    });
    expect(await refused.rebuildSearchIndex()).toEqual({
      swapped: false,
      position: null,
      parity: [
        { ...same, equal: true },
        { ...differs, equal: false },
      ],
    });
  });
});
