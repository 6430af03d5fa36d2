import {
  CURRENCIES,
  type Currency,
  isCurrency,
  MAX_AMOUNT_MINOR,
  MAX_QUANTITY,
} from '../domain/money.js';
import { type FeeRule, type FeeScheduleConfig } from './fee-schedule.js';
import { DEFAULT_MARKET_CONFIG, type MarketConfig } from './market.config.js';
import { type SimulatedExchangeConfig } from './simulated-exchange.config.js';
import { reject, validateEnvironment } from '../config/config-problems.js';
import { integer, nonEmpty } from '../config/env-values.js';

// The ranges the exchange and the fee schedule accept (market-env.unit.spec.ts checks that
// the largest values here still pass their own checks): a bad variable fails at start-up
// with its own name, not later with a config field's.
const MAX_SEED = 2 ** 32 - 1;
const MAX_TICK_MS = 86_400_000;
const MAX_VOLATILITY_BPS = 5_000;
const MAX_LATENCY_MS = 60_000;
const MAX_FEE_BPS = 10_000;

/** 0, 1, or a decimal between them: a float parsed from anything looser hides typos. */
const FRACTION = /^(0(\.\d{1,12})?|1(\.0{1,12})?)$/;
/** `USD:100,JPY:100`: a minor-unit amount means a different sum in every currency. */
const MINIMUM_ENTRY = /^([A-Z]{3}):(\d{1,16})$/;

function fraction(name: string, value: string | undefined, fallback: number): number {
  const given = nonEmpty(value);
  if (given === undefined) return fallback;
  if (!FRACTION.test(given)) {
    return reject(`${name} must be a number from 0 to 1, such as 0.05, got "${value}"`, fallback);
  }
  return Number(given);
}

function maxFillQuantity(name: string, value: string | undefined): bigint | null {
  if (nonEmpty(value) === undefined) return DEFAULT_MARKET_CONFIG.exchange.maxFillQuantity;
  return BigInt(integer(name, value, 0, 1, Number(MAX_QUANTITY)));
}

/** What is wrong with a list of minimums (to follow the variable's name), if anything. */
function feeMinimumsProblem(
  given: string,
  minimums: Partial<Record<Currency, bigint>>,
): string | undefined {
  for (const entry of given.split(',')) {
    const match = MINIMUM_ENTRY.exec(entry.trim());
    if (match === null) {
      return ' must list currency:minor-units pairs, such as "USD:100,JPY:100"';
    }
    const [, currency = '', amount = ''] = match;
    if (!isCurrency(currency)) {
      return `: ${currency} is not one of ${Object.keys(CURRENCIES).join(', ')}`;
    }
    if (minimums[currency] !== undefined) return ` names ${currency} twice`;
    const minor = BigInt(amount);
    if (minor > MAX_AMOUNT_MINOR) return `: ${currency} must be at most ${MAX_AMOUNT_MINOR}`;
    minimums[currency] = minor;
  }
  return undefined;
}

function feeMinimums(name: string, value: string | undefined): Partial<Record<Currency, bigint>> {
  const given = nonEmpty(value);
  if (given === undefined) return {};
  const minimums: Partial<Record<Currency, bigint>> = {};
  const problem = feeMinimumsProblem(given, minimums);
  return problem === undefined ? minimums : reject(`${name}${problem}, got "${value}"`, {});
}

/** One rate for every currency; minimums per currency, the others keep their defaults. */
function feeSchedule(env: NodeJS.ProcessEnv): FeeScheduleConfig {
  const defaults = DEFAULT_MARKET_CONFIG.fees;
  const rateBps =
    nonEmpty(env['LEDGER_FEE_BPS']) === undefined
      ? undefined
      : integer('LEDGER_FEE_BPS', env['LEDGER_FEE_BPS'], 0, 0, MAX_FEE_BPS);
  const minimums = feeMinimums('LEDGER_FEE_MINIMUM_MINOR', env['LEDGER_FEE_MINIMUM_MINOR']);
  const rules = Object.entries(defaults).map(([currency, rule]): [string, FeeRule] => [
    currency,
    {
      rateBps: rateBps ?? rule.rateBps,
      minimumMinor: minimums[currency as Currency] ?? rule.minimumMinor,
    },
  ]);
  return Object.fromEntries(rules) as Record<Currency, FeeRule>;
}

function exchange(env: NodeJS.ProcessEnv): SimulatedExchangeConfig {
  const defaults = DEFAULT_MARKET_CONFIG.exchange;
  const whole = (name: string, fallback: number, min: number, max: number): number =>
    integer(name, env[name], fallback, min, max);
  return {
    ...defaults,
    seed: whole('LEDGER_MARKET_SEED', defaults.seed, 0, MAX_SEED),
    tickIntervalMs: whole('LEDGER_MARKET_TICK_MS', defaults.tickIntervalMs, 1, MAX_TICK_MS),
    volatilityBps: whole(
      'LEDGER_MARKET_VOLATILITY_BPS',
      defaults.volatilityBps,
      0,
      MAX_VOLATILITY_BPS,
    ),
    latencyMs: whole('LEDGER_MARKET_LATENCY_MS', defaults.latencyMs, 0, MAX_LATENCY_MS),
    latencyJitterMs: whole(
      'LEDGER_MARKET_LATENCY_JITTER_MS',
      defaults.latencyJitterMs,
      0,
      MAX_LATENCY_MS,
    ),
    failureRate: fraction(
      'LEDGER_MARKET_FAILURE_RATE',
      env['LEDGER_MARKET_FAILURE_RATE'],
      defaults.failureRate,
    ),
    maxFillQuantity: maxFillQuantity(
      'LEDGER_MARKET_MAX_FILL_QUANTITY',
      env['LEDGER_MARKET_MAX_FILL_QUANTITY'],
    ),
  };
}

/**
 * The simulated market and the fee schedule from the environment (see README, "Market");
 * anything unset keeps DEFAULT_MARKET_CONFIG. The retry and circuit-breaker settings are
 * not read from the environment: tests pass their own MarketConfig instead.
 */
export function loadMarketConfig(env: NodeJS.ProcessEnv = process.env): MarketConfig {
  return validateEnvironment(() => ({
    ...DEFAULT_MARKET_CONFIG,
    exchange: exchange(env),
    fees: feeSchedule(env),
  }));
}
