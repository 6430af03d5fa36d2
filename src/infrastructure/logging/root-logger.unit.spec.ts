import { describe, expect, it } from 'vitest';
import { loadTelemetryConfig } from '../../config/telemetry-config.js';
import { withLogContext } from './log-context.js';
import { PinoNestLogger } from './pino-nest.logger.js';
import { createRootLogger, requestLineLogger } from './root-logger.js';

const SECRET = 'a-token-secret-of-enough-length-for-hs256';
const JWT =
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjdXN0b21lci0xIiwicm9sZXMiOlsiY3VzdG9tZXIiXX0.c2lnbmF0dXJlLXBhcnQ';

function capture(env: NodeJS.ProcessEnv = {}) {
  const lines: Record<string, unknown>[] = [];
  const config = loadTelemetryConfig({ LOG_LEVEL: 'debug', LEDGER_JWT_SECRET: SECRET, ...env });
  const root = createRootLogger(config, {
    write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { root, lines, nest: new PinoNestLogger(root) };
}

describe('the root logger', () => {
  it('writes JSON lines with the service, the level and the time', () => {
    const { root, lines } = capture();
    root.info({ operation: 'openAccount' }, 'request');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        service: 'ledger',
        operation: 'openAccount',
        msg: 'request',
      }),
    ]);
    expect(typeof lines[0]!['time']).toBe('string');
  });

  it('adds the correlation id of the work under way, across awaits', async () => {
    const { root, lines } = capture();
    await withLogContext('corr-1', async () => {
      await Promise.resolve();
      root.warn('inside');
    });
    root.warn('outside');
    expect(lines.map((line) => line['correlationId'])).toEqual(['corr-1', undefined]);
  });

  it('writes request lines at the root level, with the work under way, without redacting fields', async () => {
    const { root, lines } = capture({ LOG_LEVEL: 'info' });
    const requestLines = requestLineLogger(root);
    expect(requestLines.isLevelEnabled('debug')).toBe(false);
    requestLines.debug({ path: '/metrics' }, 'request');
    await withLogContext('corr-2', async () => {
      requestLines.info({ path: '/graphql', operation: 'account', token: 'kept' }, `Bearer ${JWT}`);
    });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 30,
        service: 'ledger',
        correlationId: 'corr-2',
        path: '/graphql',
        operation: 'account',
        token: 'kept',
        msg: '[redacted]',
      }),
    ]);
  });

  it('cuts credentials and arguments by path, and scrubs tokens and the secret from text', () => {
    const { root, lines } = capture();
    root.info(
      {
        req: { headers: { authorization: `Bearer ${JWT}` } },
        variables: { input: { name: 'Ingrid' } },
        input: { reference: 'Rent' },
      },
      `verifying Bearer ${JWT} signed with ${SECRET}`,
    );
    root.error({ err: new Error(`bad token ${JWT}`) }, 'failed');
    const text = JSON.stringify(lines);
    for (const leaked of [JWT, SECRET, 'Ingrid', 'Rent']) expect(text).not.toContain(leaked);
    expect(lines[0]!['msg']).toBe('verifying [redacted] signed with [redacted]');
    expect(lines[1]!['err']).toMatchObject({ type: 'Error', message: 'bad token [redacted]' });
  });

  it('shows of an error its type, code, message and stack, not the values a driver attached', () => {
    const { root, lines } = capture();
    const error = Object.assign(new Error('duplicate key'), {
      code: '23505',
      detail: 'Key (name)=(Ingrid) already exists.',
    });
    root.error({ err: error }, 'insert failed');
    expect(lines[0]!['err']).toEqual({
      type: 'Error',
      code: '23505',
      message: 'duplicate key',
      stack: expect.stringContaining('duplicate key'),
    });
  });

  it('is silent at LOG_LEVEL=silent', () => {
    const { root, lines, nest } = capture({ LOG_LEVEL: 'silent' });
    root.error('nothing');
    nest.error('nothing either', 'Test');
    expect(lines).toEqual([]);
  });
});

describe('PinoNestLogger', () => {
  it("maps Nest's levels onto pino's, with the context as a field", () => {
    const { nest, lines } = capture();
    nest.log('started', 'Projections');
    nest.warn('slow', 'Saga');
    nest.debug('detail', 'Api');
    nest.verbose('noise', 'Api');
    expect(lines.map((line) => [line['level'], line['context'], line['msg']])).toEqual([
      [30, 'Projections', 'started'],
      [40, 'Saga', 'slow'],
      [20, 'Api', 'detail'],
    ]);
  });

  it("keeps an error's stack as Nest's Logger.error passes it, and an Error's own", () => {
    const { nest, lines } = capture();
    const error = new Error('boom');
    nest.error('it broke', error.stack, 'Worker');
    nest.error(error, 'Worker');
    expect(lines[0]).toMatchObject({ level: 50, context: 'Worker', msg: 'it broke' });
    expect((lines[0]!['err'] as { stack: string }).stack).toContain('Error: boom');
    expect(lines[1]).toMatchObject({ level: 50, context: 'Worker', msg: 'boom' });
    expect((lines[1]!['err'] as { stack: string }).stack).toContain('Error: boom');
  });

  it('writes an object of fields as they are', () => {
    const { nest, lines } = capture();
    nest.debug({ msg: 'request refused', code: 'NOT_FOUND' }, 'GraphQL');
    expect(lines[0]).toMatchObject({
      level: 20,
      context: 'GraphQL',
      code: 'NOT_FOUND',
      msg: 'request refused',
    });
  });
});
