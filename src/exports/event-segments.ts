import { CSV_EVENT_COLUMNS, CSV_QUOTE, type EventStore } from '../event-store/event-store.port.js';
import { type Position } from '../event-store/position.js';
import { CURRENCIES } from '../domain/money.js';
import {
  EVENT_VERSIONS,
  isDomainEventType,
  storedTypeName,
  storedTypeNames,
} from '../events/event-catalog.js';
import { decodeEvent, encodeEvent } from '../events/event-codec.js';
import { ACCOUNT_STREAM_PREFIX } from '../events/stream-names.js';
import { lookUpCurrencies } from './currency-lookup.js';
import { type DuckDbStaging, quote, stagedType } from './duckdb-staging.js';
import {
  EVENTS_DATASET,
  type Dataset,
  MONEY_FIELDS,
  POSTINGS_DATASET,
  QUANTITY_FIELDS,
} from './export-datasets.js';

/** What one segment staged: its events and postings, and its first and last positions. */
export interface StagedSegment {
  readonly events: number;
  readonly postings: number;
  readonly first: Position;
  readonly last: Position;
}

const CUSTOMER_CASH = 'customer-cash:';

/** The fields of an event's data the export reads: money, quantity, postings, owners. */
const DATA_SHAPE = JSON.stringify({
  ...Object.fromEntries(
    [...MONEY_FIELDS, ...QUANTITY_FIELDS].map(([, field]) => [field, 'VARCHAR']),
  ),
  postings: [{ ledgerAccount: 'VARCHAR', amountMinor: 'VARCHAR' }],
  orderId: 'VARCHAR',
  accountId: 'VARCHAR',
  currency: 'VARCHAR',
});

/**
 * Each column of the store's CSV (CSV_EVENT_COLUMNS, in the port's order) as DuckDB reads
 * it: its name in `seg` and its type. Keyed by the port's columns, so a column the port
 * adds or moves cannot be read under another's name.
 */
const CSV_READ_AS: Readonly<Record<(typeof CSV_EVENT_COLUMNS)[number], [string, string]>> = {
  commit: ['position_commit', 'UBIGINT'],
  prepare: ['position_prepare', 'UBIGINT'],
  event_id: ['event_id', 'VARCHAR'],
  stream_id: ['stream', 'VARCHAR'],
  revision: ['stream_revision', 'UBIGINT'],
  type: ['stored_type', 'VARCHAR'],
  data: ['data', 'VARCHAR'],
  occurredAt: ['occurred_at', 'VARCHAR'],
  correlationId: ['correlation_id', 'VARCHAR'],
  causationId: ['causation_id', 'VARCHAR'],
  commandId: ['command_id', 'VARCHAR'],
  userId: ['user_id', 'VARCHAR'],
  initiatorId: ['initiator_id', 'VARCHAR'],
  created_at: ['created_at', 'VARCHAR'],
};

/** read_csv's `columns`: every CSV column in order, named and typed as CSV_READ_AS says. */
const CSV_COLUMNS = `{${CSV_EVENT_COLUMNS.map((column) => {
  const [name, type] = CSV_READ_AS[column];
  return `${quote(name)}: ${quote(type)}`;
}).join(', ')}}`;

/**
 * Stored JSON whose minified form (DuckDB's `json()`) might not be the text the codec
 * writes: an escape (DuckDB writes `\u001F`, JavaScript `\u001f`), a number with a
 * fraction or an exponent, or an integer of 16 digits or more (JavaScript rounds past
 * 2^53), or a key of digits only (JavaScript puts those first). A number follows `":`,
 * `[` or `,` (and the space PostgreSQL puts there). Text inside a string that looks like
 * one of these is a false alarm: it only costs the codec's slower path.
 */
const NEEDS_CODEC = String.raw`\\u|(":|\[|,) ?-?[0-9]+[.eE]|(":|\[|,) ?-?[0-9]{16}|"[0-9]+":`;

/** Whether an event goes through the codec: an older schema version, or NEEDS_CODEC. */
const NEEDS_CODEC_CHECK = `NOT is_current OR regexp_matches(data, ${quote(NEEDS_CODEC)})`;

/** A loaded segment: events, first and last positions, events for the codec, rows out of order. */
type Summary = [number, string[], string[], number, number];

/** The data's fields the export reads, from `seg.data`. */
const FIELDS = `from_json(data, ${quote(DATA_SHAPE)})`;
const MOVES_MONEY = [
  'f.postings IS NOT NULL',
  ...MONEY_FIELDS.map(([, field]) => `f.${field} IS NOT NULL`),
].join(' OR ');
/** Whose currency a money event is in: its account's (an account stream), else its order's. */
const OWNER = `CASE WHEN moves_money THEN
  CASE WHEN starts_with(stream, ${quote(ACCOUNT_STREAM_PREFIX)})
       THEN 'account:' || substr(stream, ${ACCOUNT_STREAM_PREFIX.length + 1})
       ELSE 'order:' || f.orderId END END`;

