import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { projectionsOf } from '../../shared/view-tables.js';
import { ConsistencyService, type ReadConsistency } from '../consistency/consistency.service.js';
import { ConsistentQuery } from '../consistency/consistent-query.js';
import { checkedId } from '../query-args.js';
import { type AccountView, AccountsRepository } from '../repositories/accounts.repository.js';

export class AccountQuery extends ConsistentQuery<AccountView | undefined> {
  constructor(
    readonly accountId: string,
    consistency: ReadConsistency,
  ) {
    super(consistency);
  }
}

const PROJECTIONS = projectionsOf(['view_accounts']);

@QueryHandler(AccountQuery)
export class AccountHandler implements IQueryHandler<AccountQuery> {
  constructor(
    private readonly consistency: ConsistencyService,
    private readonly accounts: AccountsRepository,
  ) {}

  execute(query: AccountQuery) {
    const accountId = checkedId('id', query.accountId);
    return this.consistency.read(PROJECTIONS, query.consistency, () =>
      this.accounts.findById(accountId),
    );
  }
}
