import { Injectable } from '@nestjs/common';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { type DocumentNode, type ExecutionResult, Kind } from 'graphql';
import { type MercuriusContext } from 'mercurius';
import { type Histogram } from 'prom-client';
import { MetricsRegistry } from '../infrastructure/metrics/metrics.registry.js';
import { chosenOperation } from './graphql-operation.js';

/** An operation label that is not one root field of the schema. */
const OTHER = 'other';
/** Several root fields in one operation: their combinations are not worth a series each. */
const MULTIPLE = 'multiple';
/** What the formatter puts in `extensions.code`: a closed set of upper-case names. */
const ERROR_CODE = /^[A-Z_]{1,40}$/;

interface RequestLabels {
  operation: string;
  outcome?: string;
}

/**
 * The operation's root field, as the label: the document is validated by then, so the
 * name is one of the schema's. Introspection and fragments at the root are OTHER; more
 * than one field is MULTIPLE.
 */
export function operationLabel(document: DocumentNode, operationName: unknown): string {
  const fields = new Set<string>();
  const selections = chosenOperation(document, operationName)?.selectionSet.selections ?? [];
  for (const selection of selections) {
    if (selection.kind !== Kind.FIELD) return OTHER;
    if (selection.name.value !== '__typename') fields.add(selection.name.value);
  }
  if (fields.size > 1) return MULTIPLE;
  const [field] = fields;
  return field === undefined || field.startsWith('__') ? OTHER : field;
}

/** The first error's code, or ok; anything else the formatter never writes is OTHER. */
export function outcomeLabel(execution: Pick<ExecutionResult, 'errors'>): string {
  const code = execution.errors?.[0]?.extensions?.['code'];
  if (code === undefined) return 'ok';
  return typeof code === 'string' && ERROR_CODE.test(code) ? code : OTHER;
}

/**
 * GraphQL request latency on /metrics, by operation (the root field) and outcome (ok or
 * the first error's code). Mercurius's preExecution hook names the operation and its
 * onResolution hook the outcome; the route's onResponse records the request, from its
 * arrival to its answer. A request refused before it ran (malformed, too large, invalid)
 * has operation OTHER and outcome `refused`.
 */
@Injectable()
export class GraphQLMetrics {
  private readonly duration: Histogram<'operation' | 'outcome'>;
  private readonly labels = new WeakMap<FastifyRequest, RequestLabels>();

  constructor(registry: MetricsRegistry) {
    this.duration = registry.durationHistogram({
      name: 'ledger_graphql_request_duration_seconds',
      help: 'GraphQL requests by operation (the root field; other, multiple) and outcome (ok, the first error code, refused)',
      labelNames: ['operation', 'outcome'],
    });
  }

  /** Mercurius preExecution hook. */
  readonly preExecution = (
    _schema: unknown,
    document: DocumentNode,
    context: MercuriusContext,
  ): void => {
    const { request } = context.reply;
    const body = request.body as { operationName?: unknown } | undefined;
    const query = request.query as { operationName?: unknown } | undefined;
    const operationName = body?.operationName ?? query?.operationName;
    this.labels.set(request, { operation: operationLabel(document, operationName) });
  };

  /** Mercurius onResolution hook: after the error formatter, so the codes are final. */
  readonly onResolution = (
    execution: Pick<ExecutionResult, 'errors'>,
    context: MercuriusContext,
  ): void => {
    const labels = this.labels.get(context.reply.request);
    if (labels) labels.outcome = outcomeLabel(execution);
  };

  /** Fastify onResponse hook of the GraphQL route. */
  readonly onResponse = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const labels = this.labels.get(request);
    const outcome =
      labels?.outcome ?? (reply.statusCode >= 500 ? 'INTERNAL_SERVER_ERROR' : 'refused');
    this.duration.observe(
      { operation: labels?.operation ?? OTHER, outcome },
      reply.elapsedTime / 1_000,
    );
    done();
  };
}
