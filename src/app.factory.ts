import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { registerAdminSite } from './app.admin-site.js';
import { AppModule } from './app.module.js';
import { servesApi } from './config/deployment-config.js';
import { type LedgerConfig } from './config/ledger-config.js';
import { inputValidationPipe } from './api/validation.pipe.js';
import { type MarketConfig } from './market/market.config.js';

/** Largest request body accepted. */
const BODY_LIMIT_BYTES = 1024 * 1024;

export async function createApp(
  config: LedgerConfig,
  /** `market`: unset, read from the environment (see AppModule.forRoot). */
  options: { logger?: boolean; market?: MarketConfig } = {},
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options.market),
    new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES }),
    {
      logger: options.logger === false ? false : ['error', 'warn', 'log'],
      // A failed start is reported by the caller (one line, exit 1), not by a core dump.
      abortOnError: false,
      // Fastify's own JSON parser only: Nest's set would add a form (urlencoded) parser, and
      // /graphql takes JSON (see api/http-request.hooks.ts).
      bodyParser: false,
    },
  );
  app.useGlobalPipes(inputValidationPipe());
  if (servesApi(config.deployment.role)) await registerAdminSite(app, config);
  return app;
}
