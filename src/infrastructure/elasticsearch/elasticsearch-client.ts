import { Client } from '@elastic/elasticsearch';

/** The client's options (the ESM entry does not name the type). */
export type ClientOptions = NonNullable<ConstructorParameters<typeof Client>[0]>;

/** Longest a single request may take: a bulk of a full batch included. */
export const REQUEST_TIMEOUT_MS = 30_000;
/** Retries of a request the client saw fail as a whole (connection lost, 502/503/504). */
export const MAX_REQUEST_RETRIES = 3;

/**
 * The client for ELASTICSEARCH_URL. Bounded: each request times out, and the client
 * retries a failed request at most MAX_REQUEST_RETRIES times; what still fails is the
 * caller's to retry (the indexer's batch, a search's error). `overrides` lets tests put
 * an in-process connection in place of HTTP.
 */
export function createElasticsearchClient(
  url: string,
  overrides: Partial<ClientOptions> = {},
): Client {
  return new Client({
    node: url,
    requestTimeout: REQUEST_TIMEOUT_MS,
    maxRetries: MAX_REQUEST_RETRIES,
    // The ledger's documents are small and many: gzip costs more CPU than it saves.
    compression: false,
    ...overrides,
  });
}
