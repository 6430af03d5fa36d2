import { Client, cacheExchange, fetchExchange } from 'urql';

/** The app's GraphQL endpoint, same origin: the UI talks to nothing else. */
const ENDPOINT = '/graphql';
/** A request that takes longer is abandoned and shown as a network error. */
const REQUEST_TIMEOUT_MS = 30_000;

/** A client that sends the given token with every operation. */
export function createClient(token: string): Client {
  return new Client({
    url: ENDPOINT,
    exchanges: [cacheExchange, fetchExchange],
    // Every screen shows the views as they are now: a cached answer would hide staleness.
    requestPolicy: 'cache-and-network',
    fetchOptions: () => ({
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    }),
  });
}
