import { Field, GraphQLISODateTime, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import { type CircuitSnapshot } from '../infrastructure/resilience/circuit-breaker.js';

export enum CircuitStateType {
  CLOSED = 'CLOSED',
  OPEN = 'OPEN',
  HALF_OPEN = 'HALF_OPEN',
}
registerEnumType(CircuitStateType, {
  name: 'CircuitState',
  description: 'Whether calls to the market pass a circuit breaker',
  valuesMap: {
    CLOSED: { description: 'Calls pass' },
    OPEN: { description: 'Calls are refused until the cool-down ends' },
    HALF_OPEN: { description: 'Trial calls pass: one success closes it, one failure opens it' },
  },
});

@ObjectType('MarketCircuit', { description: 'A circuit breaker in front of the market' })
export class MarketCircuitType {
  @Field({ description: 'Which market calls this breaker guards' })
  name!: string;

  @Field(() => CircuitStateType, {
    description: 'OPEN: calls fail fast with SERVICE_UNAVAILABLE until retryAfterMs',
  })
  state!: CircuitStateType;

  @Field(() => Int, { description: 'Failures in a row (reset by a success)' })
  failures!: number;

  @Field(() => GraphQLISODateTime, {
    nullable: true,
    description: 'When it last opened; null while closed',
  })
  openedAt!: Date | null;

  @Field(() => Int, { description: 'While open: ms until it lets trial calls through; else 0' })
  retryAfterMs!: number;
}

export function toMarketCircuitType(snapshot: CircuitSnapshot): MarketCircuitType {
  return {
    name: snapshot.name,
    state: snapshot.state as CircuitStateType,
    failures: snapshot.consecutiveFailures,
    openedAt: snapshot.openedAtMs === undefined ? null : new Date(snapshot.openedAtMs),
    retryAfterMs: snapshot.retryAfterMs,
  };
}
