import { status, type sendUnaryData, type ServerReadableStream } from '@grpc/grpc-js';
import { AppendReq, AppendResp, Empty } from './protos.js';
import { type EventLog, type ExpectedState, type ProposedEvent } from './event-log.js';
import { isCallError, toProposedEvent, type CallError } from './proposed-events.js';
import { streamName, uint64 } from './wire.js';

type AppendRequest = InstanceType<typeof AppendReq>;
type AppendResponse = InstanceType<typeof AppendResp>;
type AppendOptions = InstanceType<typeof AppendReq.Options>;

const { ExpectedStreamRevisionCase } = AppendReq.Options;

/**
 * Streams.Append (client streaming): one options message, then the proposed
 * messages; the write happens when the client half-closes. Like the server, a
 * wrong expected version is a normal response, not an error status.
 */
export function appendHandler(
  log: EventLog,
): (
  call: ServerReadableStream<AppendRequest, AppendResponse>,
  callback: sendUnaryData<AppendResponse>,
) => void {
  return (call, callback) => {
    let options: AppendOptions | undefined;
    const events: ProposedEvent[] = [];
    let failure: CallError | undefined;
    call.on('data', (request: AppendRequest) => {
      if (failure) return;
      if (!options) {
        options = request.getOptions();
        if (!options)
          failure = { code: status.INVALID_ARGUMENT, details: 'options must come first' };
        return;
      }
      const message = request.getProposedMessage();
      const event = message
        ? toProposedEvent(message)
        : { code: status.INVALID_ARGUMENT, details: 'options sent twice' };
      if (isCallError(event)) failure = event;
      else events.push(event);
    });
    call.on('end', () => {
      if (failure) return callback(failure);
      if (!options) return callback({ code: status.INVALID_ARGUMENT, details: 'no options' });
      const name = streamName(options.getStreamIdentifier());
      if (!name) return callback({ code: status.INVALID_ARGUMENT, details: 'no stream name' });
      callback(null, appendResponse(log, name, options, events));
    });
  };
}

function appendResponse(
  log: EventLog,
  name: string,
  options: AppendOptions,
  events: readonly ProposedEvent[],
): AppendResponse {
  const outcome = log.append(name, expectedState(options), events);
  const response = new AppendResp();
  if (outcome.kind === 'success') {
    const success = new AppendResp.Success();
    if (outcome.currentRevision === 'no_stream') success.setNoStream(new Empty());
    else success.setCurrentRevision(outcome.currentRevision.toString());
    if (outcome.position === undefined) success.setNoPosition(new Empty());
    else {
      const position = outcome.position.toString();
      success.setPosition(
        new AppendResp.Position().setCommitPosition(position).setPreparePosition(position),
      );
    }
    return response.setSuccess(success);
  }
  // The server also fills the deprecated *_20_6_0 fields; clients from 21.x on read only these.
  const wrong = new AppendResp.WrongExpectedVersion();
  if (outcome.current === 'no_stream') wrong.setCurrentNoStream(new Empty());
  else wrong.setCurrentRevision(outcome.current.toString());
  switch (options.getExpectedStreamRevisionCase()) {
    case ExpectedStreamRevisionCase.REVISION:
      wrong.setExpectedRevision(options.getRevision());
      break;
    case ExpectedStreamRevisionCase.NO_STREAM:
      wrong.setExpectedNoStream(new Empty());
      break;
    case ExpectedStreamRevisionCase.STREAM_EXISTS:
      wrong.setExpectedStreamExists(new Empty());
      break;
    default:
      wrong.setExpectedAny(new Empty());
  }
  return response.setWrongExpectedVersion(wrong);
}

function expectedState(options: AppendOptions): ExpectedState {
  switch (options.getExpectedStreamRevisionCase()) {
    case ExpectedStreamRevisionCase.REVISION:
      return { kind: 'revision', revision: uint64(options.getRevision()) };
    case ExpectedStreamRevisionCase.NO_STREAM:
      return { kind: 'no_stream' };
    case ExpectedStreamRevisionCase.STREAM_EXISTS:
      return { kind: 'stream_exists' };
    default:
      return { kind: 'any' };
  }
}
