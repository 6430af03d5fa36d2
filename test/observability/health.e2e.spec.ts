import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/ledger-config.js';
import { OrderPlacementSagaService } from '../../src/sagas/order-placement/order-placement-saga.service.js';
import { type TestApp, startTestApp, temporaryDataDir } from '../support/test-app.js';
import { OPEN_ACCOUNT } from '../e2e/graphql-operations.js';

/**
 * /health/live and /health/ready of a real app, listening on a port as in production.
 * Its projectors are off, so that the views fall behind the log on purpose.
 */
interface HealthBody {
  status: string;
  details: Record<string, { status: string } & Record<string, unknown>>;
}

/** Bound on waiting for the lag to pass the threshold and the shared check result to expire. */
const LAG_WAIT_MS = 15_000;

let ledger: TestApp;
let dataDir: { dir: string; remove(): Promise<void> };
let url: string;
let closed = false;

beforeAll(async () => {
  dataDir = await temporaryDataDir();
  const defaults = loadConfig({});
  ledger = await startTestApp({
    dataDir: dataDir.dir,
    projectionsEnabled: false,
    health: { ...defaults.health, readyMaxLagSeconds: 1 },
  });
  await ledger.app.listen(0, '127.0.0.1');
  url = await ledger.app.getUrl();
}, 120_000);
afterAll(async () => {
  if (!closed) await ledger?.close();
  await dataDir?.remove();
});

async function get(path: string): Promise<{ status: number; body: HealthBody }> {
  const response = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as HealthBody };
}

describe('/health', () => {
  it('live: the process answers', async () => {
    const { status, body } = await get('/health/live');
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
  });

  it('ready: PostgreSQL, the event store and the lag of the views, each shown', async () => {
    const { status, body } = await get('/health/ready');
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(body.details['postgres']?.status).toBe('up');
    expect(body.details['eventStore']?.status).toBe('up');
    expect(body.details['shutdown']?.status).toBe('up');
    expect(body.details['projectionLag']).toMatchObject({
      status: 'up',
      maxLagSeconds: 1,
      behind: [],
    });
  });

  it('reports views behind the threshold as degraded, and stays ready', async () => {
    const opened = await ledger.gql(OPEN_ACCOUNT, {
      input: { customerId: `health-${randomUUID()}`, name: 'Health', currency: 'USD' },
    });
    expect(opened.errors).toBeUndefined();
    const deadline = Date.now() + LAG_WAIT_MS;
    let answer = await get('/health/ready');
    while (answer.body.details['projectionLag']?.status !== 'degraded') {
      if (Date.now() > deadline)
        throw new Error(`lag not reported: ${JSON.stringify(answer.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
      answer = await get('/health/ready');
    }
    expect(answer.status).toBe(200);
    expect(answer.body.status).toBe('degraded');
    expect(answer.body.details['projectionLag']?.['behind']).toContain('accounts');
  });

  it('answers 503 on /health/ready as soon as shutdown begins, while the server still answers', async () => {
    // A slow stop: the saga's shutdown hook waits until the probes below have run.
    const saga = ledger.app.get(OrderPlacementSagaService);
    const stop = saga.beforeApplicationShutdown.bind(saga);
    let entered!: () => void;
    let release!: () => void;
    const inHook = new Promise<void>((resolve) => (entered = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    vi.spyOn(saga, 'beforeApplicationShutdown').mockImplementation(async () => {
      entered();
      await released;
      await stop();
    });
    closed = true;
    const closing = ledger.close();
    try {
      await inHook;
      const ready = await get('/health/ready');
      expect(ready.status).toBe(503);
      expect(ready.body.details['shutdown']).toMatchObject({
        status: 'down',
        message: 'shutting down',
      });
      expect((await get('/health/live')).status).toBe(200);
    } finally {
      release();
      await closing;
    }
  });
});
