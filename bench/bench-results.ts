import { execFile } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

/** What every benchmark records beside its figures. */

export async function packageVersion(name: string): Promise<string> {
  try {
    const file = path.join(process.cwd(), 'node_modules', name, 'package.json');
    const { version } = JSON.parse(await readFile(file, 'utf8')) as { version?: string };
    return version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

/** Which code was measured: the commit, and whether the work tree differed from it. */
export async function gitState(): Promise<{ commit: string; dirty: boolean } | null> {
  try {
    const run = promisify(execFile);
    const commit = (await run('git', ['rev-parse', 'HEAD'])).stdout.trim();
    const status = (await run('git', ['status', '--porcelain', '--', 'src', 'test-kit', 'bench']))
      .stdout;
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return null;
  }
}

/** Formatted as the repo's Prettier would, so `prettier --check .` stays green after a run. */
export async function writeResults(file: string, results: unknown): Promise<void> {
  let text = `${JSON.stringify(results, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value), 2)}\n`;
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(file)) ?? {};
    text = await prettier.format(text, { ...options, filepath: file });
  } catch {
    // Prettier is a dev dependency; unformatted JSON is still the same data.
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
}

/** Each run starts with a different variant, so none always enjoys the quieter slot. */
export function rotate<T>(items: readonly T[], by: number): T[] {
  if (items.length === 0) return [];
  const shift = by % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
