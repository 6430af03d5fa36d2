import { createServer, type IncomingMessage } from 'node:http';
import { type AddressInfo } from 'node:net';
import { ROOT_CONTEXT, context, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-node';
import { afterEach, describe, expect, it } from 'vitest';
import { logContextFields, withLogContext } from '../logging/log-context.js';
import { endSpan, inSpan, startSpan, tracingEnabled } from './tracing.js';
import { TRACING_SHUTDOWN_TIMEOUT_MS, startTracing } from './tracing-sdk.js';

interface Received {
  readonly url: string | undefined;
  readonly contentType: string | undefined;
  readonly bytes: number;
  readonly body: Buffer;
}

/** A collector stub: takes OTLP/HTTP posts and keeps them. */
async function collectorStub(): Promise<{
  url: string;
  received: Received[];
  close(): Promise<void>;
}> {
  const received: Received[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      received.push({
        url: request.url,
        contentType: request.headers['content-type'],
        bytes: body.length,
        body,
      });
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const savedEndpoint = process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
afterEach(() => {
  if (savedEndpoint === undefined) delete process.env['OTEL_EXPORTER_OTLP_ENDPOINT'];
  else process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = savedEndpoint;
});

describe('the tracing SDK', () => {
  it('does nothing while it is not started: no span, the work runs as it is', async () => {
    expect(tracingEnabled()).toBe(false);
    expect(startSpan('nothing', {})).toBeUndefined();
    await expect(
      inSpan(
        'nothing',
        () => ({ costly: true }),
        () => Promise.resolve(42),
      ),
    ).resolves.toBe(42);
  });

  it('exports spans over OTLP/HTTP protobuf to OTEL_EXPORTER_OTLP_ENDPOINT, flushed on shutdown', async () => {
    const collector = await collectorStub();
    try {
      process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = collector.url;
      const tracing = startTracing({ serviceName: 'ledger-test' });
      expect(tracingEnabled()).toBe(true);
      await inSpan('command openAccount', { 'ledger.correlation_id': 'corr-otlp' }, async () => {
        endSpan(startSpan('append', { 'ledger.stream': 'account-1' }));
      });
      // Batched: nothing need have left yet; shutdown sends what is queued.
      await tracing.shutdown();
      expect(tracingEnabled()).toBe(false);
      expect(collector.received.length).toBeGreaterThan(0);
      const [post] = collector.received;
      expect(post).toMatchObject({ url: '/v1/traces', contentType: 'application/x-protobuf' });
      // Protobuf keeps strings as they are: the names and attributes are in the body.
      const body = Buffer.concat(collector.received.map((r) => r.body)).toString('latin1');
      for (const text of ['ledger-test', 'command openAccount', 'append', 'corr-otlp']) {
        expect(body).toContain(text);
      }
    } finally {
      await collector.close();
    }
  });

  it('gives up on an unreachable collector within its bound when shutting down', async () => {
    process.env['OTEL_EXPORTER_OTLP_ENDPOINT'] = 'http://127.0.0.1:9';
    const tracing = startTracing({ serviceName: 'ledger-test' });
    endSpan(startSpan('lost', {}));
    const startedMs = performance.now();
    await tracing.shutdown();
    // Within its bound (and a margin for a busy machine), and without throwing.
    expect(performance.now() - startedMs).toBeLessThan(TRACING_SHUTDOWN_TIMEOUT_MS + 2_000);
  });

  it("carries the active span and the log lines' fields in one context, which outlives the SDK", async () => {
    const tracing = startTracing({
      serviceName: 'ledger-test',
      exporter: new InMemorySpanExporter(),
    });
    const seen = await withLogContext('corr-shared', () =>
      inSpan('command openAccount', {}, async () => {
        await Promise.resolve();
        return {
          span: trace.getActiveSpan(),
          fields: logContextFields(),
          active: context.active(),
        };
      }),
    );
    await tracing.shutdown();
    expect(seen.span).toBeDefined();
    expect(seen.fields).toEqual({ correlationId: 'corr-shared' });
    // One context holds both: the span's is the one the log fields are read from.
    expect(trace.getSpan(seen.active)).toBe(seen.span);
    // Stopping tracing leaves the async context: log lines keep their fields, in it.
    expect(withLogContext('corr-root', () => context.active())).not.toBe(ROOT_CONTEXT);
    await withLogContext('corr-after', async () => {
      await Promise.resolve();
      expect(logContextFields()).toEqual({ correlationId: 'corr-after' });
    });
  });
});
