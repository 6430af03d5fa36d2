import { Logger } from '@nestjs/common';
import { DiagLogLevel, diag, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import { logSwallowed } from '../../shared/error-logging.js';
import { useAsyncContext } from './async-context.js';
import { setTracingEnabled } from './tracing.js';

/** One export of a batch to the collector gives up after this. */
const EXPORT_TIMEOUT_MS = 5_000;
/** Shutting down waits this long at most for the last spans to leave. */
export const TRACING_SHUTDOWN_TIMEOUT_MS = 5_000;
/** Spans kept for export at most; past it new ones are dropped rather than memory grown. */
const MAX_QUEUED_SPANS = 4_096;

const logger = new Logger('Tracing');

/** The SDK's own complaints (an export that failed, a full queue) as the app's warnings. */
const SDK_LOGGER = {
  error: (message: string) => logger.warn(message),
  warn: (message: string) => logger.warn(message),
  info: () => undefined,
  debug: () => undefined,
  verbose: () => undefined,
};

export interface TracingOptions {
  readonly serviceName: string;
  /**
   * Where spans go. Unset: OTLP over HTTP/protobuf to OTEL_EXPORTER_OTLP_ENDPOINT (or
   * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), in batches. Set (tests): each span as it ends.
   */
  readonly exporter?: SpanExporter;
}

export interface RunningTracing {
  /** Exports what is left (bounded by TRACING_SHUTDOWN_TIMEOUT_MS) and turns tracing off. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry SDK for this process: a tracer provider registered as the
 * global one, the process's async context (async-context.ts) carrying the active span
 * across awaits. Called only
 * when traces are wanted: otherwise no SDK is loaded into the app's path at all.
 */
export function startTracing(options: TracingOptions): RunningTracing {
  const processor =
    options.exporter === undefined
      ? new BatchSpanProcessor(new OTLPTraceExporter({ timeoutMillis: EXPORT_TIMEOUT_MS }), {
          maxQueueSize: MAX_QUEUED_SPANS,
          exportTimeoutMillis: EXPORT_TIMEOUT_MS,
        })
      : new SimpleSpanProcessor(options.exporter);
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: options.serviceName }),
    spanProcessors: [processor],
  });
  diag.setLogger(SDK_LOGGER, DiagLogLevel.WARN);
  // The process's one async context, shared with the log lines' fields (async-context.ts).
  useAsyncContext();
  provider.register({ contextManager: null });
  setTracingEnabled(true);
  return {
    async shutdown() {
      setTracingEnabled(false);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, TRACING_SHUTDOWN_TIMEOUT_MS);
      });
      try {
        await Promise.race([
          provider.shutdown().catch(logSwallowed(logger, 'exporting the last spans')),
          timeout,
        ]);
      } finally {
        clearTimeout(timer);
        // Unregistered, so that a later start in the same process (tests) registers anew;
        // the async context stays, for the log lines.
        trace.disable();
        propagation.disable();
        diag.disable();
      }
    },
  };
}
