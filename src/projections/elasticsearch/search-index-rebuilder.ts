import { waitForCheckpoint } from '../engine/checkpoint-wait.js';
import { type Client } from '@elastic/elasticsearch';
import type pg from 'pg';
import { type EventStore } from '../../event-store/event-store.port.js';
import { type Position, comparePositions, encodePosition } from '../../event-store/position.js';
import { withSessionLock } from '../../infrastructure/database/session-lock.js';
import {
  type SearchIndex,
  SEARCH_INDEXES,
  createVersionedIndex,
  indexesOfAlias,
  timeSuffix,
} from '../../infrastructure/elasticsearch/search-indexes.js';
import { type CheckpointsRepository, pauseLockKey } from '../engine/checkpoints.repository.js';
import { type ParkedEventsRepository } from '../engine/parked-events.repository.js';
import { DEFAULT_RETRY, ProjectionRunner } from '../engine/projection-runner.js';
import { type OrderSearchIndexProjection } from './order-search-index.projection.js';

/** An index's document count and the sums of its documents' hash halves. */
export interface IndexFingerprint {
  readonly documents: number;
  readonly checksum: string;
}

export interface IndexParity {
  readonly alias: string;
  readonly live: IndexFingerprint;
  readonly rebuilt: IndexFingerprint;
}

export interface SearchRebuildReport {
  /** The position both copies had reached when they were compared. */
  readonly position: string;
  /** Each alias with the index it points at now and those it left (deleted). */
  readonly swapped: readonly { alias: string; index: string; retired: readonly string[] }[];
  readonly parity: readonly IndexParity[];
}

/** The rebuilt indexes differ from the live ones at the same position: nothing was swapped. */
export class SearchIndexParityError extends Error {
  override readonly name = 'SearchIndexParityError';
  constructor(readonly parity: readonly IndexParity[]) {
    super(
      `rebuilt search indexes differ from the live ones, alias not swapped: ${parity
        .filter((p) => !sameFingerprint(p))
        .map(
          (p) =>
            `${p.alias} live ${p.live.documents} documents, checksum ${p.live.checksum}; ` +
            `rebuilt ${p.rebuilt.documents} documents, checksum ${p.rebuilt.checksum}`,
        )
        .join('; ')}`,
    );
  }
}

function sameFingerprint({ live, rebuilt }: IndexParity): boolean {
  return live.documents === rebuilt.documents && live.checksum === rebuilt.checksum;
}

export interface SearchRebuildOptions {
  readonly batchSize: number;
  /** Bound on waiting for the live indexer to reach the rebuilt indexes before the swap. */
  readonly alignTimeoutMs: number;
  readonly now?: () => Date;
}

/** Catch-up rounds before the swap; each is shorter than the one before while writes continue. */
const MAX_CATCH_UP_ROUNDS = 5;

/**
 * Blue/green for the search indexes: new versioned indexes are filled from the start of
 * the log by a runner of their own (under the `#rebuild` checkpoint) while the live ones
 * keep serving and updating. Then the live indexer is paused between two batches (its
 * pause lock, as for the PostgreSQL views), the new indexes are brought to its position
 * and compared with the live ones (document count and the sums of every document's
 * hash), and only if all match does one `updateAliases` request move every alias; the
 * old indexes are then deleted. On a mismatch the new indexes are deleted and
 * SearchIndexParityError names both figures.
 */
export class SearchIndexRebuilder {
  constructor(
    private readonly client: Client,
    private readonly store: EventStore,
    private readonly pool: pg.Pool,
    private readonly checkpoints: CheckpointsRepository,
    private readonly parked: ParkedEventsRepository,
    private readonly projection: OrderSearchIndexProjection,
    private readonly options: SearchRebuildOptions,
  ) {}

  private get shadowName(): string {
    return `${this.projection.name}#rebuild`;
  }

