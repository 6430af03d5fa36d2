import { type Attributes } from '@opentelemetry/api';
import { type RecordedEvent } from '../../event-store/event-store.port.js';
import { encodePosition } from '../../event-store/position.js';
import { CORRELATION_ATTRIBUTE, correlationIdsOf } from '../../infrastructure/telemetry/tracing.js';
import { type ProjectionBinding } from './projection.js';

/** A batch as the runner applies it: each projection with its events of the page. */
interface BatchSlice {
  readonly binding: ProjectionBinding;
  readonly events: readonly RecordedEvent[];
}

/** Slices of one batch are suffixes of one page: the longest holds every event of it. */
function longestOf(slices: readonly BatchSlice[]): readonly RecordedEvent[] {
  return slices.reduce((a, b) => (b.events.length > a.events.length ? b : a)).events;
}

/**
 * The batch's first and last positions, as a projector's log line names it: with them an
 * operator finds the batch's events (and their correlation ids) in the log, where a list
 * of up to a thousand ids would drown the line.
 */
export function batchRange(slices: readonly BatchSlice[]): string {
  const events = longestOf(slices);
  return `${encodePosition(events[0]!.position)}..${encodePosition(events.at(-1)!.position)}`;
}

/** What a batch's span says: the projections, the positions, the requests it carries on. */
export function batchSpanAttributes(slices: readonly BatchSlice[]): Attributes {
  const events = longestOf(slices);
  return {
    'ledger.projections': slices.map((slice) => slice.binding.checkpointName),
    'ledger.events': events.length,
    'ledger.position.first': encodePosition(events[0]!.position),
    'ledger.position.last': encodePosition(events.at(-1)!.position),
    [CORRELATION_ATTRIBUTE]: correlationIdsOf(events),
  };
}
