import { Server, ServerCredentials, status, type sendUnaryData } from '@grpc/grpc-js';
import { ServerFeaturesService, StreamsService, type IStreamsServer } from './protos.js';
import { EventLog } from './event-log.js';
import { appendHandler } from './append-handler.js';
import { batchAppendHandler } from './batch-append-handler.js';
import { readHandler, type ReadCounters } from './read-handler.js';
import { serverFeaturesHandler } from './server-features.js';
import { type FaultCounters, type SubscriptionFaults } from './subscription-faults.js';

export { type FaultCounters, type SubscriptionFaults } from './subscription-faults.js';

export interface EsdbEmulatorOptions {
  /**
   * Advertise and serve Streams.BatchAppend, as every server since 21.10 does;
   * the client then appends through it. false makes the client use Streams.Append.
   */
  readonly batchAppend?: boolean;
  /**
   * Test-only delivery faults on subscriptions (duplicates, adjacent events swapped),
   * seeded. Off by default; reads are never affected.
   */
  readonly subscriptionFaults?: SubscriptionFaults;
}

export interface EsdbEmulator {
  /** For EventStoreDBClient.connectionString: single node, insecure, no gossip. */
  readonly connectionString: string;
  /** Calls received per RPC method name (e.g. `BatchAppend`), to pin which code path a client took. */
  calls(method: string): number;
  /** Events written so far to Read calls (reads and subscriptions). */
  eventsSent(): number;
  /** Faults injected so far into subscriptions (all zero without subscriptionFaults). */
  faultsInjected(): Readonly<FaultCounters>;
  stop(): Promise<void>;
}

/**
 * Test-only, in-memory stand-in for an EventStoreDB node, speaking the Streams and
 * ServerFeatures gRPC services with the client's own generated definitions, so the
 * unchanged official client talks to it over real gRPC. Not implemented: deleting
 * and tombstoning streams, stream metadata/ACLs, link events, persistent
 * subscriptions, projections, users, gossip.
 */
export async function startEsdbEmulator(options: EsdbEmulatorOptions = {}): Promise<EsdbEmulator> {
  const batchAppend = options.batchAppend ?? true;
  const log = new EventLog();
  const stopping = new AbortController();
  const server = new Server({ 'grpc.keepalive_permit_without_calls': 1 });

  const unimplemented = (_call: unknown, callback: sendUnaryData<never>): void =>
    callback({ code: status.UNIMPLEMENTED, details: 'not implemented by the emulator' });
  const calls = new Map<string, number>();
  const counters: ReadCounters = { eventsSent: 0 };
  const faultCounters: FaultCounters = { subscriptions: 0, duplicates: 0, swaps: 0 };
  const faults = options.subscriptionFaults && {
    faults: options.subscriptionFaults,
    counters: faultCounters,
  };
  const counted = <Args extends unknown[]>(method: string, handler: (...args: Args) => void) => {
    return (...args: Args): void => {
      calls.set(method, (calls.get(method) ?? 0) + 1);
      handler(...args);
    };
  };
  const streams: IStreamsServer = {
    read: counted('Read', readHandler(log, stopping.signal, counters, faults)),
    append: counted('Append', appendHandler(log)),
    batchAppend: counted(
      'BatchAppend',
      batchAppend
        ? batchAppendHandler(log, stopping.signal)
        : (call) =>
            call.emit('error', { code: status.UNIMPLEMENTED, details: 'BatchAppend is off' }),
    ),
    delete: counted('Delete', unimplemented),
    tombstone: counted('Tombstone', unimplemented),
  };
  server.addService(StreamsService, streams);
  server.addService(ServerFeaturesService, {
    getSupportedMethods: counted('GetSupportedMethods', serverFeaturesHandler(batchAppend)),
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });

  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    calls: (method) => calls.get(method) ?? 0,
    eventsSent: () => counters.eventsSent,
    faultsInjected: () => ({ ...faultCounters }),
    stop: async () => {
      stopping.abort();
      server.forceShutdown();
    },
  };
}
