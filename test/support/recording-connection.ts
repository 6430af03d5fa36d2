import type pg from 'pg';

/** What a statement answers: its rows and command tag (by default none, and its first word), or a failure. */
export type Answer = { readonly rows?: readonly object[]; readonly command?: string } | Error;

/**
 * A pool of one fake connection that records the statements sent to it and how it went
 * back: to see what a helper does when the database fails at a chosen statement.
 */
export class RecordingConnection {
  /** Each statement's SQL, in the order sent. */
  readonly sent: string[] = [];
  /** Each statement's parameters, in the same order. */
  readonly parameters: (readonly unknown[] | undefined)[] = [];
  /** What each release() was given: an error (or true) closes the connection. */
  readonly releases: (Error | boolean | undefined)[] = [];

  readonly client: pg.PoolClient;
  readonly pool: pg.Pool;

  constructor(answer: (sql: string) => Answer | undefined = () => undefined) {
    const client = {
      query: async (sql: string, values?: readonly unknown[]) => {
        this.sent.push(sql);
        this.parameters.push(values);
        const answered = answer(sql) ?? {};
        if (answered instanceof Error) throw answered;
        return {
          rows: answered.rows ?? [],
          command: answered.command ?? sql.trim().split(/\s+/)[0]!.toUpperCase(),
        };
      },
      release: (error?: Error | boolean) => {
        this.releases.push(error);
      },
    };
    this.client = client as unknown as pg.PoolClient;
    this.pool = { connect: async () => this.client } as unknown as pg.Pool;
  }
}
