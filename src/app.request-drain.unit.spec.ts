import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { RequestDrain } from './app.request-drain.js';

let release: () => void = () => undefined;
afterEach(() => release());

/** A server with the drain's hooks, a command that runs until released, and quick routes. */
function server(): { fastify: FastifyInstance; drain: RequestDrain } {
  const fastify = Fastify();
  const drain = new RequestDrain(fastify);
  fastify.get('/command', async () => {
    await new Promise<void>((resolve) => (release = resolve));
    return { done: true };
  });
  for (const path of ['/health/live', '/health/ready', '/metrics', '/graphql']) {
    fastify.get(path, async () => ({ ok: true }));
  }
  return { fastify, drain };
}

describe('the request drain of a stop', () => {
  it('serves all but readiness while leaving, then refuses new requests while those in flight finish', async () => {
    const { fastify, drain } = server();
    const status = async (url: string): Promise<number> => (await fastify.inject(url)).statusCode;
    const inFlight = fastify.inject('/command');
    await expect.poll(() => drain.requestsInFlight).toBe(1);

    drain.leave();
    expect(await status('/health/ready')).toBe(503);
    expect(await status('/graphql')).toBe(200);

    const drained = drain.drain(10_000);
    const refused = await fastify.inject('/graphql');
    expect(refused.statusCode).toBe(503);
    expect(refused.headers['connection']).toBe('close');
    expect(await status('/health/live')).toBe(200);
    expect(await status('/metrics')).toBe(200);

    release();
    expect((await inFlight).json()).toEqual({ done: true });
    expect(await drained).toBe(0);
  });

  it('gives up on the requests in flight after its bound, telling how many are left', async () => {
    const { fastify, drain } = server();
    const inFlight = fastify.inject('/command');
    await expect.poll(() => drain.requestsInFlight).toBe(1);
    expect(await drain.drain(50)).toBe(1);
    release();
    await inFlight;
    expect(drain.requestsInFlight).toBe(0);
  });
});
