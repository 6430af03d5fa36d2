import 'reflect-metadata';
import { ConsoleLogger, type INestApplicationContext, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { QueryBus } from '@nestjs/cqrs';
import type pg from 'pg';
import { AppModule } from '../app.module.js';
import { type LedgerConfig, loadConfig } from '../config/ledger-config.js';
import { DataDirInUseError } from '../infrastructure/database/data-dir-lock.js';
import { DATABASE_POOL } from '../infrastructure/database/database.tokens.js';
import { EmbeddedPostgresServer } from '../infrastructure/database/embedded-postgres.server.js';
import {
  ProjectionBusyError,
  ProjectionsService,
  UnknownProjectionError,
} from '../projections/projections.service.js';
import { ProjectionsQuery } from '../queries/projections/projections.query.js';
import { LedgerError } from '../shared/ledger-errors.js';
import { type ProjectionStatusRow } from '../queries/repositories/projection-status.repository.js';
import { ALL_PROJECTIONS, type CliCommand } from './cli-args.js';
import { EXIT_ERROR, EXIT_OK, EXIT_REFUSED, err, out } from './cli-io.js';
import { chooseDatabase } from './database-target.js';
import { runExport } from './export-command.js';
import { formatParked, formatRebuildReport, formatStatus } from './ledger-output.js';
import { estimateLogEvents } from '../projections/engine/log-size.repository.js';
import { ProgressReporter } from './progress-bar.js';

/**
 * The `ledger` CLI's commands on a Nest application context: find the PostgreSQL, boot,
 * run one command, shut down. Loaded only for a valid command line (see ledger-commands.ts).
 */

/** The CLI runs one operation at a time: a few connections are plenty. */
const CLI_POOL_SIZE = 6;
/** Bound on shutting down (closing the pool, stopping an embedded server this process started). */
const CLOSE_TIMEOUT_MS = 30_000;

/** Nest's warnings and errors go to stderr with the progress, never into the output on stdout. */
class StderrLogger extends ConsoleLogger {
  protected override printMessages(
    messages: unknown[],
    context?: string,
    logLevel?: LogLevel,
    _writeStreamType?: 'stdout' | 'stderr',
    errorStack?: unknown,
    params?: Record<string, unknown>,
  ): void {
    super.printMessages(messages, context, logLevel, 'stderr', errorStack, params);
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

async function statuses(app: INestApplicationContext): Promise<ProjectionStatusRow[]> {
  const { value } = await app.get(QueryBus).execute(new ProjectionsQuery({}));
  return value;
}

async function rebuild(
  app: INestApplicationContext,
  config: LedgerConfig,
  name: string,
): Promise<number> {
  const projections = app.get(ProjectionsService);
  const pool = app.get<pg.Pool>(DATABASE_POOL);
  const names = name === ALL_PROJECTIONS ? projections.names : [name];
  for (const live of await statuses(app)) {
    if (!names.includes(live.name) || !live.lagEvents) continue;
    // Under writes this is common; with no projector running anywhere it is a dead end.
    err(
      `ledger: note: the live ${live.name} projector is ${live.lagEvents} event(s) behind the log; ` +
        'the swap waits (a bounded time) for it to reach the rebuilt copy, which takes a ' +
        'Ledger app running its projectors',
    );
  }
  // Lag counts rows of ledger_events: only a log in PostgreSQL has a size to show.
  const total = config.eventStoreUrl === undefined ? await estimateLogEvents(pool) : undefined;
  const reporter = new ProgressReporter(process.stderr, { label: names.join(', ') });
  const interrupted = (): void => {
    err(
      `\nledger: rebuild of ${name} interrupted: the live tables are untouched; ` +
        'the next rebuild drops the partial copy',
    );
    // The embedded server's exit hook stops it and exits; without one, exit here.
    if (process.listenerCount('SIGINT') === 0) process.exit(130);
  };
  process.once('SIGINT', interrupted);
  try {
    // The CLI is a process of its own already: the rebuild runs in it.
    const reports = await projections.rebuild(
      names,
      (progress) =>
        reporter.update({
          phase: progress.phase,
          applied: progress.applied,
          total,
          eventsPerSecond: progress.eventsPerSecond,
        }),
      { inThisProcess: true },
    );
    reporter.finish();
    out(reports.map(formatRebuildReport).join('\n\n'));
    return reports.every((report) => report.swapped) ? EXIT_OK : EXIT_REFUSED;
  } finally {
    reporter.finish();
    process.removeListener('SIGINT', interrupted);
  }
}

async function run(
  app: INestApplicationContext,
  config: LedgerConfig,
  command: CliCommand,
): Promise<number> {
  const projections = app.get(ProjectionsService);
  switch (command.name) {
    case 'status':
      out(formatStatus(await statuses(app)));
      return EXIT_OK;
    case 'parked':
      out(formatParked(await projections.listParked(command.projection), command.projection));
      return EXIT_OK;
    case 'replay-parked': {
      const { replayed, failed } = await projections.replayParked(command.projection);
      out(
        `Replayed ${replayed} parked event(s) of ${command.projection}; ${failed} failed again and stay parked.`,
      );
      return failed === 0 ? EXIT_OK : EXIT_ERROR;
    }
    case 'restart':
      await projections.restart(command.projection);
      out(
        `${command.projection}: status cleared (running). A Ledger app that runs its projectors ` +
          'resumes it from its checkpoint when it starts, or at once through the restartProjection mutation.',
      );
      return EXIT_OK;
    case 'rebuild':
      return rebuild(app, config, command.projection);
    case 'export':
      return runExport(app, config, command.action);
  }
}

async function closeWithin(app: INestApplicationContext, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      err(`ledger: shutdown took longer than ${timeoutMs / 1000} s; exiting`);
      resolve();
    }, timeoutMs);
  });
  try {
    await Promise.race([app.close(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function execute(command: CliCommand): Promise<number> {
  const { config: base, embedded } = await connect(loadConfig());
  try {
    // The CLI never runs the live projectors: a rebuild pauses them through PostgreSQL,
    // wherever they run (or finds them caught up when none runs).
    const config: LedgerConfig = {
      ...base,
      projectionsEnabled: false,
      databasePoolSize: Math.min(base.databasePoolSize, CLI_POOL_SIZE),
    };
    const app = await NestFactory.createApplicationContext(AppModule.forRoot(config), {
      logger: new StderrLogger({ logLevels: ['error', 'warn'] }),
      abortOnError: false,
    });
    try {
      return await run(app, config, command);
    } finally {
      await closeWithin(app, CLOSE_TIMEOUT_MS);
    }
  } finally {
    await embedded?.stop();
  }
}

/**
 * A configuration with DATABASE_URL set: the given one, the running instance's, or that
 * of an embedded server started here (and stopped by the caller, also after a failure).
 */
async function connect(
  loaded: LedgerConfig,
): Promise<{ config: LedgerConfig; embedded: EmbeddedPostgresServer | undefined }> {
  for (let attempt = 1; ; attempt++) {
    const target = await chooseDatabase(loaded);
    err(`ledger: using ${target.description}`);
    if (target.config.databaseUrl !== undefined) {
      return { config: target.config, embedded: undefined };
    }
    try {
      const embedded = await EmbeddedPostgresServer.start(target.config.dataDir);
      return { config: { ...target.config, databaseUrl: embedded.connectionString }, embedded };
    } catch (error) {
      // An app took the data directory in the meantime: use its server instead.
      if (!(error instanceof DataDirInUseError) || attempt >= 2) throw error;
    }
  }
}

function messageOf(error: unknown): string {
  if (error instanceof UnknownProjectionError || error instanceof ProjectionBusyError) {
    return error.message;
  }
  // An export's refusals carry the code a script can test for.
  if (error instanceof LedgerError) return `${error.message} (${error.code})`;
  return describe(error);
}

/** Runs one command and answers its exit code; failures are reported on stderr. */
export async function runCommand(command: CliCommand): Promise<number> {
  try {
    return await execute(command);
  } catch (error) {
    err(`ledger: ${messageOf(error)}`);
    return EXIT_ERROR;
  }
}
