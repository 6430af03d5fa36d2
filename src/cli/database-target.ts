import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type LedgerConfig } from '../config/ledger-config.js';
import { LOCK_FILE, liveLockHolder } from '../infrastructure/database/data-dir-lock.js';
import { SERVER_URL_FILE } from '../infrastructure/database/embedded-postgres.server.js';

/** How long a holder that is still starting gets to publish its server's address. */
export const DEFAULT_URL_WAIT_MS = 30_000;
const POLL_MS = 100;

export interface DatabaseTarget {
  /** The configuration to boot with: DATABASE_URL set when a server is to be reached. */
  readonly config: LedgerConfig;
  /** Which server, for the user (no password). */
  readonly description: string;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/**
 * The address the holder published, if it has: a file older than the lock is one a
 * crashed instance left behind, which the holder has yet to replace.
 */
async function publishedUrl(root: string): Promise<string | undefined> {
  const [url, urlStat, lockStat] = await Promise.all([
    readText(join(root, SERVER_URL_FILE)),
    // Absent: nothing published, or no holder; either way there is no address to trust.
    stat(join(root, SERVER_URL_FILE)).catch(() => undefined),
    stat(join(root, LOCK_FILE)).catch(() => undefined),
  ]);
  if (!url?.trim() || !urlStat || !lockStat || urlStat.mtimeMs < lockStat.mtimeMs) return undefined;
  return url.trim();
}

/** The connection string without its password. */
export function redactUrl(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    // Not a URL: named, never echoed, since it may still hold a password.
    return '(DATABASE_URL, not a URL)';
  }
}

/**
 * Where the CLI's PostgreSQL is: DATABASE_URL when set; else the embedded server of the
 * Ledger instance holding the data directory (it publishes the address in postgres.url
 * while it runs); else an embedded server this process starts and stops, as the app does.
 */
export async function chooseDatabase(
  config: LedgerConfig,
  options: { readonly urlWaitMs?: number } = {},
): Promise<DatabaseTarget> {
  if (config.databaseUrl !== undefined) {
    return { config, description: `DATABASE_URL ${redactUrl(config.databaseUrl)}` };
  }
  const root = resolve(config.dataDir);
  const deadline = Date.now() + (options.urlWaitMs ?? DEFAULT_URL_WAIT_MS);
  for (;;) {
    const holder = await liveLockHolder(root);
    if (holder === undefined) break;
    const url = await publishedUrl(root);
    if (url) {
      return {
        config: { ...config, databaseUrl: url },
        description: `the embedded PostgreSQL of the Ledger running on ${root} (pid ${holder}), ${redactUrl(url)}`,
      };
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `The Ledger data directory ${root} is held by pid ${holder}, which has not published its ` +
          `PostgreSQL address in ${join(root, SERVER_URL_FILE)} (still starting, or an older ` +
          'Ledger). Try again, or set DATABASE_URL.',
      );
    }
    await sleep(POLL_MS);
  }
  return {
    config,
    description: `an embedded PostgreSQL on ${root}, started for this command`,
  };
}
