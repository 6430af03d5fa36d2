import { DEFAULT_FEE_SCHEDULE, type FeeScheduleConfig } from './fee-schedule.js';
import {
  DEFAULT_MARKET_RESILIENCE_CONFIG,
  type MarketResilienceConfig,
} from './resilient-market-gateway.js';
import {
  DEFAULT_SIMULATED_EXCHANGE_CONFIG,
  type SimulatedExchangeConfig,
} from './simulated-exchange.config.js';

/** Everything the market module is built from. */
export interface MarketConfig {
  readonly exchange: SimulatedExchangeConfig;
  readonly resilience: MarketResilienceConfig;
  readonly fees: FeeScheduleConfig;
}

export const DEFAULT_MARKET_CONFIG: MarketConfig = {
  exchange: DEFAULT_SIMULATED_EXCHANGE_CONFIG,
  resilience: DEFAULT_MARKET_RESILIENCE_CONFIG,
  fees: DEFAULT_FEE_SCHEDULE,
};

/** Nest injection token of the MarketConfig the module was built from. */
export const MARKET_CONFIG = Symbol('MARKET_CONFIG');
