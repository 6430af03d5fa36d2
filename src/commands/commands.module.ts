import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CloseAccountHandler } from './accounts/close-account.handler.js';
import { MoveFundsHandler } from './accounts/move-funds.handler.js';
import { OpenAccountHandler } from './accounts/open-account.handler.js';
import { AggregateStore } from './aggregate-store.js';
import { CommandsResolver } from './commands.resolver.js';
import { CommandMetrics } from './command.metrics.js';
import { CommandResultsRepository } from './idempotency/command-results.repository.js';
import { IdempotentCommands } from './idempotency/idempotent-commands.service.js';
import { CancelOrderHandler } from './orders/cancel-order.handler.js';
import { PlaceOrderHandler } from './orders/place-order.handler.js';

@Module({
  imports: [CqrsModule],
  providers: [
    AggregateStore,
    CommandMetrics,
    CommandResultsRepository,
    IdempotentCommands,
    CommandsResolver,
    OpenAccountHandler,
    MoveFundsHandler,
    CloseAccountHandler,
    PlaceOrderHandler,
    CancelOrderHandler,
  ],
  exports: [AggregateStore, IdempotentCommands],
})
export class CommandsModule {}
