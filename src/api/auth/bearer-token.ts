import { MAX_AUTHORIZATION_LENGTH, UnauthenticatedError } from './auth.errors.js';

/** `Bearer` (any case, RFC 9110 11.1), blanks, then the credentials. */
const BEARER = /^bearer[ \t]+(\S+)$/i;
const SCHEME = /^\S+/;
/** A compact JWS: header.payload.signature in base64url; an unsigned one has no signature. */
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * The compact JWT in an `Authorization` header value, or why there is none. Checked for
 * length and shape before anything decodes it, so a huge or binary header costs nothing.
 */
export function bearerToken(authorization: string | undefined): string {
  if (authorization === undefined) throw new UnauthenticatedError('missing-header');
  if (authorization.length > MAX_AUTHORIZATION_LENGTH) {
    throw new UnauthenticatedError('header-too-long');
  }
  const value = authorization.trim();
  if (value === '') throw new UnauthenticatedError('missing-header');
  const token = BEARER.exec(value)?.[1];
  if (token === undefined) {
    // "Bearer" alone, or with two values, names the scheme but holds no single token.
    const scheme = SCHEME.exec(value)?.[0].toLowerCase();
    throw new UnauthenticatedError(scheme === 'bearer' ? 'malformed-token' : 'not-bearer');
  }
  if (!COMPACT_JWS.test(token)) throw new UnauthenticatedError('malformed-token');
  return token;
}
