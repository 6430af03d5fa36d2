import { type FilterOptions, type ReadReqOptions } from './protos.js';
import { type StoredEvent } from './event-log.js';

export interface EventFilter {
  matches(event: StoredEvent): boolean;
  /** Events considered (matching or not) between two checkpoints of a filtered subscription. */
  readonly checkpointInterval: number;
}

/** The server reads pages of 32 and uses that as the search window unless the client sets `max`. */
const DEFAULT_SEARCH_WINDOW = 32;

/** undefined for `no_filter`. Like the server, a non-empty regex wins over prefixes. */
export function eventFilter(options: ReadReqOptions): EventFilter | undefined {
  if (!options.hasFilter()) return undefined;
  const filter = options.getFilter()!;
  const window = filter.hasMax() ? filter.getMax() : DEFAULT_SEARCH_WINDOW;
  const checkpointInterval = Math.max(1, filter.getCheckpointintervalmultiplier()) * window;
  const select = selector(filter);
  return { matches: select, checkpointInterval };
}

function selector(filter: FilterOptions): (event: StoredEvent) => boolean {
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier() : filter.getEventType();
  if (!expression) throw new Error('filter without an expression');
  const field = (event: StoredEvent): string => (onStream ? event.streamId : event.type);
  const regex = expression.getRegex();
  if (regex !== '') {
    const pattern = new RegExp(regex);
    return (event) => pattern.test(field(event));
  }
  const prefixes = expression.getPrefixList();
  return (event) => prefixes.some((prefix) => field(event).startsWith(prefix));
}
