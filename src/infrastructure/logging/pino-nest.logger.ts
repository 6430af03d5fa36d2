import { type LoggerService } from '@nestjs/common';
import { type Level } from 'pino';
import { type RootLogger } from './root-logger.js';

/** A stack trace as Nest's Logger.error passes it: a string of "    at …" lines. */
const STACK_LINE = /\n\s+at /;

/**
 * Nest's logger interface over the app's pino logger, so that every `new Logger(context)`
 * in the code (and Nest's own start-up lines) writes the same JSON lines, with the context
 * as a field. nestjs-pino does this too, but its releases for NestJS 12 require Node 22,
 * and Ledger runs on Node 20 as well; what it adds beyond this adapter (pino-http's request
 * lines) Fastify already does with the same logger.
 */
export class PinoNestLogger implements LoggerService {
  constructor(private readonly root: RootLogger) {}

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params);
  }

  /**
   * Nest calls `(message, context)`, and for errors `(message, stack, context)`; a logger
   * of its own may pass an Error as the message, or an object of fields.
   */
  private write(level: Level, message: unknown, params: unknown[]): void {
    if (!this.root.isLevelEnabled(level)) return;
    const rest = [...params];
    const context = rest.length > 0 && typeof rest.at(-1) === 'string' ? rest.pop() : undefined;
    const stack = rest.find(
      (param): param is string => typeof param === 'string' && STACK_LINE.test(param),
    );
    const fields: Record<string, unknown> = context === undefined ? {} : { context };
    if (message instanceof Error) {
      this.root[level]({ ...fields, err: message }, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.root[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else if (stack !== undefined) {
      this.root[level]({ ...fields, err: { stack } }, String(message));
    } else {
      this.root[level](fields, String(message));
    }
  }
}
