/**
 * The emulator's storage: one in-memory transaction log ($all) plus a per-stream
 * index, with EventStoreDB's rules for expected revisions and idempotent writes.
 */

export interface ProposedEvent {
  /** Canonical lower-case UUID. */
  readonly id: string;
  readonly type: string;
  readonly contentType: string;
  readonly data: Uint8Array;
  readonly customMetadata: Uint8Array;
}

export interface StoredEvent extends ProposedEvent {
  readonly streamId: string;
  readonly revision: bigint;
  /** Log position; the emulator uses it as both commit and prepare position, as the server does for single-stream writes. */
  readonly position: bigint;
  /** .NET ticks (100 ns) since the Unix epoch: the unit the server puts in the `created` metadata. */
  readonly createdTicks: bigint;
}

export type ExpectedState =
  | { readonly kind: 'any' }
  | { readonly kind: 'no_stream' }
  | { readonly kind: 'stream_exists' }
  | { readonly kind: 'revision'; readonly revision: bigint };

export type CurrentRevision = bigint | 'no_stream';

export type AppendOutcome =
  | {
      readonly kind: 'success';
      readonly currentRevision: CurrentRevision;
      /** Position of the last event of the batch; undefined when nothing was written (empty batch). */
      readonly position: bigint | undefined;
    }
  | { readonly kind: 'wrong_expected_version'; readonly current: CurrentRevision };

/** Real logs start with a header and epoch records, so the first event is never at position 0. */
const FIRST_EVENT_POSITION = 512n;
/** Rough size of a prepare record's fixed part, so positions look like byte offsets. */
const RECORD_OVERHEAD = 96n;
const TICKS_PER_MILLISECOND = 10_000n;

export class EventLog {
  private readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  /**
   * Stands in for the server's cache of recently committed event ids, which decides
   * idempotency for `any` and `stream_exists` writes. The server's cache is bounded;
   * this one never forgets, which only matters for tests that write past its size.
   */
  private readonly byId = new Map<string, StoredEvent>();
  private nextPosition = FIRST_EVENT_POSITION;
  private appendListeners = new Set<() => void>();

  /** Every event in log order: $all holds exactly what was appended. */
  get events(): readonly StoredEvent[] {
    return this.all;
  }

  stream(streamId: string): readonly StoredEvent[] | undefined {
    return this.streams.get(streamId);
  }

  /** Index of the first event at or after `position` (binary search: positions strictly increase). */
  indexAtOrAfter(position: bigint): number {
    let low = 0;
    let high = this.all.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.all[mid]!.position < position) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Resolves at the next append, or at once when `signal` is (or becomes) aborted. */
  nextAppend(signal: AbortSignal): Promise<void> {
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.appendListeners.delete(done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.appendListeners.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  append(
    streamId: string,
    expected: ExpectedState,
    events: readonly ProposedEvent[],
  ): AppendOutcome {
    const stream = this.streams.get(streamId);
    const current: CurrentRevision = stream?.length ? BigInt(stream.length - 1) : 'no_stream';

    if (expected.kind === 'stream_exists' && current === 'no_stream') {
      return { kind: 'wrong_expected_version', current };
    }
    if (expected.kind === 'any' || expected.kind === 'stream_exists') {
      const repeat = this.repeatById(streamId, events);
      if (repeat === 'corrupted') return { kind: 'wrong_expected_version', current };
      if (repeat) return repeat;
      return this.write(streamId, events);
    }

    const expectedRevision = expected.kind === 'no_stream' ? -1n : expected.revision;
    const currentRevision = current === 'no_stream' ? -1n : current;
    if (expectedRevision < currentRevision) {
      return (
        this.repeatAtRevision(stream ?? [], expectedRevision, events) ?? {
          kind: 'wrong_expected_version',
          current,
        }
      );
    }
    if (expectedRevision > currentRevision) return { kind: 'wrong_expected_version', current };
    return this.write(streamId, events);
  }

  /**
   * `any`/`stream_exists`: the batch is a repeat when its first event id was already
   * committed to this stream; then every id must be, else the server calls the
   * idempotency "corrupted" and answers wrong expected version.
   */
  private repeatById(
    streamId: string,
    events: readonly ProposedEvent[],
  ): AppendOutcome | 'corrupted' | undefined {
    let last: StoredEvent | undefined;
    for (const [index, event] of events.entries()) {
      const stored = this.byId.get(event.id);
      if (!stored || stored.streamId !== streamId) return index === 0 ? undefined : 'corrupted';
      last = stored;
    }
    if (!last) return undefined;
    return { kind: 'success', currentRevision: last.revision, position: last.position };
  }

  /**
   * Exact revision behind the stream's end: the batch is a repeat only when the
   * events right after the expected revision carry the same ids, in order. The
   * answer is the original write's result, not the stream's current revision.
   */
  private repeatAtRevision(
    stream: readonly StoredEvent[],
    expectedRevision: bigint,
    events: readonly ProposedEvent[],
  ): AppendOutcome | undefined {
    let last: StoredEvent | undefined;
    for (const [offset, event] of events.entries()) {
      const stored = stream[Number(expectedRevision) + 1 + offset];
      if (!stored || stored.id !== event.id) return undefined;
      last = stored;
    }
    if (!last) return undefined;
    return { kind: 'success', currentRevision: last.revision, position: last.position };
  }

  private write(streamId: string, events: readonly ProposedEvent[]): AppendOutcome {
    let stream = this.streams.get(streamId);
    if (events.length === 0) {
      return {
        kind: 'success',
        currentRevision: stream?.length ? BigInt(stream.length - 1) : 'no_stream',
        position: undefined,
      };
    }
    if (!stream) {
      stream = [];
      this.streams.set(streamId, stream);
    }
    const createdTicks = BigInt(Date.now()) * TICKS_PER_MILLISECOND;
    let last: StoredEvent | undefined;
    for (const event of events) {
      const stored: StoredEvent = {
        ...event,
        streamId,
        revision: BigInt(stream.length),
        position: this.nextPosition,
        createdTicks,
      };
      this.nextPosition += recordSize(stored);
      stream.push(stored);
      this.all.push(stored);
      this.byId.set(stored.id, stored);
      last = stored;
    }
    const listeners = this.appendListeners;
    this.appendListeners = new Set();
    for (const listener of listeners) listener();
    return { kind: 'success', currentRevision: last!.revision, position: last!.position };
  }
}

function recordSize(event: StoredEvent): bigint {
  const textBytes = Buffer.byteLength(event.streamId) + Buffer.byteLength(event.type);
  return (
    RECORD_OVERHEAD + BigInt(textBytes + event.data.byteLength + event.customMetadata.byteLength)
  );
}
