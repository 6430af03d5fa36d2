import { isTerminal } from '../../src/domain/order.decider.js';
import {
  type LoggedEvent,
  type SettledPositions,
  expectLogInvariants,
  expectSettledPositions,
  foldOrders,
} from '../../test-kit/ledger-invariants.js';
import { type SentCommand } from './soak-customers.js';

/** What the soak checks once the load has stopped, each with what it found. */

export interface CheckResult {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** At most this many offending ids are named in a check's detail. */
const NAMED = 5;

function result(check: string, problems: readonly string[], fine: string): CheckResult {
  return problems.length === 0
    ? { check, ok: true, detail: fine }
    : {
        check,
        ok: false,
        detail: `${problems.length}: ${problems.slice(0, NAMED).join('; ')}`,
      };
}

function eventsByCommand(log: readonly LoggedEvent[]): Map<string, LoggedEvent[]> {
  const byCommand = new Map<string, LoggedEvent[]>();
  for (const logged of log) {
    const commandId = logged.recorded.metadata['commandId'];
    if (typeof commandId !== 'string') continue;
    byCommand.set(commandId, [...(byCommand.get(commandId) ?? []), logged]);
  }
  return byCommand;
}

/** A command applied twice shows as an event type written twice to a stream under its id. */
function appliedTwice(events: readonly LoggedEvent[]): string | undefined {
  const seen = new Set<string>();
  for (const { recorded } of events) {
    const key = `${recorded.streamId} ${recorded.type}`;
    if (seen.has(key)) return key;
    seen.add(key);
  }
  return undefined;
}

/**
 * Every command answered (none given up on), every acknowledged one in the log on the
 * stream it named, every refused one absent, no command's events twice, no event id twice.
 */
export function checkCommands(
  log: readonly LoggedEvent[],
  sent: readonly SentCommand[],
): CheckResult[] {
  const byCommand = eventsByCommand(log);
  const unanswered = sent.filter(({ answer }) => answer.kind === 'failed');
  const lost: string[] = [];
  const refusedButWritten: string[] = [];
  for (const { commandId, answer } of sent) {
    const events = byCommand.get(commandId) ?? [];
    if (answer.kind === 'acknowledged') {
      const onItsStream = events.some((event) => event.recorded.streamId.endsWith(answer.id));
      if (!onItsStream) lost.push(commandId);
    }
    if (answer.kind === 'refused' && events.length > 0) refusedButWritten.push(commandId);
  }
  const twice = [...byCommand].flatMap(([commandId, events]) => {
    const repeated = appliedTwice(events);
    return repeated === undefined ? [] : [`${commandId} (${repeated})`];
  });
  const eventIds = new Set(log.map(({ recorded }) => recorded.id));
  const acknowledged = sent.filter(({ answer }) => answer.kind === 'acknowledged').length;
  return [
    result(
      'every command answered',
      unanswered.map(
        ({ commandId, answer }) => `${commandId}: ${(answer as { reason: string }).reason}`,
      ),
      `${sent.length} commands, each answered`,
    ),
    result('no acknowledged command lost', lost, `${acknowledged} acknowledged, each in the log`),
    result('no refused command written', refusedButWritten, 'none'),
    result('no command applied twice', twice, `${byCommand.size} command ids in the log`),
    result(
      'no event id twice',
      eventIds.size === log.length ? [] : [`${log.length - eventIds.size} repeated`],
      `${log.length} events`,
    ),
  ];
}

function asserted(check: string, fine: string, run: () => void): CheckResult {
  try {
    run();
    return { check, ok: true, detail: fine };
  } catch (error) {
    return { check, ok: false, detail: (error as Error).message.split('\n')[0]! };
  }
}

/**
 * The ledger's invariants on the log: postings sum to zero, one fee and refund at most per
 * order, every order ended (none stranded with money reserved after the restarts),
 * available cash and shares never below zero, nothing left reserved, holdings exactly the
 * settled fills. Returns the folded positions for the comparison with the views.
 */
export function checkLedger(log: readonly LoggedEvent[]): {
  results: CheckResult[];
  positions: SettledPositions | undefined;
} {
  const orders = [...foldOrders(log).values()];
  const open = orders.filter((order) => !isTerminal(order));
  let positions: SettledPositions | undefined;
  const results = [
    asserted('postings sum to zero, one fee and refund per order', 'held', () =>
      expectLogInvariants(log),
    ),
    result(
      'every order ended',
      open.map((order) => `${order.orderId} ${order.status}`),
      `${orders.length} orders, all terminal`,
    ),
    asserted('balances never negative, nothing reserved, holdings = fills', 'held', () => {
      positions = expectSettledPositions(log);
    }),
  ];
  return { results, positions };
}
