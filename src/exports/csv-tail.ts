import { open } from 'node:fs/promises';
import { type Position } from '../event-store/position.js';

/** How far back from a file's end the last row is looked for, at most. */
const MAX_ROW_BYTES = 1024 * 1024;
const WINDOW_BYTES = 64 * 1024;
/** A row of readAllAsCsv starts with the position's two parts, bare integers. */
const ROW_START = /^(\d+),(\d+),/;

/**
 * The position of the last row of a segment's CSV file (CSV_EVENT_COLUMNS), read from its
 * end; undefined for an empty file. It lets the next segment be read from the store before
 * DuckDB has parsed this one. Rows end with a newline and hold none inside: the JSON is
 * escaped, the other fields are names and numbers, and the metadata's text fields are
 * what the app lets into them (correlation and command ids of a fixed alphabet, a token's
 * printable subject). The loader checks the answer against the positions DuckDB reads,
 * so a row that broke this (a newline in metadata another writer put in the log) would
 * fail the run, never skew it.
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
      const text = buffer.toString('latin1').replace(/\n$/, '');
      const start = text.lastIndexOf('\n');
      if (start >= 0 || length === size) return positionOfRow(text.slice(start + 1), path);
      if (length >= MAX_ROW_BYTES) break;
    }
    throw new Error(`the last row of ${path} is longer than ${MAX_ROW_BYTES} bytes`);
  } finally {
    await file.close();
  }
}

function positionOfRow(row: string, path: string): Position {
  const match = ROW_START.exec(row);
  if (!match) throw new Error(`the last row of ${path} does not start with a position`);
  return { commit: BigInt(match[1]!), prepare: BigInt(match[2]!) };
}
