import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { CheckpointsRepository } from '../../src/projections/engine/checkpoints.repository.js';
import { ParkedEventsRepository } from '../../src/projections/engine/parked-events.repository.js';
import { liveBinding } from '../../src/projections/engine/projection.js';
import { AccountDirectory } from '../../src/projections/elasticsearch/account-directory.js';
import {
  ORDER_SEARCH_ELASTICSEARCH,
  OrderSearchIndexProjection,
} from '../../src/projections/elasticsearch/order-search-index.projection.js';
import {
  SearchIndexParityError,
  SearchIndexRebuilder,
} from '../../src/projections/elasticsearch/search-index-rebuilder.js';
import { START, comparePositions } from '../../src/event-store/position.js';
import { CheckpointProgress } from '../../src/event-store/checkpoint-progress.js';
import { Leaderships } from '../../src/infrastructure/leadership/leaderships.service.js';
import { loadConfig } from '../../src/config/ledger-config.js';
import {
  ProjectionsService,
  UnknownProjectionError,
} from '../../src/projections/projections.service.js';
import {
  ORDERS_INDEX,
  PAYMENTS_INDEX,
  ensureSearchIndexes,
} from '../../src/infrastructure/elasticsearch/search-indexes.js';
import { ElasticsearchFake } from '../support/elasticsearch-fake.js';
import { lastLoggedPosition } from '../support/log-head.js';
import { accountEvents as account, appendLog, orderEvents as order } from './projected-events.js';
import { useProjectionDatabase } from './projection-database.fixture.js';

const FAST = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };

