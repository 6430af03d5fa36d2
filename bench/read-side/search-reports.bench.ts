/**
 * Search and reports on the PostgreSQL adapter: searchOrders latency for selective text
 * searches (under 1,000 hits) and broad filtered ones (over 100,000 hits) with facets, and
 * each report over a year of days, over a generated log of about a million orders; and
 * the catch-up rate of the search and report projectors from zero over that log, beside
 * the existing views' in the same run. `npm run bench:search -- --help` for the knobs.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { PostgresEventStore } from '../../src/infrastructure/event-store/postgres/postgres.event-store.js';
import { migrate } from '../../src/infrastructure/database/migrator.js';
import { MIGRATIONS } from '../../src/infrastructure/database/migrations/index.js';
import { ParkedEventsRepository } from '../../src/projections/engine/parked-events.repository.js';
import {
  VIEW_PROJECTIONS,
  orderSearchProjection,
  reportsProjection,
} from '../../src/projections/views/index.js';
import {
  type OrderSearchPort,
  type OrderSearchRequest,
} from '../../src/queries/search/order-search.port.js';
import { ElasticsearchOrderSearch } from '../../src/queries/search/elasticsearch-order-search.js';
import { createElasticsearchClient } from '../../src/infrastructure/elasticsearch/elasticsearch-client.js';
import { ensureSearchIndexes } from '../../src/infrastructure/elasticsearch/search-indexes.js';
import { AccountDirectory } from '../../src/projections/elasticsearch/account-directory.js';
import { OrderSearchIndexProjection } from '../../src/projections/elasticsearch/order-search-index.projection.js';
import { PostgresOrderSearch } from '../../src/queries/search/postgres-order-search.js';
import { OrderSearchRepository } from '../../src/queries/repositories/order-search.repository.js';
import { ReportsRepository } from '../../src/queries/repositories/reports.repository.js';
import { seededRandom } from '../../src/shared/seeded-random.js';
import {
  HistoryGenerator,
  defaultHistoryOptions,
} from '../../test-kit/trading-history.generator.js';
import { loadHistory } from '../../test-kit/history-loader.js';
import { VerificationError, log } from '../bench-session.js';
import { formatRate, renderTable } from '../stats.js';
import { type LatencySummary, formatMs, runBench, settle, summarizeLatencies } from './harness.js';
import { type ProjectionTiming, timedCatchUp } from './timed-catch-up.js';

/** Log events per order in the generated history (1,000,510 events hold 70,251 orders). */
const EVENTS_PER_ORDER = 14.25;
const PAGE = 50;

const OPTIONS = {
  orders: {
    kind: 'int',
    description: 'orders in the generated log (about 14 events each)',
    full: 1_000_000,
    quick: 5_000,
  },
  seed: { kind: 'int', description: 'history PRNG seed', full: 42, quick: 42 },
  samples: {
    kind: 'int',
    description: 'timed requests per query kind and run',
    full: 100,
    quick: 20,
  },
  'batch-size': {
    kind: 'int',
    description: 'events per projector batch while catching up',
    full: 5_000,
    quick: 1_000,
  },
} as const;

/** What a kind of request is measured against. */
interface Goal {
  readonly p99Ms: number;
  /** The hits a search of this kind must have, to be what it says it is. */
  readonly hits?: { readonly below?: number; readonly above?: number };
}

interface QueryKind {
  readonly name: string;
  readonly goal: Goal;
  /** The request for the i-th sample; searches report their hits. */
  request(i: number): () => Promise<number | undefined>;
}

interface QueryRecord extends LatencySummary {
  readonly kind: string;
  readonly run: number;
  readonly medianHits: number | null;
}

/** Real values to search for, drawn from the view: ids of orders and accounts. */
async function samplesOf(pool: pg.Pool, count: number) {
  const { rows } = await pool.query<{ order_id: string; account_id: string; instrument: string }>(
    `SELECT order_id, account_id, instrument FROM view_order_search TABLESAMPLE SYSTEM (1)
     LIMIT $1`,
    [count],
  );
  if (rows.length === 0) throw new VerificationError('no orders in view_order_search');
  const { rows: days } = await pool.query<{ first: string }>(
    `SELECT to_char(min(placed_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS first FROM view_order_search`,
  );
  return { rows, firstDay: days[0]!.first };
}

/**
 * With ELASTICSEARCH_URL set: the Elasticsearch indexer (caught up from zero like the
 * views, which measures its bulk-index throughput) and the reader over its indexes.
 */
function elasticsearchIndexer(pool: pg.Pool, store: PostgresEventStore) {
  const url = process.env['ELASTICSEARCH_URL'];
  if (!url) return undefined;
  const client = createElasticsearchClient(url);
  return {
    projection: new OrderSearchIndexProjection(
      client,
      new AccountDirectory(store),
      new ParkedEventsRepository(pool),
    ),
    reader: new ElasticsearchOrderSearch(client),
    ready: () => ensureSearchIndexes(client),
    close: () => client.close(),
  };
}

