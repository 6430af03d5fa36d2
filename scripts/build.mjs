// Builds dist/ from src/, test-kit/ and bench/ with tsc, from a clean folder, and the admin
// UI (admin/) into admin/dist with Vite. `--if-stale`: each only when one of its sources or
// configs is newer than its last build (or a file was added or removed), so `npm start`
// starts in seconds on an unchanged tree.
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const ROOT = join(import.meta.dirname, '..');
const SERVER = {
  outDir: join(ROOT, 'dist'),
  inputs: ['src', 'test-kit', 'bench', 'tsconfig.json', 'tsconfig.build.json'],
};
const ADMIN_DIR = join(ROOT, 'admin');
const ADMIN = {
  outDir: join(ADMIN_DIR, 'dist'),
  inputs: ['admin/src', 'admin/index.html', 'admin/vite.config.ts', 'admin/tsconfig.json'],
};
/** The budget for the UI's first load: its JavaScript, gzipped. */
const ADMIN_JS_BUDGET_BYTES = 300 * 1024;

const stampOf = (target) => join(target.outDir, '.build-stamp');

/** Newest change time under a path; a folder's own time moves when an entry is added or removed. */
function newestMtimeMs(path) {
  const stat = statSync(path, { throwIfNoEntry: false });
  if (!stat) return 0;
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce(
    (newest, entry) => Math.max(newest, newestMtimeMs(join(path, entry))),
    stat.mtimeMs,
  );
}

function isStale(target) {
  const built = statSync(stampOf(target), { throwIfNoEntry: false });
  if (!built) return true;
  return target.inputs.some((input) => newestMtimeMs(join(ROOT, input)) > built.mtimeMs);
}

/** Dated at the build's start: a source saved while it ran is newer, so the next start rebuilds. */
function stamp(target, startedMs) {
  writeFileSync(stampOf(target), `${new Date(startedMs).toISOString()}\n`);
  utimesSync(stampOf(target), new Date(startedMs), new Date(startedMs));
}

function buildServer() {
  const startedMs = Date.now();
  rmSync(SERVER.outDir, { recursive: true, force: true });
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], {
    stdio: 'inherit',
  });
  if (result.status !== 0) process.exit(result.status ?? 1);
  stamp(SERVER, startedMs);
  console.error(`Built dist/ in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
}

/** Gzipped bytes of the JavaScript the page loads first (every script it names). */
function initialJsGzipBytes() {
  const html = readFileSync(join(ADMIN.outDir, 'index.html'), 'utf8');
  const scripts = [...html.matchAll(/(?:src|href)="\/admin\/(assets\/[^"]+\.js)"/g)];
  return scripts.reduce(
    (sum, [, file]) => sum + gzipSync(readFileSync(join(ADMIN.outDir, file))).length,
    0,
  );
}

async function buildAdmin() {
  const startedMs = Date.now();
  const { build } = await import('vite');
  await build({ configFile: join(ADMIN_DIR, 'vite.config.ts'), logLevel: 'warn' });
  const bytes = initialJsGzipBytes();
  const kb = (bytes / 1024).toFixed(1);
  console.error(
    `Built admin/dist in ${((Date.now() - startedMs) / 1000).toFixed(1)} s: ` +
      `initial JavaScript ${kb} kB gzipped (budget ${ADMIN_JS_BUDGET_BYTES / 1024} kB)`,
  );
  if (bytes > ADMIN_JS_BUDGET_BYTES) {
    console.error('The admin UI is over its JavaScript budget: split or drop a dependency.');
    // Not stamped, so the next start tries again; the lock is still released.
    process.exitCode = 1;
    return;
  }
  stamp(ADMIN, startedMs);
}

const ADMIN_LOCK = join(ADMIN_DIR, '.build-lock');
/** A build takes seconds; a lock older than this was left by a build that died. */
const ADMIN_LOCK_STALE_MS = 120_000;

/**
 * One admin build at a time (the browser tests and `npm start` may build together): the
 * lock file is created exclusively, and a waiter checks staleness again once it has it.
 */
async function withAdminLock(run) {
  for (;;) {
    try {
      closeSync(openSync(ADMIN_LOCK, 'wx'));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const held = statSync(ADMIN_LOCK, { throwIfNoEntry: false });
      if (held && Date.now() - held.mtimeMs > ADMIN_LOCK_STALE_MS)
        rmSync(ADMIN_LOCK, { force: true });
      else await sleep(250);
    }
  }
  try {
    await run();
  } finally {
    rmSync(ADMIN_LOCK, { force: true });
  }
}

const ifStale = process.argv.includes('--if-stale');
// `--admin`: the UI alone (the browser tests run the server from its sources).
if (!process.argv.includes('--admin') && (!ifStale || isStale(SERVER))) buildServer();
if (!ifStale || isStale(ADMIN)) {
  await withAdminLock(async () => {
    if (!ifStale || isStale(ADMIN)) await buildAdmin();
  });
}
