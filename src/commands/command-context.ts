import { type EventMetadata } from '../events/event-metadata.js';

/** Who asked, and the chain of work a command belongs to. */
export interface CommandContext {
  readonly commandId: string;
  readonly correlationId: string;
  readonly causationId: string;
  readonly userId: string;
  /** ISO time the command is handled: the domain never reads a clock itself. */
  readonly now: string;
}

export function metadataFor(context: CommandContext): EventMetadata {
  return {
    correlationId: context.correlationId,
    causationId: context.causationId,
    commandId: context.commandId,
    userId: context.userId,
    occurredAt: context.now,
  };
}
