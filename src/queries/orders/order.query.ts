import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { projectionsOf } from '../../shared/view-tables.js';
import { ConsistencyService, type ReadConsistency } from '../consistency/consistency.service.js';
import { ConsistentQuery } from '../consistency/consistent-query.js';
import { checkedId } from '../query-args.js';
import { type OrderView, OrdersRepository } from '../repositories/orders.repository.js';

export class OrderQuery extends ConsistentQuery<OrderView | undefined> {
  constructor(
    readonly orderId: string,
    consistency: ReadConsistency,
  ) {
    super(consistency);
  }
}

// The orders repository also narrows lists by the accounts view (a customer's own orders).
const PROJECTIONS = projectionsOf(['view_orders', 'view_accounts']);

@QueryHandler(OrderQuery)
export class OrderHandler implements IQueryHandler<OrderQuery> {
  constructor(
    private readonly consistency: ConsistencyService,
    private readonly orders: OrdersRepository,
  ) {}

  execute(query: OrderQuery) {
    const orderId = checkedId('id', query.orderId);
    return this.consistency.read(PROJECTIONS, query.consistency, () =>
      this.orders.findById(orderId),
    );
  }
}
