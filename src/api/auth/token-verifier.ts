import { webcrypto } from 'node:crypto';
import {
  type CryptoKey,
  type JWTClaimVerificationOptions,
  type JWTPayload,
  type RemoteJWKSet,
  createRemoteJWKSet,
  decodeProtectedHeader,
  errors,
  jwtVerify,
} from 'jose';
import { MIN_JWT_SECRET_BYTES } from '../../config/auth-config.js';
import {
  KeySetUnavailableError,
  UnauthenticatedError,
  type UnauthenticatedReason,
} from './auth.errors.js';
import { bearerToken } from './bearer-token.js';
import { type AuthSettings, resolveHs256Secret } from './hs256-secret.js';
import {
  type AuthenticatedCaller,
  MAX_ROLE_ENTRIES,
  type Role,
  distinctRoles,
  isRole,
  isValidSubject,
} from './token-claims.js';
import {
  DEFAULT_VERIFIED_TOKEN_CACHE,
  VerifiedTokenCache,
  type VerifiedTokenCacheBounds,
} from './verified-token-cache.js';

/** Tokens signed with the shared secret. */
export const SECRET_ALGORITHMS = ['HS256'] as const;
/** Tokens signed with an identity provider's keys. */
export const JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;

/** How the identity provider's key set is fetched and kept (handed to jose's createRemoteJWKSet). */
export interface JwksBounds {
  /** Longest wait for the key set; a request that needs a fetch waits at most this. */
  readonly timeoutMs: number;
  /** Least time between fetches that an unknown `kid` triggers (rotation, or a forged kid). */
  readonly cooldownMs: number;
  /** Keys are fetched anew when older than this, so a revoked key stops verifying. */
  readonly cacheMaxAgeMs: number;
}

export const DEFAULT_JWKS_BOUNDS: JwksBounds = {
  timeoutMs: 3_000,
  cooldownMs: 30_000,
  cacheMaxAgeMs: 600_000,
};

export interface TokenVerifierOptions {
  /** HS256 key bytes; undefined: HS256 tokens are refused. */
  readonly hs256Secret: Uint8Array | undefined;
  /** The identity provider's key set; undefined: RS256 and ES256 tokens are refused. */
  readonly jwksUrl: URL | undefined;
  readonly issuer: string | undefined;
  readonly audience: string | undefined;
  readonly clockSkewSeconds: number;
  readonly jwksBounds?: JwksBounds;
  readonly cacheBounds?: VerifiedTokenCacheBounds;
}

/** Which key checks a token, chosen by its `alg` header before any signature is checked. */
interface KeyRoute {
  readonly key: CryptoKey | RemoteJWKSet;
  readonly algorithms: string[];
  /** A failure that is not about the token means the key set could not be had. */
  readonly remote: boolean;
}

/**
 * Checks `Authorization: Bearer <JWT>` on every request. Each algorithm has exactly one
 * key: HS256 only the secret, RS256/ES256 only the identity provider's key set, so a token
 * can never be checked with a key of another kind (algorithm confusion, e.g. an HS256 MAC
 * made with a published RSA key). The secret is imported once, not per request, and a
 * token verified a moment ago is known again without its signature being checked anew.
 */
export class TokenVerifier {
  private constructor(
    private readonly secretRoute: KeyRoute | undefined,
    private readonly jwksRoute: KeyRoute | undefined,
    private readonly claims: JWTClaimVerificationOptions & { readonly clockTolerance: number },
    private readonly verified: VerifiedTokenCache,
  ) {}

  static async create(options: TokenVerifierOptions): Promise<TokenVerifier> {
    const { hs256Secret, jwksUrl, jwksBounds = DEFAULT_JWKS_BOUNDS } = options;
    if (hs256Secret === undefined && jwksUrl === undefined) {
      throw new Error('a token verifier needs an HS256 secret, a JWKS URL, or both');
    }
    const secretRoute = hs256Secret === undefined ? undefined : await secretRouteOf(hs256Secret);
    const jwksRoute = jwksUrl === undefined ? undefined : jwksRouteOf(jwksUrl, jwksBounds);
    const claims = {
      issuer: options.issuer,
      audience: options.audience,
      clockTolerance: options.clockSkewSeconds,
      requiredClaims: ['exp'],
    };
    const cache = new VerifiedTokenCache(options.cacheBounds ?? DEFAULT_VERIFIED_TOKEN_CACHE);
    return new TokenVerifier(secretRoute, jwksRoute, claims, cache);
  }

  /**
   * The caller an `Authorization` header value names. Throws UnauthenticatedError (each
   * reason its own message), or KeySetUnavailableError when the identity provider's keys
   * cannot be fetched.
   */
  async verify(authorization: string | undefined): Promise<AuthenticatedCaller> {
    const token = bearerToken(authorization);
    const nowMs = Date.now();
    const known = this.verified.get(token, nowMs);
    if (known !== undefined) return known;
    const route = this.routeOf(algorithmOf(token));
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, route.key, {
        ...this.claims,
        algorithms: route.algorithms,
      }));
    } catch (error) {
      throw refusalOf(error, route.remote);
    }
    const caller = callerOf(payload);
    // exp is present: it is a required claim, checked above.
    const expiresAtMs = ((payload.exp ?? 0) + this.claims.clockTolerance) * 1000;
    this.verified.add(token, caller, expiresAtMs, nowMs);
    return caller;
  }

  private routeOf(algorithm: string): KeyRoute {
    if ((SECRET_ALGORITHMS as readonly string[]).includes(algorithm)) {
      if (this.secretRoute === undefined) throw new UnauthenticatedError('hs256-without-secret');
      return this.secretRoute;
    }
    if ((JWKS_ALGORITHMS as readonly string[]).includes(algorithm)) {
      if (this.jwksRoute === undefined) throw new UnauthenticatedError('public-key-without-jwks');
      return this.jwksRoute;
    }
    throw new UnauthenticatedError('alg-not-allowed');
  }
}

