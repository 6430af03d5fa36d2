import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const TIER = /\.(unit|int|e2e)\.spec\.ts$/;

async function specFiles(folder: string): Promise<string[]> {
  const entries = await readdir(join(ROOT, folder), { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith('.spec.ts'))
    .map((entry) => relative(ROOT, join(entry.parentPath, entry.name)));
}

/** What `vitest run --project <tier>` would run: each file with the project it belongs to. */
async function listedByVitest(): Promise<Map<string, string[]>> {
  const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [vitest, 'list', '--filesOnly', '--json'],
    { cwd: ROOT, timeout: 60_000, env: { ...process.env, VITEST: undefined } },
  );
  const listed = new Map<string, string[]>();
  for (const { file, projectName } of JSON.parse(stdout) as {
    file: string;
    projectName: string;
  }[]) {
    const path = relative(ROOT, file);
    listed.set(path, [...(listed.get(path) ?? []), projectName]);
  }
  return listed;
}

// Regression: `npm run test:unit` failed with "No projects matched the filter".
it('runs every spec file in exactly one tier, the one its name says', async () => {
  const files = [
    ...(await specFiles('src')),
    ...(await specFiles('test')),
    ...(await specFiles('admin/src')),
  ];
  const untiered = files.filter((file) => !TIER.test(file));
  expect(untiered, 'spec files without a tier in their name').toEqual([]);

  const listed = await listedByVitest();
  expect(files.length).toBeGreaterThan(50);
  for (const file of files) {
    expect(listed.get(file), file).toEqual([TIER.exec(file)![1]]);
  }
  expect(new Set([...listed.values()].map((projects) => projects[0]))).toEqual(
    new Set(['unit', 'int', 'e2e']),
  );
});
