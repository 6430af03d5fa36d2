import { type ExpectedRevision } from './event-store.port.js';

/** The store's errors, one closed set: every adapter maps its native errors onto these. */
export abstract class EventStoreError extends Error {
  abstract readonly code: 'WRONG_EXPECTED_REVISION' | 'STORE_UNAVAILABLE' | 'INVALID_APPEND';
}

export class WrongExpectedRevisionError extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_REVISION' as const;
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's last revision, or 'no_stream'; undefined when the store does not say. */
    readonly actual: bigint | 'no_stream' | undefined,
  ) {
    super(
      `Stream ${streamId}: expected revision ${String(expected)}, actual ${actual === undefined ? 'unknown' : String(actual)}`,
    );
  }
}

export class StoreUnavailableError extends EventStoreError {
  readonly code = 'STORE_UNAVAILABLE' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** An append that can never succeed as given (empty batch, event ids reused with other content, ...). */
export class InvalidAppendError extends EventStoreError {
  readonly code = 'INVALID_APPEND' as const;
}
