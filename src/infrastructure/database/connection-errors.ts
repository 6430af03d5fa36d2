/** Socket errors of a connection to PostgreSQL that went away or never came. */
const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND']);
/** The server is shutting down (an admin's, or a crash's, restart). */
const ADMIN_SHUTDOWN = '57P01';

/**
 * Whether PostgreSQL could not be reached or dropped the connection: the work's effect
 * is unknown and trying again later may succeed. Anything else (a constraint, a bug in a
 * statement) is an answer, not an outage.
 */
export function isConnectionFailure(error: unknown): boolean {
  const code =
    typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  if (typeof code !== 'string') return false;
  return CONNECTION_CODES.has(code) || code.startsWith('08') || code === ADMIN_SHUTDOWN;
}
