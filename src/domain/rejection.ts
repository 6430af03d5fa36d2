/**
 * Why a command was refused: a closed, ordered set of codes. The GraphQL edge maps them
 * one to one onto `extensions.code`.
 */
export const REJECTION_CODES = [
  'VALIDATION_FAILED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'ACCOUNT_CLOSED',
  'ACCOUNT_NOT_EMPTY',
  'ACCOUNT_HAS_OPEN_ORDERS',
  'INSUFFICIENT_FUNDS',
  'INSUFFICIENT_HOLDINGS',
  'ORDER_NOT_ACTIVE',
  'INVALID_FILL',
  /** An admin's compensation of an order that may still trade at the market, which did not answer. */
  'COMPENSATION_NEEDS_MARKET',
] as const;

export type RejectionCode = (typeof REJECTION_CODES)[number];

export interface Rejection {
  readonly code: RejectionCode;
  readonly message: string;
  /** The input field at fault, for VALIDATION_FAILED. */
  readonly field?: string;
}

export type Decision<E> =
  | { readonly kind: 'accepted'; readonly events: readonly E[] }
  | { readonly kind: 'rejected'; readonly rejection: Rejection };

export function accept<E>(...events: E[]): Decision<E> {
  return { kind: 'accepted', events };
}

/** Nothing to do: the command's effect is already in the stream (idempotent repeat). */
export function alreadyDone<E>(): Decision<E> {
  return { kind: 'accepted', events: [] };
}

export function reject<E>(code: RejectionCode, message: string, field?: string): Decision<E> {
  return {
    kind: 'rejected',
    rejection: field === undefined ? { code, message } : { code, message, field },
  };
}

/** A pure aggregate: the commands it takes, the events it records, how state follows. */
export interface Decider<C, S, E> {
  readonly initialState: S;
  decide(command: C, state: S): Decision<E>;
  evolve(state: S, event: E): S;
}
