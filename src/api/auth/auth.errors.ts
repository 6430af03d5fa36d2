import { LedgerError, ServiceUnavailableError } from '../../shared/ledger-errors.js';
import { MAX_SUBJECT_LENGTH, ROLES } from './token-claims.js';

/** Longest Authorization header read at all; a JWT from a real issuer is far shorter. */
export const MAX_AUTHORIZATION_LENGTH = 8192;

/**
 * Why a request is not authenticated: a closed set, each with its own message. No message
 * quotes the token or any part of it (tokens end up in logs through error messages).
 */
const MESSAGES = {
  'missing-header': 'Authentication required: send an "Authorization: Bearer <token>" header',
  'header-too-long': `The Authorization header is longer than ${MAX_AUTHORIZATION_LENGTH} characters`,
  'not-bearer': 'The Authorization header does not use the Bearer scheme ("Bearer <token>")',
  'malformed-token':
    'The bearer token is not a well-formed signed JWT (three base64url parts, JSON header and claims)',
  'alg-none': 'The token is unsigned (alg "none"); only signed tokens are accepted',
  'alg-not-allowed':
    'The token is signed with an algorithm this server does not accept (HS256, RS256 and ES256 only)',
  'hs256-without-secret':
    'The token is signed with a shared secret (HS256), but this server accepts only tokens ' +
    "signed with its identity provider's keys (RS256, ES256)",
  'public-key-without-jwks':
    'The token is signed with a public-key algorithm (RS256, ES256), but this server has no ' +
    'identity provider keys configured and accepts only HS256 tokens signed with its secret',
  'unknown-key': "No key of the identity provider matches the token's key id (kid)",
  'ambiguous-key':
    'More than one key of the identity provider matches the token (it names no key id, kid)',
  'bad-signature':
    "The token's signature does not verify (another key signed it, or it was altered)",
  expired: 'The token has expired',
  'not-yet-valid': 'The token is not valid yet (its nbf lies in the future)',
  'no-expiry': 'The token has no expiry (exp claim); only tokens that expire are accepted',
  'invalid-claim': 'A time claim of the token (exp, nbf or iat) is not a number of seconds',
  'issuer-mismatch': "The token's issuer (iss claim) is missing or not the one this server accepts",
  'audience-mismatch':
    "The token's audience (aud claim) is missing or does not name this server's audience",
  'missing-sub': 'The token has no subject (sub claim)',
  'invalid-sub':
    `The token's subject (sub claim) must be text of 1 to ${MAX_SUBJECT_LENGTH} printable ` +
    'characters without surrounding blanks',
  'missing-roles': `The token has no roles claim (an array of ${ROLES.join(', ')})`,
  'roles-not-array': `The token's roles claim must be an array of ${ROLES.join(', ')}`,
  'no-roles': 'The token grants no role (its roles claim is empty)',
  'unknown-role': `The token's roles claim holds a role other than ${ROLES.join(' and ')}`,
} as const;

export type UnauthenticatedReason = keyof typeof MESSAGES;
export const UNAUTHENTICATED_REASONS = Object.keys(MESSAGES) as readonly UnauthenticatedReason[];

/** A request without a valid bearer token: GraphQL `UNAUTHENTICATED` (DESIGN.md section 4). */
export class UnauthenticatedError extends LedgerError {
  override readonly name = 'UnauthenticatedError';
  readonly code = 'UNAUTHENTICATED' as const;

  // No cause: the library's errors carry the token's claims, which must not reach a log.
  constructor(readonly reason: UnauthenticatedReason) {
    super(MESSAGES[reason]);
  }
}

/**
 * The identity provider's keys could not be had (unreachable, timed out, not a key set):
 * not the caller's fault, so not `UNAUTHENTICATED` — a client would drop a good token.
 */
export class KeySetUnavailableError extends ServiceUnavailableError {
  override readonly name = 'KeySetUnavailableError';

  constructor(options?: { cause?: unknown }) {
    super(
      "The identity provider's keys (LEDGER_JWKS_URL) could not be fetched; try again shortly",
      options,
    );
  }
}
