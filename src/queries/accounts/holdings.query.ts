import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { projectionsOf } from '../../shared/view-tables.js';
import { ConsistencyService, type ReadConsistency } from '../consistency/consistency.service.js';
import { ConsistentQuery } from '../consistency/consistent-query.js';
import { checkedId } from '../query-args.js';
import { type HoldingView, HoldingsRepository } from '../repositories/holdings.repository.js';

export class HoldingsQuery extends ConsistentQuery<HoldingView[]> {
  constructor(
    readonly accountId: string,
    consistency: ReadConsistency,
  ) {
    super(consistency);
  }
}

const PROJECTIONS = projectionsOf(['view_holdings']);

@QueryHandler(HoldingsQuery)
export class HoldingsHandler implements IQueryHandler<HoldingsQuery> {
  constructor(
    private readonly consistency: ConsistencyService,
    private readonly holdings: HoldingsRepository,
  ) {}

  execute(query: HoldingsQuery) {
    const accountId = checkedId('accountId', query.accountId);
    return this.consistency.read(PROJECTIONS, query.consistency, () =>
      this.holdings.listByAccount(accountId),
    );
  }
}
