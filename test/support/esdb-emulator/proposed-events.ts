import { Metadata, status } from '@grpc/grpc-js';
import { type ProposedEvent } from './event-log.js';
import { type UUID } from './protos.js';
import { parseUuid } from './wire.js';

/** What AppendReq.ProposedMessage and BatchAppendReq.ProposedMessage have in common. */
export interface ProposedMessage {
  getId(): UUID | undefined;
  getMetadataMap(): { get(key: string): string | undefined };
  getData_asU8(): Uint8Array;
  getCustomMetadata_asU8(): Uint8Array;
}

/** A gRPC status the way the server sends it: the client reads `exception` from the trailers. */
export interface CallError {
  readonly code: status;
  readonly details: string;
  readonly metadata?: Metadata;
}

export function toProposedEvent(message: ProposedMessage): ProposedEvent | CallError {
  const metadata = message.getMetadataMap();
  for (const required of ['type', 'content-type']) {
    if (metadata.get(required) === undefined) return missingMetadata(required);
  }
  const id = parseUuid(message.getId());
  if (!id) return { code: status.INVALID_ARGUMENT, details: 'proposed message without an id' };
  return {
    id,
    type: metadata.get('type')!,
    contentType: metadata.get('content-type')!,
    data: message.getData_asU8(),
    customMetadata: message.getCustomMetadata_asU8(),
  };
}

export function isCallError(value: ProposedEvent | CallError): value is CallError {
  return 'code' in value;
}

function missingMetadata(property: string): CallError {
  const metadata = new Metadata();
  metadata.set('exception', 'missing-required-metadata-property');
  metadata.set('required-metadata-properties', property);
  return {
    code: status.INVALID_ARGUMENT,
    details: `Missing required metadata property ${property}`,
    metadata,
  };
}
