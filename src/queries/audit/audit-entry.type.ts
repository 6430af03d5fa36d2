import { Field, GraphQLISODateTime, ObjectType } from '@nestjs/graphql';
import { encodePosition } from '../../event-store/position.js';
import { ConnectionType, KEYSET_PAGE } from '../paging/connection.type.js';
import { type AuditEntry } from './audit-entry.mapper.js';

/** One event of the trail, as the log recorded it. */
@ObjectType('AuditEntry', {
  description: 'One event of an account or of one of its orders, with who recorded it and why',
})
export class AuditEntryType {
  @Field({ description: 'The log position of the event (an opaque token)' })
  position!: string;

  @Field({
    description: 'The stream it was appended to: account-<id>, order-<id>, order-saga-<id>',
  })
  stream!: string;

  @Field({ description: 'The stored event type with its version, e.g. FundsDeposited.v2' })
  eventType!: string;

  @Field(() => GraphQLISODateTime, { description: 'When the command that recorded it was handled' })
  occurredAt!: Date;

  @Field({ description: 'The actor: a customer id, an admin, or system:<process>' })
  userId!: string;

  @Field(() => String, {
    nullable: true,
    description: 'The user a process acted for (the customer who placed the order); null otherwise',
  })
  initiatorId!: string | null;

  @Field({ description: 'The first command or request of the chain of work' })
  correlationId!: string;

  @Field({ description: 'The command or event that directly caused it' })
  causationId!: string;

  @Field({ description: 'The idempotency key of the command that recorded it' })
  commandId!: string;
}

@ObjectType('AuditEntryConnection', {
  description: `An account's audit trail, read from the event log in log order. ${KEYSET_PAGE}`,
})
export class AuditEntryConnectionType extends ConnectionType {
  @Field(() => [AuditEntryType], { description: 'The entries of this page, in log order' })
  nodes!: AuditEntryType[];
}

export function toAuditEntryType(entry: AuditEntry): AuditEntryType {
  return {
    position: encodePosition(entry.position),
    stream: entry.streamId,
    eventType: entry.eventType,
    occurredAt: entry.occurredAt,
    userId: entry.userId,
    initiatorId: entry.initiatorId,
    correlationId: entry.correlationId,
    causationId: entry.causationId,
    commandId: entry.commandId,
  };
}
