import { type TokenRequest } from '../api/auth/token-minter.js';
import { readEnvFile } from '../config/env-file.js';
import { loadConfig } from '../config/ledger-config.js';
import { VIEW_PROJECTIONS } from '../projections/views/index.js';
import { ALL_PROJECTIONS, USAGE, parseArgs } from './cli-args.js';
import { EXIT_ERROR, EXIT_OK, err, out } from './cli-io.js';

/** `token`: the token alone on stdout (for `TOKEN=$(...)`), what it is on stderr. No database. */
async function mintToken(request: TokenRequest): Promise<number> {
  try {
    const { mintTokenForSettings } = await import('../api/auth/token-minter.js');
    const minted = await mintTokenForSettings(loadConfig(), request);
    if (minted.secretCreated) err(`ledger: generated a new JWT secret in ${minted.secretSource}`);
    err(
      `ledger: token for ${request.sub} (${request.roles.join(', ')}), signed with ` +
        `${minted.secretSource}, expires ${minted.expiresAt.toISOString()}`,
    );
    out(minted.token);
    return EXIT_OK;
  } catch (error) {
    err(`ledger: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_ERROR;
  }
}

/**
 * The `ledger` CLI (see ledger.cli.ts) up to a valid command: help, usage errors and
 * unknown projections answer at once, before anything boots or connects.
 */
export async function runCli(argv: readonly string[]): Promise<number> {
  try {
    // As the app does: `.env` (or LEDGER_ENV_FILE) under the real environment.
    readEnvFile();
  } catch (error) {
    err(`ledger: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT_ERROR;
  }
  const parsed = parseArgs(argv);
  if (parsed.kind === 'help') {
    out(USAGE);
    return EXIT_OK;
  }
  if (parsed.kind === 'usage-error') {
    err(`ledger: ${parsed.message}\n\n${USAGE}`);
    return EXIT_ERROR;
  }
  if (parsed.kind === 'token') return mintToken(parsed.request);
  if (parsed.kind === 'seed') {
    const { seedDemoHistory } = await import('./seed.js');
    return seedDemoHistory(parsed.options);
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
