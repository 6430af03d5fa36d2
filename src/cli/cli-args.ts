import { type TokenRequest } from '../api/auth/token-minter.js';
import {
  MAX_SUBJECT_LENGTH,
  ROLES,
  distinctRoles,
  isRole,
  isValidSubject,
} from '../api/auth/token-claims.js';
import { DEFAULT_TOKEN_TTL_SECONDS, parseTtlSeconds } from '../api/auth/token-ttl.js';
import { EXPORT_USAGE, type ExportAction, parseExportArgs } from './export-args.js';

export type CliCommand =
  | { readonly name: 'status' }
  | { readonly name: 'parked'; readonly projection: string | undefined }
  | { readonly name: 'replay-parked'; readonly projection: string }
  | { readonly name: 'restart'; readonly projection: string }
  | { readonly name: 'rebuild'; readonly projection: string }
  | { readonly name: 'export'; readonly action: ExportAction };

/** `projections rebuild all`: every view projection at once. */
export const ALL_PROJECTIONS = 'all';

/** `seed`: a demo history written through a running app's API. */
export interface SeedOptions {
  /** The running app, e.g. http://127.0.0.1:3000. */
  readonly url: string;
  readonly customers: number;
  readonly seed: number;
}

/** Most customers one seed run creates: a demo, not a load test. */
export const MAX_SEED_CUSTOMERS = 200;

export type ParsedArgs =
  | { readonly kind: 'help' }
  | { readonly kind: 'command'; readonly command: CliCommand }
  /** Needs no database: answered before anything boots (see ledger-commands.ts). */
  | { readonly kind: 'token'; readonly request: TokenRequest }
  /** Talks to a running app over GraphQL (see seed.ts). */
  | { readonly kind: 'seed'; readonly options: SeedOptions }
  | { readonly kind: 'usage-error'; readonly message: string };

export const USAGE = `Usage: npm run ledger -- projections <command>
       npm run ledger -- export <command>
       npm run ledger -- token --sub <id> --role <role> [--role <role>] [--ttl <ttl>]
       npm run ledger -- seed [--url <url>] [--customers <n>] [--seed <n>]

Commands:
  projections status                 each projector's position, lag, status and parked events
  projections parked [name]          parked events, oldest first (at most 500), of one projection or all
  projections replay-parked <name>   apply a projection's parked events again
  projections restart <name>         clear a stopped projector's status
  projections rebuild <name>|all     blue/green rebuild from the start of the log, with a parity check
                                     (all: every view, in one pass over the log)
${EXPORT_USAGE}
  token --sub <id> --role <role> [--ttl <ttl>]
                                     print a bearer token (HS256 JWT) for <id>, the customer id,
                                     with --role customer or admin (repeat --role for both), valid
                                     for <ttl>: a whole number of s, m, h or d, 1s to 30d (default 1h)
  seed [--url <url>] [--customers <n>] [--seed <n>]
                                     write a demo history through the running app at <url>
                                     (default http://127.0.0.1:$PORT, PORT 3000): <n> customers
                                     (1 to 200, default 12) with accounts, deposits, orders of
                                     every outcome and withdrawals; the same --seed (default 1)
                                     gives the same history

Environment as for the app. projections and export: DATABASE_URL; without it the PostgreSQL of the Ledger
running on LEDGER_DATA_DIR (./.ledger), or an embedded one started for the command when none
runs there. token: signed with LEDGER_JWT_SECRET, else with the secret in LEDGER_DATA_DIR's
jwt-secret file (generated when missing), with iss and aud from LEDGER_JWT_ISSUER and
LEDGER_JWT_AUDIENCE when set; it needs no database.

Exit codes: 0 done; 1 error (or a parked event that failed again on replay, or an export that
wrote nothing: its error's code is printed, e.g. EXPORT_DIRECTORY_UNWRITABLE); 2 rebuild refused
(a parity check failed: that projection was not swapped, its live tables stay).`;

/** Bound on any one argument: names are short, anything longer is a mistake. */
const MAX_ARGUMENT_LENGTH = 256;

const HELP_ARGUMENTS = ['-h', '--help', 'help'];

function usageError(message: string): ParsedArgs {
  return { kind: 'usage-error', message };
}

function tooLong(argv: readonly string[]): ParsedArgs | undefined {
  return argv.some((arg) => arg.length > MAX_ARGUMENT_LENGTH)
    ? usageError(`an argument is longer than ${MAX_ARGUMENT_LENGTH} characters`)
    : undefined;
}

const TOKEN_OPTIONS = ['--sub', '--role', '--ttl'] as const;
type TokenOption = (typeof TOKEN_OPTIONS)[number];

function isTokenOption(name: string): name is TokenOption {
  return (TOKEN_OPTIONS as readonly string[]).includes(name);
}

/** Each option's values, `--name value` or `--name=value`, in the order given. */
function tokenOptions(args: readonly string[]): Map<TokenOption, string[]> | ParsedArgs {
  const values = new Map<TokenOption, string[]>();
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (HELP_ARGUMENTS.includes(arg)) return { kind: 'help' };
    const equals = arg.indexOf('=');
    const name = equals === -1 ? arg : arg.slice(0, equals);
    if (!isTokenOption(name)) return usageError(`token: unknown option ${JSON.stringify(name)}`);
    const value = equals === -1 ? args[++index] : arg.slice(equals + 1);
    if (value === undefined) return usageError(`token: ${name} needs a value`);
    values.set(name, [...(values.get(name) ?? []), value]);
  }
  return values;
}

