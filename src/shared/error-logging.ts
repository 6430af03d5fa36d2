import { type Logger } from '@nestjs/common';

/** An error for a log line or a record: its name and message, never its stack. */
export function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * The handler for a failure the code goes on without (closing a connection that is going
 * away anyway, a best-effort notification): nothing depends on it, but one that keeps
 * failing says something about the database or the host, so it is logged, as a warning of
 * one line, with what was given up. Messages only: no stack, and never the values the
 * caller was handling.
 */
export function logSwallowed(logger: Pick<Logger, 'warn'>, what: string): (error: unknown) => void {
  return (error) => {
    logger.warn(`${what} failed (going on without it): ${describeError(error)}`);
  };
}
