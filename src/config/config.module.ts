import { type DynamicModule, Global, Module } from '@nestjs/common';
import { LEDGER_CONFIG, type LedgerConfig } from './ledger-config.js';

@Global()
@Module({})
export class ConfigModule {
  static forRoot(config: LedgerConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: LEDGER_CONFIG, useValue: config }],
      exports: [LEDGER_CONFIG],
    };
  }
}
