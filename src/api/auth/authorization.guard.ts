import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  UnauthorizedException,
} from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { GqlExecutionContext, GraphQLSchemaHost, type GqlContextType } from '@nestjs/graphql';
import { type FastifyRequest } from 'fastify';
import { type MercuriusContext } from 'mercurius';
import { servesApi } from '../../config/deployment-config.js';
import { LEDGER_CONFIG, type LedgerConfig } from '../../config/ledger-config.js';
import {
  type Caller,
  callerOf,
  customerScopeOf,
  rememberCaller,
} from '../../shared/request-identity.js';
import { CALLER_AUTHENTICATOR, type CallerAuthenticator } from './caller-authenticator.js';
import { isServerId } from '../../shared/input-rules.js';
import { ForbiddenError, NotYoursError } from './authorization.errors.js';
import { OPERATION_RULES, type OperationRule, argumentAt } from './operation-rules.js';
import { Ownership } from './ownership.js';
import { RequestLimits } from './request-limits.js';

/** The admin UI's HTTP routes beside GraphQL (api/rebuild-jobs.controller.ts): admin only. */
const ADMIN_API_PREFIX = '/admin-api/';

const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/**
 * Every GraphQL operation passes here before its resolver: the caller is authenticated
 * (once per request) and the operation's rule in OPERATION_RULES is applied. An operation
 * without a rule is refused, and the app does not start while the schema has one.
 */
@Injectable()
export class AuthorizationGuard implements CanActivate, OnApplicationBootstrap {
  constructor(
    @Inject(CALLER_AUTHENTICATOR) private readonly authenticator: CallerAuthenticator,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    private readonly ownership: Ownership,
    private readonly limits: RequestLimits,
    private readonly modules: ModuleRef,
  ) {}

  onApplicationBootstrap(): void {
    // A worker (LEDGER_ROLE=worker) serves no GraphQL: no schema, nothing to match.
    if (!servesApi(this.config.deployment.role)) return;
    // The schema is the GraphQL module's: looked up across modules once it is built.
    const { schema } = this.modules.get(GraphQLSchemaHost, { strict: false });
    const operations = [schema.getQueryType(), schema.getMutationType()].flatMap((type) =>
      type ? Object.keys(type.getFields()) : [],
    );
    const unruled = operations.filter((name) => OPERATION_RULES[name] === undefined);
    const stale = Object.keys(OPERATION_RULES).filter((name) => !operations.includes(name));
    if (unruled.length > 0 || stale.length > 0) {
      throw new Error(
        `OPERATION_RULES does not match the schema: no rule for ${unruled.join(', ') || 'none'}; ` +
          `a rule for no operation: ${stale.join(', ') || 'none'}`,
      );
    }
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    // HTTP routes: /health stays open for probes; /metrics by LEDGER_METRICS_ACCESS;
    // /admin-api/ needs an admin.
    if (context.getType<GqlContextType>() !== 'graphql') return this.allowHttp(context);
    const gql = GqlExecutionContext.create(context);
    const info = gql.getInfo<{ parentType: { name: string }; fieldName: string }>();
    // Fields below an operation were allowed with it.
    if (!ROOT_TYPES.has(info.parentType.name)) return true;
    const caller = await this.authenticate(gql.getContext<MercuriusContext>());
    const rule = OPERATION_RULES[info.fieldName];
    if (rule === undefined) throw new ForbiddenError(`${info.fieldName} has no access rule`);
    await this.apply(rule, caller, gql.getArgs<Record<string, unknown>>(), info.fieldName);
    return true;
  }

  private async allowHttp(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const metrics = request.url.startsWith('/metrics') && this.config.auth.metricsAccess !== 'open';
    const adminApi = request.url.startsWith(ADMIN_API_PREFIX);
    if (!metrics && !adminApi) return true;
    const caller = await this.authenticator
      .authenticate(request.headers.authorization)
      .catch((error: unknown) => {
        throw new UnauthorizedException((error as Error).message);
      });
    if (customerScopeOf(caller) !== undefined) {
      throw new ForbiddenException(
        metrics
          ? '/metrics needs an admin token (or LEDGER_METRICS_ACCESS=open)'
          : `${ADMIN_API_PREFIX} needs an admin token`,
      );
    }
    return true;
  }

  private async authenticate(context: MercuriusContext): Promise<Caller> {
    const known = callerOf(context);
    if (known) return known;
    const request = context.reply?.request;
    let caller: Caller;
    try {
      caller = await this.authenticator.authenticate(request?.headers.authorization);
    } catch (error) {
      await this.limits.anonymousRequest(request?.ip ?? 'unknown');
      throw error;
    }
    await this.limits.callerRequest(caller.sub);
    rememberCaller(context, caller);
    return caller;
  }

  private async apply(
    rule: OperationRule,
    caller: Caller,
    args: Record<string, unknown>,
    operation: string,
  ): Promise<void> {
    const scope = customerScopeOf(caller);
    if (rule.kind === 'admin') {
      if (scope !== undefined) throw new ForbiddenError(`${operation} needs the admin role`);
      return;
    }
    // Admins act on every customer's data; the rest is for customers, on their own.
    if (scope === undefined || rule.kind === 'any-caller' || rule.kind === 'own-list') return;
    const id = argumentAt(args, rule.arg) ?? '';
    // No account or order has an id of another shape: the input's validation refuses it
    // next, before anything is read (looking it up could hand the store unsafe text).
    if (rule.kind !== 'own-customer' && !isServerId(id)) return;
    switch (rule.kind) {
      case 'own-customer':
        if (id !== scope) {
          throw new ForbiddenError(
            `A customer acts only for itself (${rule.arg} must be ${scope})`,
          );
        }
        return;
      case 'own-account':
        if ((await this.ownership.accountOwner(id)) !== scope) throw new NotYoursError('Account');
        return;
      case 'own-order':
        if ((await this.ownership.orderOwner(id)) !== scope) throw new NotYoursError('Order');
        return;
    }
  }
}
