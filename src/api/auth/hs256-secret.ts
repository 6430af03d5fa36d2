import { type LedgerConfig } from '../../config/ledger-config.js';
import { loadOrCreateJwtSecret } from './jwt-secret-file.js';

/** What verifies (and mints) HS256 tokens, and where it came from, for messages. */
export interface Hs256Secret {
  readonly secret: Uint8Array;
  /** `LEDGER_JWT_SECRET`, or the path of the data directory's secret file. */
  readonly source: string;
  readonly created: boolean;
}

export type AuthSettings = Pick<LedgerConfig, 'auth' | 'dataDir'>;

/**
 * The HS256 secret the app and the `token` command share: LEDGER_JWT_SECRET, else the data
 * directory's secret file (generated on first use, also when DATABASE_URL is set). None when
 * only LEDGER_JWKS_URL is set: tokens then come from the identity provider alone, and a
 * secret lying in the data directory must not quietly open a second way in.
 */
export async function resolveHs256Secret(settings: AuthSettings): Promise<Hs256Secret | undefined> {
  const { auth, dataDir } = settings;
  if (auth.jwtSecret !== undefined) {
    return { secret: auth.jwtSecret, source: 'LEDGER_JWT_SECRET', created: false };
  }
  if (auth.jwksUrl !== undefined) return undefined;
  const { secret, path, created } = await loadOrCreateJwtSecret(dataDir);
  return { secret, source: path, created };
}
