import { once } from 'node:events';
import type pg from 'pg';

/**
 * `COPY ... FROM STDIN` over node-postgres without pg-copy-streams (not a dependency of
 * this project): a pg "submittable" that sends the statement, streams the chunks when the
 * server answers CopyInResponse, and settles on ReadyForQuery. The socket's back-pressure
 * is honoured, so a million rows never pile up in memory.
 *
 * It relies on the protocol hooks pg calls on its active query (handleCopyInResponse,
 * handleCommandComplete, handleReadyForQuery, handleError): the same ones pg-copy-streams
 * uses.
 */

/** What pg's Connection offers for COPY, missing from @types/pg. */
interface CopyConnection {
  readonly stream: NodeJS.WritableStream & { readonly writableNeedDrain?: boolean };
  query(text: string): void;
  sendCopyFromChunk(chunk: Buffer): void;
  endCopyFrom(): void;
  sendCopyFail(message: string): void;
}

class CopyFromStdin implements pg.Submittable {
  readonly done: Promise<number>;
  private resolve!: (rows: number) => void;
  private reject!: (error: Error) => void;
  private rows = 0;
  private error: Error | undefined;
  private settled = false;

  constructor(
    private readonly sql: string,
    private readonly chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
  ) {
    this.done = new Promise<number>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  submit(connection: pg.Connection): void {
    (connection as unknown as CopyConnection).query(this.sql);
  }

  handleCopyInResponse(connection: pg.Connection): void {
    void this.send(connection as unknown as CopyConnection);
  }

  private async send(connection: CopyConnection): Promise<void> {
    try {
      for await (const chunk of this.chunks) {
        if (this.error) return;
        connection.sendCopyFromChunk(chunk);
        if (connection.stream.writableNeedDrain) await once(connection.stream, 'drain');
      }
      connection.endCopyFrom();
    } catch (error) {
      // The server rolls the COPY back and answers with an error, then ReadyForQuery.
      this.error = error instanceof Error ? error : new Error(String(error));
      connection.sendCopyFail(this.error.message);
    }
  }

  handleCommandComplete(message: { text?: string }): void {
    const match = /^COPY (\d+)/.exec(message.text ?? '');
    this.rows = match ? Number(match[1]) : 0;
  }

  handleReadyForQuery(): void {
    this.settle();
  }

  handleError(error: Error): void {
    this.error ??= error;
    // A backend error is followed by ReadyForQuery; a dead socket is not: settle now.
    this.settle();
  }

  // pg calls these on any active query; a COPY FROM has no rows to describe.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handleCopyData(): void {}

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    if (this.error) this.reject(this.error);
    else this.resolve(this.rows);
  }
}

/** Runs `sql` (a `COPY ... FROM STDIN`) on `client`, sending `chunks`; resolves to the rows copied. */
export function copyFrom(
  client: pg.ClientBase,
  sql: string,
  chunks: AsyncIterable<Buffer> | Iterable<Buffer>,
): Promise<number> {
  const copy = new CopyFromStdin(sql, chunks);
  void client.query(copy);
  return copy.done;
}

/** A value in COPY's text format: backslash, tab, newline and carriage return escaped; null as \N. */
export function copyText(value: string | number | bigint | null): string {
  if (value === null) return '\\N';
  const text = String(value);
  return /[\\\t\n\r]/.test(text)
    ? text
        .replaceAll('\\', '\\\\')
        .replaceAll('\t', '\\t')
        .replaceAll('\n', '\\n')
        .replaceAll('\r', '\\r')
    : text;
}

/** Joins text lines into chunks of about `bytes`, the unit sent per CopyData message. */
export function* chunked(lines: Iterable<string>, bytes = 1 << 20): Generator<Buffer> {
  let parts: string[] = [];
  let size = 0;
  for (const line of lines) {
    parts.push(line);
    size += line.length;
    if (size >= bytes) {
      yield Buffer.from(parts.join(''));
      parts = [];
      size = 0;
    }
  }
  if (parts.length > 0) yield Buffer.from(parts.join(''));
}
