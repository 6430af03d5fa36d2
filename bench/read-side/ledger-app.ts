import { type AddressInfo } from 'node:net';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/ledger-config.js';
import { mintToken } from '../../src/api/auth/token-minter.js';
import { AuthorizationGuard } from '../../src/api/auth/authorization.guard.js';
import { type Position, comparePositions, decodePosition } from '../../src/event-store/position.js';
import { runLoad } from '../load-runner.js';
import { type CommandResultData, OPEN_ACCOUNT } from '../../test-kit/graphql-operations.js';

export { DEPOSIT } from '../../test-kit/graphql-operations.js';
export const ACCOUNT = `query ($id: ID!, $consistency: ConsistencyInput) {
  account(id: $id, consistency: $consistency) { id customerId name currency status balance reserved available openedAt updatedAt }
}`;

export interface AccountData {
  readonly id: string;
  readonly balance: string;
  readonly status: string;
}

export interface GraphQLResponse<T> {
  readonly data?: T | null;
  readonly errors?: readonly { readonly message: string }[];
  readonly extensions?: {
    readonly consistency?: { readonly position: string; readonly stale: boolean };
  };
}

/** The benchmarks' own HS256 secret: their app and their tokens share it. */
export const BENCH_JWT_SECRET_TEXT = 'the benchmarks sign their tokens with this';
const BENCH_JWT_SECRET = new TextEncoder().encode(BENCH_JWT_SECRET_TEXT);

/** `Bearer <token>` for `sub` with one role, valid for a day, signed for the benchmarks' app. */
export async function bearerFor(sub: string, role: 'admin' | 'customer'): Promise<string> {
  const { token } = await mintToken(
    BENCH_JWT_SECRET,
    { sub, roles: [role], ttlSeconds: 86_400 },
    { issuer: undefined, audience: undefined },
  );
  return `Bearer ${token}`;
}

/**
 * What the benchmarks ask of the app, whatever carries their GraphQL calls: Fastify's
 * `inject` into the app in this process (LedgerApp), or HTTP to the app in a process of
 * its own (LedgerAppProcess).
 */
export abstract class LedgerClient {
  constructor(
    /** `Bearer <token>` of an admin: the benchmarks read and write every customer's data. */
    readonly authorization: string,
  ) {}

  abstract gql<T>(query: string, variables: Record<string, unknown>): Promise<GraphQLResponse<T>>;

  abstract close(): Promise<void>;

  /** A mutation's result; a GraphQL error throws. */
  async command(mutation: string, input: Record<string, unknown>): Promise<CommandResultData> {
    const response = await this.gql<Record<string, CommandResultData>>(mutation, { input });
    const result = response.data ? Object.values(response.data)[0] : undefined;
    if (response.errors?.length || !result) {
      throw new Error(
        `command failed: ${response.errors?.map((e) => e.message).join('; ') ?? 'no data'}`,
      );
    }
    return result;
  }

  /** Opens `count` USD accounts (untimed setup) and waits until the accounts view has them all. */
  async openAccounts(count: number, concurrency = 8): Promise<string[]> {
    const ids: string[] = new Array<string>(count);
    const positions: string[] = [];
    const result = await runLoad(count, concurrency, async (index) => {
      const opened = await this.command(OPEN_ACCOUNT, {
        customerId: `bench-customer-${index}`,
        name: `Bench account ${index}`,
        currency: 'USD',
      });
      ids[index] = opened.id;
      positions.push(opened.position);
    });
    if (result.failures > 0) throw new Error(`opening accounts: ${result.firstFailure}`);
    // Any account read with the latest position waits for the view to hold them all.
    const latest = positions.sort(comparePositionTokens).at(-1)!;
    await this.readAccount(ids[0]!, latest, 30_000);
    return ids;
  }

  /** The account once the view has applied `atLeast`; throws when the wait gave up. */
  async readAccount(id: string, atLeast: string, timeoutMs = 5_000): Promise<AccountData> {
    const response = await this.gql<{ account: AccountData | null }>(ACCOUNT, {
      id,
      consistency: { atLeast, timeoutMs },
    });
    if (response.errors?.length || !response.data?.account) {
      throw new Error(
        `account ${id}: ${response.errors?.map((e) => e.message).join('; ') ?? 'not found'}`,
      );
    }
    if (response.extensions?.consistency?.stale !== false) {
      throw new Error(`account ${id}: the view did not reach ${atLeast} within ${timeoutMs} ms`);
    }
    return response.data.account;
  }
}

/**
 * The whole app in this process, as `main.ts` starts it (projections on, the default
 * pool size and batch size), on a database of the bench's own; GraphQL calls go through
 * Fastify's `inject` (no socket) unless the app is asked to listen.
 */
export class LedgerApp extends LedgerClient {
  private constructor(
    readonly app: NestFastifyApplication,
    /** Set when started with `listen`: where autocannon can reach it. */
    readonly baseUrl: string | undefined,
    authorization: string,
  ) {
    super(authorization);
  }

  static async start(
    databaseUrl: string,
    options: { listen?: boolean; env?: NodeJS.ProcessEnv } = {},
  ): Promise<LedgerApp> {
    const config = loadConfig({ ...options.env, DATABASE_URL: databaseUrl });
    const app = await createApp(
      // One admin token drives the whole load: no per-caller limit.
      { ...config, auth: { ...config.auth, jwtSecret: BENCH_JWT_SECRET, requestsPerSecond: 0 } },
      { logger: false },
    );
    const authorization = await bearerFor('bench-admin', 'admin');
    if (options.listen) {
      await app.listen(0, '127.0.0.1');
      const address = app.getHttpServer().address() as AddressInfo;
      return new LedgerApp(app, `http://127.0.0.1:${address.port}`, authorization);
    }
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    return new LedgerApp(app, undefined, authorization);
  }

  /**
   * Switches the app's access check (authentication, rules, ownership, rate limits) off or
   * on again, in place, so a benchmark can measure its cost in one process and one run.
   * Nothing outside the benchmarks can do this: the product has no such setting.
   */
  switchAccessCheck(on: boolean): void {
    const guard = this.app.get(AuthorizationGuard, { strict: false });
    this.realCheck ??= guard.canActivate.bind(guard);
    const real = this.realCheck;
    guard.canActivate = on ? real : () => Promise.resolve(true);
  }

  private realCheck: AuthorizationGuard['canActivate'] | undefined;

  async gql<T>(query: string, variables: Record<string, unknown>): Promise<GraphQLResponse<T>> {
    const response = await this.app.inject({
      method: 'POST',
      url: '/graphql',
      payload: { query, variables },
      headers: { authorization: this.authorization },
    });
    return response.json<GraphQLResponse<T>>();
  }

  close(): Promise<void> {
    return this.app.close();
  }
}

/** Orders position tokens ("commit.prepare") as the log does. */
export function comparePositionTokens(a: string, b: string): number {
  return comparePositions(positionOf(a), positionOf(b));
}

export function positionOf(token: string): Position {
  const position = decodePosition(token);
  if (!position) throw new Error(`not a position token: ${token}`);
  return position;
}

/** Minor units of a 2-decimal currency as the API's decimal string: 1234 -> "12.34". */
export function decimalAmount(minor: number): string {
  return `${Math.floor(minor / 100)}.${(minor % 100).toString().padStart(2, '0')}`;
}
