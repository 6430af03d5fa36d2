import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';

/** docker-compose.yml as Compose reads it (merge keys resolved), as far as the tests look. */
export interface ComposeService {
  readonly build?: string;
  readonly image?: string;
  readonly environment?: Record<string, string>;
  readonly healthcheck?: { readonly test: readonly string[] | string };
  readonly depends_on?: Record<string, { readonly condition: string }>;
  readonly volumes?: readonly string[];
}

export async function readComposeFile(
  path: string,
): Promise<{ services: Record<string, ComposeService> }> {
  return parse(await readFile(path, 'utf8'), { merge: true }) as {
    services: Record<string, ComposeService>;
  };
}
