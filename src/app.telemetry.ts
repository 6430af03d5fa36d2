import { randomUUID } from 'node:crypto';
import { type LoggerService } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { LogController } from 'fastify';
import { type DestinationStream } from 'pino';
import { type LedgerConfig } from './config/ledger-config.js';
import { registerRequestTelemetry } from './api/request-telemetry.js';
import { ResolverErrorsFilter } from './api/resolver-errors.filter.js';
import { PinoNestLogger } from './infrastructure/logging/pino-nest.logger.js';
import {
  type RootLogger,
  createRootLogger,
  requestLineLogger,
} from './infrastructure/logging/root-logger.js';
import { type RunningTracing } from './infrastructure/telemetry/tracing-sdk.js';
import { acceptedCorrelationId } from './shared/request-identity.js';

export interface TelemetryOptions {
  /** false: no log lines at all (tests, the benchmarks). */
  readonly logger?: boolean;
  /** Where log lines go instead of standard output (tests read them). */
  readonly logDestination?: DestinationStream;
  /** Spans to this exporter, each as it ends, whatever OTEL_EXPORTER_OTLP_ENDPOINT says (tests). */
  readonly spanExporter?: SpanExporter;
}

/** The app's logs and traces, set up before the app and wired into it once it exists. */
export interface AppTelemetry {
  /** Fastify's options for logging through the app's logger under the correlation id. */
  readonly fastifyOptions: {
    readonly loggerInstance: RootLogger;
    readonly logController: LogController;
    readonly requestIdHeader: false;
    readonly genReqId: (request: { readonly headers: Record<string, unknown> }) => string;
  };
  /** Nest's logger: pino, or false for none. */
  readonly nestLogger: LoggerService | false;
  /** The request lines, spans and correlation ids; the one error path for resolvers. */
  install(app: NestFastifyApplication): void;
  /** Stops the tracing SDK (bounded) if the app never came up. */
  abandon(): Promise<void>;
}

/**
 * The tracing SDK, started before the app so that its first spans are kept; loaded only
 * when traces are wanted, so that an app without them carries none of it.
 */
async function startTracingFor(
  config: LedgerConfig,
  exporter: SpanExporter | undefined,
): Promise<RunningTracing | undefined> {
  const { otlpEndpoint, serviceName } = config.telemetry;
  if (exporter === undefined && otlpEndpoint === undefined) return undefined;
  const { startTracing } = await import('./infrastructure/telemetry/tracing-sdk.js');
  return startTracing({ serviceName, ...(exporter === undefined ? {} : { exporter }) });
}

function fastifyOptionsFor(root: RootLogger): AppTelemetry['fastifyOptions'] {
  return {
    // Fastify logs through the app's logger; its two lines per request give way to one of
    // our own (api/request-telemetry.ts), which knows the GraphQL operation.
    loggerInstance: root,
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'correlationId',
    }),
    // The request id is the correlation id: the client's, or a new one.
    requestIdHeader: false,
    genReqId: (request) =>
      acceptedCorrelationId(request.headers['x-correlation-id']) ?? randomUUID(),
  };
}

export async function startAppTelemetry(
  config: LedgerConfig,
  options: TelemetryOptions,
): Promise<AppTelemetry> {
  const quiet = options.logger === false;
  const root = createRootLogger(
    quiet ? { ...config.telemetry, logLevel: 'silent' } : config.telemetry,
    options.logDestination,
  );
  const tracing = await startTracingFor(config, options.spanExporter);
  return {
    fastifyOptions: fastifyOptionsFor(root),
    nestLogger: quiet ? false : new PinoNestLogger(root),
    install(app) {
      app.useGlobalFilters(new ResolverErrorsFilter(app.getHttpAdapter()));
      const fastify = app.getHttpAdapter().getInstance();
      registerRequestTelemetry(fastify, requestLineLogger(root));
      // After Nest's own shutdown (projectors and sagas stopped): their last spans leave too.
      if (tracing !== undefined) fastify.addHook('onClose', () => tracing.shutdown());
    },
    abandon: async () => tracing?.shutdown(),
  };
}
