import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { type EventStore } from '../event-store/event-store.port.js';
import { type Position, comparePositions, encodePosition } from '../event-store/position.js';
import { EVENT_VERSIONS } from '../events/event-catalog.js';
import { DuckDbStaging, type StagedFile } from './duckdb-staging.js';
import { EventSegments } from './event-segments.js';
import { EVENT_DATASETS, type ExportFormat } from './export-datasets.js';
import { publishRun } from './run-publication.js';
import {
  type EventsManifest,
  type ExportCommand,
  MANIFEST_VERSION,
  eventsManifestName,
} from './export-manifest.js';

/**
 * Events per segment: each segment is read from the store in one bulk read, staged, then
 * written as one file per day.
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

const segmentName = (first: Position, last: Position): string =>
  `${first.commit}_${first.prepare}-${last.commit}_${last.prepare}`;

interface StagedRange {
  readonly files: StagedFile[];
  readonly events: number;
  readonly postings: number;
}

/** Streams the next segment of the log (through the port's bulk read) into a CSV file. */
async function copySegment(
  store: EventStore,
  after: Position,
  to: Position,
  path: string,
): Promise<string> {
  await pipeline(
    store.readAllAsCsv({ after, to, maxCount: SEGMENT_EVENTS }),
    createWriteStream(path),
  );
  return path;
}

/**
 * Stages every event of the range, segment by segment, as files in the staging folder.
 * The next segment is read from the store while DuckDB works on this one.
 */
async function stageRange(
  store: EventStore,
  request: EventRangeRequest,
  staging: string,
): Promise<StagedRange> {
  const duck = await DuckDbStaging.open(EVENT_DATASETS, join(staging, 'spill'), 'relations');
  let next: Promise<string> | undefined;
  try {
    const segments = await EventSegments.open(duck, store);
    const files: StagedFile[] = [];
    const started = performance.now();
    let events = 0;
    let postings = 0;
    let index = 0;
    next = copySegment(store, request.from, request.to, join(staging, `segment-${index}.csv`));
    while (next) {
      const path = await next;
      next = undefined;
      const loaded = await segments.load(path);
      await rm(path);
      if (loaded.events === 0) break;
      const { first, last } = loaded as Required<typeof loaded>;
      if (loaded.events === SEGMENT_EVENTS && comparePositions(last, request.to) < 0) {
        index += 1;
        next = copySegment(store, last, request.to, join(staging, `segment-${index}.csv`));
      }
      postings += await segments.stage();
      files.push(...(await duck.writeOut(staging, segmentName(first, last), request.format)));
      events += loaded.events;
      const seconds = (performance.now() - started) / 1_000;
      request.onProgress?.({
        exported: events,
        eventsPerSecond: seconds > 0 ? events / seconds : 0,
      });
    }
    return { files, events, postings };
  } finally {
    // A failed segment's read still running is waited for, so the staging folder can go.
    await next?.catch(() => undefined);
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
