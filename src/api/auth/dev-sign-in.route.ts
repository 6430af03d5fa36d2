import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { type LedgerConfig } from '../../config/ledger-config.js';
import { mintTokenForSettings } from './token-minter.js';

/** Where the admin UI asks whether the shortcut exists (GET) and uses it (POST). */
export const DEV_SIGN_IN_PATH = '/auth/dev-sign-in';
/** The header the UI sends: a cross-site form or image cannot set it without a preflight. */
export const DEV_SIGN_IN_HEADER = 'x-ledger-dev-sign-in';
/** The subject of the tokens it mints, so the log tells them from real operators. */
export const DEV_ADMIN_SUBJECT = 'dev-admin';
/** An hour, as the CLI's default: the UI asks again when it expires. */
const DEV_TOKEN_TTL_SECONDS = 3_600;

const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const LOOPBACK_HOST = /^(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

/**
 * Development only: the secret was generated into the data directory by the app itself
 * (no LEDGER_JWT_SECRET, no identity provider). A configured deployment never has it.
 */
export function devSignInAllowed(config: LedgerConfig): boolean {
  return config.auth.jwtSecret === undefined && config.auth.jwksUrl === undefined;
}

/**
 * Who may use it: a peer on this machine (the TCP address, not a forwarded header), naming
 * this machine in `Host` (a DNS-rebinding page names its own domain there, so it cannot
 * read a token through a name that resolves to 127.0.0.1).
 */
function fromThisMachine(request: FastifyRequest): boolean {
  const address = request.raw.socket.remoteAddress ?? '';
  return LOOPBACK_ADDRESSES.has(address) && LOOPBACK_HOST.test(request.headers.host ?? '');
}

async function signIn(config: LedgerConfig, request: FastifyRequest, reply: FastifyReply) {
  if (!fromThisMachine(request) || request.headers[DEV_SIGN_IN_HEADER] !== '1') {
    return reply.code(403).send({
      code: 'FORBIDDEN',
      message: 'Signing in without a token works only from a browser on this machine',
    });
  }
  const minted = await mintTokenForSettings(config, {
    sub: DEV_ADMIN_SUBJECT,
    roles: ['admin'],
    ttlSeconds: DEV_TOKEN_TTL_SECONDS,
  });
  return reply
    .header('cache-control', 'no-store')
    .send({ token: minted.token, expiresAt: minted.expiresAt.toISOString() });
}

/**
 * The admin UI's "sign in as admin" shortcut: mints an admin token through the server, so
 * a newcomer on a development machine needs no CLI. Registered only when
 * devSignInAllowed; the GET tells the UI whether this browser may use it.
 */
export function registerDevSignIn(fastify: FastifyInstance, config: LedgerConfig): void {
  if (!devSignInAllowed(config)) return;
  fastify.get(DEV_SIGN_IN_PATH, (request, reply) =>
    reply.header('cache-control', 'no-store').send({ available: fromThisMachine(request) }),
  );
  fastify.post(DEV_SIGN_IN_PATH, (request, reply) => signIn(config, request, reply));
}
