import { Inject, Injectable } from '@nestjs/common';
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type pg from 'pg';
import { EVENT_STORE, type EventStore } from '../event-store/event-store.port.js';
import {
  type Position,
  START,
  comparePositions,
  decodePosition,
  encodePosition,
} from '../event-store/position.js';
import { DATABASE_POOL } from '../infrastructure/database/database.tokens.js';
import { withSessionLock } from '../infrastructure/database/session-lock.js';
import { ValidationFailedError } from '../shared/ledger-errors.js';
import { type ExportProgress, exportEventRange } from './event-range-export.js';
import { type ExportFormat } from './export-datasets.js';
import {
  ExportBusyError,
  ExportDirectoryBusyError,
  ExportExistsError,
  ExportRangeNotFoundError,
  UnknownExportError,
} from './export.errors.js';
import { ensureWritable, readManifests, sweepUnlisted } from './export-files.js';
import {
  type EventsManifest,
  type ExportCommand,
  MANIFESTS_FOLDER,
  type ViewsManifest,
  eventsManifestName,
} from './export-manifest.js';
import { exportViewsSnapshot } from './views-snapshot-export.js';
import { type ExportDefinition, ExportsRepository } from './exports.repository.js';

/** Export names: short, and safe in a file name (manifests are named after them). */
const EXPORT_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;

export interface ExportRunResult {
  /** The export after the run (its checkpoint moved to the run's end). */
  readonly definition: ExportDefinition;
  /** Null when the log had nothing after the checkpoint: no files, no manifest. */
  readonly manifest: EventsManifest | null;
  /** The manifest's path, relative to the export's directory. */
  readonly manifestPath: string | null;
}

function resultOf(definition: ExportDefinition, manifest: EventsManifest | null): ExportRunResult {
  const manifestPath = manifest && `${MANIFESTS_FOLDER}/${eventsManifestName(manifest)}`;
  return { definition, manifest, manifestPath };
}

export interface RangeExportRequest {
  readonly directory: string;
  readonly format: ExportFormat;
  /** Exclusive; the start of the log when absent. */
  readonly from?: Position;
  /** Inclusive; the head when absent. */
  readonly to?: Position;
  readonly command: ExportCommand;
  readonly onProgress?: (progress: ExportProgress) => void;
}

/**
 * Warehouse exports of the event log: named, incremental exports with their checkpoint
 * in PostgreSQL, and one-off ranges. The CLI and the admin mutation call it.
 */
