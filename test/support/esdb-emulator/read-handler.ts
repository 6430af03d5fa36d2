import { status, type ServerWritableStream } from '@grpc/grpc-js';
import { ReadReq, type ReadResp } from './protos.js';
import { type EventLog } from './event-log.js';
import { eventFilter, type EventFilter } from './event-filter.js';
import { callSignal, writeMessage } from './call-writer.js';
import { readAllOnce, readStreamOnce } from './read-once.js';
import { serveSubscription } from './subscription.js';
import { type FaultCounters, type SubscriptionFaults } from './subscription-faults.js';

type ReadCall = ServerWritableStream<InstanceType<typeof ReadReq>, ReadResp>;

const { UUIDOption } = ReadReq.Options;

/** Counts events written to readers, so tests can see flow control hold the emulator back. */
export interface ReadCounters {
  eventsSent: number;
}

/** Streams.Read: one-shot reads of a stream or $all, and catch-up subscriptions to either. */
export function readHandler(
  log: EventLog,
  stopping: AbortSignal,
  counters: ReadCounters,
  faults?: { readonly faults: SubscriptionFaults; readonly counters: FaultCounters },
): (call: ReadCall) => void {
  return (call) => {
    serveRead(log, call, stopping, counters, faults).catch((error: unknown) => {
      call.emit('error', {
        code: status.INTERNAL,
        details: error instanceof Error ? error.message : String(error),
      });
    });
  };
}

async function serveRead(
  log: EventLog,
  call: ReadCall,
  stopping: AbortSignal,
  counters: ReadCounters,
  faults?: { readonly faults: SubscriptionFaults; readonly counters: FaultCounters },
): Promise<void> {
  const options = call.request.getOptions();
  if (!options || (!options.hasStream() && !options.hasAll())) {
    call.emit('error', {
      code: status.INVALID_ARGUMENT,
      details: 'Read needs stream or all options',
    });
    return;
  }
  let filter: EventFilter | undefined;
  try {
    filter = eventFilter(options);
  } catch (error) {
    call.emit('error', {
      code: status.INVALID_ARGUMENT,
      details: `invalid filter: ${error instanceof Error ? error.message : String(error)}`,
    });
    return;
  }
  const signal = callSignal(call, stopping);
  const send = (message: ReadResp): Promise<boolean> => {
    if (message.hasEvent()) counters.eventsSent++;
    return writeMessage(call, signal, message);
  };
  const structuredUuid =
    options.getUuidOption()?.getContentCase() === UUIDOption.ContentCase.STRUCTURED;

  if (options.hasSubscription()) {
    // Runs until the client cancels or the emulator stops; neither needs a status.
    await serveSubscription(log, options, filter, send, structuredUuid, signal, faults);
    return;
  }
  if (options.hasStream()) await readStreamOnce(log, options, send, structuredUuid);
  else await readAllOnce(log, options, filter, send, structuredUuid);
  if (!signal.aborted) call.end();
}
