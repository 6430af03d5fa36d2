import { Context, Query, Resolver } from '@nestjs/graphql';
import { QueryBus } from '@nestjs/cqrs';
import { type MercuriusContext } from 'mercurius';
import {
  ConsistencyArg,
  ConsistencyInput,
  readConsistencyOf,
} from '../consistency/consistency.input.js';
import { executeConsistent } from '../consistency/consistent-query.js';
import { ProjectionType, toProjectionType } from './projection.type.js';
import { ProjectionsQuery } from './projections.query.js';

@Resolver()
export class ProjectionsResolver {
  constructor(private readonly queryBus: QueryBus) {}

  @Query(() => [ProjectionType], { description: "The projectors' progress, by name" })
  async projections(
    @ConsistencyArg() consistency: ConsistencyInput,
    @Context() ctx: MercuriusContext,
  ): Promise<ProjectionType[]> {
    const { value } = await executeConsistent(
      this.queryBus,
      ctx,
      new ProjectionsQuery(readConsistencyOf(consistency)),
    );
    return value.map(toProjectionType);
  }
}
