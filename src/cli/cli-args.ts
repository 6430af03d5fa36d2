export type CliCommand =
  | { readonly name: 'status' }
  | { readonly name: 'parked'; readonly projection: string | undefined }
  | { readonly name: 'replay-parked'; readonly projection: string }
  | { readonly name: 'restart'; readonly projection: string }
  | { readonly name: 'rebuild'; readonly projection: string };

/** `projections rebuild all`: every view projection at once. */
export const ALL_PROJECTIONS = 'all';

export type ParsedArgs =
  | { readonly kind: 'help' }
  | { readonly kind: 'command'; readonly command: CliCommand }
  | { readonly kind: 'usage-error'; readonly message: string };

export const USAGE = `Usage: npm run ledger -- projections <command>

Commands:
  projections status                 each projector's position, lag, status and parked events
  projections parked [name]          parked events, oldest first (at most 500), of one projection or all
  projections replay-parked <name>   apply a projection's parked events again
  projections restart <name>         clear a stopped projector's status
  projections rebuild <name>|all     blue/green rebuild from the start of the log, with a parity check
                                     (all: every view, in one pass over the log)

Environment as for the app: DATABASE_URL; without it the PostgreSQL of the Ledger running on
LEDGER_DATA_DIR (./.ledger), or an embedded one started for the command when none runs there.

Exit codes: 0 done; 1 error (or a parked event that failed again on replay); 2 rebuild refused
(a parity check failed: that projection was not swapped, its live tables stay).`;

/** Bound on any one argument: names are short, anything longer is a mistake. */
const MAX_ARGUMENT_LENGTH = 256;

function usageError(message: string): ParsedArgs {
  return { kind: 'usage-error', message };
}

function projectionName(value: string | undefined): string | ParsedArgs {
  // Whether there is such a projection is checked next, against the known ones.
  if (value === undefined || value.trim() === '') return usageError('a projection name is needed');
  return value;
}

/** `projections <subcommand> [name]`; anything else is a usage error (or a call for help). */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.length === 0 || argv.some((arg) => ['-h', '--help', 'help'].includes(arg))) {
    return { kind: 'help' };
  }
  if (argv.some((arg) => arg.length > MAX_ARGUMENT_LENGTH)) {
    return usageError(`an argument is longer than ${MAX_ARGUMENT_LENGTH} characters`);
  }
  const [group, sub, ...rest] = argv;
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