describe('order search indexer on Elasticsearch (in-process fake, PostgreSQL checkpoints)', () => {
  const db = useProjectionDatabase({ scope: 'test' });
  const { log } = db;
  let es: ElasticsearchFake;
  let projection: OrderSearchIndexProjection;
  const accountId = randomUUID();
  const orderId = randomUUID();

  beforeEach(async () => {
    es = new ElasticsearchFake();
    await ensureSearchIndexes(es.client, new Date('2026-01-05T09:00:00Z'));
    projection = new OrderSearchIndexProjection(
      es.client,
      new AccountDirectory(db.store),
      new ParkedEventsRepository(db.pool),
      FAST,
    );
  });

  function history(): void {
    log.account(accountId, account.opened(accountId, 'USD', 'customer-7'));
    log.account(accountId, account.deposited(accountId, 1_000_000n, 'wire 42'));
    log.order(orderId, order.placed(orderId, { accountId, instrument: 'AAPL', quantity: 10n }));
    log.account(accountId, account.feeCharged(accountId, orderId, 150n));
    log.order(orderId, order.accepted(orderId), order.filled(orderId, 4n, 19_010n));
    log.order(orderId, order.filled(orderId, 6n, 18_990n), order.completed(orderId));
  }

  async function indexAll(batchSize = 1_000) {
    await appendLog(db.store, log.events, 1);
    const runner = db.runner([liveBinding(projection)], {
      batchSize,
      retry: FAST,
      onFailure: 'stop',
    });
    await runner.catchUpTo(
      new Map([[ORDER_SEARCH_ELASTICSEARCH, await lastLoggedPosition(db.pool)]]),
    );
    return runner;
  }

  const checkpoint = async () =>
    (await new CheckpointsRepository(db.pool).ensure(ORDER_SEARCH_ELASTICSEARCH)).position;

  it('creates versioned indexes with strict mappings behind the aliases', () => {
    expect(es.created.map((c) => c.index)).toEqual([
      'ledger-orders-20260105t090000000z',
      'ledger-payments-20260105t090000000z',
    ]);
    const body = es.created[0]!.body as {
      mappings: { dynamic: string; properties: Record<string, { type: string }> };
      settings: { analysis: unknown };
    };
    expect(body.mappings.dynamic).toBe('strict');
    expect(body.mappings.properties['fee_minor']!.type).toBe('long');
    expect(body.mappings.properties['fee']!.type).toBe('keyword');
    expect(body.mappings.properties['placed_at']!.type).toBe('date_nanos');
    expect(body.mappings.properties['order_id']).toMatchObject({
      type: 'keyword',
      fields: { part: { analyzer: 'id_part', search_analyzer: 'id_part_search' } },
    });
    expect(es.aliases.get('ledger-orders')).toEqual(['ledger-orders-20260105t090000000z']);
  });

  it('folds orders with the orders fold and writes orders and payments in versioned bulks', async () => {
    history();
    await indexAll();

    const doc = es.documents(ORDERS_INDEX.alias).get(orderId)!;
    expect(doc.source).toMatchObject({
      customer_id: 'customer-7',
      instrument: 'AAPL',
      status: 'COMPLETED',
      filled_quantity: '10',
      filled_notional_minor: String(4n * 19_010n + 6n * 18_990n),
      fee_minor: '150',
      fee: '1.50',
      placed: true,
    });
    expect(doc.version).toBeGreaterThan(0);
    const payments = [...es.documents(PAYMENTS_INDEX.alias).values()].map((d) => d.source);
    expect(payments.map((p) => p['kind']).sort()).toEqual(['deposit', 'fee']);
    expect(payments.find((p) => p['kind'] === 'deposit')).toMatchObject({
      amount_minor: '1000000',
      amount: '10000.00',
      customer_id: 'customer-7',
      postings: [
        { ledger_account: 'external-bank', amount_minor: '-1000000', amount: '-10000.00' },
        { ledger_account: `customer-cash:${accountId}`, amount_minor: '1000000' },
      ],
    });
    const actionLines = es.bulks.flat().filter((line) => 'index' in (line as object));
    expect(actionLines).toContainEqual({
      index: expect.objectContaining({ _id: orderId, version_type: 'external_gte' }),
    });
    expect(actionLines).toContainEqual({
      index: expect.objectContaining({ _index: 'ledger-payments', version_type: 'external' }),
    });
    expect(comparePositions(await checkpoint(), await lastLoggedPosition(db.pool))).toBe(0);
  });

  it('a replay of acknowledged batches (crash before the checkpoint) changes no document', async () => {
    history();
    await indexAll(2);
    const before = structuredClone([...es.documents(ORDERS_INDEX.alias)]);
    const written = projection.counters.written;
    const client = await db.pool.connect();
    await new CheckpointsRepository(db.pool).reset(client, ORDER_SEARCH_ELASTICSEARCH);
    client.release();

    const runner = db.runner([liveBinding(projection)], {
      batchSize: 3,
      retry: FAST,
      onFailure: 'stop',
    });
    await runner.catchUpTo(
      new Map([[ORDER_SEARCH_ELASTICSEARCH, await lastLoggedPosition(db.pool)]]),
    );

    expect([...es.documents(ORDERS_INDEX.alias)]).toEqual(before);
    // Orders: the fold skipped every event at or below the stored position (nothing sent);
    // payments: sent again and refused as version conflicts, counted as applied.
    expect(projection.counters.written).toBe(written);
    expect(projection.counters.versionConflicts).toBe(2);
  });

  it('retries items turned away for load (429, rejected execution), then they are written', async () => {
    history();
    let refusals = 0;
    es.forceItem = () =>
      refusals++ < 2
        ? {
            status: 429,
            error: { type: 'es_rejected_execution_exception', reason: 'queue full' },
          }
        : undefined;
    await indexAll();
    expect(refusals).toBeGreaterThan(2);
    expect(es.documents(ORDERS_INDEX.alias).get(orderId)!.source['status']).toBe('COMPLETED');
    expect(await new ParkedEventsRepository(db.pool).list(ORDER_SEARCH_ELASTICSEARCH)).toEqual([]);
  });

  it('moves no checkpoint while an item is still turned away', async () => {
    history();
    es.forceItem = (meta) =>
      meta._index === 'ledger-payments'
        ? { status: 429, error: { type: 'es_rejected_execution_exception', reason: 'busy' } }
        : undefined;
    await appendLog(db.store, log.events, 1);
    const runner = db.runner([liveBinding(projection)], {
      batchSize: 100,
      retry: FAST,
      onFailure: 'stop',
    });
    await expect(
      runner.catchUpTo(new Map([[ORDER_SEARCH_ELASTICSEARCH, await lastLoggedPosition(db.pool)]])),
    ).rejects.toThrow(/stopped/);
    // The runner split the batch down to the first payment event and parked it (policy stop):
    // the checkpoint is still before it.
    const deposit = (await db.store.readAll({ maxCount: 10 }))[1]!;
    expect(deposit.type).toMatch(/^FundsDeposited/);
    expect(comparePositions(await checkpoint(), deposit.position)).toBeLessThan(0);
  });

  it('parks the events of an item refused for good (mapping), with the reason, and goes on', async () => {
    history();
    es.forceItem = (meta) =>
      meta._id === orderId
        ? {
            status: 400,
            error: { type: 'mapper_parsing_exception', reason: 'failed to parse field [quantity]' },
          }
        : undefined;
    await indexAll();
    const parked = await new ParkedEventsRepository(db.pool).list(ORDER_SEARCH_ELASTICSEARCH);
    expect(parked.length).toBeGreaterThan(0);
    expect(parked[0]!.error).toMatch(
      /mapper_parsing_exception: failed to parse field \[quantity\]/,
    );
    expect(es.documents(PAYMENTS_INDEX.alias).size).toBe(2);
    expect(comparePositions(await checkpoint(), START)).toBeGreaterThan(0);
  });

  it('replays a parked item through the projections service once its cause is gone, and restarts the indexer', async () => {
    history();
    es.forceItem = (meta) =>
      meta._id === orderId
        ? { status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad field' } }
        : undefined;
    await indexAll();
    expect(es.documents(ORDERS_INDEX.alias).has(orderId)).toBe(false);
    es.forceItem = () => undefined;

    const service = new ProjectionsService(
      db.store,
      db.pool,
      loadConfig({}),
      new CheckpointProgress(),
      new Leaderships(db.pool),
    );
    let restarts = 0;
    service.attach({ projection, restart: async () => void restarts++ });
    expect((await service.listParked(ORDER_SEARCH_ELASTICSEARCH)).length).toBeGreaterThan(0);

    const { replayed, failed } = await service.replayParked(ORDER_SEARCH_ELASTICSEARCH);
    expect({ replayed: replayed > 0, failed }).toEqual({ replayed: true, failed: 0 });
    expect(await service.listParked(ORDER_SEARCH_ELASTICSEARCH)).toEqual([]);
    expect(es.documents(ORDERS_INDEX.alias).get(orderId)!.source['status']).toBe('COMPLETED');

    const checkpoints = new CheckpointsRepository(db.pool);
    await checkpoints.setStatus(ORDER_SEARCH_ELASTICSEARCH, 'stopped', 'Elasticsearch was down');
    await service.restart(ORDER_SEARCH_ELASTICSEARCH);
    expect(restarts).toBe(1);
    expect((await checkpoints.ensure(ORDER_SEARCH_ELASTICSEARCH)).status).toBe('running');
    // The indexer is not a view: the views' rebuild does not take it.
    await expect(service.rebuild([ORDER_SEARCH_ELASTICSEARCH])).rejects.toThrow(
      UnknownProjectionError,
    );
  });

  function rebuilder() {
    return new SearchIndexRebuilder(
      es.client,
      db.store,
      db.pool,
      new CheckpointsRepository(db.pool),
      new ParkedEventsRepository(db.pool),
      projection,
      { batchSize: 3, alignTimeoutMs: 5_000, now: () => new Date('2026-02-01T00:00:00Z') },
    );
  }

  it('rebuilds blue/green: parity, then every alias moved in one updateAliases call', async () => {
    history();
    await indexAll();
    es.aliasUpdates.length = 0;
    const report = await rebuilder().rebuild();

    expect(es.aliasUpdates).toHaveLength(1);
    expect(es.aliasUpdates[0]).toEqual({
      actions: [
        { remove: { index: 'ledger-orders-20260105t090000000z', alias: 'ledger-orders' } },
        { add: { index: 'ledger-orders-20260201t000000000z', alias: 'ledger-orders' } },
        { remove: { index: 'ledger-payments-20260105t090000000z', alias: 'ledger-payments' } },
        { add: { index: 'ledger-payments-20260201t000000000z', alias: 'ledger-payments' } },
      ],
    });
    expect(es.indexes.has('ledger-orders-20260105t090000000z')).toBe(false);
    expect(report.parity.map((p) => p.live)).toEqual(report.parity.map((p) => p.rebuilt));
    expect(es.documents(ORDERS_INDEX.alias).get(orderId)!.source['status']).toBe('COMPLETED');
  });

  it('refuses the swap when the rebuilt indexes differ, naming both figures', async () => {
    history();
    await indexAll();
    // A live document the log does not explain.
    es.documents(ORDERS_INDEX.alias).get(orderId)!.source['hash_hi'] = 1;
    es.aliasUpdates.length = 0;

    await expect(rebuilder().rebuild()).rejects.toThrow(SearchIndexParityError);
    await expect(rebuilder().rebuild()).rejects.toThrow(
      /ledger-orders live 1 documents, checksum \d+:\d+; rebuilt 1 documents, checksum \d+:\d+/,
    );
    expect(es.aliasUpdates).toEqual([]);
    expect([...es.indexes.keys()].sort()).toEqual([
      'ledger-orders-20260105t090000000z',
      'ledger-payments-20260105t090000000z',
    ]);
  });
});
