import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyInstance, type FastifyReply } from 'fastify';
import { registerDevSignIn } from './api/auth/dev-sign-in.route.js';
import { type LedgerConfig } from './config/ledger-config.js';

/** Where the admin UI is served; its client-side routes live below it. */
export const ADMIN_PATH = '/admin';
/** Vite names every asset by its content hash: a changed file gets a new name. */
const IMMUTABLE = 'public, max-age=31536000, immutable';
/** The page itself names the current assets: the browser asks again each time. */
const REVALIDATE = 'no-cache';
/** Scripts, styles and API calls from this origin only: nothing ships from elsewhere. */
const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; " +
  "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'";

/**
 * The built UI (`admin/dist`, by `npm run build`): next to the sources when run by tsx or
 * vitest (src/), two levels up when run from dist/src/.
 */
export function adminBuildDir(): string | undefined {
  const candidates = [
    join(import.meta.dirname, '..', 'admin', 'dist'),
    join(import.meta.dirname, '..', '..', 'admin', 'dist'),
  ];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

function sendPage(reply: FastifyReply, dir: string | undefined) {
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  if (dir === undefined) {
    return reply
      .code(503)
      .type('text/plain; charset=utf-8')
      .send('The admin UI is not built: run `npm run build` (or `npm start`, which builds it).');
  }
  return reply.header('cache-control', REVALIDATE).sendFile('index.html', dir);
}

async function serveAdminSite(fastify: FastifyInstance, dir: string | undefined): Promise<void> {
  if (dir !== undefined) {
    await fastify.register(fastifyStatic, {
      root: dir,
      prefix: `${ADMIN_PATH}/`,
      // Files are listed once at start-up: unknown paths fall to the page below.
      wildcard: false,
      index: false,
      setHeaders: (res, path) => {
        res.header('cache-control', path.includes('/assets/') ? IMMUTABLE : REVALIDATE);
        res.header('content-security-policy', CONTENT_SECURITY_POLICY);
      },
    });
  }
  // The page for /admin and every client-side route under it (/admin/orders/o-1, ...).
  fastify.get(ADMIN_PATH, (_request, reply) => sendPage(reply, dir));
  fastify.get(`${ADMIN_PATH}/*`, (_request, reply) => sendPage(reply, dir));
}

/** The admin UI and its sign-in shortcut, on the app's own Fastify server. */
export async function registerAdminSite(
  app: NestFastifyApplication,
  config: LedgerConfig,
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  registerDevSignIn(fastify, config);
  await serveAdminSite(fastify, adminBuildDir());
}
