import { type Client } from '@elastic/elasticsearch';
import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  Optional,
} from '@nestjs/common';
import type pg from 'pg';
import { LEDGER_CONFIG, type LedgerConfig } from '../../config/ledger-config.js';
import { CheckpointProgress } from '../../event-store/checkpoint-progress.js';
import { EVENT_STORE, type EventStore } from '../../event-store/event-store.port.js';
import { DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type LeaderElection } from '../../infrastructure/leadership/leader-election.js';
import { Leaderships } from '../../infrastructure/leadership/leaderships.service.js';
import { createElasticsearchClient } from '../../infrastructure/elasticsearch/elasticsearch-client.js';
import { ensureSearchIndexes } from '../../infrastructure/elasticsearch/search-indexes.js';
import { MetricsRegistry } from '../../infrastructure/metrics/metrics.registry.js';
import { type BackoffPolicy } from '../../infrastructure/resilience/backoff.js';
import { BackgroundLoop } from '../../infrastructure/resilience/background-loop.js';
import { describeError } from '../../shared/error-logging.js';
import { CheckpointsRepository } from '../engine/checkpoints.repository.js';
import { ParkedEventsRepository } from '../engine/parked-events.repository.js';
import { liveBinding } from '../engine/projection.js';
import { ProjectionRunner } from '../engine/projection-runner.js';
import { ProjectionsService } from '../projections.service.js';
import { ProjectionBatchMetrics } from '../projection-batch.metrics.js';
import { AccountDirectory } from './account-directory.js';
import { OrderSearchIndexProjection } from './order-search-index.projection.js';
import { SearchIndexRebuilder, type SearchRebuildReport } from './search-index-rebuilder.js';

/**
 * More patience than the views' runner: a batch that keeps failing is parked and, by
 * policy, stops the indexer, and an Elasticsearch restart takes longer than PostgreSQL's
 * (about 3 minutes of attempts in all).
 */
const INDEXER_RETRY: BackoffPolicy = { maxAttempts: 10, baseDelayMs: 500, maxDelayMs: 30_000 };
const REBUILD_BATCH_SIZE = 5_000;
const REBUILD_ALIGN_TIMEOUT_MS = 120_000;

/**
 * Keeps the order-search and payments indexes when ELASTICSEARCH_URL is set (and does
 * nothing otherwise): one projection runner of its own, so that Elasticsearch's pace
 * never holds back the PostgreSQL views, publishing its checkpoint on CheckpointProgress
 * like theirs. The indexes (and their aliases) are made on the first pass, which is
 * retried in the background while Elasticsearch is not reachable.
 */
@Injectable()
export class SearchIndexerService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('SearchIndexer');
  readonly client: Client | undefined;
  private readonly projection: OrderSearchIndexProjection | undefined;
  private readonly runner: ProjectionRunner | undefined;
  private readonly starter: BackgroundLoop | undefined;
  /** Runs the starter (then the runner) while this process leads the `search-index` group. */
  private readonly election: LeaderElection | undefined;
  /** Set once the indexes exist and the runner first started: a restart may start it again. */
  private runnerStarted = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(DATABASE_POOL) private readonly pool: pg.Pool,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    progress: CheckpointProgress,
    private readonly projections: ProjectionsService,
    leaderships: Leaderships,
    @Optional() private readonly metrics?: MetricsRegistry,
    @Optional() batches?: ProjectionBatchMetrics,
  ) {
    if (!config.elasticsearchUrl) return;
    this.client = createElasticsearchClient(config.elasticsearchUrl);
    const parked = new ParkedEventsRepository(pool);
    this.projection = new OrderSearchIndexProjection(
      this.client,
      new AccountDirectory(store),
      parked,
    );
    this.runner = new ProjectionRunner(
      [liveBinding(this.projection)],
      store,
      pool,
      new CheckpointsRepository(pool),
      parked,
      {
        batchSize: config.projectionBatchSize,
        retry: INDEXER_RETRY,
        onFailure: config.projectionOnFailure,
        onAdvanced: (name, position) => progress.advanced(name, position),
        ...(batches && { observer: batches }),
        log: (message) => this.logger.warn(message),
      },
    );
    const client = this.client;
    const runner = this.runner;
    this.starter = new BackgroundLoop(
      async () => {
        await ensureSearchIndexes(client);
        runner.start();
        this.runnerStarted = true;
        return false;
      },
      (error) => this.logger.warn(`search indexes not ready: ${describeError(error)}; retrying`),
    );
    const starter = this.starter;
    this.election = leaderships.elect('search-index', {
      start: () => starter.start(),
      stop: async () => {
        await starter.stop();
        await runner.stop();
        this.runnerStarted = false;
      },
    });
  }

  onApplicationBootstrap(): void {
    if (!this.projection || !this.config.projectionsEnabled) return;
    this.registerMetrics(this.projection);
    this.projections.attach({ projection: this.projection, restart: () => this.restartRunner() });
    this.election?.start();
  }

  /**
   * After restartProjection: the runner reads its checkpoints again, so a projector that
   * stopped (Elasticsearch down longer than its retries) goes on. Before the indexes were
   * first made, the starter is still at it and starts the runner itself.
   */
  private async restartRunner(): Promise<void> {
    if (!this.runner || !this.runnerStarted) return;
    await this.runner.stop();
    // The lead may have been lost meanwhile: then the runner stays stopped.
    if (this.runnerStarted) this.runner.start();
  }

  private registerMetrics(projection: OrderSearchIndexProjection): void {
    const { counters } = projection;
    this.metrics?.gauge(
      {
        name: 'ledger_search_index_items',
        help: 'Search index bulk items since the process started, by outcome',
        labelNames: ['outcome'],
      },
      () => [
        { labels: { outcome: 'written' }, value: counters.written },
        { labels: { outcome: 'version_conflict' }, value: counters.versionConflicts },
        { labels: { outcome: 'parked' }, value: counters.parked },
      ],
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.election?.stop();
    await this.client?.close();
  }

  /** Whether ELASTICSEARCH_URL is set: there are indexes to keep. */
  get configured(): boolean {
    return this.client !== undefined;
  }

  /** Blue/green rebuild of the search indexes (see SearchIndexRebuilder). */
  rebuild(): Promise<SearchRebuildReport> {
    if (!this.client || !this.projection) {
      throw new Error('ELASTICSEARCH_URL is not set: there are no search indexes to rebuild');
    }
    const parked = new ParkedEventsRepository(this.pool);
    return new SearchIndexRebuilder(
      this.client,
      this.store,
      this.pool,
      new CheckpointsRepository(this.pool),
      parked,
      this.projection,
      { batchSize: REBUILD_BATCH_SIZE, alignTimeoutMs: REBUILD_ALIGN_TIMEOUT_MS },
    ).rebuild();
  }
}
