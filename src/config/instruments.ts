import { type Currency } from '../domain/money.js';

export interface InstrumentDefinition {
  readonly symbol: string;
  readonly name: string;
  readonly currency: Currency;
  /** Starting price in minor units; the simulated market moves it from here. */
  readonly referencePriceMinor: bigint;
}

/** The instruments customers can trade. */
export const INSTRUMENTS: readonly InstrumentDefinition[] = [
  { symbol: 'AAPL', name: 'Apple Inc.', currency: 'USD', referencePriceMinor: 19_000n },
  { symbol: 'MSFT', name: 'Microsoft Corp.', currency: 'USD', referencePriceMinor: 41_500n },
  { symbol: 'NVDA', name: 'NVIDIA Corp.', currency: 'USD', referencePriceMinor: 12_000n },
  { symbol: 'AMZN', name: 'Amazon.com Inc.', currency: 'USD', referencePriceMinor: 18_500n },
  { symbol: 'TSLA', name: 'Tesla Inc.', currency: 'USD', referencePriceMinor: 25_000n },
  { symbol: 'SAP', name: 'SAP SE', currency: 'EUR', referencePriceMinor: 17_500n },
  { symbol: 'ASML', name: 'ASML Holding N.V.', currency: 'EUR', referencePriceMinor: 68_000n },
  { symbol: 'VOD', name: 'Vodafone Group plc', currency: 'GBP', referencePriceMinor: 7_200n },
  { symbol: 'NESN', name: 'Nestlé S.A.', currency: 'CHF', referencePriceMinor: 9_400n },
  { symbol: 'SONY', name: 'Sony Group Corp.', currency: 'JPY', referencePriceMinor: 3_300n },
];

const BY_SYMBOL = new Map(INSTRUMENTS.map((i) => [i.symbol, i]));

export function findInstrument(symbol: string): InstrumentDefinition | undefined {
  return BY_SYMBOL.get(symbol);
}
