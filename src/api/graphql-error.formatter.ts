import { GraphQLError, type ExecutionResult } from 'graphql';
import { type MercuriusContext } from 'mercurius';
import { toApiError } from './api-error.js';

interface FormattedExecution {
  statusCode: number;
  response: ExecutionResult;
}

/** Mercurius wraps request validation failures: one error holding the real ones. */
function flatten(errors: readonly GraphQLError[]): GraphQLError[] {
  return errors.flatMap((error) => {
    const inner = (error.originalError as { errors?: unknown } | undefined)?.errors;
    return Array.isArray(inner)
      ? inner.map((e: unknown) =>
          e instanceof GraphQLError ? e : new GraphQLError(String((e as Error).message)),
        )
      : [error];
  });
}

/** The GraphQL edge's single error mapping: every error leaves with `extensions.code`. */
export function formatGraphQLErrors(
  execution: ExecutionResult & { statusCode?: number },
  context: MercuriusContext,
): FormattedExecution {
  const errors = flatten(execution.errors ?? []).map((error) => {
    const apiError = toApiError(error);
    if (apiError.code === 'INTERNAL_SERVER_ERROR') {
      context.reply?.log.error(
        { err: error.originalError ?? error },
        'internal error in GraphQL request',
      );
    }
    const formatted = new GraphQLError(apiError.message, {
      nodes: error.nodes,
      path: error.path,
      extensions: {
        code: apiError.code,
        ...(apiError.fields ? { fields: apiError.fields } : {}),
        ...(apiError.retryAfterMs === undefined ? {} : { retryAfterMs: apiError.retryAfterMs }),
      },
    });
    // A compiled query's (graphql-jit) errors carry their locations but not the nodes
    // they come from: keep the locations, as graphql-js's own errors keep theirs.
    if (formatted.locations === undefined && error.locations !== undefined) {
      Object.assign(formatted, { locations: error.locations });
    }
    return formatted;
  });
  return {
    statusCode: execution.data ? 200 : (execution.statusCode ?? 200),
    response: { data: execution.data ?? null, errors },
  };
}
