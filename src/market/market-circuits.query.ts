import { type IQueryHandler, Query, QueryHandler } from '@nestjs/cqrs';
import { type CircuitSnapshot } from '../infrastructure/resilience/circuit-breaker.js';
import { ResilientMarketGateway } from './resilient-market-gateway.js';

export class MarketCircuitsQuery extends Query<readonly CircuitSnapshot[]> {}

@QueryHandler(MarketCircuitsQuery)
export class MarketCircuitsHandler implements IQueryHandler<MarketCircuitsQuery> {
  constructor(private readonly gateway: ResilientMarketGateway) {}

  execute(): Promise<readonly CircuitSnapshot[]> {
    return Promise.resolve(this.gateway.circuits());
  }
}
