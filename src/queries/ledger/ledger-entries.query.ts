import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { projectionsOf } from '../../shared/view-tables.js';
import { ConsistencyService, type ReadConsistency } from '../consistency/consistency.service.js';
import { ConsistentQuery } from '../consistency/consistent-query.js';
import { DIGITS, SMALLINT, decodeAfter, encodeCursor } from '../paging/cursor.js';
import { type Page, pageOf, pageSize } from '../paging/page.js';
import { checkedId } from '../query-args.js';
import {
  LedgerEntriesRepository,
  type LedgerEntryView,
} from '../repositories/ledger-entries.repository.js';

/** The journal postings of one customer account's money movements, in log order. */
export class LedgerEntriesQuery extends ConsistentQuery<Page<LedgerEntryView>> {
  constructor(
    readonly accountId: string,
    readonly first: number | null | undefined,
    readonly after: string | null | undefined,
    consistency: ReadConsistency,
  ) {
    super(consistency);
  }
}

const PROJECTIONS = projectionsOf(['view_ledger_entries']);
const CURSOR_KIND = 'ledger-entries';

@QueryHandler(LedgerEntriesQuery)
export class LedgerEntriesHandler implements IQueryHandler<LedgerEntriesQuery> {
  constructor(
    private readonly consistency: ConsistencyService,
    private readonly entries: LedgerEntriesRepository,
  ) {}

  execute(query: LedgerEntriesQuery) {
    const accountId = checkedId('accountId', query.accountId);
    const limit = pageSize(query.first);
    const after = decodeAfter(CURSOR_KIND, query.after, [DIGITS, DIGITS, SMALLINT]);
    return this.consistency.read(PROJECTIONS, query.consistency, async () =>
      pageOf(
        await this.entries.listByAccount(accountId, {
          after: after && {
            position: { commit: BigInt(after[0]!), prepare: BigInt(after[1]!) },
            postingIndex: Number(after[2]),
          },
          limit,
        }),
        (entry) =>
          encodeCursor(CURSOR_KIND, [
            entry.position.commit.toString(),
            entry.position.prepare.toString(),
            entry.postingIndex.toString(),
          ]),
      ),
    );
  }
}
