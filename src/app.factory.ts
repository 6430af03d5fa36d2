import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { LogController } from 'fastify';
import { type DestinationStream } from 'pino';
import { registerAdminSite } from './app.admin-site.js';
import { AppModule } from './app.module.js';
import { type LedgerConfig } from './config/ledger-config.js';
import { inputValidationPipe } from './api/validation.pipe.js';
import { registerRequestTelemetry } from './api/request-telemetry.js';
import { ResolverErrorsFilter } from './api/resolver-errors.filter.js';
import { PinoNestLogger } from './infrastructure/logging/pino-nest.logger.js';
import { createRootLogger } from './infrastructure/logging/root-logger.js';
import { type RunningTracing } from './infrastructure/telemetry/tracing-sdk.js';
import { type MarketConfig } from './market/market.config.js';
import { acceptedCorrelationId } from './shared/request-identity.js';

/** Largest request body accepted. */
const BODY_LIMIT_BYTES = 1024 * 1024;

export interface CreateAppOptions {
  /** false: no log lines at all (tests, the CLI's quiet runs). */
  readonly logger?: boolean;
  /** Unset, read from the environment (see AppModule.forRoot). */
  readonly market?: MarketConfig;
  /** Where log lines go instead of standard output (tests read them). */
  readonly logDestination?: DestinationStream;
  /** Spans to this exporter, each as it ends, whatever OTEL_EXPORTER_OTLP_ENDPOINT says (tests). */
  readonly spanExporter?: SpanExporter;
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

export async function createApp(
  config: LedgerConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const quiet = options.logger === false;
  const root = createRootLogger(
    quiet ? { ...config.telemetry, logLevel: 'silent' } : config.telemetry,
    options.logDestination,
  );
  const tracing = await startTracingFor(config, options.spanExporter);
  try {
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot(config, options.market),
      new FastifyAdapter({
        bodyLimit: BODY_LIMIT_BYTES,
        // Fastify logs through the app's logger; its two lines per request give way to one
        // of our own (api/request-telemetry.ts), which knows the GraphQL operation.
        loggerInstance: root,
        logController: new LogController({
          disableRequestLogging: true,
          requestIdLogLabel: 'correlationId',
        }),
        // The request id is the correlation id: the client's, or a new one.
        requestIdHeader: false,
        genReqId: (request: { headers: Record<string, unknown> }) =>
          acceptedCorrelationId(request.headers['x-correlation-id']) ?? randomUUID(),
      }),
      {
        logger: quiet ? false : new PinoNestLogger(root),
        // A failed start is reported by the caller (one line, exit 1), not by a core dump.
        abortOnError: false,
        // Fastify's own JSON parser only: Nest's set would add a form (urlencoded) parser, and
        // /graphql takes JSON (see api/http-request.hooks.ts).
        bodyParser: false,
      },
    );
    app.useGlobalPipes(inputValidationPipe());
    app.useGlobalFilters(new ResolverErrorsFilter(app.getHttpAdapter()));
    const fastify = app.getHttpAdapter().getInstance();
    registerRequestTelemetry(fastify);
    // After Nest's own shutdown (projectors and sagas stopped): their last spans leave too.
    if (tracing !== undefined) fastify.addHook('onClose', () => tracing.shutdown());
    await registerAdminSite(app, config);
    return app;
  } catch (error) {
    await tracing?.shutdown();
    throw error;
  }
}
