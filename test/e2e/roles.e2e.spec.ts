import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/ledger-config.js';
import { type TestApp, bearerFor, startTestApp, temporaryDataDir } from '../support/test-app.js';

/** LEDGER_ROLE: what a worker and an API replica serve and run. */
let dataDir: Awaited<ReturnType<typeof temporaryDataDir>>;
beforeAll(async () => {
  dataDir = await temporaryDataDir();
});
afterAll(async () => {
  await dataDir?.remove();
});

async function withRole<T>(role: string, work: (ledger: TestApp) => Promise<T>): Promise<T> {
  const { deployment, projectionsEnabled, sagas } = loadConfig({ LEDGER_ROLE: role });
  const ledger = await startTestApp({
    dataDir: dataDir.dir,
    deployment,
    projectionsEnabled,
    sagas,
  });
  try {
    return await work(ledger);
  } finally {
    await ledger.close();
  }
}

async function get(ledger: TestApp, url: string): Promise<{ status: number; body: string }> {
  const authorization = await bearerFor('test-admin', ['admin']);
  const response = await ledger.app.inject({ method: 'GET', url, headers: { authorization } });
  return { status: response.statusCode, body: response.body };
}

const LEADER_GAUGE = /^ledger_leader\{group="(\w[\w-]*)"\} ([01])$/gm;

describe('LEDGER_ROLE', () => {
  it('worker: no GraphQL and no admin UI; health and metrics; it leads its groups', async () => {
    await withRole('worker', async (ledger) => {
      const graphql = await ledger.app.inject({
        method: 'POST',
        url: '/graphql',
        payload: { query: '{ __typename }' },
      });
      expect(graphql.statusCode).toBe(404);
      expect((await get(ledger, '/admin/')).status).toBe(404);
      expect((await get(ledger, '/health/live')).status).toBe(200);
      await expect
        .poll(
          async () =>
            [...(await get(ledger, '/metrics')).body.matchAll(LEADER_GAUGE)].map(
              (m) => `${m[1]}=${m[2]}`,
            ),
          {
            timeout: 10_000,
          },
        )
        .toEqual(['projections=1', 'sagas=1']);
    });
  });

  it('api: GraphQL, and no projector or saga loop to lead', async () => {
    await withRole('api', async (ledger) => {
      const answer = await ledger.gql<{ __typename: string }>('{ __typename }');
      expect(answer.data?.__typename).toBe('Query');
      const metrics = await get(ledger, '/metrics');
      expect(metrics.status).toBe(200);
      expect([...metrics.body.matchAll(LEADER_GAUGE)]).toEqual([]);
    });
  });
});
