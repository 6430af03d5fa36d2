import { nonEmpty } from './env-values.js';

/** Where the read side's queries run (environment: DATABASE_READ_URL). */
export interface ReadReplicaConfig {
  /**
   * A PostgreSQL streaming replica of DATABASE_URL for the views' queries; undefined:
   * they run on DATABASE_URL's pool like everything else.
   */
  readonly url: string | undefined;
}

/**
 * A replica only makes sense of a primary the operator runs: the embedded server
 * (DATABASE_URL unset) has none, so the pair is refused rather than half used.
 */
export function loadReadReplicaConfig(env: NodeJS.ProcessEnv): ReadReplicaConfig {
  const url = nonEmpty(env['DATABASE_READ_URL']);
  if (url !== undefined && nonEmpty(env['DATABASE_URL']) === undefined) {
    throw new Error('DATABASE_READ_URL needs DATABASE_URL: the embedded PostgreSQL has no replica');
  }
  return { url };
}
