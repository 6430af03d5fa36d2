import { randomUUID } from 'node:crypto';
import { ReadReq, type ReadReqOptions } from './protos.js';
import { type EventLog, type StoredEvent } from './event-log.js';
import { type EventFilter } from './event-filter.js';
import {
  caughtUpResponse,
  checkpointResponse,
  confirmationResponse,
  eventResponse,
} from './read-responses.js';
import { firstIndexAtOrAfter, compareToEvent, requestedPosition, type Send } from './read-once.js';
import { streamName, uint64 } from './wire.js';
import {
  type FaultCounters,
  type SubscriptionFaults,
  SubscriptionFaultInjector,
} from './subscription-faults.js';

const { RevisionOptionCase } = ReadReq.Options.StreamOptions;
const { AllOptionCase } = ReadReq.Options.AllOptions;

interface Source {
  /** The events visible to this subscription now; grows as the log grows. */
  events(): readonly StoredEvent[];
  /** Index of the first event after the subscription's (exclusive) start. */
  readonly startIndex: number;
  /** What a filtered subscription reports as its checkpoint before it has considered any event. */
  readonly startPosition: bigint | undefined;
}

/**
 * Serves a catch-up subscription the way the server does: confirmation first, then
 * history from the exclusive start, `caught_up` when it reaches the end of the log,
 * then live events. The emulator pulls from the log on every step, so a slow
 * reader is held back by flow control instead of overflowing a live buffer; it
 * therefore never needs `fell_behind`.
 *
 * Filtered $all subscriptions also get checkpoints: every `checkpointInterval`
 * considered events (matching or not) and once on reaching the end of the log,
 * never repeating or going back.
 */
export async function serveSubscription(
  log: EventLog,
  options: ReadReqOptions,
  filter: EventFilter | undefined,
  send: Send,
  structuredUuid: boolean,
  signal: AbortSignal,
  faults?: { readonly faults: SubscriptionFaults; readonly counters: FaultCounters },
): Promise<void> {
  const source = options.hasAll() ? allSource(log, options) : streamSource(log, options);
  if (!(await send(confirmationResponse(randomUUID())))) return;
  const injector = faults && new SubscriptionFaultInjector(faults.faults, faults.counters);
  /** Sends a matching event, and with faults perhaps a recent one again. */
  const sendEvent = async (event: StoredEvent): Promise<boolean> => {
    if (filter && !filter.matches(event)) return true;
    if (!(await send(eventResponse(event, structuredUuid)))) return false;
    const again = injector?.sent(event);
    return again === undefined || send(eventResponse(again, structuredUuid));
  };

  let index = source.startIndex;
  let considered = 0;
  let lastConsidered = source.startPosition;
  let lastCheckpoint: bigint | undefined;
  let live = false;
  const checkpoint = async (position: bigint | undefined): Promise<boolean> => {
    if (position === undefined || (lastCheckpoint !== undefined && position <= lastCheckpoint)) {
      return true;
    }
    lastCheckpoint = position;
    return send(checkpointResponse(position));
  };

  while (!signal.aborted) {
    const events = source.events();
    if (index < events.length) {
      // A swap (faults only) sends the pair's second event first; checkpoints wait for both.
      const swapped = index + 1 < events.length && injector?.swapNext() === true;
      const event = events[swapped ? index + 1 : index]!;
      if (!(await sendEvent(event))) return;
      if (swapped && !(await sendEvent(events[index]!))) return;
      index += swapped ? 2 : 1;
      if (!filter) continue;
      lastConsidered = event.position;
      considered += swapped ? 2 : 1;
      if (considered >= filter.checkpointInterval) {
        considered = 0;
        if (!(await checkpoint(event.position))) return;
      }
      continue;
    }
    if (!live) {
      live = true;
      if (filter && !(await checkpoint(lastConsidered))) return;
      if (!(await send(caughtUpResponse()))) return;
    }
    await log.nextAppend(signal);
  }
}

function allSource(log: EventLog, options: ReadReqOptions): Source {
  const position = requestedPosition(options);
  let startIndex = 0;
  if (position) {
    startIndex = firstIndexAtOrAfter(log, position);
    const atStart = log.events[startIndex];
    if (atStart && compareToEvent(atStart, position) === 0) startIndex++;
  } else if (options.getAll()!.getAllOptionCase() === AllOptionCase.END) {
    startIndex = log.events.length;
  }
  return {
    events: () => log.events,
    startIndex,
    startPosition: position?.commit,
  };
}

function streamSource(log: EventLog, options: ReadReqOptions): Source {
  const stream = options.getStream()!;
  const name = streamName(stream.getStreamIdentifier()) ?? '';
  const events = (): readonly StoredEvent[] => log.stream(name) ?? [];
  const case_ = stream.getRevisionOptionCase();
  let startIndex = 0;
  if (case_ === RevisionOptionCase.END) startIndex = events().length;
  if (case_ === RevisionOptionCase.REVISION) {
    // Exclusive: a stream subscription from revision r starts at r + 1.
    const next = uint64(stream.getRevision()) + 1n;
    startIndex = next > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(next);
  }
  return { events, startIndex, startPosition: undefined };
}
