import {
  CSV_METADATA_FIELDS,
  CSV_QUOTE,
  type CsvReadOptions,
  MAX_CSV_READ_COUNT,
  MAX_READ_COUNT,
  type ReadAllOptions,
  type RecordedEvent,
} from './event-store.port.js';
import { comparePositions } from './position.js';

const quoted = (text: string): string =>
  `${CSV_QUOTE}${text.replaceAll(CSV_QUOTE, CSV_QUOTE + CSV_QUOTE)}${CSV_QUOTE}`;

/** A metadata field as readAllAsCsv sends it (what PostgreSQL's `->>` gives). */
function metadataField(value: unknown): string {
  if (value === undefined || value === null) return '';
  return quoted(typeof value === 'string' ? value : JSON.stringify(value));
}

/** One event as a row of readAllAsCsv (CSV_EVENT_COLUMNS). */
export function csvRow(event: RecordedEvent): string {
  return `${[
    event.position.commit.toString(),
    event.position.prepare.toString(),
    quoted(event.id),
    quoted(event.streamId),
    event.revision.toString(),
    quoted(event.type),
    quoted(JSON.stringify(event.data)),
    ...CSV_METADATA_FIELDS.map((field) => metadataField(event.metadata[field])),
    (event.createdAt.getTime() / 1_000).toFixed(3),
  ].join(',')}\n`;
}

/**
 * readAllAsCsv for a store without a bulk path of its own: readAll page by page, each
 * page one chunk of CSV.
 */
export async function* csvPagesOf(
  readAll: (options: ReadAllOptions) => Promise<RecordedEvent[]>,
  { after, to, maxCount }: CsvReadOptions,
): AsyncGenerator<string> {
  let remaining = Math.max(1, Math.min(maxCount, MAX_CSV_READ_COUNT));
  let from = after;
  while (remaining > 0) {
    const requested = Math.min(remaining, MAX_READ_COUNT);
    const page = await readAll({ after: from, maxCount: requested });
    const inRange = page.filter((event) => comparePositions(event.position, to) <= 0);
    if (inRange.length > 0) yield inRange.map(csvRow).join('');
    remaining -= inRange.length;
    if (inRange.length < page.length || page.length < requested) return;
    from = page.at(-1)!.position;
  }
}
