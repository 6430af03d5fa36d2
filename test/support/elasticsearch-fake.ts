import { type Client, errors } from '@elastic/elasticsearch';
import { createRequire } from 'node:module';
import type MockModule from '@elastic/elasticsearch-mock';
import {
  type ClientOptions,
  createElasticsearchClient,
} from '../../src/infrastructure/elasticsearch/elasticsearch-client.js';

/** A bulk item's answer the test forces instead of the fake's own (a 429, a mapping error). */
export interface ForcedItem {
  readonly status: number;
  readonly error: { readonly type: string; readonly reason: string };
}

interface StoredDocument {
  version: number;
  source: Record<string, unknown>;
}

interface BulkLine {
  readonly index: {
    _index: string;
    _id: string;
    version: number;
    version_type: 'external' | 'external_gte';
  };
}

// The mock is CommonJS (module.exports = the class); its typings declare a default export.
const Mock = createRequire(import.meta.url)(
  '@elastic/elasticsearch-mock',
) as typeof MockModule.default;
type Mock = InstanceType<typeof Mock>;

type Params = { readonly path: string; readonly body: unknown; readonly method: string };

function notFound(what: string): errors.ResponseError {
  return new errors.ResponseError({
    body: { error: { type: 'index_not_found_exception', reason: what }, status: 404 },
    statusCode: 404,
    headers: {},
    warnings: null,
    meta: {} as never, // the mock fills in what the client reads; the shape is the transport's
  });
}

/**
 * An in-process Elasticsearch for the endpoints the search adapter uses, over the
 * official mock's connection (no HTTP): indexes with their mappings, aliases, bulk
 * with external versions (external: greater only; external_gte: equal too; else 409),
 * mget, refresh, delete, and searches for the rebuild's parity (count and sums).
 * Every request is recorded. Searches answer only what the parity check asks; the
 * reader's tests answer their own.
 */
export class ElasticsearchFake {
  readonly mock: Mock = new Mock();
  readonly client: Client;
  readonly indexes = new Map<string, Map<string, StoredDocument>>();
  readonly created: { index: string; body: unknown }[] = [];
  readonly aliases = new Map<string, string[]>();
  readonly requests: Params[] = [];
  readonly bulks: unknown[][] = [];
  readonly aliasUpdates: unknown[] = [];
  /** Set by a reader's test: the answer to every search, in place of the parity sums. */
  answerSearch: ((body: unknown) => unknown) | undefined;
  /** Consulted for each bulk item before it is applied; an answer replaces the fake's own. */
  forceItem: (line: BulkLine['index'], source: Record<string, unknown>) => ForcedItem | undefined =
    () => undefined;

  constructor() {
    this.client = createElasticsearchClient('http://127.0.0.1:9200', {
      // The mock extends the CommonJS build's connection class, the app's client is the ESM
      // build: the same class at run time, two declarations to the compiler.
      Connection: this.mock.getConnection() as unknown as ClientOptions['Connection'],
      maxRetries: 0,
    });
    this.routes();
  }

  /** Indexes behind a name: the index itself, or an alias's. */
  resolve(name: string): string[] {
    return this.aliases.get(name) ?? (this.indexes.has(name) ? [name] : []);
  }

  documents(name: string): Map<string, StoredDocument> {
    const [index] = this.resolve(name);
    const docs = index ? this.indexes.get(index) : undefined;
    if (!docs) throw new Error(`no index ${name}`);
    return docs;
  }

  private record(params: Params): void {
    this.requests.push({ method: params.method, path: params.path, body: params.body });
  }

