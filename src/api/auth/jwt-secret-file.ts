import { randomBytes } from 'node:crypto';
import { link, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { MAX_JWT_SECRET_BYTES, MIN_JWT_SECRET_BYTES } from '../../config/auth-config.js';

/** The HS256 secret generated into a data directory when LEDGER_JWT_SECRET is unset. */
export const JWT_SECRET_FILE = 'jwt-secret';
/** 256 random bits, as HS256's hash; base64url text of 43 bytes in the file. */
const GENERATED_SECRET_BYTES = 32;
/** The secret with a line break, or a copy of LEDGER_JWT_SECRET's longest value. */
const MAX_FILE_BYTES = MAX_JWT_SECRET_BYTES + 2;
const OWNER_ONLY = 0o600;

export class JwtSecretFileError extends Error {
  override readonly name = 'JwtSecretFileError';
}

export interface DataDirSecret {
  /** The key: the file's text (UTF-8, surrounding blanks ignored), as LEDGER_JWT_SECRET would be. */
  readonly secret: Uint8Array;
  readonly path: string;
  /** Whether this call generated it (the first start on a data directory). */
  readonly created: boolean;
}

function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * The data directory's secret, generated on first use. Two processes starting at once
 * agree on one: each writes a complete file of its own and only one can link it into
 * place (a link never replaces an existing file), so no reader sees a partly written one.
 */
export async function loadOrCreateJwtSecret(dataDir: string): Promise<DataDirSecret> {
  const path = join(dataDir, JWT_SECRET_FILE);
  const existing = await readSecretFile(path);
  if (existing !== undefined) return { secret: existing, path, created: false };
  await mkdir(dataDir, { recursive: true });
  const created = await createSecretFile(path);
  if (created !== undefined) return { secret: created, path, created: true };
  const winner = await readSecretFile(path);
  // Only a file deleted between the lost race and this read leads here.
  if (winner === undefined) throw new JwtSecretFileError(`${path} vanished while it was created`);
  return { secret: winner, path, created: false };
}

/** The new secret, or undefined when another process linked its file first. */
async function createSecretFile(path: string): Promise<Uint8Array | undefined> {
  const text = randomBytes(GENERATED_SECRET_BYTES).toString('base64url');
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    // Created owner-only (a umask can only take bits away), never readable by others.
    const handle = await open(temporary, 'wx', OWNER_ONLY);
    try {
      await handle.writeFile(`${text}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await link(temporary, path);
    return new TextEncoder().encode(text);
  } catch (error) {
    if (errnoOf(error) === 'EEXIST') return undefined;
    throw new JwtSecretFileError(`Could not create the JWT secret file ${path}`, { cause: error });
  } finally {
    await rm(temporary, { force: true });
  }
}

/** The secret in the file, undefined when there is no file; refused when it is unsafe. */
async function readSecretFile(path: string): Promise<Uint8Array | undefined> {
  const handle = await open(path, 'r').catch((error: unknown) => {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw new JwtSecretFileError(`Could not read the JWT secret file ${path}`, { cause: error });
  });
  if (handle === undefined) return undefined;
  try {
    // Checked on the opened file itself, so a swap between the check and the read is moot.
    const info = await handle.stat();
    if (!info.isFile()) throw new JwtSecretFileError(`${path} is not a regular file`);
    if ((info.mode & 0o077) !== 0) {
      throw new JwtSecretFileError(
        `The JWT secret file ${path} is open to other users ` +
          `(mode ${(info.mode & 0o777).toString(8).padStart(4, '0')}): run chmod 600 ${path}`,
      );
    }
    if (info.size > MAX_FILE_BYTES) {
      throw new JwtSecretFileError(
        `The JWT secret file ${path} is larger than ${MAX_FILE_BYTES} bytes: not a secret file`,
      );
    }
    const secret = new TextEncoder().encode((await handle.readFile('utf8')).trim());
    if (secret.length < MIN_JWT_SECRET_BYTES) {
      throw new JwtSecretFileError(
        `The JWT secret file ${path} holds ${secret.length} bytes, fewer than ` +
          `${MIN_JWT_SECRET_BYTES}: delete it to have a new secret generated (tokens signed ` +
          'with the old one stop verifying), or write a longer one into it (mode 0600)',
      );
    }
    return secret;
  } finally {
    await handle.close();
  }
}
