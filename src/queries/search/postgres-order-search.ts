import { Injectable } from '@nestjs/common';
import { projectionsOf } from '../../shared/view-tables.js';
import { OrderSearchRepository } from '../repositories/order-search.repository.js';
import {
  type OrderSearchPort,
  type OrderSearchRequest,
  type OrderSearchResult,
} from './order-search.port.js';

/** Order search from PostgreSQL: view_order_search, kept by the `order-search` projector. */
@Injectable()
export class PostgresOrderSearch implements OrderSearchPort {
  readonly projections: readonly string[] = projectionsOf(['view_order_search']);

  constructor(private readonly repository: OrderSearchRepository) {}

  search(request: OrderSearchRequest): Promise<OrderSearchResult> {
    return this.repository.search(request);
  }
}
