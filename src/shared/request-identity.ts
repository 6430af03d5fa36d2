import { type MercuriusContext } from 'mercurius';

/** The roles a caller may hold (DESIGN.md section 2): a closed set. */
export const ROLES = ['customer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Who a verified bearer token names: `sub` is the customer id (or an admin's id). */
export interface Caller {
  readonly sub: string;
  /** At least one, without repeats. */
  readonly roles: readonly Role[];
}

/** Who acts: written into every event's metadata as the acting user. */
export interface RequestIdentity {
  readonly userId: string;
  readonly correlationId?: string;
  /** What the request's own state (its trace span) is kept by: the HTTP request. */
  readonly scope?: object;
}

const CORRELATION_ID = /^[A-Za-z0-9._:-]{1,128}$/;

// Keyed by the request's context object, so a request's caller goes away with it.
const CALLERS = new WeakMap<object, Caller>();

/** Set once per request by the GraphQL edge, after it verified the caller's token. */
export function rememberCaller(context: object, caller: Caller): void {
  CALLERS.set(context, caller);
}

/** The request's authenticated caller; undefined before (or without) authentication. */
export function callerOf(context: object): Caller | undefined {
  return CALLERS.get(context);
}

/**
 * The customer whose data a caller may see and act on: its own id for a customer,
 * undefined (every customer) for an admin.
 */
export function customerScopeOf(caller: Caller): string | undefined {
  return caller.roles.includes('admin') ? undefined : caller.sub;
}

/** The authenticated caller of a request whose operation the edge has authorized. */
export function authorizedCaller(context: object): Caller {
  const caller = callerOf(context);
  // The edge authenticates every operation before a resolver runs: a bug otherwise.
  if (!caller) throw new Error('A resolver ran for a request that was not authenticated');
  return caller;
}

/** A client's `x-correlation-id` when it is one we keep (bounded, plain characters); else undefined. */
export function acceptedCorrelationId(header: unknown): string | undefined {
  return typeof header === 'string' && CORRELATION_ID.test(header) ? header : undefined;
}

/**
 * Who is asking: the token's subject acts; the request's id is the correlation id (the
 * client's `x-correlation-id`, or one the server made up: see app.factory.ts).
 */
export function identityOf(context: MercuriusContext): RequestIdentity {
  const userId = authorizedCaller(context).sub;
  const request = context.reply?.request;
  const correlationId = acceptedCorrelationId(request?.id);
  return {
    userId,
    ...(correlationId === undefined ? {} : { correlationId }),
    ...(request === undefined ? {} : { scope: request }),
  };
}
