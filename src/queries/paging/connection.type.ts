import { Field, ObjectType } from '@nestjs/graphql';
import { encodePosition } from '../../event-store/position.js';
import { type ConsistencyReport } from '../consistency/consistency-report.js';
import { type Page } from './page.js';

@ObjectType('PageInfo')
export class PageInfoType {
  @Field(() => String, {
    nullable: true,
    description: 'Pass as `after` for the next page; null on an empty page',
  })
  endCursor!: string | null;

  @Field()
  hasNextPage!: boolean;
}

/** What every connection carries besides its nodes (each connection declares its own). */
@ObjectType({ isAbstract: true })
export abstract class ConnectionType {
  @Field(() => PageInfoType)
  pageInfo!: PageInfoType;

  @Field({ description: 'The log position the page reflects at least (a consistency token)' })
  position!: string;

  @Field({ description: 'True when consistency.atLeast was not reached within its timeout' })
  stale!: boolean;
}

/** The connection fields of a page read under `consistency`, with its nodes mapped by `map`. */
export function connectionOf<T, U>(
  page: Page<T>,
  consistency: ConsistencyReport,
  map: (node: T) => U,
): { nodes: U[]; pageInfo: PageInfoType; position: string; stale: boolean } {
  return {
    nodes: page.nodes.map(map),
    pageInfo: { endCursor: page.endCursor, hasNextPage: page.hasNextPage },
    position: encodePosition(consistency.position),
    stale: consistency.stale,
  };
}
