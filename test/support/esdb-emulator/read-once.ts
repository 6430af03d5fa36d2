import { ReadReq, type ReadReqOptions, type ReadResp } from './protos.js';
import { type EventLog, type StoredEvent } from './event-log.js';
import { type EventFilter } from './event-filter.js';
import { eventResponse, streamNotFoundResponse } from './read-responses.js';
import { streamName, uint64 } from './wire.js';

export type Send = (message: ReadResp) => Promise<boolean>;

const { RevisionOptionCase } = ReadReq.Options.StreamOptions;
const { AllOptionCase } = ReadReq.Options.AllOptions;
const BACKWARDS = ReadReq.Options.ReadDirection.BACKWARDS;

/** A read position in $all: events carry (position, position). */
export interface LogPosition {
  readonly commit: bigint;
  readonly prepare: bigint;
}

export function compareToEvent(event: StoredEvent, position: LogPosition): number {
  if (event.position !== position.commit) return event.position < position.commit ? -1 : 1;
  if (event.position !== position.prepare) return event.position < position.prepare ? -1 : 1;
  return 0;
}

/** Index of the first event at or after `position` in log order. */
export function firstIndexAtOrAfter(log: EventLog, position: LogPosition): number {
  let index = log.indexAtOrAfter(position.commit);
  while (index < log.events.length && compareToEvent(log.events[index]!, position) < 0) index++;
  return index;
}

export function requestedPosition(options: ReadReqOptions): LogPosition | undefined {
  const all = options.getAll();
  if (all?.getAllOptionCase() !== AllOptionCase.POSITION) return undefined;
  const position = all.getPosition()!;
  return {
    commit: uint64(position.getCommitPosition()),
    prepare: uint64(position.getPreparePosition()),
  };
}

/** Reads a stream: revision inclusive in both directions; a missing stream answers `stream_not_found`. */
export async function readStreamOnce(
  log: EventLog,
  options: ReadReqOptions,
  send: Send,
  structuredUuid: boolean,
): Promise<void> {
  const stream = options.getStream()!;
  const name = streamName(stream.getStreamIdentifier()) ?? '';
  const events = log.stream(name);
  if (!events) {
    await send(streamNotFoundResponse(name));
    return;
  }
  const end = events.length;
  const count = uint64(options.getCount());
  const backwards = options.getReadDirection() === BACKWARDS;
  const case_ = stream.getRevisionOptionCase();
  const revision = case_ === RevisionOptionCase.REVISION ? uint64(stream.getRevision()) : undefined;
  let sent = 0n;
  if (backwards) {
    let index = end - 1;
    if (case_ === RevisionOptionCase.START) index = Math.min(0, end - 1);
    if (revision !== undefined && revision < BigInt(end)) index = Number(revision);
    for (; index >= 0 && sent < count; index--, sent++) {
      if (!(await send(eventResponse(events[index]!, structuredUuid)))) return;
    }
    return;
  }
  let index = case_ === RevisionOptionCase.END ? end : 0;
  if (revision !== undefined) index = revision < BigInt(end) ? Number(revision) : end;
  for (; index < end && sent < count; index++, sent++) {
    if (!(await send(eventResponse(events[index]!, structuredUuid)))) return;
  }
}

/** Reads $all: forwards from a position inclusive, backwards from a position exclusive, like the server. */
export async function readAllOnce(
  log: EventLog,
  options: ReadReqOptions,
  filter: EventFilter | undefined,
  send: Send,
  structuredUuid: boolean,
): Promise<void> {
  const events = log.events;
  const end = events.length;
  const count = uint64(options.getCount());
  const case_ = options.getAll()!.getAllOptionCase();
  const position = requestedPosition(options);
  const backwards = options.getReadDirection() === BACKWARDS;
  let index: number;
  if (position) index = Math.min(firstIndexAtOrAfter(log, position), end);
  else if (case_ === AllOptionCase.END) index = end;
  else index = 0;
  const step = backwards ? -1 : 1;
  if (backwards) index -= 1;
  let sent = 0n;
  for (; index >= 0 && index < end && sent < count; index += step) {
    const event = events[index]!;
    if (filter && !filter.matches(event)) continue;
    if (!(await send(eventResponse(event, structuredUuid)))) return;
    sent++;
  }
}
