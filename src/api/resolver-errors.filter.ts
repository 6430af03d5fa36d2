import { type ArgumentsHost, Catch } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { withLogContext } from '../infrastructure/logging/log-context.js';

/**
 * Hands what a resolver throws on to GraphQL untouched, so that the one error formatter
 * maps and logs it, once. Without a filter of its own, Nest logs every exception a
 * resolver throws at ERROR with its stack before GraphQL sees it: each refused command,
 * each validation error, and every internal error a second time. Errors of the plain HTTP
 * routes keep Nest's answer and its one log line for an unexpected one, under the
 * request's correlation id.
 */
@Catch()
export class ResolverErrorsFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType<string>() === 'graphql') throw exception;
    const request = host.switchToHttp().getRequest<{ id?: unknown } | undefined>();
    const correlationId = typeof request?.id === 'string' ? request.id : undefined;
    withLogContext(correlationId, () => super.catch(exception, host));
  }
}