  async rebuild(): Promise<SearchRebuildReport> {
    const suffix = timeSuffix(this.options.now?.() ?? new Date());
    const created = new Map<SearchIndex, string>();
    let swapped = false;
    try {
      for (const index of SEARCH_INDEXES) {
        created.set(index, await createVersionedIndex(this.client, index, suffix));
      }
      const client = await this.pool.connect();
      await this.checkpoints.reset(client, this.shadowName).finally(() => client.release());
      const runner = this.shadowRunner(created);
      const position = await this.catchUp(runner);
      await waitForCheckpoint(
        this.checkpoints,
        this.projection.name,
        position,
        this.options.alignTimeoutMs,
      );
      const report = await withSessionLock(this.pool, [pauseLockKey(this.projection.name)], () =>
        this.alignCompareSwap(runner, created),
      );
      swapped = true;
      return report;
    } finally {
      if (!swapped && created.size > 0) {
        await this.client.indices.delete({ index: [...created.values()] });
      }
      await this.checkpoints.deleteAll([this.shadowName]);
    }
  }

  private shadowRunner(created: ReadonlyMap<SearchIndex, string>): ProjectionRunner {
    const tables = Object.fromEntries([...created].map(([index, name]) => [index.alias, name]));
    const binding = { projection: this.projection, checkpointName: this.shadowName, tables };
    return new ProjectionRunner([binding], this.store, this.pool, this.checkpoints, this.parked, {
      batchSize: this.options.batchSize,
      retry: DEFAULT_RETRY,
      onFailure: 'stop',
    });
  }

  private async catchUp(runner: ProjectionRunner): Promise<Position> {
    let position = (await this.checkpoints.ensure(this.shadowName)).position;
    for (let round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
      const head = await this.store.headPosition();
      if (comparePositions(position, head) >= 0) break;
      await runner.catchUpTo(new Map([[this.shadowName, head]]));
      position = head;
    }
    return position;
  }

  /** With the live indexer paused: the new indexes to its position, compared, swapped. */
  private async alignCompareSwap(
    runner: ProjectionRunner,
    created: ReadonlyMap<SearchIndex, string>,
  ): Promise<SearchRebuildReport> {
    const live = (await this.checkpoints.ensure(this.projection.name)).position;
    await runner.catchUpTo(new Map([[this.shadowName, live]]));
    const reached = runner.committedPosition(this.shadowName);
    if (!reached || comparePositions(reached, live) !== 0) {
      throw new Error(
        `rebuilt indexes stopped at ${reached ? encodePosition(reached) : 'nothing'}, live is at ${encodePosition(live)}`,
      );
    }
    const pairs = [...created].map(([index, name]) => ({ alias: index.alias, name }));
    // Counts and aggregations see refreshed documents only.
    await this.client.indices.refresh({ index: pairs.flatMap((p) => [p.alias, p.name]) });
    const parity: IndexParity[] = [];
    for (const { alias, name } of pairs) {
      const [liveFingerprint, rebuilt] = await Promise.all([
        this.fingerprint(alias),
        this.fingerprint(name),
      ]);
      parity.push({ alias, live: liveFingerprint, rebuilt });
    }
    if (!parity.every(sameFingerprint)) throw new SearchIndexParityError(parity);
    const retired = await Promise.all(pairs.map((p) => indexesOfAlias(this.client, p.alias)));
    await this.client.indices.updateAliases({
      actions: pairs.flatMap(({ alias, name }, i) => [
        ...retired[i]!.map((old) => ({ remove: { index: old, alias } })),
        { add: { index: name, alias } },
      ]),
    });
    const old = retired.flat();
    if (old.length > 0) await this.client.indices.delete({ index: old });
    return {
      position: encodePosition(live),
      swapped: pairs.map(({ alias, name }, i) => ({ alias, index: name, retired: retired[i]! })),
      parity,
    };
  }

  private async fingerprint(index: string): Promise<IndexFingerprint> {
    const response = await this.client.search({
      index,
      size: 0,
      track_total_hits: true,
      aggs: { hi: { sum: { field: 'hash_hi' } }, lo: { sum: { field: 'hash_lo' } } },
    });
    const total = response.hits.total;
    const documents = typeof total === 'number' ? total : (total?.value ?? 0);
    const sum = (name: string): number =>
      (response.aggregations?.[name] as { value?: number | null } | undefined)?.value ?? 0;
    return { documents, checksum: `${sum('hi')}:${sum('lo')}` };
  }

  /** The swap needs both copies at one position: let the live indexer reach the new indexes first. */
}