/**
 * When an event was recorded (the CSV's seconds since the epoch) as the codec writes a
 * time: ISO 8601 in UTC, milliseconds cut (not rounded), as a JavaScript Date has them.
 */
const RECORDED_AT = `strftime(make_timestamp(CAST(CAST(created_at AS DECIMAL(38, 6)) * 1000000 AS BIGINT)),
  '%Y-%m-%dT%H:%M:%S.%gZ')`;

/** When it happened: its metadata's occurredAt, else when it was recorded. */
const OCCURRED_AT = `CASE WHEN coalesce(metadata_occurred_at, '') = '' THEN ${RECORDED_AT}
  ELSE metadata_occurred_at END`;

/** Rows per INSERT of recoded events. */
const RECODED_BATCH = 1_000;

const valuesList = (rows: readonly (readonly (string | number)[])[]): string =>
  rows
    .map((row) => `(${row.map((v) => (typeof v === 'number' ? v : quote(v))).join(', ')})`)
    .join(', ');

/** Each column of the events dataset as SQL over `priced` (see stage). */
const EVENT_EXPRESSIONS: Readonly<Record<string, string>> = {
  position: `position_commit || '.' || position_prepare`,
  currency_scale: 'scale',
  ...Object.fromEntries(
    [...MONEY_FIELDS, ...QUANTITY_FIELDS].map(([column, field]) => [column, `f.${field}::BIGINT`]),
  ),
};

/** Each column of the postings dataset as SQL over `priced` with its postings unnested. */
const POSTING_EXPRESSIONS: Readonly<Record<string, string>> = {
  posting_index: 'posting_index::INTEGER',
  ledger_account: 'p.ledgerAccount',
  account_id: `CASE WHEN starts_with(p.ledgerAccount, ${quote(CUSTOMER_CASH)}) THEN substr(p.ledgerAccount, ${CUSTOMER_CASH.length + 1}) END`,
  amount_minor: 'p.amountMinor::BIGINT',
  currency_scale: 'scale',
};

/** A dataset's staged relation: each column as the stage holds it (stagedType), then the day. */
const selectList = (dataset: Dataset, expressions: Readonly<Record<string, string>>): string =>
  [
    ...dataset.columns.map(
      (column) =>
        `CAST(${expressions[column.name] ?? column.name} AS ${stagedType(column)}) AS ${column.name}`,
    ),
    'date',
  ].join(', ');

/**
 * Flattens the log's events into the staged events and postings tables, a segment at a
 * time, inside DuckDB: the store's CSV is read by DuckDB itself, the JSON taken apart
 * with its JSON functions, and only what needs the codec (older schema versions, the
 * rare text DuckDB would write otherwise) or the port (currencies from before the range)
 * comes through JavaScript. The rows are what flattening each decoded event gave: the
 * data as the codec writes it, money as integer minor units.
 */
export class EventSegments {
  private viewsMade = false;

  private constructor(
    private readonly duck: DuckDbStaging,
    private readonly store: EventStore,
  ) {}

  /**
   * The tables every lane shares, made once per staging database: the stored type names,
   * and every account's and order's currency the range has taught so far.
   */
  static async prepare(duck: DuckDbStaging): Promise<void> {
    const types = Object.entries(EVENT_VERSIONS).flatMap(([type, version]) =>
      isDomainEventType(type)
        ? storedTypeNames(type).map((stored) => [
            stored,
            type,
            version,
            stored === storedTypeName(type) ? 'true' : 'false',
          ])
        : [],
    );
    await duck.run(
      `CREATE TABLE event_types AS SELECT stored_type, event_type, schema_version,
         is_current::BOOLEAN AS is_current FROM (VALUES ${valuesList(types)})
         t(stored_type, event_type, schema_version, is_current)`,
    );
    // It spills to the staging folder past DuckDB's memory limit, so memory stays flat as
    // the log grows. Segments learn into it in log order (see stage).
    await duck.run('CREATE TABLE owners (owner VARCHAR, currency VARCHAR)');
  }

  /**
   * Segments staged on `duck`, one at a time, in its TEMP tables and views (`seg`,
   * `priced`, `staged_events`, `staged_postings`): another connection of the same
   * database (a lane of its own) stages other segments beside it.
   */
  static async open(duck: DuckDbStaging, store: EventStore): Promise<EventSegments> {
    await duck.run(
      'CREATE TEMP TABLE recoded (position_commit UBIGINT, position_prepare UBIGINT, data VARCHAR)',
    );
    return new EventSegments(duck, store);
  }

