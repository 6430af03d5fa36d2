import { type AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';

/**
 * The collector stub's HTTP server, in a worker thread of the bench (otlp-collector-stub.ts):
 * receiving the app's exports costs the load generator's event loop nothing, as a
 * collector in a process of its own would not.
 */

/** The most one export may carry: an exporter's batch is far smaller. */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

/** [requests, bytes], shared with the thread that started this one. */
const counts = new BigInt64Array(workerData as SharedArrayBuffer);

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
    Atomics.add(counts, 0, 1n);
    Atomics.add(counts, 1, BigInt(bytes));
    response
      .writeHead(200, { 'content-type': request.headers['content-type'] ?? 'application/json' })
      .end();
  });
});

parentPort!.on('message', (message: unknown) => {
  if (message !== 'close') return;
  server.closeAllConnections();
  server.close(() => process.exit(0));
});

server.listen(0, '127.0.0.1', () => {
  parentPort!.postMessage((server.address() as AddressInfo).port);
});
