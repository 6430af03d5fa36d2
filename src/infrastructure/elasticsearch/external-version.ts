import { type Position, encodePosition } from '../../event-store/position.js';

/** Elasticsearch versions are signed 64-bit and positive: at most 2^63 - 1. */
export const MAX_EXTERNAL_VERSION = 2n ** 63n - 1n;

/**
 * The external version of a document that reflects the log up to `position`: the
 * position's commit part.
 *
 * - PostgreSQL store: commit is the appending transaction's xid8 (epoch << 32 | xid),
 *   prepare its global sequence value. The xid8 of one append is shared by its events.
 * - EventStoreDB: commit and prepare are byte offsets in the transaction log, equal for
 *   events written by a single-stream append (each has its own).
 *
 * Neither prepare part has a bound small enough to pack beside the commit part in 63
 * bits (a global bigint sequence; a byte offset), so the version is the commit alone. It
 * never decreases along the log, and is strictly greater for each later PostgreSQL
 * transaction and each later EventStoreDB event. Events of one PostgreSQL transaction
 * share it: documents that can change more than once per transaction (orders) are
 * written with `external_gte`, and the position each document stores (the full pair)
 * is what orders those events (the indexer's fold skips any at or below it; one runner
 * at a time writes, under its checkpoint lock). Write-once documents (payments) use
 * `external`: a second write of the same payment is a version conflict.
 *
 * Bounds: an xid8 reaches 2^63 after 2^31 xid wraparounds, a byte offset at 8 EiB;
 * anything past it is refused here rather than wrapped.
 */
export function externalVersion(position: Position): bigint {
  const { commit } = position;
  if (commit < 1n || commit > MAX_EXTERNAL_VERSION) {
    throw new RangeError(
      `Position ${encodePosition(position)} has no external version (commit must be 1 to 2^63-1)`,
    );
  }
  return commit;
}
