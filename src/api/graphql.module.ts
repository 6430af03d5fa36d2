import { Module } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { LEDGER_CONFIG, type LedgerConfig } from '../config/ledger-config.js';
import { addConsistencyExtension } from './consistency-extension.js';
import { formatGraphQLErrors } from './graphql-error.formatter.js';
import { GraphQLMetrics } from './graphql.metrics.js';
import { graphqlRouteHooks } from './http-request.hooks.js';
import { checkDocumentHook } from './operation-limits.js';
import { answerRequestError } from './request-error.handler.js';
import { noteOperation } from './request-telemetry.js';
import { noIntrospectionRule } from './no-introspection.rule.js';
import { queryDepthRule } from './query-depth.rule.js';
import { describeRootTypes } from './root-type-descriptions.js';

/** Bounds on what one request may ask for. */
export const MAX_QUERY_DEPTH = 12;
/** Mercurius compiles a query once it has run this many times. */
const COMPILE_QUERY_AFTER_USES = 1;

function graphQLOptions(config: LedgerConfig, metrics: GraphQLMetrics): MercuriusDriverConfig {
  const { introspection } = config.graphql;
  return {
    autoSchemaFile: true,
    sortSchema: true,
    transformSchema: describeRootTypes,
    // GraphiQL loads the schema by introspection: without it the page could do nothing.
    graphiql: introspection,
    path: '/graphql',
    // Our own depth rule instead of Mercurius's `queryDepth`: it leaves introspection's
    // nesting out, so tools can load the schema while data queries stay bounded.
    validationRules: introspection
      ? [queryDepthRule(MAX_QUERY_DEPTH)]
      : [queryDepthRule(MAX_QUERY_DEPTH), noIntrospectionRule],
    // Compile a query (graphql-jit) the second time it is seen: executing it compiled
    // costs a fraction of graphql-js's generic execution. Compiled queries live in
    // Mercurius's query cache (1,024 entries, least recently used go first); variables
    // are still checked by graphql-js first, so their errors read the same.
    jit: COMPILE_QUERY_AFTER_USES,
    errorFormatter: formatGraphQLErrors,
    // Errors before execution (the body, the route hooks, the limits) by the same formatter.
    errorHandler: answerRequestError,
    // One operation per request: a batch would multiply the per-operation limits.
    allowBatchedQueries: false,
    additionalRouteOptions: { ...graphqlRouteHooks, onResponse: metrics.onResponse },
    hooks: {
      preValidation: checkDocumentHook,
      // Names the request's log line and span, and its latency's label: preValidation runs
      // for uncached documents only.
      preExecution: [noteOperation, metrics.preExecution],
      onResolution: [addConsistencyExtension, metrics.onResolution],
    },
  };
}

/** The request metrics the GraphQL options hook in. */
@Module({ providers: [GraphQLMetrics], exports: [GraphQLMetrics] })
class GraphQLMetricsModule {}

/**
 * Mercurius on Fastify: about twice Apollo's throughput on the same machine. Code-first
 * schema, built in memory at start-up.
 */
@Module({
  imports: [
    GraphQLModule.forRootAsync<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      imports: [GraphQLMetricsModule],
      inject: [LEDGER_CONFIG, GraphQLMetrics],
      useFactory: graphQLOptions,
    }),
  ],
})
export class LedgerGraphQLModule {}
