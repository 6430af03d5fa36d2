import { describe, expect, it } from 'vitest';
import { FeeSchedule } from './fee-schedule.js';
import { DEFAULT_MARKET_CONFIG } from './market.config.js';
import { assertSimulatedExchangeConfig } from './simulated-exchange.config.js';
import { loadMarketConfig } from './market-env.js';

describe('loadMarketConfig', () => {
  it('keeps every default when nothing is set, or only blanks', () => {
    expect(loadMarketConfig({})).toEqual(DEFAULT_MARKET_CONFIG);
    expect(loadMarketConfig({ LEDGER_MARKET_SEED: '  ', LEDGER_FEE_BPS: '' })).toEqual(
      DEFAULT_MARKET_CONFIG,
    );
  });

  it('reads the exchange settings', () => {
    const { exchange, resilience } = loadMarketConfig({
      LEDGER_MARKET_SEED: '42',
      LEDGER_MARKET_TICK_MS: '250',
      LEDGER_MARKET_VOLATILITY_BPS: '35',
      LEDGER_MARKET_LATENCY_MS: '0',
      LEDGER_MARKET_LATENCY_JITTER_MS: '5',
      LEDGER_MARKET_FAILURE_RATE: '0.05',
      LEDGER_MARKET_MAX_FILL_QUANTITY: '10',
    });
    expect(exchange).toEqual({
      ...DEFAULT_MARKET_CONFIG.exchange,
      seed: 42,
      tickIntervalMs: 250,
      volatilityBps: 35,
      latencyMs: 0,
      latencyJitterMs: 5,
      failureRate: 0.05,
      maxFillQuantity: 10n,
    });
    expect(resilience).toBe(DEFAULT_MARKET_CONFIG.resilience);
  });

  it('sets one fee rate for every currency and minimums per currency', () => {
    const { fees } = loadMarketConfig({
      LEDGER_FEE_BPS: '25',
      LEDGER_FEE_MINIMUM_MINOR: 'USD:250, JPY:0',
    });
    expect(fees.USD).toEqual({ rateBps: 25, minimumMinor: 250n });
    expect(fees.JPY).toEqual({ rateBps: 25, minimumMinor: 0n });
    expect(fees.SEK).toEqual({
      rateBps: 25,
      minimumMinor: DEFAULT_MARKET_CONFIG.fees.SEK.minimumMinor,
    });
    expect(Object.keys(fees).sort()).toEqual(Object.keys(DEFAULT_MARKET_CONFIG.fees).sort());
  });

  it('accepts the ends of every range, and the exchange and fee schedule accept them too', () => {
    const config = loadMarketConfig({
      LEDGER_MARKET_SEED: '4294967295',
      LEDGER_MARKET_TICK_MS: '86400000',
      LEDGER_MARKET_VOLATILITY_BPS: '5000',
      LEDGER_MARKET_LATENCY_MS: '60000',
      LEDGER_MARKET_LATENCY_JITTER_MS: '60000',
      LEDGER_MARKET_FAILURE_RATE: '1',
      LEDGER_MARKET_MAX_FILL_QUANTITY: '1000000000',
      LEDGER_FEE_BPS: '10000',
      LEDGER_FEE_MINIMUM_MINOR: 'USD:1000000000000000',
    });
    expect(() => assertSimulatedExchangeConfig(config.exchange)).not.toThrow();
    expect(() => new FeeSchedule(config.fees)).not.toThrow();
    const lowest = loadMarketConfig({
      LEDGER_MARKET_SEED: '0',
      LEDGER_MARKET_TICK_MS: '1',
      LEDGER_MARKET_VOLATILITY_BPS: '0',
      LEDGER_MARKET_FAILURE_RATE: '0',
      LEDGER_MARKET_MAX_FILL_QUANTITY: '1',
      LEDGER_FEE_BPS: '0',
    });
    expect(() => assertSimulatedExchangeConfig(lowest.exchange)).not.toThrow();
  });

  it.each([
    ['LEDGER_MARKET_SEED', '-1', 'LEDGER_MARKET_SEED must be an integer from 0 to 4294967295'],
    ['LEDGER_MARKET_SEED', 'abc', 'LEDGER_MARKET_SEED must be an integer'],
    ['LEDGER_MARKET_TICK_MS', '0', 'LEDGER_MARKET_TICK_MS must be an integer from 1 to 86400000'],
    ['LEDGER_MARKET_VOLATILITY_BPS', '5001', 'LEDGER_MARKET_VOLATILITY_BPS must be an integer'],
    ['LEDGER_MARKET_LATENCY_MS', '1.5', 'LEDGER_MARKET_LATENCY_MS must be an integer'],
    ['LEDGER_MARKET_LATENCY_JITTER_MS', '60001', 'LEDGER_MARKET_LATENCY_JITTER_MS must be'],
    [
      'LEDGER_MARKET_FAILURE_RATE',
      '1.5',
      'LEDGER_MARKET_FAILURE_RATE must be a number from 0 to 1',
    ],
    ['LEDGER_MARKET_FAILURE_RATE', '-0.1', 'LEDGER_MARKET_FAILURE_RATE must be'],
    ['LEDGER_MARKET_FAILURE_RATE', '5%', 'LEDGER_MARKET_FAILURE_RATE must be'],
    ['LEDGER_MARKET_FAILURE_RATE', '1e-1', 'LEDGER_MARKET_FAILURE_RATE must be'],
    [
      'LEDGER_MARKET_MAX_FILL_QUANTITY',
      '0',
      'LEDGER_MARKET_MAX_FILL_QUANTITY must be an integer from 1',
    ],
    ['LEDGER_MARKET_MAX_FILL_QUANTITY', '1000000001', 'LEDGER_MARKET_MAX_FILL_QUANTITY must be'],
    ['LEDGER_FEE_BPS', '10001', 'LEDGER_FEE_BPS must be an integer from 0 to 10000'],
    ['LEDGER_FEE_BPS', '2.5', 'LEDGER_FEE_BPS must be an integer'],
    [
      'LEDGER_FEE_MINIMUM_MINOR',
      '100',
      'LEDGER_FEE_MINIMUM_MINOR must list currency:minor-units pairs',
    ],
    ['LEDGER_FEE_MINIMUM_MINOR', 'USD:-1', 'LEDGER_FEE_MINIMUM_MINOR must list'],
    ['LEDGER_FEE_MINIMUM_MINOR', 'USD:1,', 'LEDGER_FEE_MINIMUM_MINOR must list'],
    ['LEDGER_FEE_MINIMUM_MINOR', 'XYZ:1', 'LEDGER_FEE_MINIMUM_MINOR: XYZ is not one of USD'],
    ['LEDGER_FEE_MINIMUM_MINOR', 'USD:1,USD:2', 'LEDGER_FEE_MINIMUM_MINOR names USD twice'],
    [
      'LEDGER_FEE_MINIMUM_MINOR',
      'USD:1000000000000001',
      'LEDGER_FEE_MINIMUM_MINOR: USD must be at most',
    ],
  ])('refuses %s=%s, naming the variable', (name, value, message) => {
    expect(() => loadMarketConfig({ [name]: value })).toThrow(message);
  });
});
