import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

let installed = false;

/**
 * Makes OpenTelemetry's context the process's one carrier of "the work under way" across
 * awaits: the active span (tracing.ts) and the log lines' fields (log-context.ts) ride in
 * the same AsyncLocalStorage. Each AsyncLocalStorage in use costs every promise of the
 * process a hook's store: with one for the logs and one for the spans, `account(id)` with
 * tracing on spent about a tenth of its CPU in them. Idempotent; kept for the life of the
 * process (stopping tracing leaves it).
 */
export function useAsyncContext(): void {
  if (installed) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  installed = true;
}
