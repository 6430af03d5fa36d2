import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type GraphQLSchema, buildSchema, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/cli-args.js';

/**
 * docs/operations.md: every `ledger` command it gives parses as the CLI parses it, and
 * every GraphQL operation or field it gives is valid against schema.graphql, so the
 * runbook cannot name a command or a mutation that does not exist.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const runbook = await readFile(join(ROOT, 'docs', 'operations.md'), 'utf8');
const schema: GraphQLSchema = buildSchema(await readFile(join(ROOT, 'schema.graphql'), 'utf8'));

/** `npm run [-s] ledger -- <args>` up to a comment, a backtick or the line's end; `…` is prose. */
const cliCommands = [...runbook.matchAll(/npm run (?:-s )?ledger -- ([^`\n#]+)/g)]
  .map((match) => match[1]!.trim())
  .filter((args) => !args.includes('…'));

/** The top-level operations of a block of several (each ends where its braces close). */
function operations(block: string): string[] {
  const found: string[] = [];
  let depth = 0;
  let start = 0;
  for (let index = 0; index < block.length; index++) {
    if (block[index] === '{') depth++;
    if (block[index] === '}' && --depth === 0) {
      found.push(block.slice(start, index + 1).trim());
      start = index + 1;
    }
  }
  return found;
}

const graphqlOperations = [...runbook.matchAll(/```graphql\n([\s\S]*?)```/g)].flatMap((block) =>
  operations(block[1]!),
);

/** Inline spans that call a Query or Mutation field: `field(args)`, `field { … }` or both. */
const rootFields = [...runbook.matchAll(/`(\w+)(\([^`]*?\))?(\s*\{[^`]*\})?`/g)].flatMap(
  (match) => {
    const [span, field, args, selection] = match;
    if (args === undefined && selection === undefined) return [];
    const root = schema.getMutationType()!.getFields()[field!]
      ? 'mutation'
      : schema.getQueryType()!.getFields()[field!] && 'query';
    return root ? [`${root} { ${span.slice(1, -1)} }`] : [];
  },
);

describe('docs/operations.md', () => {
  it('gives ledger commands', () => {
    expect(cliCommands.length).toBeGreaterThan(8);
  });

  it.each(cliCommands)('npm run ledger -- %s is a command of the CLI', (args) => {
    const parsed = parseArgs(args.split(/\s+/));
    expect(parsed.kind, JSON.stringify(parsed)).not.toBe('usage-error');
  });

  it('gives GraphQL operations and fields', () => {
    expect(graphqlOperations.length).toBeGreaterThanOrEqual(4);
    expect(rootFields.length).toBeGreaterThanOrEqual(6);
  });

  it.each([...graphqlOperations, ...rootFields])('%s is valid against the schema', (text) => {
    const errors = validate(schema, parse(text)).map((error) => error.message);
    expect(errors).toEqual([]);
  });
});
