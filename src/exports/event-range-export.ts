import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type EventStore,
  MAX_READ_COUNT,
  type RecordedEvent,
} from '../event-store/event-store.port.js';
import { type Position, comparePositions, encodePosition } from '../event-store/position.js';
import { EVENT_VERSIONS } from '../events/event-catalog.js';
import { decodeEvent } from '../events/event-codec.js';
import { CurrencyLookup, type DecodedEvent } from './currency-lookup.js';
import { DuckDbStaging, type StagedFile } from './duckdb-staging.js';
import { flattenEvent } from './event-rows.js';
import {
  EVENTS_DATASET,
  EVENT_DATASETS,
  type ExportFormat,
  POSTINGS_DATASET,
} from './export-datasets.js';
import { publishRun } from './run-publication.js';
import {
  type EventsManifest,
  type ExportCommand,
  MANIFEST_VERSION,
  eventsManifestName,
} from './export-manifest.js';

/**
 * Events per segment: each segment's rows are staged, then written as one file per day.
 * Segments are cut by count from the range's start, so the same range always gives the
 * same files, and memory stays flat however long the range.
 */
export const SEGMENT_EVENTS = 25_000;

export interface ExportProgress {
  readonly exported: number;
  readonly eventsPerSecond: number;
}

export interface EventRangeRequest {
  readonly directory: string;
  readonly format: ExportFormat;
  /** Exclusive. */
  readonly from: Position;
  /** Inclusive: the head as it was when the run began. */
  readonly to: Position;
  readonly exportName: string | null;
  readonly run: number | null;
  readonly command: ExportCommand;
  readonly onProgress?: (progress: ExportProgress) => void;
}

/**
 * Pages of the log after `from` up to `to`, decoded to the current schema. The next page
 * is read while the caller works on this one: the store's round trip overlaps the work.
 */
async function* pagesOf(
  store: EventStore,
  from: Position,
  to: Position,
): AsyncGenerator<DecodedEvent[]> {
  let next: Promise<RecordedEvent[]> | undefined = store.readAll({
    after: from,
    maxCount: MAX_READ_COUNT,
  });
  while (next) {
    const records: RecordedEvent[] = await next;
    const inRange = records.filter((r) => comparePositions(r.position, to) <= 0);
    const more = inRange.length === records.length && records.length === MAX_READ_COUNT;
    next = more
      ? store.readAll({ after: records.at(-1)!.position, maxCount: MAX_READ_COUNT })
      : undefined;
    if (inRange.length > 0) {
      yield inRange.map((recorded) => ({ recorded, event: decodeEvent(recorded) }));
    }
  }
}

const segmentName = (first: Position, last: Position): string =>
  `${first.commit}_${first.prepare}-${last.commit}_${last.prepare}`;

interface StagedRange {
  readonly files: StagedFile[];
  readonly events: number;
  readonly postings: number;
}

/** Stages every event of the range, segment by segment, as files in the staging folder. */
async function stageRange(
  store: EventStore,
  request: EventRangeRequest,
  staging: string,
): Promise<StagedRange> {
  const duck = await DuckDbStaging.open(EVENT_DATASETS, join(staging, 'spill'));
  try {
    const currencies = new CurrencyLookup(store);
    const files: StagedFile[] = [];
    const started = performance.now();
    let events = 0;
    let postings = 0;
    let segment: { first: Position; last: Position; count: number } | undefined;
    for await (const page of pagesOf(store, request.from, request.to)) {
      await currencies.prepare(page);
      for (const { recorded, event } of page) {
        const row = flattenEvent(recorded, event, currencies.currencyOf(recorded, event));
        duck.append(EVENTS_DATASET, row.date, row.event);
        for (const posting of row.postings) duck.append(POSTINGS_DATASET, row.date, posting);
        postings += row.postings.length;
        events += 1;
        segment = {
          first: segment?.first ?? recorded.position,
          last: recorded.position,
          count: (segment?.count ?? 0) + 1,
        };
        if (segment.count === SEGMENT_EVENTS) {
          files.push(
            ...(await duck.writeOut(
              staging,
              segmentName(segment.first, segment.last),
              request.format,
            )),
          );
          segment = undefined;
        }
      }
      const seconds = (performance.now() - started) / 1_000;
      request.onProgress?.({
        exported: events,
        eventsPerSecond: seconds > 0 ? events / seconds : 0,
      });
    }
    if (segment)
      files.push(
        ...(await duck.writeOut(staging, segmentName(segment.first, segment.last), request.format)),
      );
    return { files, events, postings };
  } finally {
    duck.close();
  }
}

/** Exports the events of a range as one run (see publishRun). */
export function exportEventRange(
  store: EventStore,
  request: EventRangeRequest,
): Promise<EventsManifest> {
  return publishRun(
    request.directory,
    (staging) => stageRange(store, request, staging),
    (staged, files) => {
      const manifest: EventsManifest = {
        manifestVersion: MANIFEST_VERSION,
        kind: 'events',
        exportName: request.exportName,
        run: request.run,
        format: request.format,
        fromPosition: encodePosition(request.from),
        toPosition: encodePosition(request.to),
        events: staged.events,
        postings: staged.postings,
        schemaVersions: EVENT_VERSIONS,
        command: request.command,
        createdAt: new Date().toISOString(),
        files,
      };
      return { name: eventsManifestName(manifest), manifest };
    },
  );
}
