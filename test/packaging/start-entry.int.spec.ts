import { execFile } from 'node:child_process';
import { readFile, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

/** Where `npm run build` writes the app's entry point, as tsc computes it. */
function builtEntry(): string {
  const configPath = join(ROOT, 'tsconfig.build.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
        throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
      },
    },
  )!;
  const [js] = ts.getOutputFileNames(parsed, join(ROOT, 'src', 'main.ts'), false);
  return js!.slice(ROOT.length + 1);
}

// Regression: `npm start` ran dist/main.js while the build wrote dist/src/main.js.
it('starts, and ships in the image, the file the build writes', async () => {
  const entry = builtEntry();
  const { scripts } = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    scripts: Record<string, string>;
  };
  expect(scripts['start']).toMatch(new RegExp(`exec node ${entry.replace('.', '\\.')}$`));
  const dockerfile = await readFile(join(ROOT, 'Dockerfile'), 'utf8');
  expect(dockerfile).toContain(`CMD ["node", "${entry}"]`);
});

// Regression: every `npm start` compiled the whole tree again before starting.
it(
  'builds when the sources changed and not again when they did not',
  { timeout: 240_000 },
  async () => {
    const build = (): Promise<{ stderr: string }> =>
      run(process.execPath, [join(ROOT, 'scripts', 'build.mjs'), '--if-stale'], {
        cwd: ROOT,
        timeout: 120_000,
      });
    await build();
    const entry = join(ROOT, builtEntry());
    const builtAt = (await stat(entry)).mtimeMs;

    const again = await build();
    expect(again.stderr).toBe('');
    expect((await stat(entry)).mtimeMs).toBe(builtAt);

    const now = new Date();
    await utimes(join(ROOT, 'src', 'main.ts'), now, now);
    const rebuilt = await build();
    expect(rebuilt.stderr).toMatch(/^Built dist\/ in/);
    expect((await stat(entry)).mtimeMs).toBeGreaterThan(builtAt);
  },
);
