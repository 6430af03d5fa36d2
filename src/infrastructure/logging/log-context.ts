import { AsyncLocalStorage } from 'node:async_hooks';

/** What every log line written inside a unit of work says about it. */
export interface LogContext {
  readonly correlationId: string;
}

const current = new AsyncLocalStorage<LogContext>();

/**
 * Runs `work` so that every line logged inside it, however deep and across awaits, carries
 * the correlation id (the root logger's mixin reads it): a command's handler, a saga's
 * step and the store below them need not pass a logger around.
 */
export function withLogContext<T>(correlationId: string | undefined, work: () => T): T {
  return correlationId === undefined ? work() : current.run({ correlationId }, work);
}

/** The fields of the unit of work under way, for the root logger's mixin. */
export function logContextFields(): Partial<LogContext> {
  return current.getStore() ?? {};
}
