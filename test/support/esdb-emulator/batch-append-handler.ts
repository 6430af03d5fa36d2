import { type ServerDuplexStream } from '@grpc/grpc-js';
import codePb from '@eventstore/db-client/generated/code_pb.js';
import {
  AllStreamPosition,
  BadRequest,
  BatchAppendReq,
  BatchAppendResp,
  ProtobufAny,
  ProtobufEmpty,
  Status,
  WrongExpectedVersion,
  type UUID,
} from './protos.js';
import {
  type AppendOutcome,
  type EventLog,
  type ExpectedState,
  type ProposedEvent,
} from './event-log.js';
import { isCallError, toProposedEvent } from './proposed-events.js';
import { callSignal, writeMessage } from './call-writer.js';
import { streamIdentifier, streamName, uint64 } from './wire.js';

type BatchRequest = InstanceType<typeof BatchAppendReq>;
type BatchResponse = InstanceType<typeof BatchAppendResp>;
type BatchOptions = InstanceType<typeof BatchAppendReq.Options>;
type BatchCall = ServerDuplexStream<BatchRequest, BatchResponse>;

const { ExpectedStreamPositionCase } = BatchAppendReq.Options;

interface PendingWrite {
  readonly correlationId: UUID;
  readonly streamName: string;
  readonly options: BatchOptions;
  readonly events: ProposedEvent[];
}

/**
 * Streams.BatchAppend (bidirectional): the client keeps one call open and
 * multiplexes appends over it by correlation id. A write's first request carries
 * the options; it commits on the request marked final. Failures travel as a
 * google.rpc.Status with the detail packed in an Any, as the server sends them.
 */
export function batchAppendHandler(
  log: EventLog,
  stopping: AbortSignal,
): (call: BatchCall) => void {
  return (call) => {
    const signal = callSignal(call, stopping);
    const pending = new Map<string, PendingWrite>();
    let replies = Promise.resolve(true);
    const reply = (response: BatchResponse): void => {
      replies = replies.then((open) => open && writeMessage(call, signal, response));
    };

    call.on('data', (request: BatchRequest) => {
      const correlationId = request.getCorrelationId();
      if (!correlationId) return;
      const key = correlationKey(correlationId);
      const options = request.getOptions();
      if (options && !pending.has(key)) {
        const name = streamName(options.getStreamIdentifier());
        if (!name) {
          reply(failure(correlationId, '', badRequest('Required field StreamIdentifier not set.')));
          return;
        }
        pending.set(key, { correlationId, streamName: name, options, events: [] });
      }
      const write = pending.get(key);
      if (!write) return;
      for (const message of request.getProposedMessagesList()) {
        const event = toProposedEvent(message);
        if (isCallError(event)) {
          pending.delete(key);
          reply(failure(correlationId, write.streamName, badRequest(event.details)));
          return;
        }
        write.events.push(event);
      }
      if (!request.getIsFinal()) return;
      pending.delete(key);
      const outcome = log.append(write.streamName, expectedState(write.options), write.events);
      reply(response(write, outcome));
    });
    call.on('end', () => {
      void replies.then((open) => {
        if (open) call.end();
      });
    });
  };
}

/** The client sends correlation ids as strings; the map only needs a stable key. */
function correlationKey(uuid: UUID): string {
  return uuid.hasStructured()
    ? `${uuid.getStructured()!.getMostSignificantBits()}:${uuid.getStructured()!.getLeastSignificantBits()}`
    : uuid.getString();
}

function response(write: PendingWrite, outcome: AppendOutcome): BatchResponse {
  if (outcome.kind === 'wrong_expected_version') {
    return failure(
      write.correlationId,
      write.streamName,
      wrongExpectedVersion(write.options, outcome.current),
    );
  }
  const success = new BatchAppendResp.Success();
  if (outcome.currentRevision === 'no_stream') success.setNoStream(new ProtobufEmpty());
  else success.setCurrentRevision(outcome.currentRevision.toString());
  if (outcome.position === undefined) success.setNoPosition(new ProtobufEmpty());
  else {
    const position = outcome.position.toString();
    success.setPosition(
      new AllStreamPosition().setCommitPosition(position).setPreparePosition(position),
    );
  }
  return new BatchAppendResp()
    .setCorrelationId(write.correlationId)
    .setStreamIdentifier(streamIdentifier(write.streamName))
    .setSuccess(success);
}

function failure(
  correlationId: UUID,
  name: string,
  error: InstanceType<typeof Status>,
): BatchResponse {
  return new BatchAppendResp()
    .setCorrelationId(correlationId)
    .setStreamIdentifier(streamIdentifier(name))
    .setError(error);
}

function wrongExpectedVersion(
  options: BatchOptions,
  current: bigint | 'no_stream',
): InstanceType<typeof Status> {
  const detail = new WrongExpectedVersion();
  if (current === 'no_stream') detail.setCurrentNoStream(new ProtobufEmpty());
  else detail.setCurrentStreamRevision(current.toString());
  switch (options.getExpectedStreamPositionCase()) {
    case ExpectedStreamPositionCase.STREAM_POSITION:
      detail.setExpectedStreamPosition(options.getStreamPosition());
      break;
    case ExpectedStreamPositionCase.NO_STREAM:
      detail.setExpectedNoStream(new ProtobufEmpty());
      break;
    case ExpectedStreamPositionCase.STREAM_EXISTS:
      detail.setExpectedStreamExists(new ProtobufEmpty());
      break;
    default:
      detail.setExpectedAny(new ProtobufEmpty());
  }
  return statusWithDetail(
    codePb.Code.ALREADY_EXISTS,
    'WrongExpectedVersion',
    detail.serializeBinary(),
    'event_store.client.WrongExpectedVersion',
  );
}

function badRequest(message: string): InstanceType<typeof Status> {
  return statusWithDetail(
    codePb.Code.INVALID_ARGUMENT,
    'BadRequest',
    new BadRequest().setMessage(message).serializeBinary(),
    'event_store.client.BadRequest',
  );
}

function statusWithDetail(
  code: codePb.Code,
  message: string,
  detail: Uint8Array,
  typeName: string,
): InstanceType<typeof Status> {
  const any = new ProtobufAny();
  any.pack(detail, typeName);
  return new Status().setCode(code).setMessage(message).setDetails(any);
}

function expectedState(options: BatchOptions): ExpectedState {
  switch (options.getExpectedStreamPositionCase()) {
    case ExpectedStreamPositionCase.STREAM_POSITION:
      return { kind: 'revision', revision: uint64(options.getStreamPosition()) };
    case ExpectedStreamPositionCase.NO_STREAM:
      return { kind: 'no_stream' };
    case ExpectedStreamPositionCase.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    default:
      return { kind: 'any' };
  }
}
