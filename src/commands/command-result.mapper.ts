import { encodePosition, maxPosition } from '../event-store/position.js';
import { type StreamWrite } from './aggregate-store.js';
import { type CommandResult } from './idempotency/command-result.js';

/** The result of a command that wrote `primary` (and possibly other streams before it). */
export function commandResult(
  id: string,
  primary: StreamWrite,
  ...others: StreamWrite[]
): CommandResult {
  const position = others.reduce(
    (max, write) => maxPosition(max, write.position),
    primary.position,
  );
  return { id, revision: primary.revision.toString(), position: encodePosition(position) };
}
