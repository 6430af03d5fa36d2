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
    /** The customer the caller may see (a customer's own id); undefined: every customer. */
    readonly customerScope: string | undefined = undefined,
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
    const requested = checkedOptionalId('customerId', query.customerId);
    const limit = pageSize(query.first);
    const afterAccountId = decodeAfter(CURSOR_KIND, query.after, [ANY_ID])?.[0];
    const { customerScope: scope } = query;
    // A customer sees its own accounts only: another customer's are none of its accounts.
    const outOfScope = scope !== undefined && requested !== undefined && requested !== scope;
    const customerId = scope ?? requested;
    return this.consistency.read(PROJECTIONS, query.consistency, async () =>
      pageOf(
        outOfScope
          ? { items: [], hasMore: false }
          : await this.accounts.list({ customerId, afterAccountId, limit }),
        (account) => encodeCursor(CURSOR_KIND, [account.accountId]),
      ),
    );
  }
}
