import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { CommandsModule } from '../../commands/commands.module.js';
import { LEDGER_CONFIG, type LedgerConfig } from '../../config/ledger-config.js';
import { AuthorizationGuard } from './authorization.guard.js';
import { CALLER_AUTHENTICATOR, type CallerAuthenticator } from './caller-authenticator.js';
import { Ownership } from './ownership.js';
import { RequestLimits } from './request-limits.js';
import { createTokenVerifier } from './token-verifier.js';

/**
 * Bearer-token authentication and the access rules of every GraphQL operation, applied
 * by one guard before any resolver runs.
 */
@Module({
  imports: [CommandsModule],
  providers: [
    {
      provide: CALLER_AUTHENTICATOR,
      inject: [LEDGER_CONFIG],
      useFactory: async (config: LedgerConfig): Promise<CallerAuthenticator> => {
        const verifier = await createTokenVerifier(config);
        return { authenticate: (authorization) => verifier.verify(authorization) };
      },
    },
    Ownership,
    {
      provide: RequestLimits,
      inject: [LEDGER_CONFIG],
      useFactory: (config: LedgerConfig) => new RequestLimits(config.auth),
    },
    AuthorizationGuard,
    // Registered by class as well, so the one instance can be found (the query benchmark
    // measures the app with the check switched off).
    { provide: APP_GUARD, useExisting: AuthorizationGuard },
  ],
})
export class AuthModule {}
