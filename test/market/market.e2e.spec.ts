import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePosition } from '../../src/event-store/position.js';
import { DEFAULT_MARKET_CONFIG, type MarketConfig } from '../../src/market/market.config.js';
import {
  MARKET_GATEWAY,
  type MarketGateway,
  type MarketOrderRequest,
} from '../../src/market/market-gateway.port.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import {
  type GraphQLResponse,
  type TestApp,
  bearerFor,
  startTestApp,
  temporaryDataDir,
} from '../support/test-app.js';

const INSTRUMENT_FIELDS = 'symbol name currency price halted priceAt';
const INSTRUMENTS = `{ instruments { ${INSTRUMENT_FIELDS} } }`;
const INSTRUMENT = `query ($symbol: String!) { instrument(symbol: $symbol) { ${INSTRUMENT_FIELDS} } }`;
const SET_HALTED = `mutation ($input: SetInstrumentHaltedInput!) {
  setInstrumentHalted(input: $input) { ${INSTRUMENT_FIELDS} }
}`;
const CIRCUITS = '{ marketCircuits { name state failures openedAt retryAfterMs } }';

interface Instrument {
  symbol: string;
  name: string;
  currency: string;
  price: string;
  halted: boolean;
  priceAt: string;
}

interface Circuit {
  name: string;
  state: string;
  failures: number;
  openedAt: string | null;
  retryAfterMs: number;
}

/** No simulated round trip: the tests wait on nothing but the app. */
const INSTANT_MARKET: MarketConfig = {
  ...DEFAULT_MARKET_CONFIG,
  exchange: { ...DEFAULT_MARKET_CONFIG.exchange, latencyMs: 0, latencyJitterMs: 0 },
};

function errorCode(response: GraphQLResponse): string | undefined {
  expect(response.errors, 'expected an error').toHaveLength(1);
  return response.errors![0]!.extensions?.code;
}

function order(orderId: string, instrument: string): MarketOrderRequest {
  return {
    orderId,
    accountId: 'account-1',
    instrument,
    side: 'BUY',
    orderType: 'MARKET',
    quantity: 1n,
    limitPriceMinor: null,
    expiresAt: null,
  };
}

async function metrics(ledger: TestApp): Promise<{ contentType: string; body: string }> {
  const response = await ledger.app.inject({
    method: 'GET',
    url: '/metrics',
    headers: { authorization: await bearerFor('test-admin', ['admin']) },
  });
  expect(response.statusCode).toBe(200);
  return { contentType: String(response.headers['content-type']), body: response.body };
}

