import { Server, ServerCredentials, status, type sendUnaryData } from '@grpc/grpc-js';
import { ServerFeaturesService, StreamsService, type IStreamsServer } from './protos.js';
import { EventLog } from './event-log.js';
import { appendHandler } from './append-handler.js';
import { batchAppendHandler } from './batch-append-handler.js';
import { readHandler } from './read-handler.js';
import { serverFeaturesHandler } from './server-features.js';

export interface EsdbEmulatorOptions {
  /**
   * Advertise and serve Streams.BatchAppend, as every server since 21.10 does;
   * the client then appends through it. false makes the client use Streams.Append.
   */
  readonly batchAppend?: boolean;
}

export interface EsdbEmulator {
  /** For EventStoreDBClient.connectionString: single node, insecure, no gossip. */
  readonly connectionString: string;
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
  const streams: IStreamsServer = {
    read: readHandler(log, stopping.signal),
    append: appendHandler(log),
    batchAppend: batchAppend
      ? batchAppendHandler(log, stopping.signal)
      : (call) => call.emit('error', { code: status.UNIMPLEMENTED, details: 'BatchAppend is off' }),
    delete: unimplemented,
    tombstone: unimplemented,
  };
  server.addService(StreamsService, streams);
  server.addService(ServerFeaturesService, {
    getSupportedMethods: serverFeaturesHandler(batchAppend),
  });

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    );
  });

  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    stop: async () => {
      stopping.abort();
      server.forceShutdown();
    },
  };
}
