import { type Server, createServer } from 'node:http';
import { type AddressInfo } from 'node:net';
import {
  type CryptoKey,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
  SignJWT,
  exportJWK,
  generateKeyPair,
} from 'jose';

/** Test helpers: tokens of any shape, also ones that the minter would never make. */

export const TEST_SECRET = new TextEncoder().encode('a test secret that is longer than 32 bytes');

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** What a valid customer token carries, with the given claims replaced (undefined: left out). */
export function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const base: Record<string, unknown> = {
    sub: 'c-1',
    roles: ['customer'],
    iat: nowSeconds(),
    exp: nowSeconds() + 3_600,
  };
  const merged = { ...base, ...overrides };
  return Object.fromEntries(Object.entries(merged).filter(([, value]) => value !== undefined));
}

export async function signed(
  key: CryptoKey | Uint8Array,
  payload: JWTPayload,
  header: JWTHeaderParameters = { alg: 'HS256', typ: 'JWT' },
): Promise<string> {
  return new SignJWT(payload).setProtectedHeader(header).sign(key);
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/** Made by hand: no library signs with `alg: none`. */
export function unsigned(payload: JWTPayload, alg = 'none'): string {
  return `${base64url({ alg, typ: 'JWT' })}.${base64url(payload)}.`;
}

/** A compact token with the given header and payload parts and a signature of zeros. */
export function withParts(header: unknown, payload: unknown): string {
  return `${base64url(header)}.${base64url(payload)}.${Buffer.alloc(32).toString('base64url')}`;
}

export interface TestKeyPair {
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
}

export async function keyPair(alg: 'RS256' | 'ES256'): Promise<TestKeyPair> {
  return generateKeyPair(alg, { extractable: true });
}

/** An identity provider's key set endpoint, on a free port of 127.0.0.1. */
export class JwksEndpoint {
  keys: JWK[] = [];
  fetches = 0;
  /** How it answers: the key set, an error status, or nothing at all (a hung provider). */
  mode: 'serve' | 'fail' | 'hang' = 'serve';
  private readonly server: Server = createServer((request, response) => {
    this.fetches++;
    if (this.mode === 'hang') return;
    if (this.mode === 'fail') {
      response.writeHead(500).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: this.keys }));
  });

  get url(): URL {
    const { port } = this.server.address() as AddressInfo;
    return new URL(`http://127.0.0.1:${port}/.well-known/jwks.json`);
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

export async function publicJwk(pair: TestKeyPair, kid: string, alg: string): Promise<JWK> {
  return { ...(await exportJWK(pair.publicKey)), kid, alg, use: 'sig' };
}
