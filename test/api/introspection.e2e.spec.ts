import { readFile } from 'node:fs/promises';
import {
  buildClientSchema,
  getIntrospectionQuery,
  type IntrospectionQuery,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/test-app.js';

/**
 * `{ accounts { nodes { id { f4 { ... f12 { leaf } } } } } }`: 13 fields deep. The schema nests
 * no type in itself, so no valid query gets this deep; the depth error is reported beside
 * the field errors, and nothing runs.
 */
function thirteenDeep(): string {
  const inner = Array.from({ length: 9 }, (_, i) => `f${i + 4}`).reduceRight(
    (below, field) => `${field} { ${below} }`,
    'leaf',
  );
  return `query Deep { accounts { nodes { id { ${inner} } } } }`;
}

describe('introspection in development (the default)', () => {
  const ledger = useTestApp();

  it('answers the standard introspection query of GraphQL tools, without a token', async () => {
    const response = await ledger.gqlWith<IntrospectionQuery>(undefined, getIntrospectionQuery());
    expect(response.errors).toBeUndefined();
    expect(response.data?.__schema.queryType?.name).toBe('Query');
  });

  it('serves the schema committed as schema.graphql', async () => {
    const response = await ledger.gql<IntrospectionQuery>(getIntrospectionQuery());
    const served = printSchema(lexicographicSortSchema(buildClientSchema(response.data!)));
    const committed = await readFile(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(`${served}\n`, 'schema.graphql is stale: run `npm run schema`').toBe(committed);
  });

  it('still refuses an ordinary operation deeper than 12 fields, before it runs', async () => {
    const response = await ledger.gql(thirteenDeep());
    expect(response.data ?? null).toBeNull();
    expect(response.errors).toContainEqual(
      expect.objectContaining({
        message:
          'Operation "Deep" is 13 fields deep; at most 12 are allowed (introspection fields are not counted)',
        extensions: { code: 'VALIDATION_FAILED' },
      }),
    );
  });

  it('serves GraphiQL', async () => {
    const page = await ledger.app.inject({ method: 'GET', url: '/graphiql' });
    expect(page.statusCode).toBe(200);
  });
});

describe('introspection off (production without LEDGER_GRAPHQL_INTROSPECTION=on)', () => {
  const ledger = useTestApp({ graphql: { introspection: false } });

  it('refuses __schema and __type with VALIDATION_FAILED', async () => {
    for (const query of [getIntrospectionQuery(), '{ __type(name: "Account") { name } }']) {
      const response = await ledger.gql(query);
      expect(response.data ?? null).toBeNull();
      expect(response.errors?.[0]?.extensions?.code).toBe('VALIDATION_FAILED');
      expect(response.errors?.[0]?.message).toMatch(/^Introspection is off on this server/);
    }
  });

  it('still answers __typename and ordinary queries', async () => {
    const response = await ledger.gql<{ __typename: string }>('{ __typename }');
    expect(response).toEqual({ data: { __typename: 'Query' } });
  });

  it('serves no GraphiQL', async () => {
    const page = await ledger.app.inject({ method: 'GET', url: '/graphiql' });
    expect(page.statusCode).toBe(404);
  });
});
