import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/ledger-config.js';
import { DEV_SIGN_IN_HEADER, DEV_SIGN_IN_PATH, registerDevSignIn } from './dev-sign-in.route.js';

async function appWith(env: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'ledger-dev-sign-in-'));
  const config = loadConfig({ LEDGER_DATA_DIR: dir, ...env });
  const fastify = Fastify();
  registerDevSignIn(fastify, config);
  return { fastify, remove: () => rm(dir, { recursive: true, force: true }) };
}

const SIGN_IN = { method: 'POST' as const, url: DEV_SIGN_IN_PATH };

describe('the development sign-in shortcut', () => {
  it('mints an admin token for a browser on this machine', async () => {
    const { fastify, remove } = await appWith({});
    const available = await fastify.inject({
      url: DEV_SIGN_IN_PATH,
      headers: { host: 'localhost:3000' },
    });
    expect(available.json()).toEqual({ available: true });
    const response = await fastify.inject({
      ...SIGN_IN,
      headers: { host: '127.0.0.1:3000', [DEV_SIGN_IN_HEADER]: '1' },
    });
    expect(response.statusCode).toBe(200);
    const payload = JSON.parse(atob(response.json<{ token: string }>().token.split('.')[1]!));
    expect(payload).toMatchObject({ sub: 'dev-admin', roles: ['admin'] });
    expect(response.headers['cache-control']).toBe('no-store');
    await remove();
  });

  it('refuses a page that names another host (DNS rebinding) or sends no header (a cross-site form)', async () => {
    const { fastify, remove } = await appWith({});
    const rebound = await fastify.inject({
      ...SIGN_IN,
      headers: { host: 'evil.example:3000', [DEV_SIGN_IN_HEADER]: '1' },
    });
    expect(rebound.statusCode).toBe(403);
    expect(rebound.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect(rebound.json()).not.toHaveProperty('token');
    const form = await fastify.inject({ ...SIGN_IN, headers: { host: 'localhost:3000' } });
    expect(form.statusCode).toBe(403);
    const elsewhere = await fastify.inject({
      url: DEV_SIGN_IN_PATH,
      headers: { host: 'evil.example' },
    });
    expect(elsewhere.json()).toEqual({ available: false });
    await remove();
  });

  it('does not exist when the secret is configured', async () => {
    const { fastify, remove } = await appWith({ LEDGER_JWT_SECRET: 'x'.repeat(40) });
    const response = await fastify.inject({
      ...SIGN_IN,
      headers: { host: 'localhost:3000', [DEV_SIGN_IN_HEADER]: '1' },
    });
    expect(response.statusCode).toBe(404);
    await remove();
  });
});
