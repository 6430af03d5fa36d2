/** The server's development shortcut (src/api/auth/dev-sign-in.route.ts). */
const PATH = '/auth/dev-sign-in';
const HEADER = 'x-ledger-dev-sign-in';
const TIMEOUT_MS = 10_000;

/** Whether this server offers "sign in as admin" to this browser (development only). */
export async function devSignInAvailable(): Promise<boolean> {
  try {
    const response = await fetch(PATH, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    if (!response.ok) return false;
    const body = (await response.json()) as { available?: unknown };
    return body.available === true;
  } catch {
    // No shortcut (a configured server answers 404) or no server: the button stays hidden.
    return false;
  }
}

/** A fresh admin token minted by the server. */
export async function devSignIn(): Promise<string> {
  const response = await fetch(PATH, {
    method: 'POST',
    headers: { [HEADER]: '1' },
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  const body = (await response.json()) as { token?: string; message?: string; code?: string };
  if (!response.ok || body.token === undefined) {
    throw new Error(`${body.message ?? 'The server refused'} (${body.code ?? response.status})`);
  }
  return body.token;
}
