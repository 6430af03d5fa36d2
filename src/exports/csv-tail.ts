import { open } from 'node:fs/promises';
import { CSV_QUOTE } from '../event-store/event-store.port.js';
import { type Position } from '../event-store/position.js';

/** How far back from a file's end the last row is looked for, at most. */
const MAX_ROW_BYTES = 1024 * 1024;
const WINDOW_BYTES = 64 * 1024;
/** A row of readAllAsCsv starts with the position's two parts, bare integers. */
const ROW_START = /^(\d+),(\d+),/;
const NEWLINE = '\n'.charCodeAt(0);
const QUOTE = CSV_QUOTE.charCodeAt(0);

/**
 * The position of the last row of a segment's CSV file (CSV_EVENT_COLUMNS), read from its
 * end; undefined for an empty file. It lets the next segment be read from the store before
 * DuckDB has parsed this one. A quoted field may hold a newline (metadata text that
 * another writer of the log put there), so the last row starts after the last newline
 * that stands outside quotes. The loader checks the answer against the positions DuckDB
 * reads.
 */
export async function lastPositionOf(path: string): Promise<Position | undefined> {
  const file = await open(path, 'r');
  try {
    const { size } = await file.stat();
    if (size === 0) return undefined;
    for (let window = WINDOW_BYTES; ; window *= 2) {
      const length = Math.min(size, window);
      const buffer = Buffer.alloc(length);
      await file.read(buffer, 0, length, size - length);
      const start = lastRowStart(buffer);
      if (start !== undefined || length === size) {
        return positionOfRow(buffer.toString('latin1', start ?? 0), path);
      }
      if (length >= MAX_ROW_BYTES) break;
    }
    throw new Error(`the last row of ${path} is longer than ${MAX_ROW_BYTES} bytes`);
  } finally {
    await file.close();
  }
}

/**
 * Where the last row of `tail` (a file's last bytes) starts: after the last newline
 * followed by an even number of quotes up to the end. A quoted field holds its quotes
 * doubled, so a whole row holds an even number of them, and a newline inside a field of
 * the last row is followed by an odd number (the field's closing quote unmatched).
 * Undefined when `tail` holds no such newline: the row starts further back.
 */
function lastRowStart(tail: Buffer): number | undefined {
  let end = tail.length;
  if (end > 0 && tail[end - 1] === NEWLINE) end -= 1;
  let quotes = 0;
  for (let at = end - 1; at >= 0; at--) {
    const byte = tail[at];
    if (byte === QUOTE) quotes += 1;
    else if (byte === NEWLINE && quotes % 2 === 0) return at + 1;
  }
  return undefined;
}

function positionOfRow(row: string, path: string): Position {
  const match = ROW_START.exec(row);
  if (!match) throw new Error(`the last row of ${path} does not start with a position`);
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}
