import { nonEmpty, oneOf } from './env-values.js';

/** What the GraphQL endpoint reveals about itself (see README, "Configuration"). */
export interface GraphQLConfig {
  /** Whether `__schema`/`__type` are answered and GraphiQL is served at /graphiql. */
  readonly introspection: boolean;
}

/**
 * Development (NODE_ENV unset or `development`) answers introspection so that tools load
 * the schema; any other NODE_ENV keeps it off, because a production endpoint need not hand
 * every caller a map of the API, unless LEDGER_GRAPHQL_INTROSPECTION says otherwise.
 */
export function loadGraphQLConfig(env: NodeJS.ProcessEnv): GraphQLConfig {
  const nodeEnv = nonEmpty(env['NODE_ENV']);
  const development = nodeEnv === undefined || nodeEnv === 'development';
  const setting = oneOf(
    'LEDGER_GRAPHQL_INTROSPECTION',
    env['LEDGER_GRAPHQL_INTROSPECTION'],
    ['on', 'off', 'default'],
    'default',
  );
  return { introspection: setting === 'default' ? development : setting === 'on' };
}
