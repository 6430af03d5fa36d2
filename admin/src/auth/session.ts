/**
 * The signed-in token, kept for this browser tab only (sessionStorage): closing the tab
 * signs out, and no other site can read it.
 */
const KEY = 'ledger-admin-token';

export interface TokenClaims {
  readonly sub: string;
  readonly roles: readonly string[];
  /** Seconds since the epoch; undefined when the token has none. */
  readonly exp: number | undefined;
}

export function storedToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

export function storeToken(token: string | undefined): void {
  if (token === undefined) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, token);
}

/**
 * The claims of a JWT, read without checking its signature: only to tell the user early
 * that a token is expired or not an admin's. The server checks every request anyway.
 */
export function readClaims(token: string): TokenClaims | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const claims = JSON.parse(json) as { sub?: unknown; roles?: unknown; exp?: unknown };
    return {
      sub: typeof claims.sub === 'string' ? claims.sub : '',
      roles: Array.isArray(claims.roles) ? claims.roles.filter((r) => typeof r === 'string') : [],
      exp: typeof claims.exp === 'number' ? claims.exp : undefined,
    };
  } catch {
    // Not base64 JSON: not a JWT, which the caller reports in words.
    return undefined;
  }
}

/** Why a token cannot sign in, in words; undefined when it looks usable. */
export function tokenProblem(token: string, nowMs: number = Date.now()): string | undefined {
  const claims = readClaims(token.trim());
  if (claims === undefined) return 'This is not a bearer token (a JWT has three parts).';
  if (claims.exp !== undefined && claims.exp * 1000 <= nowMs) {
    return `This token expired at ${new Date(claims.exp * 1000).toISOString()}. Mint a new one.`;
  }
  if (!claims.roles.includes('admin')) {
    return `This token is for ${claims.sub || 'a user'} without the admin role: the admin UI needs one with --role admin.`;
  }
  return undefined;
}
