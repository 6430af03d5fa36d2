import { encodePosition } from '../event-store/position.js';
import {
  type ParkedEvent,
  MAX_PARKED_PAGE,
} from '../projections/engine/parked-events.repository.js';
import { type RebuildReport } from '../projections/engine/projection-rebuilder.js';
import {
  MAX_COUNTED_LAG_EVENTS,
  type ProjectionStatusRow,
} from '../queries/repositories/projection-status.repository.js';
import { formatDuration } from './progress-bar.js';
import { cellText, formatCount, formatTable } from './table-format.js';

const NOT_STARTED = 'not-started';

function lagEvents(value: number | null): string {
  if (value === null) return '-';
  return value >= MAX_COUNTED_LAG_EVENTS ? `>=${formatCount(value)}` : formatCount(value);
}

/** `projections status`: a row per projector, then the last error of any that has one. */
export function formatStatus(rows: readonly ProjectionStatusRow[]): string {
  const table = formatTable(
    [
      { header: 'name' },
      { header: 'position' },
      { header: 'lag events', align: 'right' },
      { header: 'lag ms', align: 'right' },
      { header: 'status' },
      { header: 'parked', align: 'right' },
    ],
    rows.map((row) => [
      row.name,
      encodePosition(row.position),
      lagEvents(row.lagEvents),
      row.lagMs === null ? '-' : formatCount(row.lagMs),
      row.status ?? NOT_STARTED,
      formatCount(row.parked),
    ]),
  );
  const errors = rows
    .filter((row) => row.lastError !== null)
    .map((row) => `${row.name}: ${cellText(row.lastError!, 500)}`);
  return errors.length === 0 ? table : `${table}\n\nLast errors:\n${errors.join('\n')}`;
}

/** `projections parked`: oldest first, bounded by the repository's page. */
export function formatParked(parked: readonly ParkedEvent[], projection?: string): string {
  const scope = projection === undefined ? '' : ` of ${projection}`;
  if (parked.length === 0) return `No parked events${scope}.`;
  const table = formatTable(
    [
      { header: 'id', align: 'right' },
      { header: 'projection' },
      { header: 'position' },
      { header: 'event type' },
      { header: 'stream', maxWidth: 50 },
      { header: 'attempts', align: 'right' },
      { header: 'parked at' },
      { header: 'error', maxWidth: 80 },
    ],
    parked.map((event) => [
      event.id,
      event.projection,
      encodePosition(event.position),
      event.eventType,
      event.streamId,
      String(event.attempts),
      event.parkedAt.toISOString(),
      event.error,
    ]),
  );
  const more =
    parked.length >= MAX_PARKED_PAGE
      ? `\n(the oldest ${MAX_PARKED_PAGE} shown; replay them to see the next ones)`
      : '';
  return `${table}\n${formatCount(parked.length)} parked event(s)${scope}${more}`;
}

/** `projections rebuild`: the outcome, then the parity check table by table. */
export function formatRebuildReport(report: RebuildReport): string {
  const outcome = report.swapped
    ? `Rebuilt ${report.projection}: swapped in at position ${report.position}`
    : `Rebuild of ${report.projection} REFUSED: the parity check failed at position ${report.position}; the live tables stay`;
  const took =
    report.seconds < 60 ? `${report.seconds.toFixed(1)} s` : formatDuration(report.seconds);
  const summary = `${formatCount(report.eventsApplied)} events applied in ${took}`;
  const parity = formatTable(
    [
      { header: 'table' },
      { header: 'equal' },
      { header: 'live rows', align: 'right' },
      { header: 'shadow rows', align: 'right' },
      { header: 'live checksum' },
      { header: 'shadow checksum' },
    ],
    report.parity.map((table) => [
      table.table,
      table.equal ? 'yes' : 'NO',
      formatCount(table.live.rows),
      formatCount(table.shadow.rows),
      table.live.checksum,
      table.shadow.checksum,
    ]),
  );
  return `${outcome}\n${summary}\n\n${parity}`;
}
