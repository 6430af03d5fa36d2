import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { projectionsOf } from '../../shared/view-tables.js';
import { ConsistencyService, type ReadConsistency } from '../consistency/consistency.service.js';
import { ConsistentQuery } from '../consistency/consistent-query.js';
import { DIGITS, decodeAfter, encodeCursor } from '../paging/cursor.js';
import { type Page, pageOf, pageSize } from '../paging/page.js';
import { checkedId } from '../query-args.js';
import {
  AccountStatementsRepository,
  type StatementLineView,
} from '../repositories/account-statements.repository.js';

export class AccountStatementQuery extends ConsistentQuery<Page<StatementLineView>> {
  constructor(
    readonly accountId: string,
    readonly first: number | null | undefined,
    readonly after: string | null | undefined,
    consistency: ReadConsistency,
  ) {
    super(consistency);
  }
}

// The statement joins view_accounts for the currency; the same projector keeps both.
const PROJECTIONS = projectionsOf(['view_account_statements', 'view_accounts']);
const CURSOR_KIND = 'statement';

@QueryHandler(AccountStatementQuery)
export class AccountStatementHandler implements IQueryHandler<AccountStatementQuery> {
  constructor(
    private readonly consistency: ConsistencyService,
    private readonly statements: AccountStatementsRepository,
  ) {}

  execute(query: AccountStatementQuery) {
    const accountId = checkedId('accountId', query.accountId);
    const limit = pageSize(query.first);
    const after = decodeAfter(CURSOR_KIND, query.after, [DIGITS, DIGITS]);
    return this.consistency.read(PROJECTIONS, query.consistency, async () =>
      pageOf(
        await this.statements.list(accountId, {
          after: after && { commit: BigInt(after[0]!), prepare: BigInt(after[1]!) },
          limit,
        }),
        (line) =>
          encodeCursor(CURSOR_KIND, [
            line.position.commit.toString(),
            line.position.prepare.toString(),
          ]),
      ),
    );
  }
}
