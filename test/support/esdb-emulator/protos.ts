/**
 * The message classes the official client ships in `generated/`. The emulator
 * serves the same service definitions, so both ends agree on the wire format by
 * construction. The `_pb` modules are CommonJS without static named exports,
 * hence the default imports.
 */
import sharedPb from '@eventstore/db-client/generated/shared_pb.js';
import streamsPb from '@eventstore/db-client/generated/streams_pb.js';
import statusPb from '@eventstore/db-client/generated/status_pb.js';
import featuresPb from '@eventstore/db-client/generated/serverfeatures_pb.js';
import anyPb from 'google-protobuf/google/protobuf/any_pb.js';
import emptyPb from 'google-protobuf/google/protobuf/empty_pb.js';

export { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb.js';
export type { IStreamsServer } from '@eventstore/db-client/generated/streams_grpc_pb.js';
export { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';
export type { IServerFeaturesServer } from '@eventstore/db-client/generated/serverfeatures_grpc_pb.js';

export const { ReadReq, ReadResp, AppendReq, AppendResp, BatchAppendReq, BatchAppendResp } =
  streamsPb;
export type ReadReq = InstanceType<typeof streamsPb.ReadReq>;
export type ReadReqOptions = InstanceType<typeof streamsPb.ReadReq.Options>;
export type ReadResp = InstanceType<typeof streamsPb.ReadResp>;
export type AppendReq = InstanceType<typeof streamsPb.AppendReq>;
export type AppendResp = InstanceType<typeof streamsPb.AppendResp>;
export type BatchAppendReq = InstanceType<typeof streamsPb.BatchAppendReq>;
export type BatchAppendResp = InstanceType<typeof streamsPb.BatchAppendResp>;
export type FilterOptions = InstanceType<typeof streamsPb.ReadReq.Options.FilterOptions>;

export const {
  UUID,
  Empty,
  StreamIdentifier,
  AllStreamPosition,
  WrongExpectedVersion,
  BadRequest,
} = sharedPb;
export type UUID = InstanceType<typeof sharedPb.UUID>;
export type Empty = InstanceType<typeof sharedPb.Empty>;
export type StreamIdentifier = InstanceType<typeof sharedPb.StreamIdentifier>;

export const { Status } = statusPb;
export const { SupportedMethods, SupportedMethod } = featuresPb;
export type SupportedMethods = InstanceType<typeof featuresPb.SupportedMethods>;

/** BatchAppend uses google.protobuf.Empty where the older messages use the shared Empty. */
export const ProtobufEmpty = emptyPb.Empty;
export const ProtobufAny = anyPb.Any;
