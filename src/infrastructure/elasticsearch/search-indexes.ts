import { type Client, type estypes } from '@elastic/elasticsearch';

type IndicesIndexSettings = estypes.IndicesIndexSettings;
type MappingProperty = estypes.MappingProperty;
type MappingTypeMapping = estypes.MappingTypeMapping;

/**
 * The search indexes. Each is reached through an alias (`ledger-orders`) that points at
 * one versioned index (`ledger-orders-<suffix>`): a rebuild fills a new index and moves
 * the alias in one request, so readers never see a half-built one.
 */
export interface SearchIndex {
  readonly alias: string;
  readonly mappings: MappingTypeMapping;
}

/** Longest id or symbol part (characters) that matches inside a word; ids are 36-character UUIDs. */
export const MAX_ID_PART = 40;
/** Shortest part of an id or symbol that a search word matches. */
export const MIN_ID_PART = 3;

/**
 * `id_part` indexes every 3-to-40-character slice of an id or symbol, lowercased;
 * `id_part_search` takes the search word whole, so a word matches exactly when it is a
 * part of the value (a substring, case-insensitively). A 36-character id costs 595
 * terms: search by part of an id is what the index is for.
 */
export const INDEX_SETTINGS: IndicesIndexSettings = {
  number_of_shards: 1,
  max_ngram_diff: MAX_ID_PART - MIN_ID_PART,
  analysis: {
    tokenizer: {
      id_part: { type: 'ngram', min_gram: MIN_ID_PART, max_gram: MAX_ID_PART, token_chars: [] },
    },
    analyzer: {
      id_part: { type: 'custom', tokenizer: 'id_part', filter: ['lowercase'] },
      id_part_search: { type: 'custom', tokenizer: 'keyword', filter: ['lowercase'] },
    },
  },
};

const keyword: MappingProperty = { type: 'keyword' };
/** Money and quantities: minor units as a long (sent as a JSON string, so read back exactly). */
const long: MappingProperty = { type: 'long' };
/** The exact position a document reflects, `commit.prepare`: compared by the indexer, never searched. */
const position: MappingProperty = { type: 'keyword', index: false };
/** Two 24-bit halves of a hash of the document: a sum aggregation over each stays exact (< 2^53) up to 2^29 documents. */
const hashHalf: MappingProperty = { type: 'integer' };

/** An id or symbol: exact (filters, facets, sort) and by part (text search). */
function idField(): MappingProperty {
  return {
    type: 'keyword',
    fields: { part: { type: 'text', analyzer: 'id_part', search_analyzer: 'id_part_search' } },
  };
}

export const ORDERS_INDEX: SearchIndex = {
  alias: 'ledger-orders',
  mappings: {
    dynamic: 'strict',
    properties: {
      order_id: idField(),
      account_id: idField(),
      customer_id: idField(),
      instrument: idField(),
      side: keyword,
      order_type: keyword,
      currency: keyword,
      // Words of the status (PARTIALLY_FILLED: partially, filled) for text search.
      status: { type: 'keyword', fields: { words: { type: 'text', analyzer: 'simple' } } },
      reason: { type: 'text', fields: { raw: { type: 'keyword', ignore_above: 512 } } },
      quantity: long,
      limit_price_minor: long,
      limit_price: keyword,
      filled_quantity: long,
      filled_notional_minor: long,
      filled_notional: keyword,
      fee_minor: long,
      fee: keyword,
      // Microseconds: a `date` keeps milliseconds only, and the search key has microseconds.
      placed_at: { type: 'date_nanos' },
      // The exact key `YYYY-MM-DDTHH:MM:SS.ffffffZ`: sorts as the time does, pages exactly.
      placed_key: keyword,
      expires_at: { type: 'date_nanos' },
      updated_at: { type: 'date_nanos' },
      // False for a fee whose order's placement the index has not seen yet (see the indexer).
      placed: { type: 'boolean' },
      position,
      hash_hi: hashHalf,
      hash_lo: hashHalf,
    },
  },
};

const posting: MappingProperty = {
  type: 'object',
  properties: { ledger_account: keyword, amount_minor: long, amount: keyword },
};

/** Payments (deposits, withdrawals, fees, refunds, trade settlements), each with its postings. */
export const PAYMENTS_INDEX: SearchIndex = {
  alias: 'ledger-payments',
  mappings: {
    dynamic: 'strict',
    properties: {
      payment_id: idField(),
      kind: keyword,
      event_type: keyword,
      account_id: idField(),
      customer_id: keyword,
      order_id: keyword,
      fill_id: keyword,
      side: keyword,
      currency: keyword,
      amount_minor: long,
      amount: keyword,
      reference: { type: 'text', fields: { raw: { type: 'keyword', ignore_above: 512 } } },
      occurred_at: { type: 'date_nanos' },
      postings: posting,
      position,
      hash_hi: hashHalf,
      hash_lo: hashHalf,
    },
  },
};

export const SEARCH_INDEXES: readonly SearchIndex[] = [ORDERS_INDEX, PAYMENTS_INDEX];

/** `ledger-orders-<suffix>`: the suffix is lowercase letters, digits and dashes (index names must be lowercase). */
export function versionedName(index: SearchIndex, suffix: string): string {
  if (!/^[a-z0-9][a-z0-9-]{0,60}$/.test(suffix)) throw new Error(`Bad index suffix "${suffix}"`);
  return `${index.alias}-${suffix}`;
}

/** A suffix that sorts by creation time: `20260105t090000123z`. */
export function timeSuffix(now: Date): string {
  return now.toISOString().replace(/[-:.]/g, '').toLowerCase();
}

export async function createVersionedIndex(
  client: Client,
  index: SearchIndex,
  suffix: string,
): Promise<string> {
  const name = versionedName(index, suffix);
  await client.indices.create({ index: name, settings: INDEX_SETTINGS, mappings: index.mappings });
  return name;
}

/** The concrete indexes an alias points at (none when the alias does not exist). */
export async function indexesOfAlias(client: Client, alias: string): Promise<string[]> {
  if (!(await client.indices.existsAlias({ name: alias }))) return [];
  return Object.keys(await client.indices.getAlias({ name: alias }));
}

/**
 * Makes sure each index's alias exists: a first start creates `<alias>-<suffix>` and
 * points the alias at it. Two processes starting at once may both create an index; the
 * alias goes to one, and the other index stays unused (harmless; a rebuild lists it).
 */
export async function ensureSearchIndexes(client: Client, now: Date = new Date()): Promise<void> {
  for (const index of SEARCH_INDEXES) {
    if ((await indexesOfAlias(client, index.alias)).length > 0) continue;
    const name = await createVersionedIndex(client, index, timeSuffix(now));
    await client.indices.updateAliases({ actions: [{ add: { index: name, alias: index.alias } }] });
  }
}
