import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type CreateAppOptions, createApp } from '../../src/app.factory.js';
import { type LedgerConfig, loadConfig } from '../../src/config/ledger-config.js';
import { EVENT_STORE, type EventStore } from '../../src/event-store/event-store.port.js';
import { type MarketConfig } from '../../src/market/market.config.js';
import { mintToken } from '../../src/api/auth/token-minter.js';
import { type Role } from '../../src/shared/request-identity.js';
import { useFixture } from './vitest-fixture.js';

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: {
    message: string;
    extensions?: { code?: string; fields?: { field: string; message: string }[] };
  }[];
}

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly store: EventStore;
  /** As an admin: every operation on every customer's data. */
  gql<T = Record<string, unknown>>(
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  /** With the given Authorization header value (undefined: none). */
  gqlWith<T = Record<string, unknown>>(
    authorization: string | undefined,
    query: string,
    variables?: Record<string, unknown>,
  ): Promise<GraphQLResponse<T>>;
  close(): Promise<void>;
}

/** The test apps' HS256 secret: tests mint their callers' tokens with it. */
export const TEST_JWT_SECRET = new TextEncoder().encode(
  'the test apps sign their tokens with this',
);

/** `Bearer <token>` for a caller of the test apps, valid for an hour. */
export async function bearerFor(sub: string, roles: readonly Role[]): Promise<string> {
  const { token } = await mintToken(
    TEST_JWT_SECRET,
    { sub, roles, ttlSeconds: 3_600 },
    { issuer: undefined, audience: undefined },
  );
  return `Bearer ${token}`;
}

/**
 * `options.market`: the simulated market to trade on; unset, the LEDGER_MARKET_* defaults.
 * The app logs nothing unless given a `logDestination` to log to.
 */
export async function startTestApp(
  overrides: Partial<LedgerConfig>,
  options: Pick<CreateAppOptions, 'market' | 'logDestination' | 'spanExporter'> = {},
): Promise<TestApp> {
  const defaults = loadConfig({});
  const app = await createApp(
    {
      ...defaults,
      // Tests send bursts far beyond a client's rate: limits are tested on their own.
      auth: {
        ...defaults.auth,
        jwtSecret: TEST_JWT_SECRET,
        requestsPerSecond: 0,
        anonymousRequestsPerSecond: 0,
      },
      ...overrides,
    },
    { ...options, logger: options.logDestination !== undefined },
  );
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  const admin = await bearerFor('test-admin', ['admin']);
  const gqlWith = async <T>(
    authorization: string | undefined,
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GraphQLResponse<T>> => {
    const response = await app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query, variables },
      headers: authorization === undefined ? {} : { authorization },
    });
    return response.json<GraphQLResponse<T>>();
  };
  return {
    app,
    store: app.get<EventStore>(EVENT_STORE),
    gql: (query, variables) => gqlWith(admin, query, variables),
    gqlWith,
    close: () => app.close(),
  };
}

/** A data directory for the embedded default, removed by the returned function. */
export async function temporaryDataDir(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'ledger-e2e-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * An app on the embedded default (no DATABASE_URL) in a data directory of its own, started
 * before the spec file's tests and closed, its directory removed, after them.
 */
export function useTestApp(
  overrides: Partial<LedgerConfig> = {},
  options: { market?: MarketConfig } = {},
): Omit<TestApp, 'close'> {
  const current = useFixture(
    'file',
    async () => {
      const dataDir = await temporaryDataDir();
      try {
        return {
          dataDir,
          ledger: await startTestApp({ dataDir: dataDir.dir, ...overrides }, options),
        };
      } catch (error) {
        await dataDir.remove();
        throw error;
      }
    },
    async ({ dataDir, ledger }) => {
      await ledger.close();
      await dataDir.remove();
    },
  );
  return {
    get app() {
      return current().ledger.app;
    },
    get store() {
      return current().ledger.store;
    },
    gql: (query, variables) => current().ledger.gql(query, variables),
    gqlWith: (authorization, query, variables) =>
      current().ledger.gqlWith(authorization, query, variables),
  };
}
