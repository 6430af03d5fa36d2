import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

/** What the stub received: the exporter's requests and their bytes, as sent. */
export interface CollectorCounts {
  readonly requests: number;
  readonly bytes: number;
}

/** Bound on the worker's start and stop. */
const WORKER_TIMEOUT_MS = 10_000;

/**
 * A stand-in for an OpenTelemetry collector: accepts OTLP/HTTP trace exports (POST
 * /v1/traces, protobuf or JSON), counts them and answers 200 with an empty body (a full
 * success), so that the app's exporter does all its work and none of it fails. Anything
 * else is 404. It serves from a worker thread (otlp-collector-worker.ts).
 */
export class OtlpCollectorStub {
  private constructor(
    private readonly worker: Worker,
    private readonly received: BigInt64Array,
    /** OTEL_EXPORTER_OTLP_ENDPOINT: the exporter appends /v1/traces. */
    readonly endpoint: string,
  ) {}

  static async start(): Promise<OtlpCollectorStub> {
    const shared = new SharedArrayBuffer(2 * BigInt64Array.BYTES_PER_ELEMENT);
    const worker = new Worker(new URL('./otlp-collector-worker.js', import.meta.url), {
      workerData: shared,
    });
    const [port] = (await once(worker, 'message', {
      signal: AbortSignal.timeout(WORKER_TIMEOUT_MS),
    })) as [number];
    return new OtlpCollectorStub(worker, new BigInt64Array(shared), `http://127.0.0.1:${port}`);
  }

  /** Counts so far; the difference of two tells one run's share. */
  counts(): CollectorCounts {
    return {
      requests: Number(Atomics.load(this.received, 0)),
      bytes: Number(Atomics.load(this.received, 1)),
    };
  }

  async close(): Promise<void> {
    this.worker.postMessage('close');
    const exited = once(this.worker, 'exit', { signal: AbortSignal.timeout(WORKER_TIMEOUT_MS) });
    await exited.catch(() => this.worker.terminate());
  }
}
