import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type pg from 'pg';
import { AggregateStore } from '../../commands/aggregate-store.js';
import { CommandRejectedError } from '../../shared/ledger-errors.js';
import { type CommandContext } from '../../commands/command-context.js';
import { commandResult } from '../../commands/command-result.mapper.js';
import { type CommandResult } from '../../commands/idempotency/command-result.js';
import { LEDGER_CONFIG, type LedgerConfig } from '../../config/ledger-config.js';
import { orderSagaStream } from '../../events/stream-names.js';
import { DATABASE_POOL } from '../../infrastructure/database/database.tokens.js';
import { type LeaderElection } from '../../infrastructure/leadership/leader-election.js';
import { Leaderships } from '../../infrastructure/leadership/leaderships.service.js';
import { EVENT_STORE, type EventStore } from '../../event-store/event-store.port.js';
import { systemClock } from '../../infrastructure/resilience/clock.js';
import { FeeSchedule } from '../../market/fee-schedule.js';
import {
  MARKET_GATEWAY,
  type MarketGateway,
  MarketUnavailableError,
} from '../../market/market-gateway.port.js';
import { OrderPlacementRunner } from './order-placement.runner.js';
import {
  type CancelAnswer,
  type SagaCommand,
  compensationNeedsMarket,
  sagaDecider,
} from './order-placement.saga.js';
import { OrderPlacementSteps } from './order-placement.steps.js';
import {
  type ParkedSaga,
  type SagaCounts,
  OrderSagasRepository,
} from './order-sagas.repository.js';
import { SagaLogFollower } from './saga-log-follower.js';
import { SagaStepMetrics } from './saga-step.metrics.js';

/**
 * Runs this process's order placement saga (its log follower and its turns) and the
 * admin operations on parked sagas.
 */
@Injectable()
export class OrderPlacementSagaService
  implements OnApplicationBootstrap, BeforeApplicationShutdown
{
  private readonly logger = new Logger('OrderPlacementSaga');
  private readonly sagas: OrderSagasRepository;
  private readonly runner: OrderPlacementRunner;
  private readonly follower: SagaLogFollower;
  /** Runs the follower and the runner while this process leads the `sagas` group. */
  private readonly election: LeaderElection;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(DATABASE_POOL) pool: pg.Pool,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly aggregates: AggregateStore,
    @Inject(MARKET_GATEWAY) private readonly market: MarketGateway,
    fees: FeeSchedule,
    leaderships: Leaderships,
    stepMetrics: SagaStepMetrics,
  ) {
    const log = (message: string): void => this.logger.warn(message);
    this.sagas = new OrderSagasRepository(pool);
    const steps = new OrderPlacementSteps(aggregates, market, fees, systemClock, config.sagas);
    this.runner = new OrderPlacementRunner(
      aggregates,
      this.sagas,
      steps,
      config.sagas,
      systemClock,
      log,
      stepMetrics,
    );
    this.follower = new SagaLogFollower(
      store,
      this.sagas,
      config.sagas.batchSize,
      () => this.runner.notify(),
      log,
    );
    this.election = leaderships.elect('sagas', {
      start: () => {
        this.follower.start();
        this.runner.start();
      },
      stop: async () => {
        await this.follower.stop();
        await this.runner.stop();
      },
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.sagas.enabled) this.election.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.election.stop();
  }

  listParked(limit: number): Promise<ParkedSaga[]> {
    return this.sagas.listParked(limit);
  }

  counts(): Promise<SagaCounts> {
    return this.sagas.counts();
  }

  /** Runs a parked saga again from where it stopped. */
  async retry(orderId: string): Promise<CommandResult> {
    await this.unpark(orderId);
    const loaded = await this.aggregates.load(orderSagaStream(orderId), sagaDecider);
    return commandResult(orderId, {
      streamId: orderSagaStream(orderId),
      revision: loaded.revision ?? -1n,
      position: loaded.position,
      appended: 0,
    });
  }

  /**
   * Unwinds a parked saga: settles the fills it knows of, releases what is reserved,
   * refunds the fee when nothing filled, and ends the order FAILED. An order that may
   * still trade is first cancelled at the market, here and now: its answer decides
   * (`compensationNeedsMarket`, `decideSaga`), and no answer refuses the compensation
   * (COMPENSATION_NEEDS_MARKET) with nothing written and the saga still parked.
   */
  async compensate(orderId: string, context: CommandContext): Promise<CommandResult> {
    await this.requireParked(orderId);
    const { state } = await this.aggregates.load(orderSagaStream(orderId), sagaDecider);
    const market = compensationNeedsMarket(state) ? await this.cancelAtMarket(orderId) : null;
    return this.decideAndResume(
      orderId,
      { type: 'Compensate', orderId, by: context.userId, market },
      context,
    );
  }

  private async cancelAtMarket(orderId: string): Promise<CancelAnswer> {
    try {
      const outcome = await this.market.cancelOrder(orderId);
      return { kind: outcome.kind === 'not-placed' ? 'not-placed' : 'closed' };
    } catch (error) {
      if (!(error instanceof MarketUnavailableError)) throw error;
      return { kind: 'no-answer', reason: error.message };
    }
  }

  /**
   * Ends a parked saga FAILED at once, asking the market nothing more: the admin's word
   * that the order is not (or no longer) at the market. The reservation is released and
   * the fee refunded unless something was filled.
   */
  async fail(orderId: string, reason: string, context: CommandContext): Promise<CommandResult> {
    await this.requireParked(orderId);
    return this.decideAndResume(
      orderId,
      {
        type: 'Record',
        event: {
          type: 'OrderSagaEnding',
          data: {
            orderId,
            status: 'FAILED',
            reason: `failed by an admin: ${reason}`,
            forced: true,
          },
        },
      },
      context,
    );
  }

  private async decideAndResume(
    orderId: string,
    command: SagaCommand,
    context: CommandContext,
  ): Promise<CommandResult> {
    const written = await this.aggregates.execute(
      orderSagaStream(orderId),
      sagaDecider,
      () => command,
      context,
    );
    await this.unpark(orderId);
    return commandResult(orderId, written);
  }

  private async requireParked(orderId: string): Promise<void> {
    const status = await this.sagas.status(orderId);
    if (status === undefined) {
      throw new CommandRejectedError({
        code: 'NOT_FOUND',
        message: `No saga for order ${orderId}`,
      });
    }
    if (status !== 'parked') {
      throw new CommandRejectedError({
        code: 'ORDER_NOT_ACTIVE',
        message: `The saga of order ${orderId} is ${status}, not parked`,
      });
    }
  }

  private async unpark(orderId: string): Promise<void> {
    // Throws the reason when the saga was not parked (anymore).
    if (!(await this.sagas.unpark(orderId))) await this.requireParked(orderId);
    this.runner.notify();
  }
}
