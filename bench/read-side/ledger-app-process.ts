import { Agent, request } from 'node:http';
import { ObservedApp, parseObservedParts } from '../observability/observed-app.js';
import { type GraphQLResponse, LedgerClient, bearerFor } from './ledger-app.js';

/** Connections to the app at most; requests beyond them queue in the client. */
const MAX_SOCKETS = 256;

/**
 * The app as an operator runs it (`node dist/src/main.js`, production settings, logs and
 * traces off) in a process of its own, on a database of the bench's own; GraphQL calls go
 * to it over HTTP on kept-alive connections. Its event loop then serves the app alone, not
 * the bench's client and its watchers as well.
 */
export class LedgerAppProcess extends LedgerClient {
  // No timeouts here: a rebuild's mutation answers when the rebuild ends, and the bench
  // bounds each of its waits itself. The connections are bounded, as a real client's
  // are: unbounded, a slow moment opened a socket for every request waiting (up to two
  // thousand), and some were reset (a run at 4235116).
  private readonly agent = new Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });

  private constructor(
    private readonly app: ObservedApp,
    authorization: string,
  ) {
    super(authorization);
  }

  static async start(databaseUrl: string, env: Record<string, string>): Promise<LedgerAppProcess> {
    const app = await ObservedApp.start(databaseUrl, 'off', '', parseObservedParts(undefined), env);
    return new LedgerAppProcess(app, await bearerFor('bench-admin', 'admin'));
  }

  gql<T>(query: string, variables: Record<string, unknown>): Promise<GraphQLResponse<T>> {
    const body = JSON.stringify({ query, variables });
    return new Promise((resolve, reject) => {
      const sent = request(
        `${this.app.baseUrl}/graphql`,
        {
          method: 'POST',
          agent: this.agent,
          headers: {
            authorization: this.authorization,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
          },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('error', reject);
          response.on('end', () => {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString()) as GraphQLResponse<T>);
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)));
            }
          });
        },
      );
      sent.on('error', reject);
      sent.end(body);
    });
  }

  async close(): Promise<void> {
    this.agent.destroy();
    await this.app.stop();
  }
}
