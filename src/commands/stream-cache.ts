import { type Position } from '../event-store/position.js';

/** Where a command already wrote to a stream: its last event there. */
export interface CommandEffect {
  readonly revision: bigint;
  readonly position: Position;
}

/** A stream as a command last saw it: folded state, and which commands wrote to it. */
export interface StreamSnapshot<S> {
  readonly state: S;
  readonly revision: bigint | undefined;
  readonly position: Position;
  /** The stream's most recent commands by command id (bounded: see MAX_COMMAND_EFFECTS). */
  readonly effects: ReadonlyMap<string, CommandEffect>;
}

/** Command ids remembered per stream, newest kept. */
export const MAX_COMMAND_EFFECTS = 1_000;

/** Records a command's effect in place, forgetting the oldest beyond the bound. */
export function rememberEffect(
  effects: Map<string, CommandEffect>,
  commandId: string,
  effect: CommandEffect,
): void {
  effects.delete(commandId);
  effects.set(commandId, effect);
  if (effects.size > MAX_COMMAND_EFFECTS) effects.delete(effects.keys().next().value!);
}

export function withEffect(
  effects: ReadonlyMap<string, CommandEffect>,
  commandId: string,
  effect: CommandEffect,
): Map<string, CommandEffect> {
  const next = new Map(effects);
  rememberEffect(next, commandId, effect);
  return next;
}

/**
 * Least-recently-used snapshots of the streams this process wrote last. A snapshot is
 * only a guess at the stream's head: the append's expected revision checks it, and a
 * conflict or any failed append drops it.
 */
export class StreamCache {
  private readonly entries = new Map<
    string,
    { owner: object; snapshot: StreamSnapshot<unknown> }
  >();

  constructor(private readonly capacity: number) {}

  /** `owner` (the decider) keeps one stream's snapshot from being read as another aggregate. */
  get<S>(streamId: string, owner: object): StreamSnapshot<S> | undefined {
    const entry = this.entries.get(streamId);
    if (!entry || entry.owner !== owner) return undefined;
    this.entries.delete(streamId);
    this.entries.set(streamId, entry);
    return entry.snapshot as StreamSnapshot<S>;
  }

  set<S>(streamId: string, owner: object, snapshot: StreamSnapshot<S>): void {
    if (this.capacity === 0) return;
    this.entries.delete(streamId);
    this.entries.set(streamId, { owner, snapshot });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(streamId: string): void {
    this.entries.delete(streamId);
  }
}
