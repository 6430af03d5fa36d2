import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from '../../config/ledger-config.js';
import { type ReadinessVerdict } from '../../infrastructure/health/readiness-check.js';
import { Readiness } from '../../infrastructure/health/readiness.service.js';
import { describeError } from '../../shared/error-logging.js';
import { SearchIndexerService } from './search-indexer.service.js';

/** The ping's share of the readiness timeout: it answers itself, before the check is cut off. */
const PING_SHARE_OF_TIMEOUT = 0.8;

/**
 * Elasticsearch on /health/ready, when ELASTICSEARCH_URL is set: a ping without retries.
 * Unreachable, it is `degraded`, not `down`: it serves order search and the reports
 * only, every replica shares it, and taking them all out would refuse commands and
 * every other read with it (the indexer catches up by itself once it is back).
 */
@Injectable()
export class SearchIndexReadiness implements OnModuleInit {
  constructor(
    private readonly indexer: SearchIndexerService,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Optional() private readonly readiness?: Readiness,
  ) {}

  onModuleInit(): void {
    if (!this.indexer.client) return;
    this.readiness?.register({ key: 'elasticsearch', run: () => this.verdict() });
  }

  async verdict(): Promise<ReadinessVerdict> {
    const requestTimeout = this.config.health.readyCheckTimeoutMs * PING_SHARE_OF_TIMEOUT;
    try {
      await this.indexer.client!.ping({}, { requestTimeout, maxRetries: 0 });
      return { status: 'up' };
    } catch (error) {
      return { status: 'degraded', data: { message: describeError(error) } };
    }
  }
}