async function secretRouteOf(secret: Uint8Array): Promise<KeyRoute> {
  if (secret.length < MIN_JWT_SECRET_BYTES) {
    throw new RangeError(`an HS256 secret needs at least ${MIN_JWT_SECRET_BYTES} bytes`);
  }
  const key = await webcrypto.subtle.importKey(
    'raw',
    secret,
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['verify'],
  );
  return { key, algorithms: [...SECRET_ALGORITHMS], remote: false };
}

function jwksRouteOf(url: URL, bounds: JwksBounds): KeyRoute {
  // jose keeps the imported keys with the set, fetches it again for an unknown kid (at most
  // once per cooldown) and when it is older than the max age.
  const key = createRemoteJWKSet(url, {
    timeoutDuration: bounds.timeoutMs,
    cooldownDuration: bounds.cooldownMs,
    cacheMaxAge: bounds.cacheMaxAgeMs,
  });
  return { key, algorithms: [...JWKS_ALGORITHMS], remote: true };
}

/** The verifier of a configuration: its secret (see resolveHs256Secret) and key set. */
export async function createTokenVerifier(
  settings: AuthSettings,
  jwksBounds: JwksBounds = DEFAULT_JWKS_BOUNDS,
): Promise<TokenVerifier> {
  const hs256 = await resolveHs256Secret(settings);
  const { jwksUrl, issuer, audience, clockSkewSeconds } = settings.auth;
  return TokenVerifier.create({
    hs256Secret: hs256?.secret,
    jwksUrl,
    issuer,
    audience,
    clockSkewSeconds,
    jwksBounds,
  });
}

/** The `alg` of the token's header: read (not trusted) only to pick the one key for it. */
function algorithmOf(token: string): string {
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(token).alg;
  } catch {
    throw new UnauthenticatedError('malformed-token');
  }
  if (typeof alg !== 'string' || alg === '') throw new UnauthenticatedError('malformed-token');
  if (alg.toLowerCase() === 'none') throw new UnauthenticatedError('alg-none');
  return alg;
}

function refusalOf(error: unknown, remote: boolean): Error {
  const reason = error instanceof errors.JOSEError ? reasonOf(error) : undefined;
  if (reason !== undefined) return new UnauthenticatedError(reason);
  // Unreachable, slow or broken key sets surface here (fetch errors are not jose's own).
  if (remote) return new KeySetUnavailableError({ cause: error });
  return error instanceof Error ? error : new Error(String(error));
}

function reasonOf(error: errors.JOSEError): UnauthenticatedReason | undefined {
  switch (error.code) {
    case 'ERR_JWT_EXPIRED':
      return 'expired';
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      return claimReason(error as errors.JWTClaimValidationFailed);
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED':
      return 'bad-signature';
    case 'ERR_JWKS_NO_MATCHING_KEY':
      return 'unknown-key';
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS':
      return 'ambiguous-key';
    case 'ERR_JWS_INVALID':
    case 'ERR_JWT_INVALID':
    case 'ERR_JOSE_NOT_SUPPORTED':
      return 'malformed-token';
    case 'ERR_JOSE_ALG_NOT_ALLOWED':
      return 'alg-not-allowed';
    default:
      return undefined;
  }
}

function claimReason(error: errors.JWTClaimValidationFailed): UnauthenticatedReason {
  switch (error.claim) {
    case 'iss':
      return 'issuer-mismatch';
    case 'aud':
      return 'audience-mismatch';
    case 'exp':
      return error.reason === 'missing' ? 'no-expiry' : 'invalid-claim';
    case 'nbf':
      return error.reason === 'check_failed' ? 'not-yet-valid' : 'invalid-claim';
    default:
      return 'invalid-claim';
  }
}

/** Claims are read only once the signature and the time claims checked out. */
function callerOf(payload: JWTPayload): AuthenticatedCaller {
  const sub: unknown = payload.sub;
  if (sub === undefined) throw new UnauthenticatedError('missing-sub');
  if (typeof sub !== 'string' || !isValidSubject(sub))
    throw new UnauthenticatedError('invalid-sub');
  // Frozen: one caller object may serve many requests (see VerifiedTokenCache).
  return Object.freeze({ sub, roles: Object.freeze(rolesOf(payload['roles'])) });
}

function rolesOf(value: unknown): Role[] {
  if (value === undefined) throw new UnauthenticatedError('missing-roles');
  if (!Array.isArray(value)) throw new UnauthenticatedError('roles-not-array');
  if (value.length === 0) throw new UnauthenticatedError('no-roles');
  if (value.length > MAX_ROLE_ENTRIES || !value.every(isRole)) {
    throw new UnauthenticatedError('unknown-role');
  }
  return distinctRoles(value);
}
