import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ledgerSchemaSdl, SCHEMA_FILE } from './schema-sdl.js';

const PROJECT_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Writes schema.graphql when it differs from the code's schema; says which it was. */
export async function writeSchemaFile(): Promise<number> {
  const path = join(PROJECT_DIR, SCHEMA_FILE);
  const sdl = await ledgerSchemaSdl();
  const committed = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (committed === sdl) {
    process.stderr.write(`${SCHEMA_FILE} is up to date\n`);
    return 0;
  }
  await writeFile(path, sdl);
  process.stderr.write(`Wrote ${SCHEMA_FILE}: commit it with the change to the API\n`);
  return 0;
}
