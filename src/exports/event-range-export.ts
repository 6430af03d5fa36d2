import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { type EventStore } from '../event-store/event-store.port.js';
import { type Position, comparePositions, encodePosition } from '../event-store/position.js';
import { EVENT_VERSIONS } from '../events/event-catalog.js';
import { DuckDbStaging, type StagedFile } from './duckdb-staging.js';
import { EventSegments } from './event-segments.js';
import { lastPositionOf } from './csv-tail.js';
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
  /** Events per segment; SEGMENT_EVENTS unless a test wants many small ones. */
  readonly segmentEvents?: number;
}

const segmentName = (first: Position, last: Position): string =>
  `${first.commit}_${first.prepare}-${last.commit}_${last.prepare}`;

/**
 * DuckDB connections staging segments side by side, one per core of the machines we run
 * on: one loads a segment while the other stages and writes the one before.
 */
const LANES = 2;

interface StagedRange {
  readonly files: StagedFile[];
  readonly events: number;
  readonly postings: number;
}

/** A segment of the log read from the store into a CSV file in the staging folder. */
interface CopiedSegment {
  readonly index: number;
  readonly path: string;
  /** Its last row's position, read from the file's end (see lastPositionOf). */
  readonly last: Position;
}

/**
 * Streams the segment after `after` (through the port's bulk read) into a CSV file;
 * undefined, and no file, when the range has no more events.
 */
async function copySegment(
  store: EventStore,
  request: EventRangeRequest,
  staging: string,
  index: number,
  after: Position,
): Promise<CopiedSegment | undefined> {
  const path = join(staging, `segment-${index}.csv`);
  const maxCount = request.segmentEvents ?? SEGMENT_EVENTS;
  await pipeline(store.readAllAsCsv({ after, to: request.to, maxCount }), createWriteStream(path));
  const last = await lastPositionOf(path);
  if (last === undefined) await rm(path);
  return last && { index, path, last };
}

const sumOf = <T>(items: readonly T[], count: (item: T) => number): number =>
  items.reduce((sum, item) => sum + count(item), 0);

/** A promise whose failure is handled where it is awaited later, not reported as unhandled. */
function awaitedLater<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => undefined);
  return promise;
}

/** Where each lane stands: the last segment put on it, loaded and written. */
interface Lane {
  readonly segments: EventSegments;
  readonly duck: DuckDbStaging;
  loaded: Promise<unknown>;
  written: Promise<unknown>;
}

/**
 * Stages every event of the range, segment by segment, as files in the staging folder:
 * the store reads the next segments while DuckDB's lanes load, stage and write the ones
 * before, each lane one segment at a time, segments staged in log order.
 */
async function stageRange(
  store: EventStore,
  request: EventRangeRequest,
  staging: string,
): Promise<StagedRange> {
  const duck = await DuckDbStaging.open(EVENT_DATASETS, join(staging, 'spill'), 'relations');
  const ducks = [duck];
  const segments: Promise<StagedRange>[] = [];
  // Set by a segment's failure, to stop reading more; the failure itself is thrown below.
  let failed = false;
  try {
    await EventSegments.prepare(duck);
    while (ducks.length < LANES) ducks.push(await duck.another());
    const lanes: Lane[] = [];
    for (const lane of ducks) {
      const done = Promise.resolve();
      lanes.push({
        segments: await EventSegments.open(lane, store),
        duck: lane,
        loaded: done,
        written: done,
      });
    }
    const progress = new ProgressReport(request.onProgress);
    let stagedBefore: Promise<unknown> = Promise.resolve();
    let after = request.from;
    for (let index = 0; !failed && comparePositions(after, request.to) < 0; index++) {
      const lane = lanes[index % LANES]!;
      // Read once the lane has taken in its segment before: at most one file waits per lane.
      await lane.loaded;
      const copied = await copySegment(store, request, staging, index, after);
      if (copied === undefined) break;
      const segment = stageSegment(lane, copied, stagedBefore, request.format);
      segments.push(awaitedLater(segment.written.then((staged) => progress.add(staged))));
      segment.written.catch(() => (failed = true));
      lane.loaded = awaitedLater(segment.loaded);
      lane.written = awaitedLater(segment.written);
      stagedBefore = awaitedLater(segment.staged);
      after = copied.last;
    }
    const done = await Promise.all(segments);
    return {
      files: done.flatMap((segment) => segment.files),
      events: sumOf(done, (segment) => segment.events),
      postings: sumOf(done, (segment) => segment.postings),
    };
  } finally {
    // Every lane's statements end before its database closes and the staging folder goes.
    await Promise.allSettled(segments);
    for (const lane of ducks.reverse()) lane.close();
  }
}

/**
 * One segment on its lane: loaded once the lane is free (beside the other lane's work),
 * staged once the segment before it is, then written out.
 */
function stageSegment(
  lane: Lane,
  copied: CopiedSegment,
  stagedBefore: Promise<unknown>,
  format: ExportFormat,
): { loaded: Promise<unknown>; staged: Promise<void>; written: Promise<StagedRange> } {
  const loaded = lane.written.then(async () => {
    const segment = await lane.segments.load(copied.path);
    await rm(copied.path);
    if (segment.events === 0 || comparePositions(segment.last!, copied.last) !== 0) {
      throw new Error(`segment ${copied.index} does not end where its file's last row does`);
    }
    return segment as Required<typeof segment>;
  });
  const staged = Promise.all([loaded, stagedBefore]).then(() => lane.segments.stage());
  const written = Promise.all([loaded, staged]).then(async ([segment]) => {
    const name = segmentName(segment.first, segment.last);
    const files = await lane.duck.writeOut(dirname(copied.path), name, format);
    const postings = files.filter((file) => file.dataset === 'postings');
    return { files, events: segment.events, postings: sumOf(postings, (file) => file.rows) };
  });
  return { loaded, staged, written };
}

/** The events written so far, as segments finish, over the time since the first began. */
class ProgressReport {
  private readonly started = performance.now();
  private events = 0;

  constructor(private readonly report: ((progress: ExportProgress) => void) | undefined) {}

  add(segment: StagedRange): StagedRange {
    this.events += segment.events;
    const seconds = (performance.now() - this.started) / 1_000;
    this.report?.({
      exported: this.events,
      eventsPerSecond: seconds > 0 ? this.events / seconds : 0,
    });
    return segment;
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
