import { VIEW_PROJECTIONS } from '../projections/views/index.js';
import { ALL_PROJECTIONS, USAGE, parseArgs } from './cli-args.js';
import { EXIT_ERROR, EXIT_OK, err, out } from './cli-io.js';

/**
 * The `ledger` CLI (see ledger.cli.ts) up to a valid command: help, usage errors and
 * unknown projections answer at once, before anything boots or connects.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.kind === 'help') {
    out(USAGE);
    return EXIT_OK;
  }
  if (parsed.kind === 'usage-error') {
    err(`ledger: ${parsed.message}\n\n${USAGE}`);
    return EXIT_ERROR;
  }
  const { command } = parsed;
  const known = VIEW_PROJECTIONS.map((projection) => projection.name);
  if ('projection' in command && command.projection !== undefined) {
    const all = command.name === 'rebuild' && command.projection === ALL_PROJECTIONS;
    if (!all && !known.includes(command.projection)) {
      err(
        `ledger: no projection named ${JSON.stringify(command.projection)} (known: ${known.join(', ')})`,
      );
      return EXIT_ERROR;
    }
  }
  const { runCommand } = await import('./ledger-app.js');
  return runCommand(command);
}
