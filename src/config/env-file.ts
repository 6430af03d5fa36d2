import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { reject, validateEnvironment } from './config-problems.js';
import { nonEmpty } from './env-values.js';

/** What readEnvFile did: the file it read (undefined: none) and the variables it set. */
export interface EnvFileReport {
  readonly path: string | undefined;
  readonly applied: readonly string[];
}

/** Bound on the file: an environment file is a few kilobytes. */
const MAX_ENV_FILE_BYTES = 256 * 1024;

/**
 * Reads `.env` in the working directory, or the file LEDGER_ENV_FILE names, into `env`
 * (by default process.env, so that every loader sees the same values), once at start,
 * before the configuration is loaded. A variable already in the environment wins over
 * the file, even when empty. `.env` may be missing; a file LEDGER_ENV_FILE names may not.
 */
export function readEnvFile(
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): EnvFileReport {
  const named = nonEmpty(env['LEDGER_ENV_FILE']);
  const path = resolve(cwd, named ?? '.env');
  if (named === undefined && !existsSync(path)) return { path: undefined, applied: [] };
  return validateEnvironment(() => {
    const content = readBounded(path);
    if (content === undefined) return { path: undefined, applied: [] };
    const applied: string[] = [];
    for (const [name, value] of Object.entries(parseEnv(content))) {
      if (env[name] !== undefined) continue;
      env[name] = value;
      applied.push(name);
    }
    return { path, applied };
  });
}

function readBounded(path: string): string | undefined {
  try {
    const content = readFileSync(path);
    if (content.length <= MAX_ENV_FILE_BYTES) return content.toString('utf8');
    return reject(`LEDGER_ENV_FILE: ${path} is over ${MAX_ENV_FILE_BYTES} bytes`, undefined);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    return reject(`LEDGER_ENV_FILE: cannot read ${path} (${code})`, undefined);
  }
}
