import { execFile } from 'node:child_process';
import { chmod, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** PostgreSQL refuses to run as root: as root, the server runs as this system user. */
const SERVER_USER = 'postgres';
const COMMAND_TIMEOUT_MS = 10_000;

export interface ServerUser {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** The server user cannot reach a folder or file it needs, and the app could not change that. */
export class ServerAccessError extends Error {
  constructor(path: string, user: string, fix: string) {
    super(
      `The embedded PostgreSQL runs as the system user '${user}', which cannot reach ${path}. ` +
        `Fix: ${fix}, or run the app as a user other than root, or set DATABASE_URL.`,
    );
    this.name = 'ServerAccessError';
  }
}

async function idOf(name: string, flag: '-u' | '-g'): Promise<number | undefined> {
  try {
    const { stdout } = await run('id', [flag, name], { timeout: COMMAND_TIMEOUT_MS });
    const id = Number.parseInt(stdout.trim(), 10);
    return Number.isSafeInteger(id) ? id : undefined;
  } catch {
    // A probe: `id` fails for a name it does not know, which is the answer (no such user).
    return undefined;
  }
}

async function lookUp(name: string): Promise<ServerUser | undefined> {
  const [uid, gid] = await Promise.all([idOf(name, '-u'), idOf(name, '-g')]);
  return uid === undefined || gid === undefined ? undefined : { name, uid, gid };
}

async function createSystemUser(name: string): Promise<void> {
  const common = ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin'];
  // --user-group fails where a group of that name exists already: join that one instead.
  await run('useradd', [...common, '--user-group', name], { timeout: COMMAND_TIMEOUT_MS }).catch(
    () => run('useradd', [...common, '-g', name, name], { timeout: COMMAND_TIMEOUT_MS }),
  );
}

/** The user the server runs as: undefined when this process is not root (the server runs as us). */
export async function serverUser(): Promise<ServerUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const existing = await lookUp(SERVER_USER);
  if (existing) return existing;
  await createSystemUser(SERVER_USER).catch((error: unknown) => {
    throw new Error(
      `The embedded PostgreSQL cannot run as root and there is no '${SERVER_USER}' user to run ` +
        `it as; creating one failed (${(error as Error).message.split('\n')[0]}).`,
    );
  });
  const created = await lookUp(SERVER_USER);
  if (!created) throw new Error(`The '${SERVER_USER}' user was created but cannot be found`);
  return created;
}

/** Every folder from / down to `path`, outermost first. */
function foldersDownTo(path: string): string[] {
  const folders: string[] = [];
  for (let folder = resolve(path); ; folder = dirname(folder)) {
    folders.unshift(folder);
    if (dirname(folder) === folder) return folders;
  }
}

export interface FolderOpened {
  readonly folder: string;
  /** What was changed: `ACL u:<user>:x` or `chmod o+x`. */
  readonly how: string;
}

/** `x:<path>` must be enterable or executable, `r:<path>` readable. */
export type Need = `${'x' | 'r'}:${string}`;

/** Prints the first need the user lacks: checked by the kernel, as the server will be. */
const PROBE = `for need; do
  case $need in x:*) test -x "\${need#x:}" ;; r:*) test -r "\${need#r:}" ;; esac ||
    { printf '%s' "$need"; exit 1; }
done`;

async function firstUnmet(user: ServerUser, needs: readonly Need[]): Promise<Need | undefined> {
  try {
    await run('/bin/sh', ['-c', PROBE, 'probe', ...needs], {
      uid: user.uid,
      gid: user.gid,
      cwd: '/',
      timeout: COMMAND_TIMEOUT_MS,
    });
    return undefined;
  } catch (error) {
    const stdout = (error as { stdout?: string }).stdout ?? '';
    if (stdout === '') throw error;
    return stdout as Need;
  }
}

/**
 * Lets the user enter one folder, and no more than that: an ACL entry for that user when
 * `setfacl` is installed, else the search bit for others (which still lists nothing).
 */
async function allowEntering(user: ServerUser, folder: string): Promise<string> {
  try {
    await run('setfacl', ['-m', `u:${user.uid}:x`, folder], { timeout: COMMAND_TIMEOUT_MS });
    return `ACL u:${user.name}:x`;
  } catch {
    // No setfacl, or a file system without ACLs: the search bit does it; if that fails too,
    // the caller says what to run.
    const { mode } = await stat(folder);
    await chmod(folder, mode | 0o001);
    return 'chmod o+x';
  }
}

/**
 * Makes sure the server user can reach every folder the server uses and read the files it
 * needs. Folders on the way that it cannot enter (a root user's home, a folder of mode
 * 0700) are opened for it to enter, one by one; what cannot be fixed so stops the start
 * with one line that names the path, the user and the fix. Answers what it changed.
 */
export async function grantServerAccess(
  user: ServerUser,
  reach: { readonly folders: readonly string[]; readonly files: readonly Need[] },
): Promise<FolderOpened[]> {
  const folders = [...new Set(reach.folders.flatMap(foldersDownTo))];
  const needs: Need[] = [...folders.map((folder): Need => `x:${folder}`), ...reach.files];
  const changes: FolderOpened[] = [];
  const opened = new Set<string>();
  for (;;) {
    const unmet = await firstUnmet(user, needs);
    if (unmet === undefined) return changes;
    const path = unmet.slice(2);
    if (!unmet.startsWith('x:') || !folders.includes(path) || opened.has(path)) {
      throw new ServerAccessError(path, user.name, `chmod -R o+rX ${path}`);
    }
    const how = await allowEntering(user, path).catch(() => {
      throw new ServerAccessError(path, user.name, `setfacl -m u:${user.name}:x ${path}`);
    });
    opened.add(path);
    changes.push({ folder: path, how });
  }
}
