// `npm run ledger`: the CLI from its sources where they are (a checkout: tsx compiles them as
// they load, so no build is needed and the sources are never stale), else from the build (the
// container image ships dist/ and no sources, and tsx is a development dependency).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = join(import.meta.dirname, '..');
const source = join(ROOT, 'src', 'cli', 'ledger.cli.ts');
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  await import(pathToFileURL(source).href);
} else {
  await import(pathToFileURL(join(ROOT, 'dist', 'src', 'cli', 'ledger.cli.js')).href);
}
