import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { projectionsOf } from '../../shared/view-tables.js';
import { ConsistencyService, type ReadConsistency } from '../consistency/consistency.service.js';
import { ConsistentQuery } from '../consistency/consistent-query.js';
import { ANY_ID, decodeAfter, encodeCursor } from '../paging/cursor.js';
import { type Page, pageOf, pageSize } from '../paging/page.js';
import { checkedOptionalId } from '../query-args.js';
import { type AccountView, AccountsRepository } from '../repositories/accounts.repository.js';

export class AccountsQuery extends ConsistentQuery<Page<AccountView>> {
  constructor(
    readonly customerId: string | null | undefined,
    readonly first: number | null | undefined,
    readonly after: string | null | undefined,
    consistency: ReadConsistency,
  ) {
    super(consistency);
  }
}

const PROJECTIONS = projectionsOf(['view_accounts']);
const CURSOR_KIND = 'accounts';

@QueryHandler(AccountsQuery)
export class AccountsHandler implements IQueryHandler<AccountsQuery> {
  constructor(
    private readonly consistency: ConsistencyService,
    private readonly accounts: AccountsRepository,
  ) {}

  execute(query: AccountsQuery) {
    const customerId = checkedOptionalId('customerId', query.customerId);
    const limit = pageSize(query.first);
    const afterAccountId = decodeAfter(CURSOR_KIND, query.after, [ANY_ID])?.[0];
    return this.consistency.read(PROJECTIONS, query.consistency, async () =>
      pageOf(await this.accounts.list({ customerId, afterAccountId, limit }), (account) =>
        encodeCursor(CURSOR_KIND, [account.accountId]),
      ),
    );
  }
}
