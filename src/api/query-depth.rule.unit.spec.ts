import { buildSchema, getIntrospectionQuery, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { queryDepthRule } from './query-depth.rule.js';

// A type that nests itself: any depth can be asked for with valid fields.
const schema = buildSchema(`
  type Node { id: ID! child: Node }
  type Query { node: Node }
`);

/** `{ node { child { ... id } } }` with `fields` fields in its deepest path. */
function nested(fields: number): string {
  let selection = 'id';
  for (let i = 0; i < fields - 2; i++) selection = `child { ${selection} }`;
  return `{ node { ${selection} } }`;
}

function errorsOf(source: string, limit = 12): string[] {
  return validate(schema, parse(source), [queryDepthRule(limit)]).map((e) => e.message);
}

describe('queryDepthRule', () => {
  it('allows 12 fields deep and refuses 13, saying how deep and the limit', () => {
    expect(errorsOf(nested(12))).toEqual([]);
    expect(errorsOf(nested(13))).toEqual([
      'The operation is 13 fields deep; at most 12 are allowed (introspection fields are not counted)',
    ]);
  });

  it('does not count the standard introspection query (15 deep by its own measure)', () => {
    expect(errorsOf(getIntrospectionQuery())).toEqual([]);
    expect(errorsOf(getIntrospectionQuery(), 1)).toEqual([]);
  });

  it('counts the data fields of an operation that also introspects', () => {
    expect(errorsOf(`{ __schema { types { name } } ${nested(13).slice(1, -1)} }`)).toHaveLength(1);
  });

  it('follows fragments and inline fragments without adding levels for them', () => {
    const source = `
      query Q { node { ...A } }
      fragment A on Node { child { ... on Node { ...B } } }
      fragment B on Node { ${nested(12).replace('{ node {', '').slice(0, -3)} }`;
    expect(errorsOf(source)).toEqual([
      'Operation "Q" is 13 fields deep; at most 12 are allowed (introspection fields are not counted)',
    ]);
  });

  it('measures a fragment spread many times once (no blow-up on fragment bombs)', () => {
    const levels = 40;
    const fragments = Array.from(
      { length: levels },
      (_, i) => `fragment F${i} on Node { child { ...F${i + 1} ...F${i + 1} ...F${i + 1} } }`,
    ).join('\n');
    const source = `{ node { ...F0 } }\n${fragments}\nfragment F${levels} on Node { id }`;
    expect(errorsOf(source, 100)).toEqual([]);
    expect(errorsOf(source)[0]).toMatch(/is 42 fields deep/);
  });

  it('ends on a fragment cycle (another rule reports the cycle)', () => {
    const source = '{ node { ...A } } fragment A on Node { child { ...A } }';
    expect(errorsOf(source)).toEqual([]);
  });
});
