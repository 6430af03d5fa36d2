import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { registerAdminSite } from './app.admin-site.js';
import { AppModule } from './app.module.js';
import { servesApi } from './config/deployment-config.js';
import { type TelemetryOptions, startAppTelemetry } from './app.telemetry.js';
import { type LedgerConfig } from './config/ledger-config.js';
import { inputValidationPipe } from './api/validation.pipe.js';
import { type MarketConfig } from './market/market.config.js';

/** Largest request body accepted. */
const BODY_LIMIT_BYTES = 1024 * 1024;

export interface CreateAppOptions extends TelemetryOptions {
  /** Unset, read from the environment (see AppModule.forRoot). */
  readonly market?: MarketConfig;
}

export async function createApp(
  config: LedgerConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  // Logs and traces first: the tracing SDK runs before the app, Fastify logs through pino.
  const telemetry = await startAppTelemetry(config, options);
  try {
    const app = await NestFactory.create<NestFastifyApplication>(
      AppModule.forRoot(config, options.market),
      new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, ...telemetry.fastifyOptions }),
      {
        logger: telemetry.nestLogger,
        // A failed start is reported by the caller (one line, exit 1), not by a core dump.
        abortOnError: false,
        // Fastify's own JSON parser only: Nest's set would add a form (urlencoded) parser, and
        // /graphql takes JSON (see api/http-request.hooks.ts).
        bodyParser: false,
      },
    );
    app.useGlobalPipes(inputValidationPipe());
    telemetry.install(app);
    if (servesApi(config.deployment.role)) await registerAdminSite(app, config);
    return app;
  } catch (error) {
    await telemetry.abandon();
    throw error;
  }
}
