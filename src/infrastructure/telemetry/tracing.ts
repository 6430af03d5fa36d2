import {
  type Attributes,
  type Context,
  type Span,
  SpanStatusCode,
  context,
  trace,
} from '@opentelemetry/api';
import { WrongExpectedRevisionError } from '../../event-store/event-store.errors.js';
import { LedgerError } from '../../shared/ledger-errors.js';

/** The span attribute that ties a chain of work together across its asynchronous hops. */
export const CORRELATION_ATTRIBUTE = 'ledger.correlation_id';
/** The code a span's work ended with: OK, or the LedgerError code it answered. */
export const OUTCOME_ATTRIBUTE = 'ledger.outcome';
const TRACER_NAME = 'ledger';

/**
 * Whether a tracing SDK is running in this process (tracing-sdk.ts turns it on). While it
 * is off, every helper here runs the work as it is, touching no tracer at all: the API's
 * no-op tracer is cheap, but not free on the hot path of every command.
 */
let enabled = false;

export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

export function tracingEnabled(): boolean {
  return enabled;
}

/** A span started now and ended by the caller; undefined while tracing is off. */
export function startSpan(
  name: string,
  attributes: Attributes,
  parent?: Context,
): Span | undefined {
  if (!enabled) return undefined;
  return trace.getTracer(TRACER_NAME).startSpan(name, { attributes }, parent ?? context.active());
}

/**
 * Ends a span with what its work came to: a LedgerError is an answer (its code is the
 * outcome, the span is not marked failed: a refused command is no fault of the service),
 * so is an append that lost a race (CONFLICT: the command tries again), anything else a
 * failure with the exception recorded.
 */
export function endSpan(span: Span | undefined, error?: unknown): void {
  if (span === undefined) return;
  if (error === undefined) {
    span.setAttribute(OUTCOME_ATTRIBUTE, 'OK');
  } else if (error instanceof LedgerError) {
    span.setAttribute(OUTCOME_ATTRIBUTE, error.code);
  } else if (error instanceof WrongExpectedRevisionError) {
    span.setAttribute(OUTCOME_ATTRIBUTE, 'CONFLICT');
  } else {
    span.setAttribute(OUTCOME_ATTRIBUTE, 'INTERNAL_SERVER_ERROR');
    span.recordException(error instanceof Error ? error : String(error));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
  span.end();
}

/**
 * Runs `work` in a span of its own, the active one inside it (so the spans that `work`
 * starts are its children), under `parent` or else the span active here. Attributes that
 * cost something to work out are given as a function, called only while tracing is on.
 */
export async function inSpan<T>(
  name: string,
  attributes: Attributes | (() => Attributes),
  work: () => Promise<T>,
  parent?: Context,
): Promise<T> {
  if (!enabled) return work();
  const span = startSpan(
    name,
    typeof attributes === 'function' ? attributes() : attributes,
    parent,
  );
  if (span === undefined) return work();
  try {
    const result = await context.with(trace.setSpan(parent ?? context.active(), span), work);
    endSpan(span);
    return result;
  } catch (error) {
    endSpan(span, error);
    throw error;
  }
}

/** At most this many correlation ids on one span (a projection batch spans many). */
export const MAX_CORRELATION_IDS = 100;

/**
 * The distinct correlation ids of a batch of events' metadata, at most
 * MAX_CORRELATION_IDS of them: one span attribute lists them all (a span link would need
 * each request's span context, which events do not keep).
 */
export function correlationIdsOf(
  events: readonly { readonly metadata: Readonly<Record<string, unknown>> }[],
): string[] {
  const ids = new Set<string>();
  for (const { metadata } of events) {
    const id = metadata['correlationId'];
    if (typeof id === 'string') ids.add(id);
    if (ids.size >= MAX_CORRELATION_IDS) break;
  }
  return [...ids];
}

// The span of each request under way, keyed by an object that lives as long as the
// request (as request-identity.ts keeps its caller), for work that starts in a resolver.
const REQUEST_SPANS = new WeakMap<object, Span>();

export function attachRequestSpan(request: object, span: Span): void {
  REQUEST_SPANS.set(request, span);
}

/** The context to start a request's inner spans in; undefined when it has no span. */
export function requestTraceContext(request: object | undefined): Context | undefined {
  const span = request === undefined ? undefined : REQUEST_SPANS.get(request);
  return span === undefined ? undefined : trace.setSpan(context.active(), span);
}
