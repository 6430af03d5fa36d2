import { readFileSync } from 'node:fs';
import { buildSchema, getIntrospectionQuery, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import {
  OPERATION_LIMITS,
  checkDocument,
  checkQueryText,
  nestsDeeperThan,
} from './operation-limits.js';

const { nesting, mutations, aliases, fields, fragments, queryLength, cost } = OPERATION_LIMITS;

/** The committed schema, which a contract test holds to the running code. */
const schema = buildSchema(readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8'));

function refusal(act: () => void): { code: string; message: string } | undefined {
  try {
    act();
    return undefined;
  } catch (error) {
    const { code, message } = error as { code: string; message: string };
    return { code, message };
  }
}

const deposits = (count: number): string =>
  Array.from({ length: count }, (_, i) => `d${i}: depositFunds(input: $input) { id }`).join(' ');

describe('nestsDeeperThan', () => {
  it.each([
    ['a list literal', (n: number) => `{ a(b: ${'['.repeat(n)}${']'.repeat(n)}) }`],
    ['an object literal', (n: number) => `{ a(b: ${'{c: '.repeat(n)}1${'}'.repeat(n)}) }`],
    ['selection sets', (n: number) => `${'{ a '.repeat(n)}${'}'.repeat(n)}`],
  ])('counts the brackets of %s, up to the limit and not one more', (_label, nested) => {
    // The outer braces of the operation add one level (selection sets: they are the levels).
    expect(nestsDeeperThan(nested(nesting - 2), nesting)).toBe(false);
    expect(nestsDeeperThan(nested(nesting + 1), nesting)).toBe(true);
    expect(nestsDeeperThan(nested(20_000), nesting)).toBe(true);
  });

  it('does not count brackets inside strings, block strings and comments', () => {
    const many = '['.repeat(1_000);
    const source = [
      `{ a(b: "${many}", c: "say \\"${many}", d: """${many} \\""" ${many}""")`,
      `# ${many}`,
      '}',
    ].join('\n');
    expect(nestsDeeperThan(source, 2)).toBe(false);
  });
});

describe('checkQueryText', () => {
  it('refuses a query longer than the limit with LIMIT_EXCEEDED', () => {
    const padded = `{ instruments { symbol } } #${'x'.repeat(queryLength)}`;
    expect(refusal(() => checkQueryText(padded))?.code).toBe('LIMIT_EXCEEDED');
    expect(refusal(() => checkQueryText('{ instruments { symbol } }'))).toBeUndefined();
  });
});

describe('checkDocument', () => {
  const cases: [string, string, string | undefined][] = [
    [
      'as many mutations as allowed',
      `mutation($input: MoveFundsInput!) { ${deposits(mutations)} }`,
      undefined,
    ],
    [
      'one mutation too many',
      `mutation($input: MoveFundsInput!) { ${deposits(mutations + 1)} }`,
      'mutations',
    ],
    [
      'mutations hidden in a fragment on the root',
      `mutation($input: MoveFundsInput!) { ...M } fragment M on Mutation { ${deposits(mutations + 1)} }`,
      'mutations',
    ],
    [
      'mutations in inline fragments',
      `mutation($input: MoveFundsInput!) { ... on Mutation { ${deposits(6)} } ... { ${deposits(6)} } }`,
      'mutations',
    ],
    [
      'one alias too many',
      `{ ${Array.from({ length: aliases + 1 }, (_, i) => `a${i}: instruments { symbol }`).join(' ')} }`,
      'aliases',
    ],
    ['one field too many', `{ ${'__typename '.repeat(fields + 1)}}`, 'fields'],
    [
      'a fragment bomb (2^30 fields)',
      `{ ...F0 } ${Array.from(
        { length: 30 },
        (_, i) =>
          `fragment F${i} on Query { ${i === 29 ? 'instruments { symbol }' : `...F${i + 1} ...F${i + 1}`} }`,
      ).join(' ')}`,
      'fields',
    ],
    [
      'too many fragments',
      `{ ...F0 } ${Array.from({ length: fragments + 1 }, (_, i) => `fragment F${i} on Query { __typename }`).join(' ')}`,
      'fragments',
    ],
    [
      'one full page of orders with every field',
      '{ orders(first: 200) { nodes { id accountId side instrument quantity limitPrice status } pageInfo { endCursor hasNextPage } } }',
      undefined,
    ],
    [
      'pages whose rows together cost more than the budget',
      `{ ${Array.from({ length: 7 }, (_, i) => `o${i}: orders(first: 200) { nodes { id accountId side instrument quantity limitPrice status } }`).join(' ')} }`,
      'cost',
    ],
    [
      'a page size from a variable, counted as the largest page',
      `query($n: Int) { ${Array.from({ length: 7 }, (_, i) => `o${i}: orders(first: $n) { nodes { id accountId side instrument quantity limitPrice status } }`).join(' ')} }`,
      'cost',
    ],
    [
      'pages of the default size, inside a fragment',
      `{ ...P } fragment P on Query { ${Array.from({ length: 40 }, (_, i) => `o${i}: orders { nodes { id accountId side instrument } }`).join(' ')} }`,
      'cost',
    ],
    ['the introspection query that GraphQL tools send', getIntrospectionQuery(), undefined],
    [
      'a fragment cycle (left to validation)',
      '{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }',
      undefined,
    ],
  ];
  it.each(cases)('%s', (_label, query, limit) => {
    const refused = refusal(() => checkDocument(parse(query), schema));
    if (limit === undefined) {
      expect(refused).toBeUndefined();
    } else {
      expect(refused).toMatchObject({
        code: 'LIMIT_EXCEEDED',
        message: expect.stringContaining(limit),
      });
    }
  });

  it('reports the cost and the budget', () => {
    const pages = `{ ${Array.from({ length: 30 }, (_, i) => `o${i}: orders(first: 200) { nodes { id } }`).join(' ')} }`;
    // Each alias: orders 1 + 200 rows x (nodes 1 + id 1).
    expect(refusal(() => checkDocument(parse(pages), schema))?.message).toContain(
      `cost is ${30 * (1 + 200 * 2)}`,
    );
    expect(refusal(() => checkDocument(parse(pages), schema))?.message).toContain(
      `at most ${cost}`,
    );
  });

  it('counts a fragment bomb in as many steps as it has fragments', () => {
    const bomb = `{ ...F0 } ${Array.from(
      { length: 100 },
      (_, i) =>
        `fragment F${i} on Query { ${i === 99 ? '__typename' : `...F${i + 1} ...F${i + 1}`} }`,
    ).join(' ')}`;
    const started = performance.now();
    expect(refusal(() => checkDocument(parse(bomb), schema))?.code).toBe('LIMIT_EXCEEDED');
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it.each([
    ['a JSON syntax tree', JSON.parse(JSON.stringify(parse('{ __typename }'))) as unknown],
    ['a number', 5],
    ['null', null],
  ])('refuses %s as a document with BAD_REQUEST', (_label, document) => {
    expect(
      refusal(() => checkDocument(document as Parameters<typeof checkDocument>[0], schema))?.code,
    ).toBe('BAD_REQUEST');
  });
});
