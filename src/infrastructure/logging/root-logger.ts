import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';
import { type TelemetryConfig } from '../../config/telemetry-config.js';
import { logContextFields } from './log-context.js';
import { REDACTED, REDACTED_PATHS, type TextScrubber, textScrubber } from './log-redaction.js';

export type RootLogger = Logger;

/**
 * An error as a log line shows it: its type, code, message and stack, scrubbed. Nothing
 * else of it: a driver's error carries fields (PostgreSQL's `detail`, `parameters`) that
 * quote the values a statement was given, customers' data among them.
 */
function errorSerializer(scrub: TextScrubber): (error: unknown) => Record<string, unknown> {
  return (error) => {
    if (!(error instanceof Error)) {
      // Nest's Logger.error passes a stack alone, as text.
      const stack = (error as { stack?: unknown } | null)?.stack;
      return typeof stack === 'string'
        ? { stack: scrub(stack) }
        : { message: scrub(String(error)) };
    }
    const code = (error as { code?: unknown }).code;
    return {
      type: error.name,
      message: scrub(error.message),
      ...(typeof code === 'string' ? { code } : {}),
      ...(error.stack === undefined ? {} : { stack: scrub(error.stack) }),
    };
  };
}

/** Lines are written out once this many bytes are pending, or else every LOG_FLUSH_MS. */
const LOG_BUFFER_BYTES = 8 * 1024;
const LOG_FLUSH_MS = 1_000;

/**
 * Standard output, written behind the event loop in batches of lines: one asynchronous
 * write per line (a thread-pool hand-off and a wake-up each) cost a small request about
 * as much as serialising its line. Pino flushes what is pending when the process exits;
 * a SIGKILL loses the last second of lines, as it would lose the lines in flight anyway.
 */
function bufferedStandardOutput(): DestinationStream {
  const output = pino.destination({ dest: 1, sync: false, minLength: LOG_BUFFER_BYTES });
  // Flushed only when a line came since the last tick: an idle app makes no empty writes.
  let written = false;
  setInterval(() => {
    if (!written) return;
    written = false;
    output.flush();
  }, LOG_FLUSH_MS).unref();
  return {
    write(line: string) {
      written = true;
      return output.write(line);
    },
  };
}

/**
 * The process's one logger (pino): JSON lines on standard output, or coloured lines for a
 * terminal when the format is `pretty` (pino-pretty in this thread: a worker-thread
 * transport would lose the last lines of a process that exits at once). Every line carries
 * the correlation id of the work under way (log-context.ts); credentials, the token secret
 * and commands' arguments never reach it (log-redaction.ts).
 */
export function createRootLogger(
  config: Pick<TelemetryConfig, 'logLevel' | 'logFormat' | 'secrets' | 'serviceName'>,
  destination?: DestinationStream,
): RootLogger {
  const scrub = textScrubber(config.secrets);
  const output =
    destination ??
    (config.logFormat === 'pretty'
      ? pretty({ colorize: true, sync: true, translateTime: 'SYS:HH:MM:ss.l' })
      : bufferedStandardOutput());
  return pino(
    {
      level: config.logLevel,
      base: { service: config.serviceName },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACTED_PATHS, censor: REDACTED },
      mixin: logContextFields,
      serializers: { err: errorSerializer(scrub) },
      hooks: {
        logMethod(args, method) {
          const clean = args.map((arg: unknown) => (typeof arg === 'string' ? scrub(arg) : arg));
          method.apply(this, clean as Parameters<typeof method>);
        },
      },
    },
    output,
  );
}

/**
 * The logger of the one line per request (api/request-telemetry.ts): the root's level,
 * output, mixin and scrubbing, without its field redaction. That line holds only values
 * the server chose (method, route, status, operation name, outcome, duration), never a
 * caller's text, and the wildcard paths cost every field of every line a walk through the
 * redactor: about a tenth of a small request's CPU time.
 */
export function requestLineLogger(root: RootLogger): RootLogger {
  return root.child({}, { redact: [] });
}
