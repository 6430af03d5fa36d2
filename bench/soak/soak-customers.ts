import { findInstrument } from '../../src/config/instruments.js';
import { randomInteger } from '../../src/shared/seeded-random.js';
import { DEPOSIT, OPEN_ACCOUNT, PLACE_ORDER, WITHDRAW } from '../../test-kit/graphql-operations.js';
import { type Answer, type SoakClient } from './soak-client.js';

/**
 * The soak's customers: each opens its accounts, funds them, then sends deposits,
 * withdrawals and buy and sell orders (market, and limits with a short time in force, so
 * that every order ends) one after another until the soak's end. Every command has an id
 * of its own, kept with its answer for the checks.
 */

export type CommandKind = 'open' | 'deposit' | 'withdraw' | 'buy' | 'sell';

export interface SentCommand {
  readonly commandId: string;
  readonly kind: CommandKind;
  readonly answer: Answer;
}

export interface CustomerPlan {
  /** Makes the command ids of this run unique on a database that outlives it. */
  readonly runId: string;
  readonly customer: number;
  readonly accounts: number;
  readonly random: () => number;
  readonly stopAt: number;
}

const INSTRUMENTS = ['AAPL', 'MSFT', 'NVDA', 'AMZN'];
/** Little enough that withdrawals are sometimes refused and buys sometimes rejected. */
const FUNDING = '5000.00';
/** Limit prices this far from the reference price (basis points): some fill, some expire. */
const LIMIT_OFFSET_BPS = 200;

function decimal(minor: bigint): string {
  return `${minor / 100n}.${String(minor % 100n).padStart(2, '0')}`;
}

function orderInput(random: () => number, accountId: string, side: 'BUY' | 'SELL') {
  const instrument = INSTRUMENTS[randomInteger(random, 0, INSTRUMENTS.length - 1)]!;
  const quantity = String(randomInteger(random, 1, 3));
  if (random() < 0.6) return { accountId, side, type: 'MARKET', instrument, quantity };
  const reference = findInstrument(instrument)!.referencePriceMinor;
  const offset = BigInt(randomInteger(random, -LIMIT_OFFSET_BPS, LIMIT_OFFSET_BPS));
  return {
    accountId,
    side,
    type: 'LIMIT',
    instrument,
    quantity,
    limitPrice: decimal((reference * (10_000n + offset)) / 10_000n),
    timeInForceSeconds: randomInteger(random, 1, 3),
  };
}

/** The next operation on one of the customer's accounts. */
function nextOperation(
  random: () => number,
  accountId: string,
): { kind: CommandKind; mutation: string; input: Record<string, unknown> } {
  const draw = random();
  const cents = (max: number): string => decimal(BigInt(randomInteger(random, 1_000, max)));
  if (draw < 0.25) {
    const input = { accountId, amount: cents(200_000), reference: 'soak deposit' };
    return { kind: 'deposit', mutation: DEPOSIT, input };
  }
  if (draw < 0.45) {
    const input = { accountId, amount: cents(150_000), reference: 'soak withdrawal' };
    return { kind: 'withdraw', mutation: WITHDRAW, input };
  }
  const side = draw < 0.75 ? 'BUY' : 'SELL';
  return {
    kind: side === 'BUY' ? 'buy' : 'sell',
    mutation: PLACE_ORDER,
    input: orderInput(random, accountId, side),
  };
}

/** One customer's whole run; every command it sent is passed to `sent`. */
export async function runCustomer(
  client: SoakClient,
  plan: CustomerPlan,
  sent: (command: SentCommand) => void,
): Promise<void> {
  let sequence = 0;
  const send = async (kind: CommandKind, mutation: string, input: Record<string, unknown>) => {
    const commandId = `soak-${plan.runId}-c${plan.customer}-${++sequence}`;
    const answer = await client.command(mutation, { ...input, commandId });
    sent({ commandId, kind, answer });
    return answer;
  };
  const accountIds: string[] = [];
  for (let index = 0; index < plan.accounts; index++) {
    const customerId = `soak-c${plan.customer}`;
    const opened = await send('open', OPEN_ACCOUNT, { customerId, name: 'Soak', currency: 'USD' });
    if (opened.kind !== 'acknowledged') return;
    accountIds.push(opened.id);
    await send('deposit', DEPOSIT, { accountId: opened.id, amount: FUNDING, reference: 'funding' });
  }
  while (Date.now() < plan.stopAt) {
    const accountId = accountIds[randomInteger(plan.random, 0, accountIds.length - 1)]!;
    const { kind, mutation, input } = nextOperation(plan.random, accountId);
    await send(kind, mutation, input);
  }
}
