import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

let installed = false;

/**
 * Makes OpenTelemetry's context the process's one carrier of "the work under way" across
 * awaits: the active span (tracing.ts) and the log lines' fields (log-context.ts) ride in
 * the same AsyncLocalStorage. Each AsyncLocalStorage in use costs every promise of the
 * process a hook's store: with one for the logs and one for the spans, the hooks took
 * about 24 µs of the 451 µs of an `account(id)` request with tracing on (15 µs with the
 * logs' one alone; BENCHMARKS.md). Idempotent; kept for the life of the process
 * (stopping tracing leaves it).
 */
export function useAsyncContext(): void {
  if (installed) return;
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  installed = true;
}