describe('the market over GraphQL (embedded default)', () => {
  let ledger: TestApp;
  let dataDir: Awaited<ReturnType<typeof temporaryDataDir>>;

  beforeAll(async () => {
    dataDir = await temporaryDataDir();
    ledger = await startTestApp({ dataDir: dataDir.dir }, { market: INSTANT_MARKET });
  });
  afterAll(async () => {
    await ledger?.close();
    await dataDir?.remove();
  });

  it('lists every instrument of the catalogue with a live price in its currency', async () => {
    const response = await ledger.gql<{ instruments: Instrument[] }>(INSTRUMENTS);
    expect(response.errors).toBeUndefined();
    const bySymbol = new Map(response.data!.instruments.map((i) => [i.symbol, i]));
    expect([...bySymbol.keys()]).toEqual(
      INSTANT_MARKET.exchange.instruments.map((definition) => definition.symbol),
    );
    expect(bySymbol.get('AAPL')).toMatchObject({
      name: 'Apple Inc.',
      currency: 'USD',
      halted: false,
      price: expect.stringMatching(/^\d+\.\d{2}$/),
    });
    // Yen have no minor digits.
    expect(bySymbol.get('SONY')!.price).toMatch(/^\d+$/);
    expect(Date.parse(bySymbol.get('AAPL')!.priceAt)).not.toBeNaN();
  });

  it('finds an instrument by symbol, and answers null for an unknown one', async () => {
    const found = await ledger.gql<{ instrument: Instrument | null }>(INSTRUMENT, {
      symbol: 'SAP',
    });
    expect(found.errors).toBeUndefined();
    expect(found.data!.instrument).toMatchObject({ symbol: 'SAP', currency: 'EUR' });

    const unknown = await ledger.gql<{ instrument: Instrument | null }>(INSTRUMENT, {
      symbol: 'NOPE',
    });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data!.instrument).toBeNull();
  });

  it('refuses to halt an unknown or malformed symbol, writing nothing', async () => {
    const before = await ledger.store.headPosition();
    const unknown = await ledger.gql(SET_HALTED, { input: { symbol: 'NOPE', halted: true } });
    expect(errorCode(unknown)).toBe('NOT_FOUND');
    expect(unknown.errors![0]!.message).toContain('NOPE');

    const empty = await ledger.gql(SET_HALTED, { input: { symbol: '', halted: true } });
    expect(errorCode(empty)).toBe('VALIDATION_FAILED');
    expect(empty.errors![0]!.extensions?.fields?.map((f) => f.field)).toContain('symbol');
    expect(encodePosition(await ledger.store.headPosition())).toBe(encodePosition(before));
  });

  it('halts and resumes an instrument on the exchange the gateway trades on', async () => {
    const gateway = ledger.app.get<MarketGateway>(MARKET_GATEWAY);

    const halted = await ledger.gql<{ setInstrumentHalted: Instrument }>(SET_HALTED, {
      input: { symbol: 'TSLA', halted: true },
    });
    expect(halted.errors).toBeUndefined();
    expect(halted.data!.setInstrumentHalted).toMatchObject({ symbol: 'TSLA', halted: true });
    const read = await ledger.gql<{ instrument: Instrument }>(INSTRUMENT, { symbol: 'TSLA' });
    expect(read.data!.instrument.halted).toBe(true);
    expect(await gateway.submitOrder(order('halted-1', 'TSLA'))).toMatchObject({
      kind: 'rejected',
      code: 'INSTRUMENT_HALTED',
    });
    // Only the halted instrument stops trading.
    expect(await gateway.submitOrder(order('other-1', 'AAPL'))).toMatchObject({
      kind: 'accepted',
    });

    const resumed = await ledger.gql<{ setInstrumentHalted: Instrument }>(SET_HALTED, {
      input: { symbol: 'TSLA', halted: false },
    });
    expect(resumed.data!.setInstrumentHalted.halted).toBe(false);
    expect(await gateway.submitOrder(order('resumed-1', 'TSLA'))).toMatchObject({
      kind: 'accepted',
    });
  });

  it('shows a closed circuit in marketCircuits and on /metrics', async () => {
    const response = await ledger.gql<{ marketCircuits: Circuit[] }>(CIRCUITS);
    expect(response.errors).toBeUndefined();
    expect(response.data!.marketCircuits).toEqual([
      { name: 'market', state: 'CLOSED', failures: 0, openedAt: null, retryAfterMs: 0 },
    ]);

    const { contentType, body } = await metrics(ledger);
    expect(contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(body).toContain('# TYPE ledger_market_circuit_open gauge\n');
    expect(body).toContain('ledger_market_circuit_open{circuit="market"} 0\n');
    expect(body).toContain('ledger_market_circuit_failures{circuit="market"} 0\n');
  });
});

describe('the market circuit under injected failures', () => {
  const COOL_DOWN_MS = 600_000;
  /** Every call fails, each on its first attempt: two calls open the circuit. */
  const FAILING_MARKET: MarketConfig = {
    exchange: { ...INSTANT_MARKET.exchange, failureRate: 1 },
    resilience: {
      ...DEFAULT_MARKET_CONFIG.resilience,
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
      breaker: { failureThreshold: 2, coolDownMs: COOL_DOWN_MS, halfOpenMaxCalls: 1 },
    },
    fees: DEFAULT_MARKET_CONFIG.fees,
  };
  let ledger: TestApp;
  let database: TestDatabase;

  beforeAll(async () => {
    // The store plays no part here: the test server is quicker to start than another embedded one.
    database = await createTestDatabase();
    ledger = await startTestApp({ databaseUrl: database.url }, { market: FAILING_MARKET });
  });
  afterAll(async () => {
    await ledger?.close();
    await database?.drop();
  });

  it('answers SERVICE_UNAVAILABLE, opens the circuit, and shows it open', async () => {
    for (let call = 1; call <= 2; call++) {
      const response = await ledger.gql(INSTRUMENTS);
      expect(errorCode(response)).toBe('SERVICE_UNAVAILABLE');
    }
    const startedMs = Date.now();
    const response = await ledger.gql<{ marketCircuits: Circuit[] }>(CIRCUITS);
    expect(response.errors).toBeUndefined();
    const [circuit] = response.data!.marketCircuits;
    expect(circuit).toMatchObject({ name: 'market', state: 'OPEN', failures: 2 });
    expect(Date.parse(circuit!.openedAt!)).toBeLessThanOrEqual(startedMs);
    expect(circuit!.retryAfterMs).toBeGreaterThan(0);
    expect(circuit!.retryAfterMs).toBeLessThanOrEqual(COOL_DOWN_MS);

    // Now the market is not even called: the gateway fails fast.
    const refused = ledger.app.get<MarketGateway>(MARKET_GATEWAY).getInstrument('AAPL');
    await expect(refused).rejects.toMatchObject({ kind: 'CIRCUIT_OPEN' });

    const { body } = await metrics(ledger);
    expect(body).toContain('ledger_market_circuit_open{circuit="market"} 1\n');
    expect(body).toContain('ledger_market_circuit_failures{circuit="market"} 2\n');
  });
});
