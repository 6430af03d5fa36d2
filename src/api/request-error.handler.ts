import { type FastifyError, type FastifyReply, type FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import { LedgerError } from '../shared/ledger-errors.js';
import { formatGraphQLErrors } from './graphql-error.formatter.js';
import {
  BadRequestError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from './request.errors.js';

const ONE_KIB = 1024;

function sizeOf(bytes: number): string {
  return bytes % (ONE_KIB * ONE_KIB) === 0
    ? `${bytes / (ONE_KIB * ONE_KIB)} MB`
    : `${Math.round(bytes / ONE_KIB)} KB`;
}

/** Messages of the body parser's refusals, written here: its own can name internals. */
function bodyParserRefusal(error: FastifyError, request: FastifyRequest): LedgerError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new PayloadTooLargeError(
        `The request body is larger than ${sizeOf(request.routeOptions.bodyLimit)}`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new UnsupportedMediaTypeError('POST /graphql takes a body of application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new BadRequestError('The request body is empty: send a JSON object with a "query"');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      // The parser reports a `__proto__` or `constructor.prototype` key (refused, lest it
      // reach an object's prototype) as it reports a syntax error: it says no more.
      return new BadRequestError(
        'The request body is not valid JSON in UTF-8, or holds a __proto__ or constructor.prototype key',
      );
    default:
      return undefined;
  }
}

/**
 * What the HTTP layer refused, as a LedgerError with its code; undefined for everything
 * else (GraphQL validation, which the formatter maps; anything unexpected, internal).
 */
export function requestRefusalOf(
  error: FastifyError,
  request: FastifyRequest,
): LedgerError | undefined {
  if (error instanceof LedgerError) return error;
  const refusal = bodyParserRefusal(error, request);
  if (refusal !== undefined) return refusal;
  if (error.code === 'MER_ERR_METHOD_NOT_ALLOWED') {
    return new MethodNotAllowedError('A GET runs queries only: send mutations with POST');
  }
  if (error instanceof SyntaxError) {
    // Mercurius parsing a GET's `variables` or `extensions` parameter (secure-json-parse).
    return new BadRequestError(
      '"variables" and "extensions" must be JSON objects without __proto__ or constructor.prototype keys',
    );
  }
  const status = error.statusCode ?? 500;
  return status >= 400 && status < 500 && error.code?.startsWith('FST_ERR_')
    ? new BadRequestError('The request is malformed')
    : undefined;
}

/**
 * Mercurius's `errorHandler`: errors raised before execution (the body parser, the route
 * hooks, the operation limits, GraphQL validation) answered like every other error, by the
 * one formatter, with the HTTP status of their code.
 */
export function answerRequestError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): void {
  const refusal = requestRefusalOf(error, request);
  const graphQLError =
    refusal !== undefined
      ? new GraphQLError(refusal.clientMessage, { originalError: refusal })
      : error instanceof GraphQLError
        ? error
        : new GraphQLError(error.message, { originalError: error });
  const { statusCode, response } = formatGraphQLErrors({ errors: [graphQLError] }, { reply });
  if (refusal instanceof MethodNotAllowedError) void reply.header('allow', 'POST');
  void reply.code(statusCode).send(response);
}
