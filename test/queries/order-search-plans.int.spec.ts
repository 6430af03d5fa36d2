import type pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { type ReadQueries } from '../../src/infrastructure/database/read-pool.js';
import { OrderSearchRepository } from '../../src/queries/repositories/order-search.repository.js';
import { type OrderSearchRequest } from '../../src/queries/search/order-search.port.js';
import { INDEXED_WINDOW_LENGTH } from '../../src/queries/search/search-words.js';
import { useProjectionDatabase } from '../projections/projection-database.fixture.js';

const db = useProjectionDatabase();

/** The statements a search sends, with their parameters. */
async function statementsOf(
  pool: pg.Pool,
  request: OrderSearchRequest,
): Promise<{ page: [string, unknown[]]; counts: [string, unknown[]] }> {
  const sent: [string, unknown[]][] = [];
  const recording: ReadQueries = {
    query: (statement, values) => {
      const text = typeof statement === 'string' ? statement : statement.text;
      sent.push([text, values ?? []]);
      return pool.query(text, values);
    },
  };
  await new OrderSearchRepository(recording).search(request);
  const page = sent.find(([text]) => text.includes('LIMIT') && !text.includes('RECURSIVE'))!;
  const counts = sent.find(([text]) => text.includes('GROUPING SETS'))!;
  return { page, counts };
}

/**
 * The plan PostgreSQL picks when it may not read the whole table (too small a table to
 * tell otherwise), nor the scans named.
 */
async function planOf(
  pool: pg.Pool,
  [text, values]: [string, unknown[]],
  disabled: readonly string[] = ['enable_bitmapscan'],
): Promise<string> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (const setting of ['enable_seqscan', ...disabled]) {
      await client.query(`SET LOCAL ${setting} = off`);
    }
    const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${text}`, values);
    return rows.map((row) => row['QUERY PLAN']).join('\n');
  } finally {
    await client.query('ROLLBACK');
    client.release();
  }
}

/**
 * How the broad and the long-word searches are answered: what the benchmark showed slow
 * when it was not so. The results themselves are the contract suite's.
 */
describe('order search plans', () => {
  beforeAll(async () => {
    await db.pool.query('TRUNCATE view_order_search');
    await db.pool.query(
      `INSERT INTO view_order_search (order_id, account_id, customer_id, side, order_type,
         instrument, currency, quantity, status, placed_at, updated_at)
       SELECT md5(i::text), md5((i % 300)::text), 'c' || (i % 50), (ARRAY['BUY','SELL'])[1 + i % 2],
              'MARKET', (ARRAY['AAPL','MSFT','SAP'])[1 + i % 3], 'USD', 1,
              (ARRAY['COMPLETED','CANCELLED','REJECTED'])[1 + i % 3],
              now() - i * interval '1 minute', now()
         FROM generate_series(1, 3000) AS i`,
    );
    await db.pool.query('VACUUM ANALYZE view_order_search');
  });

  it('pages newest first straight off the placement index, with no sort of the matches', async () => {
    const { page } = await statementsOf(db.pool, {
      filter: { statuses: ['COMPLETED'] },
      limit: 50,
    });
    const plan = await planOf(db.pool, page);
    expect(plan).toContain('view_order_search_placed');
    expect(plan).not.toMatch(/Sort/);
  });

  it('counts a search without text from a covering index alone, led by what it filters', async () => {
    const cases = [
      { filter: { statuses: ['COMPLETED'] }, index: 'view_order_search_facets' },
      {
        filter: { sides: ['BUY'], instruments: ['SAP', 'MSFT'] },
        index: 'view_order_search_instrument_facets',
      },
    ];
    for (const { filter, index } of cases) {
      const { counts } = await statementsOf(db.pool, { filter, limit: 50 });
      const plan = await planOf(db.pool, counts);
      expect(plan).toContain(`Index Only Scan using ${index} `);
      expect(plan).not.toMatch(/Filter: .*side/);
    }
  });

  it('counts the orders of an instrument that a word names from the index alone', async () => {
    const { counts } = await statementsOf(db.pool, { text: 'aapl', filter: {}, limit: 50 });
    const plan = await planOf(db.pool, counts, []);
    expect(plan).toContain('Index Only Scan using view_order_search_instrument_facets');
    // The rest (orders matched by their text columns) through the text indexes.
    expect(plan).toMatch(/Bitmap Index Scan on view_order_search_(tsv|keys)/);
    expect(plan).not.toMatch(/Seq Scan/);
  });

  it('looks a long word up in the trigram index by its first characters only', async () => {
    const { rows } = await db.pool.query<{ id: string }>(`SELECT md5('7') AS id`);
    const word = rows[0]!.id;
    const { page } = await statementsOf(db.pool, { text: word, filter: {}, limit: 50 });
    const indexConditions = (await planOf(db.pool, page, []))
      .split('\n')
      .filter((line) => line.includes('Index Cond') && line.includes('~~*'));
    expect(indexConditions).toEqual([
      expect.stringContaining(`'%${word.slice(0, INDEXED_WINDOW_LENGTH)}%'`),
    ]);
    expect(indexConditions.join('')).not.toContain(word);
  });
});