  private routes(): void {
    // Each request reaches its handler with one method and one path.
    const m = {
      add: (
        pattern: { method: string | string[]; path: string },
        handler: (params: Params) => unknown,
      ): void => {
        this.mock.add(pattern, (params) => handler(params as Params) as Record<string, unknown>);
      },
    };
    m.add({ method: 'PUT', path: '/:index' }, (p: Params) => {
      this.record(p);
      const index = p.path.slice(1);
      this.indexes.set(index, new Map());
      this.created.push({ index, body: p.body });
      return { acknowledged: true, index };
    });
    m.add({ method: 'DELETE', path: '/:index' }, (p: Params) => {
      this.record(p);
      for (const index of p.path.slice(1).split(',')) {
        this.indexes.delete(index);
        for (const [alias, targets] of this.aliases) {
          this.aliases.set(
            alias,
            targets.filter((t) => t !== index),
          );
        }
      }
      return { acknowledged: true };
    });
    m.add({ method: 'HEAD', path: '/_alias/:name' }, (p: Params) =>
      (this.aliases.get(p.path.split('/')[2]!) ?? []).length > 0 ? '' : notFound('alias'),
    );
    m.add({ method: 'GET', path: '/_alias/:name' }, (p: Params) => {
      const targets = this.aliases.get(p.path.split('/')[2]!) ?? [];
      return Object.fromEntries(targets.map((t) => [t, { aliases: {} }]));
    });
    m.add({ method: 'POST', path: '/_aliases' }, (p: Params) => this.updateAliases(p));
    m.add({ method: ['POST', 'PUT'], path: '/_bulk' }, (p: Params) => this.bulk(p));
    m.add({ method: ['POST', 'GET'], path: '/:index/_mget' }, (p: Params) => this.mget(p));
    m.add({ method: ['POST', 'GET'], path: '/:index/_refresh' }, () => ({ _shards: {} }));
    m.add({ method: ['POST', 'GET'], path: '/:index/_search' }, (p: Params) => this.sums(p));
  }

  private updateAliases(p: Params): unknown {
    this.record(p);
    this.aliasUpdates.push(p.body);
    const { actions } = p.body as {
      actions: {
        add?: { index: string; alias: string };
        remove?: { index: string; alias: string };
      }[];
    };
    for (const action of actions) {
      if (action.remove) {
        const { alias, index } = action.remove;
        this.aliases.set(
          alias,
          (this.aliases.get(alias) ?? []).filter((t) => t !== index),
        );
      }
      if (action.add) {
        const { alias, index } = action.add;
        this.aliases.set(alias, [...(this.aliases.get(alias) ?? []), index]);
      }
    }
    return { acknowledged: true };
  }

  private bulk(p: Params): unknown {
    this.record(p);
    const lines = p.body as unknown[];
    this.bulks.push(lines);
    const items = [];
    for (let i = 0; i < lines.length; i += 2) {
      const { index: meta } = lines[i] as BulkLine;
      const source = lines[i + 1] as Record<string, unknown>;
      items.push({ index: this.indexOne(meta, source) });
    }
    return { errors: items.some((item) => item.index.status >= 300), items };
  }

  private indexOne(meta: BulkLine['index'], source: Record<string, unknown>) {
    const forced = this.forceItem(meta, source);
    const base = { _index: meta._index, _id: meta._id };
    if (forced) return { ...base, ...forced };
    const docs = this.documents(meta._index);
    const current = docs.get(meta._id);
    const accepted =
      !current ||
      meta.version > current.version ||
      (meta.version_type === 'external_gte' && meta.version === current.version);
    if (!accepted) {
      return {
        ...base,
        status: 409,
        error: { type: 'version_conflict_engine_exception', reason: 'version conflict' },
      };
    }
    docs.set(meta._id, { version: meta.version, source });
    return { ...base, status: current ? 200 : 201, _version: meta.version };
  }

  private mget(p: Params): unknown {
    this.record(p);
    const docs = this.documents(p.path.split('/')[1]!);
    const { ids } = p.body as { ids: string[] };
    return {
      docs: ids.map((id) => {
        const doc = docs.get(id);
        return doc
          ? { _id: id, found: true, _version: doc.version, _source: doc.source }
          : { _id: id, found: false };
      }),
    };
  }

  /** The parity check's search: the document count and the sums of the hash halves. */
  private sums(p: Params): unknown {
    this.record(p);
    if (this.answerSearch) return this.answerSearch(p.body);
    const docs = [...this.documents(p.path.split('/')[1]!).values()];
    const sum = (field: string) =>
      docs.reduce((total, doc) => total + Number(doc.source[field]), 0);
    return {
      hits: { total: { value: docs.length, relation: 'eq' }, hits: [] },
      aggregations: { hi: { value: sum('hash_hi') }, lo: { value: sum('hash_lo') } },
    };
  }
}
