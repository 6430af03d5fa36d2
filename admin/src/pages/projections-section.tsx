import { useEffect } from 'react';
import { Empty, ErrorMessage, Loading } from '../components/states';
import { Time } from '../components/values';
import {
  PROJECTIONS_QUERY,
  type ProjectionRow,
  REPLAY_PARKED,
  type RebuildJob,
  START_REBUILD,
} from '../graphql/operations.operations';
import { useAdminMutation } from '../graphql/use-admin-mutation';
import { useAdminQuery } from '../graphql/use-admin-query';
import { useRebuildJobs } from '../graphql/use-rebuild-jobs';

function seconds(value: number | null): string {
  if (value === null) return '—';
  if (value < 60) return `${Math.round(value)} s`;
  return `${Math.floor(value / 60)} min ${Math.round(value % 60)} s`;
}

/** A rebuild's phase, events, rate and time left, as the server pushes them. */
function RebuildProgress(props: { job: RebuildJob }) {
  const { job } = props;
  const label = `Rebuild of ${job.projection}`;
  if (job.state === 'FAILED') {
    return <p className="state error">Rebuild failed: {job.error}</p>;
  }
  if (job.state === 'DONE') {
    return (
      <p className="rebuild-done" role="status">
        Rebuild done: {job.applied.toLocaleString()} events,{' '}
        {job.swapped ? 'swapped in' : 'not swapped (parity check failed)'}
        {job.finishedAt ? (
          <>
            {' '}
            at <Time iso={job.finishedAt} />
          </>
        ) : null}
      </p>
    );
  }
  return (
    <div className="rebuild-progress" role="status">
      <progress
        aria-label={label}
        max={job.total ?? undefined}
        value={job.total ? job.applied : undefined}
      />{' '}
      {job.phase} · {job.applied.toLocaleString()}
      {job.total ? ` of about ${job.total.toLocaleString()}` : ''} events ·{' '}
      {Math.round(job.eventsPerSecond).toLocaleString()} events/s · ETA {seconds(job.etaSeconds)}
    </div>
  );
}

function ProjectionActions(props: { row: ProjectionRow; onDone(): void }) {
  const rebuild = useAdminMutation(START_REBUILD);
  const replay = useAdminMutation(REPLAY_PARKED);
  const { row } = props;
  return (
    <>
      <button
        type="button"
        disabled={rebuild.running}
        onClick={() => void rebuild.run({ name: row.name })}
      >
        Rebuild {row.name}
      </button>{' '}
      <button
        type="button"
        disabled={row.parked === 0 || replay.running}
        onClick={() => void replay.run({ name: row.name }).then(props.onDone)}
      >
        Replay parked of {row.name}
      </button>
      {rebuild.error ? <ErrorMessage error={rebuild.error} /> : null}
      {replay.error ? <ErrorMessage error={replay.error} /> : null}
    </>
  );
}

/** Each projector's position and lag, with rebuild and replay, and the live progress of rebuilds. */
export function ProjectionsSection() {
  const jobs = useRebuildJobs();
  const { data, fetching, error, refetch } = useAdminQuery(PROJECTIONS_QUERY, {});
  const rows = data?.projections ?? [];
  // A rebuild that ended swapped its view in: the positions and lags change with it.
  const ended = [...jobs.values()].filter((job) => job.state !== 'RUNNING').length;
  useEffect(() => {
    if (ended > 0) refetch();
    // Keyed on the count alone: refetch is a new function at every render.
  }, [ended]);
  return (
    <section aria-labelledby="projections-title">
      <h2 id="projections-title">Projections</h2>
      {error ? <ErrorMessage error={error} /> : null}
      {data === undefined && fetching ? <Loading what="the projections" /> : null}
      {data && rows.length === 0 ? <Empty>No projection runs in this app.</Empty> : null}
      <div className="table-scroll">
        <table>
          <thead>
            <tr>
              <th scope="col">Projection</th>
              <th scope="col">State</th>
              <th scope="col">Position</th>
              <th scope="col">Lag (events)</th>
              <th scope="col">Lag (seconds)</th>
              <th scope="col">Parked</th>
              <th scope="col">Actions and progress</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => {
              const job = jobs.get(row.name);
              return (
                <tr key={row.name}>
                  <th scope="row">{row.name}</th>
                  <td>
                    {row.status}
                    {row.lastError ? <p className="state error">{row.lastError}</p> : null}
                  </td>
                  <td className="num">{row.position}</td>
                  <td className="num">{row.lagEvents ?? '—'}</td>
                  <td className="num">{row.lagMs === null ? '—' : seconds(row.lagMs / 1000)}</td>
                  <td className="num">{row.parked}</td>
                  <td>
                    <ProjectionActions row={row} onDone={refetch} />
                    {job ? <RebuildProgress job={job} /> : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
