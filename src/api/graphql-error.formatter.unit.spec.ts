import { Logger } from '@nestjs/common';
import { GraphQLError } from 'graphql';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ValidationFailedError } from '../shared/ledger-errors.js';
import { formatGraphQLErrors } from './graphql-error.formatter.js';
import {
  BadRequestError,
  LimitExceededError,
  MethodNotAllowedError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from './request.errors.js';

const LEVELS = ['error', 'warn', 'log', 'debug'] as const;

function spyOnLevels(): Record<(typeof LEVELS)[number], ReturnType<typeof vi.spyOn>> {
  return Object.fromEntries(
    LEVELS.map((level) => [
      level,
      vi.spyOn(Logger.prototype, level).mockImplementation(() => undefined),
    ]),
  ) as Record<(typeof LEVELS)[number], ReturnType<typeof vi.spyOn>>;
}

function format(original: Error, data?: Record<string, unknown>) {
  return formatGraphQLErrors(
    { data, errors: [new GraphQLError(original.message, { originalError: original })] },
    {},
  );
}

afterEach(() => vi.restoreAllMocks());

describe('formatGraphQLErrors', () => {
  it.each([
    [new BadRequestError('bad'), 400, 'BAD_REQUEST'],
    [new LimitExceededError('too many'), 400, 'LIMIT_EXCEEDED'],
    [new MethodNotAllowedError('GET'), 405, 'METHOD_NOT_ALLOWED'],
    [new PayloadTooLargeError('big'), 413, 'PAYLOAD_TOO_LARGE'],
    [new UnsupportedMediaTypeError('form'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
  ])(
    'answers a refused request (%s) with its HTTP status, logged once as information',
    (error, status, code) => {
      const logs = spyOnLevels();
      const { statusCode, response } = format(error);
      expect(statusCode).toBe(status);
      expect(response.errors?.[0]?.extensions).toEqual({ code });
      expect(logs.log).toHaveBeenCalledOnce();
      expect(logs.error).not.toHaveBeenCalled();
    },
  );

  it('answers a client mistake 200 with its code, logged once for debugging', () => {
    const logs = spyOnLevels();
    const refused = new ValidationFailedError([
      { field: 'name', message: 'name must not be empty' },
    ]);
    const { statusCode, response } = format(refused);
    expect(statusCode).toBe(200);
    expect(response.errors?.[0]?.extensions).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(logs.debug).toHaveBeenCalledOnce();
    expect([logs.error, logs.warn, logs.log].every((spy) => spy.mock.calls.length === 0)).toBe(
      true,
    );
  });

  it('tells the client nothing of an internal error and logs it once as an error', () => {
    const logs = spyOnLevels();
    const { response } = format(new Error('relation "ledger_events" does not exist'));
    expect(response.errors?.[0]).toMatchObject({
      message: 'Internal error',
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(logs.error).toHaveBeenCalledOnce();
    const line = logs.error.mock.calls[0]?.[0] as { code: string; err: Error };
    expect(line.code).toBe('INTERNAL_SERVER_ERROR');
    expect(line.err.message).toContain('ledger_events');
    expect(line.err.stack).toBeDefined();
  });

  it('answers 200 when some data came back, whatever the errors', () => {
    spyOnLevels();
    expect(format(new LimitExceededError('x'), { account: null }).statusCode).toBe(200);
  });
});
