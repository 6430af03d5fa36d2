import { context, createContextKey } from '@opentelemetry/api';
import { useAsyncContext } from '../telemetry/async-context.js';

/** What every log line written inside a unit of work says about it. */
export interface LogContext {
  readonly correlationId: string;
}

const LOG_CONTEXT = createContextKey('ledger.log-context');

/**
 * Runs `work` so that every line logged inside it, however deep and across awaits, carries
 * the correlation id (the root logger's mixin reads it): a command's handler, a saga's
 * step and the store below them need not pass a logger around. It rides in the process's
 * one async context (async-context.ts), beside the active span.
 */
export function withLogContext<T>(correlationId: string | undefined, work: () => T): T {
  if (correlationId === undefined) return work();
  useAsyncContext();
  const fields: LogContext = { correlationId };
  return context.with(context.active().setValue(LOG_CONTEXT, fields), work);
}

/** The fields of the unit of work under way, for the root logger's mixin. */
export function logContextFields(): Partial<LogContext> {
  return (context.active().getValue(LOG_CONTEXT) as LogContext | undefined) ?? {};
}
