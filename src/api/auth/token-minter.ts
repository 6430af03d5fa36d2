import { SignJWT } from 'jose';
import { type AuthSettings, resolveHs256Secret } from './hs256-secret.js';
import { type Role, distinctRoles, isRole, isValidSubject } from './token-claims.js';
import { MAX_TOKEN_TTL_SECONDS } from './token-ttl.js';

/** What `npm run ledger -- token` asks for. */
export interface TokenRequest {
  readonly sub: string;
  readonly roles: readonly Role[];
  readonly ttlSeconds: number;
}

/** Claims every token of this server carries when configured (LEDGER_JWT_ISSUER, _AUDIENCE). */
export interface IssuerClaims {
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
}

export interface SignedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

export interface MintedToken extends SignedToken {
  /** `LEDGER_JWT_SECRET` or the secret file's path. */
  readonly secretSource: string;
  readonly secretCreated: boolean;
}

export class TokenMintingError extends Error {
  override readonly name = 'TokenMintingError';
}

function assertMintable(request: TokenRequest): void {
  // The command line was checked already: these guard the callers, not the user.
  if (!isValidSubject(request.sub)) throw new RangeError('a token subject must be printable text');
  if (request.roles.length === 0 || !request.roles.every(isRole)) {
    throw new RangeError('a token needs at least one known role');
  }
  const { ttlSeconds } = request;
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > MAX_TOKEN_TTL_SECONDS) {
    throw new RangeError(`a token lives 1 to ${MAX_TOKEN_TTL_SECONDS} seconds`);
  }
}

/** An HS256 token with `sub`, `roles`, `iat` and `exp` (and `iss`/`aud` when configured). */
export async function mintToken(
  secret: Uint8Array,
  request: TokenRequest,
  claims: IssuerClaims,
  now: Date = new Date(),
): Promise<SignedToken> {
  assertMintable(request);
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = issuedAt + request.ttlSeconds;
  const jwt = new SignJWT({ roles: distinctRoles(request.roles) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(request.sub)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt);
  if (claims.issuer !== undefined) jwt.setIssuer(claims.issuer);
  if (claims.audience !== undefined) jwt.setAudience(claims.audience);
  return { token: await jwt.sign(secret), expiresAt: new Date(expiresAt * 1000) };
}

/** A token the app of these settings accepts, signed with the very secret it verifies with. */
export async function mintTokenForSettings(
  settings: AuthSettings,
  request: TokenRequest,
  now: Date = new Date(),
): Promise<MintedToken> {
  const hs256 = await resolveHs256Secret(settings);
  if (hs256 === undefined) {
    throw new TokenMintingError(
      'LEDGER_JWKS_URL is set without LEDGER_JWT_SECRET, so the app accepts only tokens of its ' +
        'identity provider and would refuse one minted here: get a token from the identity ' +
        'provider, or set LEDGER_JWT_SECRET (the app then accepts HS256 tokens signed with it too)',
    );
  }
  const signed = await mintToken(hs256.secret, request, settings.auth, now);
  return { ...signed, secretSource: hs256.source, secretCreated: hs256.created };
}
