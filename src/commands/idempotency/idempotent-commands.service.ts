import { createHash, randomUUID } from 'node:crypto';
import { Injectable, Optional } from '@nestjs/common';
import { IdempotencyKeyReusedError } from '../../shared/ledger-errors.js';
import { type CommandContext } from '../command-context.js';
import { CommandMetrics } from '../command.metrics.js';
import { type CommandResult } from './command-result.js';
import { CommandResultsRepository } from './command-results.repository.js';
import { type RequestIdentity } from '../../shared/request-identity.js';
import { withLogContext } from '../../infrastructure/logging/log-context.js';
import {
  CORRELATION_ATTRIBUTE,
  inSpan,
  requestTraceContext,
} from '../../infrastructure/telemetry/tracing.js';

/** The caller's identity and clock for one request. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * Idempotency by commandId: the same id with the same input returns the first result
 * and appends nothing (also after a restart: results are kept in PostgreSQL); the same
 * id with another input is IDEMPOTENCY_KEY_REUSED. Events of a command get ids derived
 * from its commandId, so even a crash between the append and recording the result
 * cannot append twice.
 */
@Injectable()
export class IdempotentCommands {
  constructor(
    private readonly results: CommandResultsRepository,
    @Optional() private readonly metrics?: CommandMetrics,
  ) {}

  /**
   * Runs the command in its own span (under the request's) and with its correlation id on
   * every line logged meanwhile.
   */
  run(
    commandName: string,
    input: { readonly commandId?: string | null },
    identity: RequestIdentity,
    execute: (context: CommandContext) => Promise<CommandResult>,
  ): Promise<CommandResult> {
    const commandId = input.commandId ?? randomUUID();
    const correlationId = identity.correlationId ?? commandId;
    return withLogContext(correlationId, () =>
      inSpan(
        `command ${commandName}`,
        { 'ledger.command': commandName, [CORRELATION_ATTRIBUTE]: correlationId },
        () => this.runOnce(commandName, input, { ...identity, correlationId }, commandId, execute),
        requestTraceContext(identity.scope),
      ),
    );
  }

  private async runOnce(
    commandName: string,
    input: { readonly commandId?: string | null },
    identity: RequestIdentity,
    commandId: string,
    execute: (context: CommandContext) => Promise<CommandResult>,
  ): Promise<CommandResult> {
    const { commandId: givenId, ...rest } = input;
    const fingerprint = createHash('sha256')
      .update(`${commandName}\u0000${identity.userId}\u0000${canonicalJson(rest)}`)
      .digest('hex');
    if (givenId) {
      const stored = await this.results.find(commandId);
      if (stored) {
        this.metrics?.replayed('stored_result');
        return this.replay(commandId, stored, commandName, fingerprint);
      }
    }
    const result = await execute({
      commandId,
      correlationId: identity.correlationId ?? commandId,
      causationId: commandId,
      userId: identity.userId,
      now: new Date().toISOString(),
    });
    if (!givenId) return result;
    const stored = await this.results.saveFirst(commandId, { commandName, fingerprint, result });
    return this.replay(commandId, stored, commandName, fingerprint);
  }

  private replay(
    commandId: string,
    stored: { commandName: string; fingerprint: string; result: CommandResult },
    commandName: string,
    fingerprint: string,
  ): CommandResult {
    if (stored.commandName !== commandName || stored.fingerprint !== fingerprint) {
      throw new IdempotencyKeyReusedError(commandId);
    }
    return stored.result;
  }
}
