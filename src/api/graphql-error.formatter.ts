import { Logger } from '@nestjs/common';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { type MercuriusContext } from 'mercurius';
import { escapeUnsafeText } from '../shared/input-rules.js';
import { type ApiError, toApiError } from './api-error.js';
import { httpStatusOf, isRequestRefusal } from './request.errors.js';
import { noteOutcome } from './request-telemetry.js';

interface FormattedExecution {
  statusCode: number;
  response: ExecutionResult;
}

const logger = new Logger('GraphQL');

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

/**
 * Each error once, at the level it deserves: the server's faults as errors (with what the
 * client was not told, and the stack), a dependency that does not answer as a warning, a
 * refused request (malformed, too large, a form post) as information an operator may want
 * to count, and the client's everyday mistakes (validation, not found, insufficient funds,
 * a refused command) for debugging, without a stack. A client's mistake is logged by its
 * code and the fields it names, never its message: messages may quote what the client
 * sent (a name, a reference). Every line carries the request's correlation id.
 */
function logError(
  apiError: ApiError,
  error: GraphQLError,
  context: Partial<Pick<MercuriusContext, 'reply'>>,
): void {
  const request = context.reply?.request;
  noteOutcome(request, apiError.code);
  const line = {
    ...(request === undefined
      ? {}
      : { correlationId: request.id, path: request.routeOptions.url ?? '' }),
    code: apiError.code,
  };
  if (apiError.code === 'INTERNAL_SERVER_ERROR') {
    const cause = error.originalError ?? error;
    logger.error({ ...line, err: cause, msg: 'internal error in GraphQL request' });
  } else if (apiError.code === 'SERVICE_UNAVAILABLE') {
    logger.warn({ ...line, msg: escapeUnsafeText(apiError.message) });
  } else {
    const fields = apiError.fields?.map((field) => field.field);
    const refused = { ...line, ...(fields ? { fields } : {}), msg: 'request refused' };
    if (isRequestRefusal(apiError.code)) logger.log(refused);
    else logger.debug(refused);
  }
}

/** The GraphQL edge's single error mapping: every error leaves with `extensions.code`. */
export function formatGraphQLErrors(
  execution: ExecutionResult & { statusCode?: number },
  // Only the reply: errors raised before execution have no fuller context.
  context: Partial<Pick<MercuriusContext, 'reply'>>,
): FormattedExecution {
  const codes: ApiError['code'][] = [];
  const errors = flatten(execution.errors ?? []).map((error) => {
    const apiError = toApiError(error);
    codes.push(apiError.code);
    logError(apiError, error, context);
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
  const refused = codes[0] === undefined ? undefined : httpStatusOf(codes[0]);
  return {
    statusCode: execution.data ? 200 : (refused ?? execution.statusCode ?? 200),
    response: { data: execution.data ?? null, errors },
  };
}