function yearFrom(day: string): { from: string; to: string } {
  const start = new Date(`${day}T00:00:00Z`);
  const end = new Date(start.getTime() + 364 * 86_400_000);
  return { from: day, to: end.toISOString().slice(0, 10) };
}

/** The search requests, labelled with the adapter they go to. */
function searchKinds(
  label: string,
  search: OrderSearchPort,
  samples: Awaited<ReturnType<typeof samplesOf>>,
): QueryKind[] {
  const pick = (i: number) => samples.rows[i % samples.rows.length]!;
  const searched = (request: OrderSearchRequest) => async (): Promise<number | undefined> =>
    (await search.search(request)).total;
  const selective: Goal = { p99Ms: 50, hits: { below: 1_000 } };
  const broad: Goal = { p99Ms: 500, hits: { above: 100_000 } };
  return [
    {
      name: `${label}: part of an order id (8 chars)`,
      goal: selective,
      request: (i) => searched({ text: pick(i).order_id.slice(9, 17), filter: {}, limit: PAGE }),
    },
    {
      name: `${label}: an account id`,
      goal: selective,
      request: (i) => searched({ text: pick(i).account_id, filter: {}, limit: PAGE }),
    },
    {
      name: `${label}: account part + instrument`,
      goal: selective,
      request: (i) =>
        searched({
          text: `${pick(i).account_id.slice(0, 8)} ${pick(i).instrument}`,
          filter: {},
          limit: PAGE,
        }),
    },
    {
      name: `${label}: status COMPLETED, facets`,
      goal: broad,
      request: () => searched({ filter: { statuses: ['COMPLETED'] }, limit: PAGE }),
    },
    {
      name: `${label}: text "AAPL", facets`,
      goal: broad,
      request: () => searched({ text: 'AAPL', filter: {}, limit: PAGE }),
    },
    {
      name: `${label}: BUY of AAPL or MSFT, facets`,
      goal: broad,
      request: () =>
        searched({ filter: { sides: ['BUY'], instruments: ['AAPL', 'MSFT'] }, limit: PAGE }),
    },
  ];
}

/** Every report over a year of days, from the PostgreSQL rollups (both configurations). */
function reportKinds(
  reports: ReportsRepository,
  samples: Awaited<ReturnType<typeof samplesOf>>,
): QueryKind[] {
  const year = yearFrom(samples.firstDay);
  const report = (read: () => Promise<unknown>) => () => async () => {
    await read();
    return undefined;
  };
  return [
    {
      name: 'feesReport, a year of days',
      goal: { p99Ms: 50 },
      request: report(() => reports.fees(year, 'DAY')),
    },
    {
      name: 'volumeReport, a year of days',
      goal: { p99Ms: 50 },
      request: report(() => reports.volume(year, 'DAY')),
    },
    {
      name: 'orderOutcomesReport, a year of days',
      goal: { p99Ms: 50 },
      request: report(() => reports.outcomes(year, 'DAY')),
    },
    {
      name: 'customerOrdersReport, a year of days',
      goal: { p99Ms: 50 },
      request: report(() => reports.customerOrders(year, 'DAY')),
    },
    {
      name: 'topAccountsReport, 10 per currency',
      goal: { p99Ms: 50 },
      request: report(() => reports.topAccounts(undefined, 10)),
    },
  ];
}

