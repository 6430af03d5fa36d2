import { type RebuildProgress, type RebuildReport } from '../engine/projection-rebuilder.js';

/** What an app asks of a rebuild's own process: its one message in. */
export interface RebuildRequest {
  /** The view projections to rebuild, by name. */
  readonly names: readonly string[];
  /** The app's PostgreSQL, where the views (and, without eventStoreUrl, the log) are. */
  readonly connectionString: string;
  readonly statementTimeoutMs: number | undefined;
  readonly eventStoreUrl: string | undefined;
  readonly batchSize: number;
  readonly alignTimeoutMs: number;
  readonly pace: number;
}

/** What a rebuild's process tells the app, in order: progress and log lines, then one ending. */
export type RebuildMessage =
  | { readonly type: 'progress'; readonly progress: RebuildProgress }
  | { readonly type: 'log'; readonly message: string }
  | { readonly type: 'done'; readonly reports: RebuildReport[] }
  | { readonly type: 'failed'; readonly message: string };
