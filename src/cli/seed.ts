import { mintTokenForSettings } from '../api/auth/token-minter.js';
import { loadConfig } from '../config/ledger-config.js';
import { randomInteger, seededRandom } from '../shared/seeded-random.js';
import { type SeedOptions } from './cli-args.js';
import { EXIT_ERROR, EXIT_OK, err, out } from './cli-io.js';

/** One request of the seed: a slow app is waited for this long, then the seed stops. */
const REQUEST_TIMEOUT_MS = 30_000;
/** How long the seed waits for the saga to finish the market orders it sells from. */
const SETTLE_TIMEOUT_MS = 60_000;
const POLL_MS = 250;
const OPEN_STATUSES = ['PLACED', 'ACCEPTED', 'PARTIALLY_FILLED'];
/** Every third customer also keeps euros, every fifth pounds: most cash is in dollars. */
const CURRENCIES = ['USD', 'EUR', 'GBP'] as const;

interface Instrument {
  readonly symbol: string;
  readonly currency: string;
  readonly price: string;
}

type Variables = Record<string, unknown>;

/** The input type of each mutation the seed sends. */
const INPUT_TYPES = {
  openAccount: 'OpenAccountInput',
  depositFunds: 'MoveFundsInput',
  withdrawFunds: 'MoveFundsInput',
  placeOrder: 'PlaceOrderInput',
  cancelOrder: 'CancelOrderInput',
} as const;

/** The app's GraphQL API with an admin token: the seed writes only what a user could. */
class Api {
  commands = 0;
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  async call<T>(query: string, variables: Variables = {}): Promise<T> {
    const response = await fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (body.errors !== undefined || body.data === undefined) {
      throw new Error(body.errors?.map((e) => e.message).join('; ') ?? `HTTP ${response.status}`);
    }
    return body.data;
  }

  async command(name: keyof typeof INPUT_TYPES, input: Variables): Promise<string> {
    this.commands += 1;
    const data = await this.call<Record<string, { id: string }>>(
      `mutation ($input: ${INPUT_TYPES[name]}!) { ${name}(input: $input) { id } }`,
      { input },
    );
    return data[name]!.id;
  }
}

/** Whole currency units as the API's decimal string. */
const amount = (units: number) => `${units}.00`;

/** A limit price at `percent` of the last price, in the instrument's currency digits. */
function priceAt(instrument: Instrument, percent: number): string {
  const [whole = '0', fraction = ''] = instrument.price.split('.');
  const minor = BigInt(whole + fraction) * BigInt(percent);
  const scaled = (minor / 100n).toString().padStart(fraction.length + 1, '0');
  if (fraction.length === 0) return scaled;
  return `${scaled.slice(0, -fraction.length)}.${scaled.slice(-fraction.length)}`;
}

/** Accounts of one customer, funded. */
async function openAccounts(
  api: Api,
  random: () => number,
  customer: number,
): Promise<{ id: string; currency: string }[]> {
  const currencies = CURRENCIES.filter((_, i) => i === 0 || customer % (i === 1 ? 3 : 5) === 0);
  const accounts: { id: string; currency: string }[] = [];
  for (const currency of currencies) {
    const customerId = `demo-${customer}`;
    const id = await api.command('openAccount', { customerId, name: `${currency} cash`, currency });
    const deposits = randomInteger(random, 1, 3);
    for (let deposit = 1; deposit <= deposits; deposit += 1) {
      const units = randomInteger(random, 20, 400) * 100;
      await api.command('depositFunds', {
        accountId: id,
        amount: amount(units),
        reference: `Wire ${deposit}`,
      });
    }
    accounts.push({ id, currency });
  }
  return accounts;
}