  /**
   * Loads one segment's CSV (CSV_EVENT_COLUMNS) into `seg`, its JSON minified and taken
   * apart in the same pass, what needs the codec recoded, in log order; answers its events
   * and its first and last positions. Nothing here depends on other segments.
   */
  async load(csvPath: string): Promise<{ events: number; first?: Position; last?: Position }> {
    await this.duck.run(
      `CREATE OR REPLACE TEMP TABLE seg AS
       SELECT *, ${OWNER} AS owner, ${NEEDS_CODEC_CHECK} AS needs_codec FROM (
         SELECT *, ${MOVES_MONEY} AS moves_money FROM (
           SELECT *, ${FIELDS} AS f, left(occurred_at, 10) AS date FROM (
             SELECT * EXCLUDE (metadata_occurred_at), ${OCCURRED_AT} AS occurred_at FROM (
               SELECT r.position_commit, r.position_prepare, r.event_id, r.stream,
                      r.stream_revision, r.stored_type, t.event_type, t.schema_version,
                      coalesce(t.is_current, false) AS is_current, r.created_at,
                      NULL::VARCHAR AS currency, json(r.data)::VARCHAR AS data,
                      r.occurred_at AS metadata_occurred_at,
                      coalesce(r.correlation_id, '') AS correlation_id,
                      coalesce(r.causation_id, '') AS causation_id,
                      coalesce(r.command_id, '') AS command_id,
                      coalesce(r.user_id, '') AS user_id,
                      nullif(r.initiator_id, '') AS initiator_id
               FROM read_csv(${quote(csvPath)}, header = false, auto_detect = false,
                      delim = ',', quote = ${quote(CSV_QUOTE)}, escape = ${quote(CSV_QUOTE)},
                      allow_quoted_nulls = false, columns = ${CSV_COLUMNS}) r
               LEFT JOIN event_types t USING (stored_type)))))`,
    );
    const [[events, first, last, recoded, disordered]] = (await this.duck.rows<Summary>(
      `SELECT count(*)::INTEGER, min([c, p])::VARCHAR[], max([c, p])::VARCHAR[],
              count(*) FILTER (WHERE needs_codec)::INTEGER,
              count(*) FILTER (WHERE c < lc OR (c = lc AND p <= lp))::INTEGER
       FROM (SELECT position_commit AS c, position_prepare AS p, needs_codec,
                    lag(position_commit) OVER w AS lc, lag(position_prepare) OVER w AS lp
             FROM seg WINDOW w AS (ORDER BY rowid))`,
    )) as [Summary];
    if (events === 0) return { events };
    if (recoded > 0) await this.recode();
    // The staged rows are written out in the order they stand in `seg` (see StagingMode):
    // the log's order as the store sent it, checked above, restored here if some step
    // did not keep it.
    if (disordered > 0)
      await this.duck.run(
        'CREATE OR REPLACE TEMP TABLE seg AS SELECT * FROM seg ORDER BY position_commit, position_prepare',
      );
    const positionOf = ([commit, prepare]: readonly string[]): Position => ({
      commit: BigInt(commit!),
      prepare: BigInt(prepare!),
    });
    return { events, first: positionOf(first), last: positionOf(last) };
  }

  /**
   * Flattens the loaded segment into the staged relations (`staged_events`,
   * `staged_postings` and their days). Segments are staged in log order, one after the
   * other (a money event's currency may come from an opening in the segment before),
   * though loaded side by side.
   */
  async stage(): Promise<void> {
    await this.learnOwners();
    if (!this.viewsMade) await this.makeViews();
    this.viewsMade = true;
  }

  /**
   * The staged relations, as views over `seg`: made once per lane (a view finds the
   * table of its name when it is read, so each segment's new `seg`), since every
   * statement costs about a millisecond however few its rows.
   */
  private async makeViews(): Promise<void> {
    await this.duck.run(
      `CREATE OR REPLACE TEMP VIEW priced AS
       SELECT *, CASE currency ${Object.entries(CURRENCIES)
         .map(([code, digits]) => `WHEN ${quote(code)} THEN ${digits}`)
         .join(' ')} END AS scale
       FROM seg`,
    );
    await this.duck.run(
      `CREATE OR REPLACE TEMP VIEW staged_events AS
       SELECT ${selectList(EVENTS_DATASET, EVENT_EXPRESSIONS)} FROM priced`,
    );
    await this.duck.run(
      `CREATE OR REPLACE TEMP VIEW staged_postings AS
       SELECT ${selectList(POSTINGS_DATASET, POSTING_EXPRESSIONS)}
       FROM (SELECT *, unnest(f.postings) AS p,
                    generate_subscripts(f.postings, 1) - 1 AS posting_index
             FROM priced WHERE f.postings IS NOT NULL)`,
    );
    // Each dataset's days and rows, from `seg` (see StagingMode).
    await this.duck.run(
      `CREATE OR REPLACE TEMP VIEW staged_events_days AS
       SELECT date, count(*)::INTEGER AS rows FROM seg GROUP BY date`,
    );
    await this.duck.run(
      `CREATE OR REPLACE TEMP VIEW staged_postings_days AS
       SELECT date, sum(len(f.postings))::INTEGER AS rows FROM seg
       WHERE f.postings IS NOT NULL GROUP BY date HAVING sum(len(f.postings)) > 0`,
    );
  }

