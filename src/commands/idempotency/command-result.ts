/** What every mutation answers: the aggregate's id, its revision, and the consistency token. */
export interface CommandResult {
  readonly id: string;
  readonly revision: string;
  /** Opaque token: pass it as `consistency.atLeast` to read your own write. */
  readonly position: string;
}
