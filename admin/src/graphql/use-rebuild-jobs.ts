import { useEffect, useState } from 'react';
import { useSession } from '../session';
import { type RebuildJob } from './operations.operations';

const STREAM = '/admin-api/rebuild-jobs';
/** After the stream ends (the server bounds it) or breaks, it is opened again after this. */
const RECONNECT_MS = 2_000;

/** The `data:` lines of each complete event in `buffer`, and what is left of it. */
function takeEvents(buffer: string): { events: string[]; rest: string } {
  const blocks = buffer.split('\n\n');
  const rest = blocks.pop() ?? '';
  const events = blocks
    .map((block) =>
      block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n'),
    )
    .filter((data) => data !== '');
  return { events, rest };
}

async function follow(token: string, signal: AbortSignal, onJob: (job: RebuildJob) => void) {
  const response = await fetch(STREAM, { headers: { authorization: `Bearer ${token}` }, signal });
  if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const { events, rest } = takeEvents(buffer + value);
    buffer = rest;
    for (const data of events) onJob(JSON.parse(data) as RebuildJob);
  }
}

/**
 * Background rebuilds, pushed by the server (server-sent events read with fetch, which can
 * send the bearer token; EventSource cannot), by projection name.
 */
export function useRebuildJobs(): ReadonlyMap<string, RebuildJob> {
  const { token } = useSession();
  const [jobs, setJobs] = useState<ReadonlyMap<string, RebuildJob>>(new Map());
  useEffect(() => {
    const abort = new AbortController();
    const onJob = (job: RebuildJob) => setJobs((old) => new Map(old).set(job.projection, job));
    void (async () => {
      while (!abort.signal.aborted) {
        // A broken stream is opened again; the page shows the last known state meanwhile.
        await follow(token, abort.signal, onJob).catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, RECONNECT_MS));
      }
    })();
    return () => abort.abort();
  }, [token]);
  return jobs;
}
