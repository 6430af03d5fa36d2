import { type JsonObject } from './json.js';

/** Recorded with every event. */
export interface EventMetadata {
  /** The first command or request of a chain of work. */
  readonly correlationId: string;
  /** The command or event that directly caused this event. */
  readonly causationId: string;
  /** The idempotency key the command carried (generated when the client gave none). */
  readonly commandId: string;
  /** The acting user: a customer id, an admin, or `system:<process>`. */
  readonly userId: string;
  /**
   * The user on whose behalf a process acted (the customer who placed the order a saga
   * step serves). Absent when the actor acted on its own account, and on events recorded
   * before the field existed.
   */
  readonly initiatorId?: string;
  /** ISO time the command was handled. */
  readonly occurredAt: string;
}

export function toJson(metadata: EventMetadata): JsonObject {
  const { initiatorId, ...always } = metadata;
  // An absent initiator stays absent: JSON has no undefined, and old events lack the key.
  return initiatorId === undefined ? { ...always } : { ...always, initiatorId };
}

export function fromJson(json: JsonObject): EventMetadata {
  const text = (key: keyof EventMetadata): string => {
    const value = json[key];
    return typeof value === 'string' ? value : '';
  };
  const initiatorId = text('initiatorId');
  return {
    correlationId: text('correlationId'),
    causationId: text('causationId'),
    commandId: text('commandId'),
    userId: text('userId'),
    ...(initiatorId === '' ? {} : { initiatorId }),
    occurredAt: text('occurredAt'),
  };
}
