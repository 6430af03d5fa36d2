import { type CommandContext } from './command-context.js';

/** A command as the bus carries it: the validated input and who sent it when. */
export abstract class LedgerCommand<I> {
  constructor(
    readonly input: I,
    readonly context: CommandContext,
  ) {}
}