async function measure(kind: QueryKind, samples: number, run: number): Promise<QueryRecord> {
  // Unmeasured first requests: plans cached, pages in memory, as a running app has them.
  for (let i = 0; i < Math.min(5, samples); i++) await kind.request(i)();
  const latencies: number[] = [];
  const hits: number[] = [];
  for (let i = 0; i < samples; i++) {
    const request = kind.request(i);
    const started = performance.now();
    const found = await request();
    latencies.push(performance.now() - started);
    if (found !== undefined) hits.push(found);
  }
  hits.sort((a, b) => a - b);
  const medianHits = hits.length === 0 ? null : hits[Math.floor(hits.length / 2)]!;
  const { below, above } = kind.goal.hits ?? {};
  if (medianHits !== null && ((below && medianHits >= below) || (above && medianHits <= above))) {
    log(`  note: ${kind.name} found ${medianHits} hits (median), outside what its kind means`);
  }
  return { kind: kind.name, run, medianHits, ...summarizeLatencies(latencies) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function printQueries(kinds: readonly QueryKind[], records: readonly QueryRecord[]): void {
  const rows = kinds.map((kind) => {
    const mine = records.filter((record) => record.kind === kind.name);
    const p99 = median(mine.map((record) => record.p99));
    return [
      kind.name,
      mine[0]!.medianHits === null ? '—' : mine[0]!.medianHits.toLocaleString('en-US'),
      formatMs(median(mine.map((record) => record.p50))),
      formatMs(p99),
      `< ${kind.goal.p99Ms} ms`,
      p99 < kind.goal.p99Ms ? 'met' : 'NOT met',
    ];
  });
  log(
    `\n${renderTable(['request (medians of runs)', 'hits', 'p50', 'p99', 'goal p99', ''], rows)}`,
  );
}

runBench({
  name: 'search-reports',
  title: 'Search and reports bench (PostgreSQL adapter)',
  script: 'dist/bench/read-side/search-reports.bench.js',
  summary:
    'Catches the search and report projectors up from zero over a generated log of about a million\n' +
    'orders, beside the existing views; then times searchOrders (through the adapter, facets included)\n' +
    'and every report over a year of days, one request at a time. With ELASTICSEARCH_URL set, the\n' +
    "Elasticsearch indexer's catch-up (its bulk indexing) and the same searches against that server.",
  options: OPTIONS,
  describe: (o) =>
    `${o.orders.toLocaleString('en-US')} orders (seed ${o.seed}); ${o.samples} requests per kind in each of ${o.runs} run(s)`,
  async run(context) {
    const { options } = context;
    log('\nSetup (not timed)');
    const database = await context.database('search');
    const pool = context.pool(database.url, 10);
    await migrate(pool, MIGRATIONS);
    const events = Math.ceil(options.orders * EVENTS_PER_ORDER);
    const generator = new HistoryGenerator(
      seededRandom(options.seed),
      defaultHistoryOptions(events),
    );
    const loaded = await loadHistory(pool, generator, events);
    log(
      `  log: ${loaded.events.toLocaleString('en-US')} events, ${loaded.tally.ordersPlaced.toLocaleString('en-US')} orders, ` +
        `${loaded.tally.accountsOpened.toLocaleString('en-US')} accounts; loaded in ${loaded.seconds.toFixed(1)} s`,
    );
    const store = new PostgresEventStore(pool);
    context.defer(() => store.close());
    const head = await store.headPosition();

    log('\nCatch-up from zero (timed, once)');
    const catchUps: ProjectionTiming[] = [];
    // The views that were there before search and reports, in one runner as the app runs them.
    const existing = VIEW_PROJECTIONS.filter(
      (projection) => projection !== orderSearchProjection && projection !== reportsProjection,
    );
    const elastic = elasticsearchIndexer(pool, store);
    if (elastic) context.defer(() => elastic.close());
    const groups = [[orderSearchProjection], [reportsProjection], existing];
    for (const group of elastic ? [...groups, [elastic.projection]] : groups) {
      if (elastic && group[0] === elastic.projection) await elastic.ready();
      await settle(pool);
      const record = await timedCatchUp(
        pool,
        store,
        group,
        head,
        options['batch-size'],
        loaded.events,
      );
      catchUps.push(record);
      log(
        `  ${record.projection.padEnd(44)} ${formatRate(record.eventsPerSecond).padStart(12)}  ${record.seconds.toFixed(1)} s`,
      );
    }
    const { rows } = await pool.query<{ n: string }>('SELECT count(*) AS n FROM view_order_search');
    if (Number(rows[0]!.n) !== loaded.tally.ordersPlaced) {
      throw new VerificationError(
        `view_order_search holds ${rows[0]!.n} orders, the log ${loaded.tally.ordersPlaced}`,
      );
    }
    await pool.query('VACUUM ANALYZE');

    const samples = await samplesOf(pool, 1_000);
    const kinds = [
      ...searchKinds('search', new PostgresOrderSearch(new OrderSearchRepository(pool)), samples),
      ...(elastic ? searchKinds('Elasticsearch', elastic.reader, samples) : []),
      ...reportKinds(new ReportsRepository(pool), samples),
    ];
    const records: QueryRecord[] = [];
    for (let run = 1; run <= options.runs; run++) {
      log(`\nRun ${run} of ${options.runs} (load ${(os.loadavg()[0] ?? 0).toFixed(1)})`);
      for (const kind of kinds) {
        const record = await measure(kind, options.samples, run);
        records.push(record);
        log(
          `  ${kind.name.padEnd(40)} p50 ${formatMs(record.p50).padStart(9)}  p99 ${formatMs(record.p99).padStart(9)}` +
            (record.medianHits === null
              ? ''
              : `  hits ${record.medianHits.toLocaleString('en-US')}`),
        );
      }
    }
    printQueries(kinds, records);
    return {
      log: {
        events: loaded.events,
        orders: loaded.tally.ordersPlaced,
        accounts: loaded.tally.accountsOpened,
      },
      catchUps,
      queries: records,
    };
  },
});