/** `token --sub <id> --role <role> [--role <role>] [--ttl <ttl>]`. */
function parseTokenArgs(args: readonly string[]): ParsedArgs {
  const options = tokenOptions(args);
  if (!(options instanceof Map)) return options;
  const [sub, ...moreSubs] = options.get('--sub') ?? [];
  if (sub === undefined) return usageError('token: --sub <customer id> is needed');
  if (moreSubs.length > 0) return usageError('token: --sub is given more than once');
  if (!isValidSubject(sub)) {
    return usageError(
      `token: --sub must be 1 to ${MAX_SUBJECT_LENGTH} printable characters without surrounding blanks`,
    );
  }
  const roles = options.get('--role') ?? [];
  if (roles.length === 0) return usageError(`token: --role ${ROLES.join('|')} is needed`);
  if (!roles.every(isRole)) {
    const unknown = roles.find((role) => !isRole(role));
    return usageError(
      `token: unknown role ${JSON.stringify(unknown)} (known: ${ROLES.join(', ')})`,
    );
  }
  const [ttl, ...moreTtls] = options.get('--ttl') ?? [];
  if (moreTtls.length > 0) return usageError('token: --ttl is given more than once');
  const ttlSeconds = ttl === undefined ? DEFAULT_TOKEN_TTL_SECONDS : parseTtlSeconds(ttl);
  if (ttlSeconds === undefined) {
    return usageError(
      'token: --ttl must be a whole number of s, m, h or d from 1s to 30d (e.g. 90s, 15m, 1h, 7d), ' +
        `got ${JSON.stringify(ttl)}`,
    );
  }
  return { kind: 'token', request: { sub, roles: distinctRoles(roles), ttlSeconds } };
}

function projectionName(value: string | undefined): string | ParsedArgs {
  // Whether there is such a projection is checked next, against the known ones.
  if (value === undefined || value.trim() === '') return usageError('a projection name is needed');
  return value;
}

const SEED_OPTIONS = ['--url', '--customers', '--seed'] as const;

function wholeNumber(text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined || !/^\d{1,10}$/.test(text)) return undefined;
  const value = Number(text);
  return value >= min && value <= max ? value : undefined;
}

/** `seed [--url <url>] [--customers <n>] [--seed <n>]`, each `--name value` or `--name=value`. */
export function parseSeedArgs(args: readonly string[], env: NodeJS.ProcessEnv): ParsedArgs {
  const values = new Map<string, string>();
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    const equals = arg.indexOf('=');
    const name = equals === -1 ? arg : arg.slice(0, equals);
    if (!(SEED_OPTIONS as readonly string[]).includes(name)) {
      return usageError(`seed: unknown option ${JSON.stringify(name)}`);
    }
    const value = equals === -1 ? args[++index] : arg.slice(equals + 1);
    if (value === undefined) return usageError(`seed: ${name} needs a value`);
    values.set(name, value);
  }
  const url = values.get('--url') ?? `http://127.0.0.1:${env['PORT']?.trim() || '3000'}`;
  if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
    return usageError(`seed: --url must be an http(s) URL, got ${JSON.stringify(url)}`);
  }
  const customers = wholeNumber(values.get('--customers') ?? '12', 1, MAX_SEED_CUSTOMERS);
  if (customers === undefined)
    return usageError(`seed: --customers must be 1 to ${MAX_SEED_CUSTOMERS}`);
  const seed = wholeNumber(values.get('--seed') ?? '1', 0, 2 ** 32 - 1);
  if (seed === undefined) return usageError('seed: --seed must be 0 to 4294967295');
  return { kind: 'seed', options: { url: new URL(url).origin, customers, seed } };
}

/**
 * `projections <subcommand> [name]` or `token <options>`; anything else is a usage error (or
 * a call for help).
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  // A token's values (a subject named "help") are not calls for help: its options decide.
  if (argv[0] === 'token') return tooLong(argv) ?? parseTokenArgs(argv.slice(1));
  if (argv[0] === 'seed') return tooLong(argv) ?? parseSeedArgs(argv.slice(1), process.env);
  if (argv.length === 0 || argv.some((arg) => HELP_ARGUMENTS.includes(arg))) {
    return { kind: 'help' };
  }
  const refused = tooLong(argv);
  if (refused !== undefined) return refused;
  const [group, sub, ...rest] = argv;
  if (group === 'export') {
    const parsed = parseExportArgs(argv.slice(1));
    return parsed.ok
      ? { kind: 'command', command: { name: 'export', action: parsed.action } }
      : usageError(parsed.message);
  }
  if (group !== 'projections') return usageError(`unknown command ${JSON.stringify(group)}`);
  if (sub === undefined) return usageError('projections: a subcommand is needed');
  const arity = sub === 'status' ? 0 : 1;
  if (rest.length > arity)
    return usageError(`projections ${JSON.stringify(sub).slice(1, -1)}: too many arguments`);
  const [name] = rest;
  switch (sub) {
    case 'status':
      return { kind: 'command', command: { name: 'status' } };
    case 'parked': {
      if (name === undefined) {
        return { kind: 'command', command: { name: 'parked', projection: undefined } };
      }
      const projection = projectionName(name);
      return typeof projection === 'string'
        ? { kind: 'command', command: { name: 'parked', projection } }
        : projection;
    }
    case 'replay-parked':
    case 'restart':
    case 'rebuild': {
      const projection = projectionName(name);
      return typeof projection === 'string'
        ? { kind: 'command', command: { name: sub, projection } }
        : projection;
    }
    default:
      return usageError(`unknown command "projections ${JSON.stringify(sub).slice(1, -1)}"`);
  }
}
