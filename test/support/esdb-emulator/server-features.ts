import { type sendUnaryData, type ServerUnaryCall } from '@grpc/grpc-js';
import { SupportedMethod, SupportedMethods, type Empty } from './protos.js';

const STREAMS = 'event_store.client.streams.streams';

/**
 * ServerFeatures.GetSupportedMethods, answered like a 24.x server (lower-cased
 * names, the same feature flags) but listing only what the emulator implements.
 * The client picks BatchAppend over Append only when it is listed here.
 */
export function supportedMethods(batchAppend: boolean): SupportedMethods {
  const methods = [
    method(STREAMS, 'read', ['position', 'events']),
    method(STREAMS, 'append', []),
    method('event_store.client.server_features.serverfeatures', 'getsupportedmethods', []),
  ];
  if (batchAppend) methods.push(method(STREAMS, 'batchappend', ['deadline_duration']));
  return new SupportedMethods().setEventStoreServerVersion('24.10.0').setMethodsList(methods);
}

export function serverFeaturesHandler(
  batchAppend: boolean,
): (
  call: ServerUnaryCall<Empty, SupportedMethods>,
  callback: sendUnaryData<SupportedMethods>,
) => void {
  const answer = supportedMethods(batchAppend);
  return (_call, callback) => callback(null, answer);
}

function method(
  serviceName: string,
  methodName: string,
  features: string[],
): InstanceType<typeof SupportedMethod> {
  return new SupportedMethod()
    .setServiceName(serviceName)
    .setMethodName(methodName)
    .setFeaturesList(features);
}
