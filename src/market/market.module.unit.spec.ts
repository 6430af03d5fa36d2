import { NestFactory } from '@nestjs/core';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../test/support/manual-clock.js';
import { FeeSchedule } from './fee-schedule.js';
import { DEFAULT_MARKET_CONFIG } from './market.config.js';
import { MARKET_GATEWAY, type MarketGateway } from './market-gateway.port.js';
import { MarketModule } from './market.module.js';
import { ResilientMarketGateway } from './resilient-market-gateway.js';
import { SimulatedExchange } from './simulated-exchange.js';

describe('MarketModule', () => {
  it('provides the simulated exchange behind the resilient gateway, and the fee schedule', async () => {
    const config = {
      ...DEFAULT_MARKET_CONFIG,
      exchange: { ...DEFAULT_MARKET_CONFIG.exchange, latencyMs: 0, latencyJitterMs: 0 },
    };
    const app = await NestFactory.createApplicationContext(
      MarketModule.forRoot(config, new ManualClock(), 'memory'),
      { logger: false },
    );
    try {
      const gateway = app.get<MarketGateway>(MARKET_GATEWAY);
      expect(gateway).toBeInstanceOf(ResilientMarketGateway);
      expect(gateway).toBe(app.get(ResilientMarketGateway));
      await app.get(SimulatedExchange).setHalted('AAPL', true);
      expect(await gateway.getInstrument('AAPL')).toMatchObject({ halted: true });
      expect(app.get(FeeSchedule)).toBeInstanceOf(FeeSchedule);
    } finally {
      await app.close();
    }
  });
});
