import { type IQueryHandler, QueryHandler } from '@nestjs/cqrs';
import { ValidationFailedError } from '../../shared/ledger-errors.js';
import { projectionsOf } from '../../shared/view-tables.js';
import { ConsistencyService, type ReadConsistency } from '../consistency/consistency.service.js';
import { ConsistentQuery } from '../consistency/consistent-query.js';
import { ANY_ID, UTC_TIMESTAMP, decodeAfter, encodeCursor } from '../paging/cursor.js';
import { type Page, pageOf, pageSize } from '../paging/page.js';
import {
  type OrderFilter,
  type OrderView,
  OrdersRepository,
} from '../repositories/orders.repository.js';

export class OrdersQuery extends ConsistentQuery<Page<OrderView>> {
  constructor(
    readonly filter: OrderFilter,
    readonly first: number | null | undefined,
    readonly after: string | null | undefined,
    consistency: ReadConsistency,
  ) {
    super(consistency);
  }
}

const PROJECTIONS = projectionsOf(['view_orders']);
// A customer's orders are found through its accounts: that view must have caught up too.
const SCOPED_PROJECTIONS = projectionsOf(['view_orders', 'view_accounts']);
const CURSOR_KIND = 'orders';

@QueryHandler(OrdersQuery)
export class OrdersHandler implements IQueryHandler<OrdersQuery> {
  constructor(
    private readonly consistency: ConsistencyService,
    private readonly orders: OrdersRepository,
  ) {}

  execute(query: OrdersQuery) {
    const { placedFrom, placedTo } = query.filter;
    if (placedFrom !== undefined && placedTo !== undefined && placedFrom > placedTo) {
      throw new ValidationFailedError([
        { field: 'placedTo', message: 'placedTo must not be before placedFrom' },
      ]);
    }
    const limit = pageSize(query.first);
    const after = decodeAfter(CURSOR_KIND, query.after, [UTC_TIMESTAMP, ANY_ID]);
    const projections = query.filter.customerId === undefined ? PROJECTIONS : SCOPED_PROJECTIONS;
    return this.consistency.read(projections, query.consistency, async () =>
      pageOf(
        await this.orders.list(query.filter, {
          after: after && { placedAt: after[0]!, orderId: after[1]! },
          limit,
        }),
        (order) => encodeCursor(CURSOR_KIND, [order.key.placedAt, order.key.orderId]),
      ),
    );
  }
}