  /**
   * Events at an older schema version, or whose JSON DuckDB would write otherwise, go
   * through the codec (which upcasts them, and rejects a type it does not know).
   */
  private async recode(): Promise<void> {
    const rows = await this.duck.rows<[string, string, string, string, string]>(
      `SELECT position_commit::VARCHAR, position_prepare::VARCHAR, stream, stored_type, data
       FROM seg WHERE needs_codec`,
    );
    // The minified text parses to the same values as the stored text it came from.
    const values = rows.map(([commit, prepare, streamId, type, data]) => {
      const event = decodeEvent({ type, streamId, data: JSON.parse(data) as never });
      return `(${commit}, ${prepare}, ${quote(JSON.stringify(encodeEvent(event).data))})`;
    });
    for (let start = 0; start < values.length; start += RECODED_BATCH) {
      const batch = values.slice(start, start + RECODED_BATCH);
      await this.duck.run(`INSERT INTO recoded VALUES ${batch.join(', ')}`);
    }
    await this.duck.run(
      `UPDATE seg SET data = c.data FROM recoded c
       WHERE seg.position_commit = c.position_commit AND seg.position_prepare = c.position_prepare`,
    );
    // One column at a time: each is derived from the one before as it now stands.
    const recoded = `WHERE EXISTS (SELECT 1 FROM recoded c WHERE c.position_commit =
      seg.position_commit AND c.position_prepare = seg.position_prepare)`;
    await this.duck.run(`UPDATE seg SET f = ${FIELDS} ${recoded}`);
    await this.duck.run(`UPDATE seg SET moves_money = ${MOVES_MONEY} ${recoded}`);
    await this.duck.run(`UPDATE seg SET owner = ${OWNER} ${recoded}`);
    await this.duck.run('DELETE FROM recoded');
  }

  /**
   * Each money event's owner (its account, from an account stream; otherwise the order
   * it names) and that owner's currency: from the openings in the range, else read
   * through the port.
   */
  private async learnOwners(): Promise<void> {
    await this.duck.run(
      `INSERT INTO owners
       SELECT DISTINCT ON (owner) owner, currency FROM (
         SELECT CASE event_type WHEN 'AccountOpened' THEN 'account:' || f.accountId
                                ELSE 'order:' || f.orderId END AS owner,
                f.currency AS currency, position_commit, position_prepare
         FROM seg WHERE event_type IN ('AccountOpened', 'OrderPlaced')) opened
       WHERE owner IS NOT NULL AND owner NOT IN (SELECT owner FROM owners)
       ORDER BY owner, position_commit, position_prepare`,
    );
    // This segment's owners, a few thousand: joined against every owner of the range so
    // far instead, the UPDATE below took 200 ms a segment once a million events had passed.
    await this.duck.run(
      `CREATE OR REPLACE TEMP TABLE seg_owners AS SELECT owner, currency FROM owners
       WHERE owner IN (SELECT owner FROM seg WHERE moves_money)`,
    );
    const missing = await this.duck.rows<[string | null, string, string]>(
      `SELECT owner, min(stream), min(event_type) FROM seg
       WHERE moves_money AND (owner IS NULL OR owner NOT IN (SELECT owner FROM seg_owners))
       GROUP BY owner ORDER BY owner`,
    );
    const unowned = missing.find(([owner]) => owner === null);
    if (unowned) throw new Error(`no currency known for ${unowned[2]} at ${unowned[1]}`);
    const found = await lookUpCurrencies(
      this.store,
      missing.map(([owner]) => owner!),
    );
    if (found.size > 0) {
      const values = valuesList([...found].map(([owner, code]) => [owner, code]));
      for (const table of ['owners', 'seg_owners'])
        await this.duck.run(`INSERT INTO ${table} VALUES ${values}`);
    }
    await this.duck.run(
      'UPDATE seg SET currency = o.currency FROM seg_owners o WHERE seg.owner = o.owner',
    );
  }
}
