import { Field, ObjectType } from '@nestjs/graphql';
import { encodePosition } from '../../event-store/position.js';
import { type ConsistencyReport } from '../consistency/consistency-report.js';
import { type Page } from './page.js';

/** Said in every connection's description: how its pages work. */
export const KEYSET_PAGE =
  'A keyset page: pass pageInfo.endCursor as `after` to read the next page. The cursor is ' +
  "the last row's sort key, so no row appears on two pages, and a row written meanwhile " +
  'shows up only if it sorts after the cursor. Not a Relay connection: no edges, no backward paging';

@ObjectType('PageInfo', {
  description: 'Where a keyset page ends: page forward with `after: endCursor` while hasNextPage',
})
export class PageInfoType {
  @Field(() => String, {
    nullable: true,
    description: 'Pass as `after` for the next page; null on an empty page',
  })
  endCursor!: string | null;

  @Field({ description: 'True when more rows follow this page; ask again with `after: endCursor`' })
  hasNextPage!: boolean;
}

/** What every connection carries besides its nodes (each connection declares its own). */
@ObjectType({ isAbstract: true })
export abstract class ConnectionType {
  @Field(() => PageInfoType, { description: 'The cursor to read the next page with' })
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
