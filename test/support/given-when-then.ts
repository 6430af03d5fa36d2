import { expect } from 'vitest';
import { type Decider, type Decision } from '../../src/domain/decider.js';
import { type Rejection, type RejectionCode } from '../../src/domain/rejection.js';

/**
 * Given/when/then for pure deciders, in the style of Emmett's DeciderSpecification:
 *
 *   spec(orderDecider).given([placed]).when({ type: 'AcceptOrder' }).then([accepted]);
 *   spec(accountDecider).given([opened]).when(withdraw).thenRejects('INSUFFICIENT_FUNDS');
 *   spec(accountDecider).given([opened, reserved]).when(reserveAgain).thenNothing();
 *
 * `then` and `thenNothing` return the state after the given events and the new events,
 * so that a test can go on to check what evolve made of them.
 */
export interface Then<S, E> {
  /** The state built from the given events alone. */
  readonly stateBefore: S;
  /** The raw decision, for tests that look at it themselves. */
  readonly decision: Decision<E>;
  /** The command is accepted with exactly these events. */
  then(expectedEvents: readonly E[]): S;
  /** The command is refused with this code (and, if given, this field; none otherwise). */
  thenRejects(code: RejectionCode, field?: string): Rejection;
  /** The command is accepted with no events: an idempotent repeat. */
  thenNothing(): S;
}

export interface Given<C, S, E> {
  /** The state built from the given events. */
  readonly state: S;
  when(command: C): Then<S, E>;
}

export interface Spec<C, S, E> {
  given(events?: readonly E[]): Given<C, S, E>;
}

/** Folds events into a state, starting from the decider's initial state. */
export function replay<S, E>(
  decider: Pick<Decider<unknown, S, E>, 'initialState' | 'evolve'>,
  events: readonly E[],
): S {
  return events.reduce((state, event) => decider.evolve(state, event), decider.initialState);
}

function describeDecision<E>(decision: Decision<E>): string {
  return JSON.stringify(decision, (_key, value: unknown) =>
    typeof value === 'bigint' ? `${value}n` : value,
  );
}

export function spec<C, S, E>(decider: Decider<C, S, E>): Spec<C, S, E> {
  return {
    given(events: readonly E[] = []): Given<C, S, E> {
      const stateBefore = replay(decider, events);
      return {
        state: stateBefore,
        when(command: C): Then<S, E> {
          const decision = decider.decide(command, stateBefore);
          const accepted = (): readonly E[] => {
            if (decision.kind !== 'accepted') {
              expect.unreachable(
                `expected the command to be accepted, got ${describeDecision(decision)}`,
              );
            }
            return decision.events;
          };
          return {
            stateBefore,
            decision,
            then(expectedEvents: readonly E[]): S {
              const produced = accepted();
              expect(produced).toEqual(expectedEvents);
              return produced.reduce((state, event) => decider.evolve(state, event), stateBefore);
            },
            thenRejects(code: RejectionCode, field?: string): Rejection {
              if (decision.kind !== 'rejected') {
                expect.unreachable(
                  `expected a ${code} rejection, got ${describeDecision(decision)}`,
                );
              }
              const { rejection } = decision;
              expect({ code: rejection.code, field: rejection.field }).toEqual({ code, field });
              expect(rejection.message).not.toBe('');
              return rejection;
            },
            thenNothing(): S {
              expect(accepted()).toEqual([]);
              return stateBefore;
            },
          };
        },
      };
    },
  };
}
