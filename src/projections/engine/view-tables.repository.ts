import type pg from 'pg';

export interface TableFingerprint {
  readonly rows: number;
  /** Order-independent checksum of every row's full text. */
  readonly checksum: string;
}

/** The indexes a shadow is created without, to be built once it is loaded. */
export interface DeferredIndexes {
  readonly table: string;
  readonly definitions: readonly string[];
}

/**
 * The bound on a rebuild's statements over a whole view table (turning a shadow logged,
 * building its indexes, fingerprinting a table for the parity check), in place of the
 * pool's statement_timeout (30 s), which bounds requests: these grow with the view, and
 * a view of a hundred-million-event log takes minutes to rewrite, index or checksum.
 */
export const WHOLE_TABLE_STATEMENT_TIMEOUT_MS = 60 * 60_000;

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** DDL and parity checks on a projection's view tables (blue/green rebuilds). */
export class ViewTablesRepository {
  constructor(private readonly pool: pg.Pool) {}

  /**
   * A fresh, empty copy of `live` with its columns, defaults and keys, built for a bulk
   * load: unlogged, and without the indexes no upsert needs (their definitions are
   * returned for finishShadow). A rebuild never resumes a shadow after a crash (it
   * drops it and starts over), so losing an unlogged table's rows in one costs nothing.
   */
  async createShadow(live: string, shadow: string): Promise<DeferredIndexes> {
    await this.pool.query(`DROP TABLE IF EXISTS ${quote(shadow)}`);
    await this.pool.query(
      `CREATE UNLOGGED TABLE ${quote(shadow)} (LIKE ${quote(live)} INCLUDING ALL)`,
    );
    const { rows } = await this.pool.query<{ name: string; definition: string }>(
      `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
       WHERE i.indrelid = $1::regclass AND NOT i.indisunique`,
      [quote(shadow)],
    );
    for (const { name } of rows) await this.pool.query(`DROP INDEX ${quote(name)}`);
    return { table: shadow, definitions: rows.map((row) => row.definition) };
  }

  /**
   * Makes a bulk-loaded shadow like its live table: logged (one sequential write of the
   * table into the WAL), with its remaining indexes (built at once, faster than row by
   * row) and fresh planner statistics for the queries it will serve.
   */
  async finishShadow(deferred: DeferredIndexes): Promise<void> {
    const client = await this.pool.connect();
    try {
      // An index build keeps to one core (no parallel workers): the live path has the other.
      await client.query('SET max_parallel_maintenance_workers = 0');
      await client.query(`SET statement_timeout = ${WHOLE_TABLE_STATEMENT_TIMEOUT_MS}`);
      await client.query(`ALTER TABLE ${quote(deferred.table)} SET LOGGED`);
      for (const definition of deferred.definitions) await client.query(definition);
      await client.query(`ANALYZE ${quote(deferred.table)}`);
      // Back to the connection's own settings (the pool's) before it is pooled again.
      await client.query('RESET max_parallel_maintenance_workers; RESET statement_timeout');
      client.release();
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  /** Those of the named tables that exist. */
  async existing(tables: readonly string[]): Promise<string[]> {
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(quote_ident(name)) IS NOT NULL`,
      [tables],
    );
    return rows.map((row) => row.name);
  }

  async drop(table: string): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${quote(table)}`);
  }

  /**
   * A connection that sees the database as it is now, and goes on seeing it so whatever
   * commits after (a read-only repeatable-read transaction, its snapshot taken here):
   * tables compared in it are compared at this moment, however long that takes.
   */
  async snapshot(): Promise<TablesSnapshot> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      // A scan of a whole view keeps to one core (no parallel workers): the live path has the other.
      await client.query('SET LOCAL max_parallel_workers_per_gather = 0');
      await client.query(`SET LOCAL statement_timeout = ${WHOLE_TABLE_STATEMENT_TIMEOUT_MS}`);
      // The transaction's snapshot is that of its first query.
      await client.query('SELECT 1');
      return new TablesSnapshot(client);
    } catch (error) {
      client.release(true);
      throw error;
    }
  }

  /** Puts each shadow in its live table's place, in the caller's transaction. */
  async swap(
    client: pg.ClientBase,
    pairs: readonly { live: string; shadow: string }[],
  ): Promise<void> {
    for (const { live, shadow } of pairs) {
      const retired = `${live}__retired`;
      await client.query(`DROP TABLE IF EXISTS ${quote(retired)}`);
      await client.query(`ALTER TABLE ${quote(live)} RENAME TO ${quote(retired)}`);
      await client.query(`ALTER TABLE ${quote(shadow)} RENAME TO ${quote(live)}`);
      await client.query(`DROP TABLE ${quote(retired)}`);
    }
  }
}

/**
 * Row count and an order-independent checksum: the sum of a 64-bit hash of every row's
 * full text. A sum needs no sort, so a table is fingerprinted in one sequential scan.
 */
async function fingerprint(client: pg.ClientBase, table: string): Promise<TableFingerprint> {
  const { rows } = await client.query<{ rows: string; checksum: string }>(
    `SELECT count(*) AS rows, coalesce(sum(hashtextextended(t::text, 0)), 0)::text AS checksum
     FROM ${quote(table)} AS t`,
  );
  return { rows: Number(rows[0]!.rows), checksum: rows[0]!.checksum };
}

/** The database at one moment (see ViewTablesRepository.snapshot). */
export class TablesSnapshot {
  constructor(private readonly client: pg.PoolClient) {}

  /**
   * Both tables' fingerprints as of the snapshot, one scan after the other: on one core,
   * for as long as it takes (the live projectors are not waiting for it).
   */
  async fingerprints(a: string, b: string): Promise<[TableFingerprint, TableFingerprint]> {
    return [await fingerprint(this.client, a), await fingerprint(this.client, b)];
  }

  /** Ends the snapshot's transaction (it only read) and gives the connection back. */
  async close(): Promise<void> {
    try {
      await this.client.query('ROLLBACK');
      this.client.release();
    } catch {
      // A connection that cannot end its transaction is closed rather than pooled.
      this.client.release(true);
    }
  }
}
