import { Args, Context, ID, Query, Resolver } from '@nestjs/graphql';
import { QueryBus } from '@nestjs/cqrs';
import { type MercuriusContext } from 'mercurius';
import { recordConsistency } from '../consistency/consistency-report.js';
import { type Consistent } from '../consistency/consistency.service.js';
import { connectionOf } from '../paging/connection.type.js';
import { type Page } from '../paging/page.js';
import { AfterArg, FirstArg } from '../paging/page-args.js';
import { type AuditEntry } from './audit-entry.mapper.js';
import { AuditEntryConnectionType, toAuditEntryType } from './audit-entry.type.js';
import { AuditTrailQuery } from './audit-trail.query.js';

/** The audit trail, for operators: read from the log, so no view rebuild can alter it. */
@Resolver()
export class AuditTrailResolver {
  constructor(private readonly queryBus: QueryBus) {}

  @Query(() => AuditEntryConnectionType, {
    description:
      'Who did what to the account and its orders, when, and in which chain of work: every ' +
      "event of its stream and its orders' streams, in log order, read from the event log " +
      '(admin only). `position` is the log head the page was read at.',
  })
  async auditTrail(
    @Args('accountId', { type: () => ID, description: 'The account whose trail to read' })
    accountId: string,
    @FirstArg() first: number | null,
    @AfterArg() after: string | null,
    @Context() ctx: MercuriusContext,
  ): Promise<AuditEntryConnectionType> {
    const result = await this.queryBus.execute<AuditTrailQuery, Consistent<Page<AuditEntry>>>(
      new AuditTrailQuery(accountId, first, after),
    );
    recordConsistency(ctx, result.consistency);
    return connectionOf(result.value, result.consistency, toAuditEntryType);
  }
}
