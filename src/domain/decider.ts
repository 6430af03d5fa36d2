import { type Rejection, type RejectionCode } from './rejection.js';

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
