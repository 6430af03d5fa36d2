import { type FastifyReply, type FastifyRequest, type RequestPayload } from 'fastify';
import { checkQueryText } from './operation-limits.js';
import { BadRequestError, UnsupportedMediaTypeError } from './request.errors.js';

const MEDIA_TYPES = new Set(['application/json', 'application/graphql']);
const UTF_8 = new Set(['utf-8', 'utf8']);

/**
 * A POST must say its body is JSON (or GraphQL text), in UTF-8. A web page's plain HTML
 * form (urlencoded or multipart) and a `text/plain` fetch go cross-site without a CORS
 * preflight: were they accepted, any page could run mutations with its visitors' browsers.
 * Checked before the body is read.
 */
export function checkMediaType(request: FastifyRequest): void {
  if (request.method !== 'POST') return;
  const [essence = '', ...parameters] = (request.headers['content-type'] ?? '').split(';');
  if (!MEDIA_TYPES.has(essence.trim().toLowerCase())) {
    throw new UnsupportedMediaTypeError(
      'POST /graphql takes a body of Content-Type application/json (or application/graphql); forms, multipart and text/plain are refused',
    );
  }
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    const charset = value
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (name.trim().toLowerCase() === 'charset' && !UTF_8.has(charset)) {
      throw new UnsupportedMediaTypeError('The request body must be UTF-8');
    }
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `value`, when present, is what `accept` wants. */
function absentOr(value: unknown, accept: (present: unknown) => boolean): boolean {
  return value === undefined || value === null || accept(value);
}

/**
 * The request's GraphQL parameters, as GraphQL over HTTP has them: one operation, a
 * `query` string, and an object of `variables`. Checked on what the client sent (before
 * Fastify's schema coerces `{"query": 5}` into "5"), so that a wrong one is BAD_REQUEST
 * naming the parameter rather than a failure further in.
 */
export function checkGraphQLParameters(request: FastifyRequest): void {
  const isPost = request.method === 'POST';
  const parameters = isPost ? request.body : request.query;
  if (Array.isArray(parameters)) {
    // A batch would multiply every per-operation limit by its length.
    throw new BadRequestError(
      'Batched operations are not accepted: send one operation per request',
    );
  }
  if (!isObject(parameters)) {
    throw new BadRequestError('The request body must be a JSON object with a "query" string');
  }
  const { query, operationName, variables, extensions } = parameters;
  if (typeof query !== 'string' || query.trim() === '') {
    throw new BadRequestError('"query" must be a string holding a GraphQL document');
  }
  // Before Mercurius parses it: the parser recurses once per nesting level.
  checkQueryText(query);
  if (!absentOr(operationName, (name) => typeof name === 'string')) {
    throw new BadRequestError('"operationName" must be a string');
  }
  // A GET carries variables and extensions as JSON text, parsed by Mercurius.
  if (isPost && !absentOr(variables, isObject)) {
    throw new BadRequestError('"variables" must be a JSON object');
  }
  if (isPost && !absentOr(extensions, isObject)) {
    throw new BadRequestError('"extensions" must be a JSON object');
  }
}

type ParsingDone = (error?: Error | null, payload?: RequestPayload) => void;
type HookDone = (error?: Error) => void;

/**
 * Route hooks of /graphql (Mercurius's `additionalRouteOptions`). Callback hooks, not
 * async ones: they run on every request, and a promise each is not free.
 */
export const graphqlRouteHooks = {
  preParsing(
    request: FastifyRequest,
    _reply: FastifyReply,
    payload: RequestPayload,
    done: ParsingDone,
  ): void {
    try {
      checkMediaType(request);
      done(null, payload);
    } catch (error) {
      done(error as Error);
    }
  },
  preValidation(request: FastifyRequest, _reply: FastifyReply, done: HookDone): void {
    try {
      checkGraphQLParameters(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  },
};