@Injectable()
export class ExportsService {
  private readonly exports: ExportsRepository;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DATABASE_POOL) private readonly pool: pg.Pool,
  ) {
    this.exports = new ExportsRepository(pool);
  }

  async create(name: string, directory: string, format: ExportFormat): Promise<ExportDefinition> {
    if (!EXPORT_NAME.test(name)) {
      throw new ValidationFailedError([
        {
          field: 'name',
          message: 'name must be 1 to 64 of a-z, 0-9, - and _, starting with a letter or digit',
        },
      ]);
    }
    const absolute = resolve(directory);
    await ensureWritable(absolute);
    if (!(await this.exports.create(name, absolute, format))) throw new ExportExistsError(name);
    return (await this.exports.find(name))!;
  }

  list(): Promise<ExportDefinition[]> {
    return this.exports.list();
  }

  async find(name: string): Promise<ExportDefinition> {
    const definition = await this.exports.find(name);
    if (!definition) throw new UnknownExportError(name);
    return definition;
  }

  /**
   * Runs a named export from its checkpoint to the head; one run of a name at a time, and
   * one writer in its directory at a time.
   */
  async run(
    name: string,
    command: ExportCommand,
    onProgress?: (progress: ExportProgress) => void,
  ): Promise<ExportRunResult> {
    const { directory } = await this.find(name);
    await ensureWritable(directory);
    const directoryKey = await directoryLockKey(directory);
    return withSessionLock(
      this.pool,
      [`ledger-export:${name}`, directoryKey],
      () => this.runLocked(name, command, onProgress),
      {
        onBusy: (index) =>
          index === 0 ? new ExportBusyError(name) : new ExportDirectoryBusyError(directory),
      },
    );
  }

  private async runLocked(
    name: string,
    command: ExportCommand,
    onProgress?: (progress: ExportProgress) => void,
  ): Promise<ExportRunResult> {
    const found = await this.find(name);
    const { definition, runs } = await this.recover(found);
    const repeated =
      command.commandId === null
        ? undefined
        : runs.find((manifest) => manifest.command.commandId === command.commandId);
    if (repeated) return resultOf(definition, repeated);
    const head = await this.store.headPosition();
    if (comparePositions(head, definition.checkpoint) <= 0) return resultOf(definition, null);
    const manifest = await exportEventRange(this.store, {
      directory: definition.directory,
      format: definition.format,
      from: definition.checkpoint,
      to: head,
      exportName: name,
      run: definition.runs + 1,
      command,
      onProgress,
    });
    if (!(await this.exports.advance(name, definition.checkpoint, head, manifest.events))) {
      throw new Error(`the checkpoint of export ${name} moved during its run`);
    }
    return resultOf(await this.find(name), manifest);
  }

  /**
   * A run whose manifest is on disk is done, even if its process died before the
   * checkpoint moved: the checkpoint catches up with the manifests (never the other way,
   * since a reader may already have loaded them). Then what no manifest lists goes.
   */
  private async recover(
    definition: ExportDefinition,
  ): Promise<{ definition: ExportDefinition; runs: EventsManifest[] }> {
    const manifests = (await readManifests(definition.directory)).map(({ manifest }) => manifest);
    const runs = manifests.filter(
      (manifest): manifest is EventsManifest =>
        manifest.kind === 'events' && manifest.exportName === definition.name,
    );
    let current = definition;
    for (;;) {
      const from = encodePosition(current.checkpoint);
      const finished = runs.find((manifest) => manifest.fromPosition === from);
      if (!finished) break;
      const to = decodeToken(finished.toPosition);
      await this.exports.advance(current.name, current.checkpoint, to, finished.events);
      current = await this.find(current.name);
    }
    await sweepUnlisted(definition.directory, manifests);
    return { definition: current, runs };
  }

  /** Snapshots of the views, in one consistent read, beside the log's exports. */
  async snapshotViews(
    directory: string,
    format: ExportFormat,
    command: ExportCommand,
  ): Promise<ViewsManifest> {
    const absolute = resolve(directory);
    await ensureWritable(absolute);
    return this.aloneIn(absolute, async () => {
      await sweepUnlisted(
        absolute,
        (await readManifests(absolute)).map(({ manifest }) => manifest),
      );
      return exportViewsSnapshot(this.pool, { directory: absolute, format, command });
    });
  }

  /** A one-off export of a range (no checkpoint): the same range always gives the same files. */
  async exportRange(request: RangeExportRequest): Promise<EventsManifest> {
    const head = await this.store.headPosition();
    const from = request.from ?? START;
    const to = request.to ?? head;
    if (comparePositions(to, head) > 0 || comparePositions(from, head) > 0) {
      throw new ExportRangeNotFoundError(
        `The log ends at ${encodePosition(head)}: no events up to ${encodePosition(comparePositions(to, head) > 0 ? to : from)}`,
      );
    }
    if (comparePositions(from, to) > 0) {
      throw new ExportRangeNotFoundError(
        `The range ends (${encodePosition(to)}) before it starts (${encodePosition(from)})`,
      );
    }
    const directory = resolve(request.directory);
    await ensureWritable(directory);
    return this.aloneIn(directory, async () => {
      await sweepUnlisted(
        directory,
        (await readManifests(directory)).map(({ manifest }) => manifest),
      );
      return exportEventRange(this.store, {
        ...request,
        directory,
        from,
        to,
        exportName: null,
        run: null,
      });
    });
  }

  /** Runs `work` as the only writer in `directory` (see directoryLockKey). */
  private async aloneIn<T>(directory: string, work: () => Promise<T>): Promise<T> {
    return withSessionLock(this.pool, [await directoryLockKey(directory)], work, {
      onBusy: () => new ExportDirectoryBusyError(directory),
    });
  }
}

/**
 * One writer per export directory: every run sweeps the files no manifest lists, which
 * would take another run's files renamed into place before its manifest. The lock is a
 * PostgreSQL session lock on the directory's real path (every export process has the
 * database for its checkpoints), so a writer that dies releases it with its connection.
 */
async function directoryLockKey(directory: string): Promise<string> {
  return `ledger-export-directory:${await realpath(directory)}`;
}

function decodeToken(token: string): Position {
  const position = decodePosition(token);
  if (!position) throw new Error(`a manifest holds ${JSON.stringify(token)}, which is no position`);
  return position;
}
