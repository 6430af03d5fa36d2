import { type AddressInfo } from 'node:net';
import { type Server, createServer } from 'node:http';

/** What the stub received: the exporter's requests and their bytes, as sent. */
export interface CollectorCounts {
  readonly requests: number;
  readonly bytes: number;
}

/** The most one export may carry: an exporter's batch is far smaller. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * A stand-in for an OpenTelemetry collector, in the bench's process: accepts OTLP/HTTP
 * trace exports (POST /v1/traces, protobuf or JSON), counts them and answers 200 with an
 * empty body (a full success), so that the app's exporter does all its work and none of
 * it fails. Anything else is 404.
 */
export class OtlpCollectorStub {
  private constructor(
    private readonly received: { requests: number; bytes: number },
    private readonly server: Server,
    /** OTEL_EXPORTER_OTLP_ENDPOINT: the exporter appends /v1/traces. */
    readonly endpoint: string,
  ) {}

  static async start(): Promise<OtlpCollectorStub> {
    const received = { requests: 0, bytes: 0 };
    const server = createServer((request, response) => {
      if (request.method !== 'POST' || request.url?.split('?')[0] !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      let bytes = 0;
      request.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes > MAX_BODY_BYTES) request.destroy();
      });
      request.on('end', () => {
        received.requests++;
        received.bytes += bytes;
        response
          .writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/json' })
          .end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return new OtlpCollectorStub(received, server, `http://127.0.0.1:${port}`);
  }

  /** Counts so far; the difference of two tells one run's share. */
  counts(): CollectorCounts {
    return { ...this.received };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
