import { type Span, SpanStatusCode } from '@opentelemetry/api';
import {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type HookHandlerDoneFunction,
} from 'fastify';
import { type DocumentNode, type GraphQLSchema, Kind, type OperationDefinitionNode } from 'graphql';
import { type MercuriusContext } from 'mercurius';
import { type Logger } from 'pino';
import {
  CORRELATION_ATTRIBUTE,
  OUTCOME_ATTRIBUTE,
  attachRequestSpan,
  startSpan,
} from '../infrastructure/telemetry/tracing.js';
import { type ApiErrorCode } from './api-error.js';
import { chosenOperation } from './graphql-operation.js';

/** Paths probed every few seconds: their lines are for debugging, not the operator's eye. */
const QUIET_PATHS = new Set(['/health/live', '/health/ready', '/metrics']);
/** An anonymous operation is named by its root fields: this many at most, and this long. */
const MAX_NAMED_FIELDS = 4;
const MAX_OPERATION_LENGTH = 120;

interface RequestNotes {
  operation?: string;
  operationType?: string;
  /** The first error code the formatter answered; absent: OK. */
  outcome?: ApiErrorCode;
  span?: Span;
}

// Keyed by the request object: a request's notes go away with it.
const NOTES = new WeakMap<FastifyRequest, RequestNotes>();

function notesOf(request: FastifyRequest): RequestNotes {
  let notes = NOTES.get(request);
  if (notes === undefined) {
    notes = {};
    NOTES.set(request, notes);
  }
  return notes;
}

/** The error formatter says how a request ended (its first code only: the one that answered). */
export function noteOutcome(request: FastifyRequest | undefined, code: ApiErrorCode): void {
  if (request === undefined) return;
  const notes = notesOf(request);
  notes.outcome ??= code;
}

/** Its name, or else its root fields (`openAccount`, `account,holdings`): never arguments. */
function operationName(operation: OperationDefinitionNode): string {
  if (operation.name !== undefined) return operation.name.value;
  const fields = operation.selectionSet.selections.flatMap((selection) =>
    selection.kind === Kind.FIELD ? [selection.name.value] : [],
  );
  const shown = fields.slice(0, MAX_NAMED_FIELDS).join(',');
  return (fields.length > MAX_NAMED_FIELDS ? `${shown},…` : shown).slice(0, MAX_OPERATION_LENGTH);
}

/**
 * Mercurius's preExecution hook (it runs for every operation, cached or not): notes the
 * operation for the request's log line and names the request's span after it.
 */
export function noteOperation(
  _schema: GraphQLSchema,
  document: DocumentNode,
  context: MercuriusContext,
): void {
  const request = context.reply.request;
  const body = request.body as { operationName?: unknown } | undefined;
  const query = request.query as { operationName?: unknown } | undefined;
  const operation = chosenOperation(document, body?.operationName ?? query?.operationName);
  if (operation === undefined) return;
  const notes = notesOf(request);
  notes.operation = operationName(operation);
  notes.operationType = operation.operation;
  notes.span?.updateName(`graphql ${notes.operationType} ${notes.operation}`);
  notes.span?.setAttributes({
    'graphql.operation.name': notes.operation,
    'graphql.operation.type': notes.operationType,
  });
}

function onRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  // The id a client may quote when it reports a problem, also when the server made it up.
  void reply.header('x-correlation-id', request.id);
  if (request.routeOptions.url === '/graphql') {
    const span = startSpan('graphql', {
      [CORRELATION_ATTRIBUTE]: request.id,
      'http.request.method': request.method,
    });
    if (span !== undefined) {
      notesOf(request).span = span;
      attachRequestSpan(request, span);
    }
  }
  done();
}

/**
 * One line per request: what it was, how long it took, and how it ended, written to
 * `lines` (requestLineLogger) under the request's correlation id.
 */
function onResponseLogTo(lines: Logger) {
  return (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void => {
    const notes = NOTES.get(request);
    const outcome = notes?.outcome ?? (reply.statusCode >= 500 ? 'INTERNAL_SERVER_ERROR' : 'OK');
    endRequestSpan(notes?.span, outcome);
    const path = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
    const quiet = QUIET_PATHS.has(path);
    // Nothing is put together for a line that would not be written (LOG_LEVEL, tests).
    if (!lines.isLevelEnabled(quiet ? 'debug' : 'info')) return done();
    const line = {
      correlationId: request.id,
      method: request.method,
      path,
      statusCode: reply.statusCode,
      ...(notes?.operation === undefined
        ? {}
        : { operation: notes.operation, operationType: notes.operationType }),
      outcome,
      durationMs: Math.round(reply.elapsedTime * 1000) / 1000,
    };
    if (quiet) lines.debug(line, 'request');
    else lines.info(line, 'request');
    done();
  };
}

function endRequestSpan(span: Span | undefined, outcome: string): void {
  if (span === undefined) return;
  span.setAttribute(OUTCOME_ATTRIBUTE, outcome);
  if (outcome === 'INTERNAL_SERVER_ERROR') span.setStatus({ code: SpanStatusCode.ERROR });
  span.end();
}

/**
 * Every request's correlation id echoed back, its log line (to `lines`), and for /graphql
 * its span (the parent of the spans its resolvers start, see requestTraceContext).
 */
export function registerRequestTelemetry(fastify: FastifyInstance, lines: Logger): void {
  fastify.addHook('onRequest', onRequest);
  fastify.addHook('onResponse', onResponseLogTo(lines));
}
