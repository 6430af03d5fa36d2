import { type ArgumentsHost, Logger } from '@nestjs/common';
import { type HttpAdapterHost } from '@nestjs/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { logContextFields } from '../infrastructure/logging/log-context.js';
import { ResolverErrorsFilter } from './resolver-errors.filter.js';

function hostOf(type: 'graphql' | 'http', request: object = {}): ArgumentsHost {
  return {
    getType: () => type,
    getArgByIndex: (index: number) => (index === 1 ? { reply: true } : request),
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => ({ reply: true }) }),
  } as unknown as ArgumentsHost;
}

afterEach(() => vi.restoreAllMocks());

describe('ResolverErrorsFilter', () => {
  it('hands a resolver’s error on to GraphQL without logging it', () => {
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const refused = new Error('insufficient funds');
    const filter = new ResolverErrorsFilter({} as HttpAdapterHost['httpAdapter']);
    expect(() => filter.catch(refused, hostOf('graphql'))).toThrow(refused);
    expect(logged).not.toHaveBeenCalled();
  });

  it('answers a plain route’s unexpected error 500, logged once under the request’s correlation id', () => {
    const seen: unknown[] = [];
    vi.spyOn(Logger.prototype, 'error').mockImplementation(() => {
      seen.push(logContextFields().correlationId);
    });
    const reply = vi.fn();
    const adapter = { reply, isHeadersSent: () => false, end: vi.fn() };
    const filter = new ResolverErrorsFilter(adapter as unknown as HttpAdapterHost['httpAdapter']);
    filter.catch(new Error('the probe fell over'), hostOf('http', { id: 'corr-http' }));
    expect(reply).toHaveBeenCalledWith(
      { reply: true },
      { statusCode: 500, message: 'Internal server error' },
      500,
    );
    expect(seen).toEqual(['corr-http']);
  });
});
