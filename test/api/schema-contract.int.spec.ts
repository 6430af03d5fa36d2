import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { ledgerSchemaSdl, SCHEMA_FILE } from '../../src/cli/schema-sdl.js';

// An int test though it opens no database: it wires the whole app's module graph.
describe('the committed GraphQL contract', () => {
  it(`${SCHEMA_FILE} is the schema the code builds`, async () => {
    const committed = await readFile(new URL(`../../${SCHEMA_FILE}`, import.meta.url), 'utf8');
    const built = await ledgerSchemaSdl();
    expect(
      committed,
      `${SCHEMA_FILE} differs from the code's schema: run \`npm run schema\` and commit the diff`,
    ).toBe(built);
  });
});
