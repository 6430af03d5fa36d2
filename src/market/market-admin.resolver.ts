import { Args, Mutation, Resolver } from '@nestjs/graphql';
import { InstrumentHalts } from './instrument-halts.service.js';
import { InstrumentType, toInstrumentType } from './instrument.type.js';
import { SetInstrumentHaltedInput } from './set-instrument-halted.input.js';

/**
 * Market controls. Admin only: authentication and roles are not wired in this codebase
 * yet. When they are, the admin check goes here, on the class (a guard such as
 * `@UseGuards(AdminGuard)`) so that it covers every field below.
 */
@Resolver()
export class MarketAdminResolver {
  constructor(private readonly halts: InstrumentHalts) {}

  @Mutation(() => InstrumentType, {
    description:
      'Halts or resumes trading: while halted the market rejects new orders (INSTRUMENT_HALTED) ' +
      'and resting ones do not fill. Repeating it is harmless.',
  })
  async setInstrumentHalted(
    @Args('input', { description: 'Which instrument, and halt or resume' })
    input: SetInstrumentHaltedInput,
  ): Promise<InstrumentType> {
    return toInstrumentType(await this.halts.setHalted(input.symbol, input.halted));
  }
}
