import { createRequire } from 'node:module';
import type * as GraphQL from 'graphql';
// Mercurius's compiler (its `jit` option): the app runs a query compiled from its second run on.
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import { describe, expect, it } from 'vitest';
import { ValidationFailedError } from '../shared/ledger-errors.js';
import { type ApiError, toApiError } from './api-error.js';

// graphql as graphql-jit and Mercurius load it: under vitest a plain import would be
// another copy (its ES module build), whose schemas graphql-jit refuses.
const { buildSchema, execute, parse } = createRequire(import.meta.url)('graphql') as typeof GraphQL;

const schema = buildSchema(`
  type Query {
    missing: String!
    failing: String
    refused: String
  }
`);

const resolvers: Record<string, () => unknown> = {
  missing: () => null,
  failing: () => {
    throw new Error('connection reset');
  },
  refused: () => {
    throw new ValidationFailedError([{ field: 'id', message: 'id must be 1 to 256 characters' }]);
  },
};
// Field resolvers, as Nest installs them (graphql-jit does not call functions on the root).
for (const [name, field] of Object.entries(schema.getQueryType()!.getFields())) {
  field.resolve = resolvers[name];
}

async function apiErrors(
  result: GraphQL.ExecutionResult | Promise<GraphQL.ExecutionResult>,
): Promise<ApiError[]> {
  return ((await result).errors ?? []).map(toApiError);
}

function compiled(query: string): () => Promise<GraphQL.ExecutionResult> {
  const compiledQuery = compileQuery(schema, parse(query));
  if (!isCompiledQuery(compiledQuery)) throw new Error(`${query} did not compile`);
  return async () => compiledQuery.query({}, {}, {});
}

describe('toApiError', () => {
  it.each(['{ missing }', '{ failing }', '{ refused }'])(
    'maps the errors of %s alike whether graphql-js or graphql-jit ran it',
    async (query) => {
      const interpreted = await apiErrors(
        execute({ schema, document: parse(query), rootValue: {} }),
      );
      expect(interpreted).toHaveLength(1);
      expect(await apiErrors(compiled(query)())).toEqual(interpreted);
    },
  );

  it('reports a null in a non-null field as an internal error, without its details', async () => {
    expect(await apiErrors(compiled('{ missing }')())).toEqual([
      { code: 'INTERNAL_SERVER_ERROR', message: 'Internal error' },
    ]);
  });
});
