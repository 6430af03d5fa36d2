import { type Json, type JsonObject } from './json.js';
import {
  type DomainEvent,
  EVENT_VERSIONS,
  isDomainEventType,
  parseStoredTypeName,
  storedTypeName,
} from './event-catalog.js';
import { UPCASTERS, type Upcaster } from './upcasters.js';

/**
 * Stored JSON keeps every bigint as a decimal string. Which fields are bigints is a
 * naming rule: `...Minor` (money), `quantity` and `...Quantity` (shares).
 */
function isBigintField(key: string): boolean {
  return key.endsWith('Minor') || key === 'quantity' || key.endsWith('Quantity');
}

type Plain =
  bigint | string | number | boolean | null | readonly Plain[] | { readonly [key: string]: Plain };

function toJson(value: Plain): Json {
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return value.map((item: Plain) => toJson(item));
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value as { readonly [key: string]: Plain }))
      out[key] = toJson(item);
    return out;
  }
  return value as Json;
}

// Runs for every field of every event a projector reads: a plain loop, no entry arrays.
function fromJson(value: Json, key: string): Plain {
  if (typeof value === 'string') return isBigintField(key) ? BigInt(value) : value;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => fromJson(item, ''));
  const out: { [key: string]: Plain } = {};
  for (const k in value) out[k] = fromJson(value[k]!, k);
  return out;
}

export function encodeEvent(event: DomainEvent): { type: string; data: JsonObject } {
  return {
    type: storedTypeName(event.type),
    data: toJson(event.data as unknown as Plain) as JsonObject,
  };
}

export class UnknownEventTypeError extends Error {}

const upcasterIndex = new Map<string, Upcaster>(
  UPCASTERS.map((u) => [`${u.type}.v${u.fromVersion}`, u]),
);

/** What decoding needs of a stored event (any store's record has it). */
export interface StoredEventRecord {
  readonly type: string;
  readonly data: JsonObject;
  readonly streamId: string;
}

/** Decodes a stored event into its current version, upcasting older versions on the way. */
export function decodeEvent(recorded: StoredEventRecord): DomainEvent {
  const parsed = parseStoredTypeName(recorded.type);
  if (!parsed || !isDomainEventType(parsed.type)) {
    throw new UnknownEventTypeError(`Unknown event type ${recorded.type} in ${recorded.streamId}`);
  }
  const current = EVENT_VERSIONS[parsed.type];
  let data = recorded.data;
  for (let version = parsed.version; version < current; version++) {
    const upcaster = upcasterIndex.get(`${parsed.type}.v${version}`);
    if (!upcaster) throw new UnknownEventTypeError(`No upcaster from ${parsed.type}.v${version}`);
    data = upcaster.upcast(data, { streamId: recorded.streamId });
  }
  if (parsed.version > current) {
    throw new UnknownEventTypeError(`${recorded.type} is newer than this build understands`);
  }
  return { type: parsed.type, data: fromJson(data, '') } as unknown as DomainEvent;
}
