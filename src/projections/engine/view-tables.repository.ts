import type pg from 'pg';

export interface TableFingerprint {
  readonly rows: number;
  /** Order-independent checksum of every row's full text. */
  readonly checksum: string;
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

/** DDL and parity checks on a projection's view tables (blue/green rebuilds). */
export class ViewTablesRepository {
  constructor(private readonly pool: pg.Pool) {}

  /** A fresh, empty copy of `live` with its columns, defaults, keys and indexes. */
  async createShadow(live: string, shadow: string): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${quote(shadow)}`);
    await this.pool.query(`CREATE TABLE ${quote(shadow)} (LIKE ${quote(live)} INCLUDING ALL)`);
  }

  async drop(table: string): Promise<void> {
    await this.pool.query(`DROP TABLE IF EXISTS ${quote(table)}`);
  }

  async fingerprint(client: pg.ClientBase, table: string): Promise<TableFingerprint> {
    const { rows } = await client.query<{ rows: string; checksum: string }>(
      `SELECT count(*) AS rows,
              md5(coalesce(string_agg(h, '' ORDER BY h), '')) AS checksum
       FROM (SELECT md5(t::text) AS h FROM ${quote(table)} AS t) AS hashed`,
    );
    return { rows: Number(rows[0]!.rows), checksum: rows[0]!.checksum };
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
