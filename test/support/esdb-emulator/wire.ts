import {
  StreamIdentifier,
  UUID,
  type StreamIdentifier as StreamIdentifierMessage,
} from './protos.js';

/** The server answers ids in canonical lower-case form whatever the client sent. */
export function parseUuid(uuid: UUID | undefined): string | undefined {
  if (!uuid) return undefined;
  if (uuid.hasStructured()) {
    const structured = uuid.getStructured()!;
    const bytes = Buffer.alloc(16);
    bytes.writeBigUInt64BE(BigInt.asUintN(64, BigInt(structured.getMostSignificantBits())), 0);
    bytes.writeBigUInt64BE(BigInt.asUintN(64, BigInt(structured.getLeastSignificantBits())), 8);
    const hex = bytes.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  const text = uuid.getString().toLowerCase();
  return text === '' ? undefined : text;
}

/** Honours the reader's UUIDOption: a string, or two signed 64-bit halves. */
export function formatUuid(id: string, structured: boolean): UUID {
  const uuid = new UUID();
  if (!structured) return uuid.setString(id);
  const bytes = Buffer.from(id.replaceAll('-', ''), 'hex');
  const halves = new UUID.Structured()
    .setMostSignificantBits(BigInt.asIntN(64, bytes.readBigUInt64BE(0)).toString())
    .setLeastSignificantBits(BigInt.asIntN(64, bytes.readBigUInt64BE(8)).toString());
  return uuid.setStructured(halves);
}

export function streamName(identifier: StreamIdentifierMessage | undefined): string | undefined {
  if (!identifier) return undefined;
  const name = Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
  return name === '' ? undefined : name;
}

export function streamIdentifier(name: string): StreamIdentifierMessage {
  return new StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'));
}

/** Protobuf uint64 fields arrive as decimal strings (the client's jstype = JS_STRING). */
export function uint64(value: string): bigint {
  return BigInt(value === '' ? '0' : value);
}
