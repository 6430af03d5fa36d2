import { type EventMetadata } from '../events/event-metadata.js';

/** Who asked, and the chain of work a command belongs to. */
export interface CommandContext {
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly userId: string;
  /** The user a process acts for (the saga: the customer who placed the order); else absent. */
  readonly initiatorId?: string;
  /** ISO time the command is handled: the domain never reads a clock itself. */
  readonly now: string;
}

export function metadataFor(context: CommandContext): EventMetadata {
  return {
    correlationId: context.correlationId,
    causationId: context.causationId,
    commandId: context.commandId,
    userId: context.userId,
    ...(context.initiatorId === undefined ? {} : { initiatorId: context.initiatorId }),
    occurredAt: context.now,
  };
}