/** Market buys (they fill), limit buys far below the price (they rest: some are cancelled), and one too large (rejected). */
async function placeOrders(
  api: Api,
  random: () => number,
  accountId: string,
  instruments: Instrument[],
) {
  const pick = () => instruments[randomInteger(random, 0, instruments.length - 1)]!;
  const bought: { orderId: string; symbol: string; quantity: number }[] = [];
  for (let n = randomInteger(random, 1, 3); n > 0; n -= 1) {
    const instrument = pick();
    const quantity = randomInteger(random, 1, 12);
    const orderId = await api.command('placeOrder', {
      accountId,
      side: 'BUY',
      type: 'MARKET',
      instrument: instrument.symbol,
      quantity: String(quantity),
    });
    bought.push({ orderId, symbol: instrument.symbol, quantity });
  }
  const resting = pick();
  const limit = {
    accountId,
    side: 'BUY',
    type: 'LIMIT',
    instrument: resting.symbol,
    quantity: '2',
  };
  const restingId = await api.command('placeOrder', {
    ...limit,
    limitPrice: priceAt(resting, 50),
    timeInForceSeconds: 86_400,
  });
  if (random() < 0.5) await api.command('cancelOrder', { orderId: restingId });
  if (random() < 0.3) {
    await api.command('placeOrder', {
      ...limit,
      quantity: '1000000',
      limitPrice: priceAt(resting, 100),
    });
  }
  return bought;
}

/** Whether the order completed; false as soon as it ended otherwise or its saga was parked. */
async function settled(api: Api, orderId: string): Promise<boolean> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const { order, parkedSagas } = await api.call<{
      order: { status: string } | null;
      parkedSagas: { orderId: string }[];
    }>('query ($id: ID!) { order(id: $id) { status } parkedSagas(first: 100) { orderId } }', {
      id: orderId,
    });
    if (order?.status === 'COMPLETED') return true;
    if (order !== null && !OPEN_STATUSES.includes(order.status)) return false;
    if (parkedSagas.some((parked) => parked.orderId === orderId)) return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return false;
}

/** Half the customers sell part of what they bought and take some cash out. */
async function sellAndWithdraw(
  api: Api,
  random: () => number,
  accountId: string,
  bought: Awaited<ReturnType<typeof placeOrders>>,
) {
  const first = bought[0];
  if (first !== undefined && first.quantity > 1 && (await settled(api, first.orderId))) {
    const quantity = String(Math.ceil(first.quantity / 2));
    await api.command('placeOrder', {
      accountId,
      side: 'SELL',
      type: 'MARKET',
      instrument: first.symbol,
      quantity,
    });
  }
  await api.command('withdrawFunds', {
    accountId,
    amount: amount(randomInteger(random, 1, 10) * 50),
    reference: 'Payout',
  });
}

async function seed(options: SeedOptions, api: Api): Promise<void> {
  const { instruments } = await api.call<{ instruments: Instrument[] }>(
    '{ instruments { symbol currency price } }',
  );
  const random = seededRandom(options.seed, 'demo-seed');
  for (let customer = 1; customer <= options.customers; customer += 1) {
    const accounts = await openAccounts(api, random, customer);
    for (const { id: accountId, currency } of accounts) {
      const tradable = instruments.filter((i) => i.currency === currency);
      if (tradable.length === 0) continue;
      const bought = await placeOrders(api, random, accountId, tradable);
      if (customer % 2 === 0) await sellAndWithdraw(api, random, accountId, bought);
    }
    err(`ledger: seeded customer demo-${customer} (${accounts.length} accounts)`);
  }
}

/** `seed`: a demo history through a running app's API, with an admin token of this data dir's secret. */
export async function seedDemoHistory(options: SeedOptions): Promise<number> {
  try {
    const minted = await mintTokenForSettings(loadConfig(), {
      sub: 'demo-seed',
      roles: ['admin'],
      ttlSeconds: 3_600,
    });
    const api = new Api(options.url, minted.token);
    await seed(options, api);
    out(`Seeded ${options.customers} customers with ${api.commands} commands at ${options.url}`);
    return EXIT_OK;
  } catch (error) {
    err(`ledger: seed stopped: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_ERROR;
  }
}
