import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type TestProject } from 'vitest/node';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server for tests that need one: databases are created per test file. */
    pgServerUrl: string;
    pgServerKind: 'server' | 'embedded';
  }
}

const CI_SERVER = 'postgres://postgres@127.0.0.1:5432/test';

async function reachable(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

interface TestServer {
  readonly url: string;
  readonly kind: 'server' | 'embedded';
  stop(): Promise<void>;
}

async function startEmbeddedServer(): Promise<TestServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'ledger-test-pg-'));
  const script = fileURLToPath(new URL('./embedded-postgres.process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, dataDir], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /READY (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) =>
      reject(new Error(`embedded PostgreSQL for tests exited with ${code}`)),
    );
  });
  return {
    url,
    kind: 'embedded',
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

async function findOrStartServer(): Promise<TestServer> {
  const candidate = process.env['TEST_DATABASE_URL'] ?? CI_SERVER;
  if (await reachable(candidate)) {
    return { url: candidate, kind: 'server', stop: async () => undefined };
  }
  return startEmbeddedServer();
}

/** Every test tier (vitest project) runs this setup: they share one server and one stop. */
const shared = globalThis as { ledgerTestServer?: Promise<TestServer> };

/**
 * Uses the PostgreSQL server named by TEST_DATABASE_URL, else the one on
 * 127.0.0.1:5432 when it answers, else starts an embedded one for the run: the
 * suite passes with or without a server on the machine.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const first = shared.ledgerTestServer === undefined;
  shared.ledgerTestServer ??= findOrStartServer();
  const server = await shared.ledgerTestServer;
  project.provide('pgServerUrl', server.url);
  project.provide('pgServerKind', server.kind);
  return first ? () => server.stop() : async () => undefined;
}
