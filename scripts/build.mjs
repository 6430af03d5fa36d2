// Builds dist/ from src/, test-kit/ and bench/ with tsc, from a clean folder.
// `--if-stale`: only when a source or a tsconfig is newer than the last build
// (or a file was added or removed), so `npm start` starts in seconds on an unchanged tree.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
const OUT_DIR = join(ROOT, 'dist');
const STAMP = join(OUT_DIR, '.build-stamp');
const INPUTS = ['src', 'test-kit', 'bench', 'tsconfig.json', 'tsconfig.build.json'];

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

function isStale() {
  const built = statSync(STAMP, { throwIfNoEntry: false });
  if (!built) return true;
  return INPUTS.some((input) => newestMtimeMs(join(ROOT, input)) > built.mtimeMs);
}

if (process.argv.includes('--if-stale') && !isStale()) process.exit(0);
const startedMs = Date.now();
rmSync(OUT_DIR, { recursive: true, force: true });
const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const result = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], {
  stdio: 'inherit',
});
if (result.status !== 0) process.exit(result.status ?? 1);
writeFileSync(STAMP, `${new Date(startedMs).toISOString()}\n`);
// Dated at the build's start: a source saved while tsc ran is newer, so the next start rebuilds.
utimesSync(STAMP, new Date(startedMs), new Date(startedMs));
console.error(`Built dist/ in ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
