import { type Position, decodePosition } from '../event-store/position.js';
import { EXPORT_FORMATS, type ExportFormat, isExportFormat } from '../exports/export-datasets.js';

/** What `ledger export …` asks for. `request` is the command line, kept in the manifest. */
export type ExportAction =
  | {
      readonly kind: 'create';
      readonly exportName: string;
      readonly directory: string;
      readonly format: ExportFormat;
    }
  | { readonly kind: 'run'; readonly exportName: string; readonly request: string }
  | { readonly kind: 'list' }
  | {
      readonly kind: 'range';
      readonly directory: string;
      readonly format: ExportFormat;
      readonly from: Position | undefined;
      readonly to: Position | undefined;
      readonly request: string;
    }
  | {
      readonly kind: 'views';
      readonly directory: string;
      readonly format: ExportFormat;
      readonly request: string;
    };

export const EXPORT_USAGE = `  export create <name> --dir <dir> [--format <format>]
                                     a named, incremental export of the log into <dir>
  export run <name>                  export the events after the export's checkpoint, up to the head
  export list                        the named exports, their directories and checkpoints
  export range --dir <dir> [--from <position>] [--to <position>] [--format <format>]
                                     a one-off export of the events after --from up to --to
                                     (default: the whole log); the same range, the same bytes
  export views --dir <dir> [--format <format>]
                                     snapshots of the accounts, holdings, orders and ledger
                                     entries views, taken in one read
                                     <format>: ${EXPORT_FORMATS.join(', ')} (default parquet)`;

const OPTIONS = ['--dir', '--format', '--from', '--to'] as const;
type ExportOption = (typeof OPTIONS)[number];

type Parsed = { ok: true; action: ExportAction } | { ok: false; message: string };

const fail = (message: string): Parsed => ({ ok: false, message: `export: ${message}` });

/** `--name value` or `--name=value`, each at most once; the rest are positional. */
function split(
  args: readonly string[],
): { options: Map<ExportOption, string>; words: string[] } | string {
  const options = new Map<ExportOption, string>();
  const words: string[] = [];
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (!arg.startsWith('--')) {
      words.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = (equals === -1 ? arg : arg.slice(0, equals)) as ExportOption;
    if (!OPTIONS.includes(name)) return `unknown option ${JSON.stringify(name)}`;
    const value = equals === -1 ? args[++index] : arg.slice(equals + 1);
    if (value === undefined || value === '') return `${name} needs a value`;
    if (options.has(name)) return `${name} is given more than once`;
    options.set(name, value);
  }
  return { options, words };
}

function positionOf(
  options: Map<ExportOption, string>,
  name: '--from' | '--to',
): Position | string | undefined {
  const text = options.get(name);
  if (text === undefined) return undefined;
  return (
    decodePosition(text) ?? `${name} must be a position such as 1234.5 (a command's \`position\`)`
  );
}

function target(
  options: Map<ExportOption, string>,
): { directory: string; format: ExportFormat } | string {
  const directory = options.get('--dir');
  if (directory === undefined) return '--dir <directory> is needed';
  const format = options.get('--format') ?? 'parquet';
  if (!isExportFormat(format)) return `--format must be one of ${EXPORT_FORMATS.join(', ')}`;
  return { directory, format };
}

/** The options each subcommand takes. */
const ALLOWED: Readonly<Record<string, readonly ExportOption[]>> = {
  create: ['--dir', '--format'],
  run: [],
  list: [],
  range: ['--dir', '--format', '--from', '--to'],
  views: ['--dir', '--format'],
};

/** `export <create|run|list|range|views> …` (the words after `export`). */
export function parseExportArgs(args: readonly string[]): Parsed {
  const parts = split(args);
  if (typeof parts === 'string') return fail(parts);
  const { options, words } = parts;
  const [sub, name, ...extra] = words;
  if (sub === undefined || !Object.hasOwn(ALLOWED, sub)) {
    return fail(`unknown command ${JSON.stringify(sub ?? '')}`);
  }
  const request = ['export', ...args].join(' ');
  const needsName = sub === 'create' || sub === 'run';
  if (extra.length > 0 || (!needsName && name !== undefined)) return fail('too many arguments');
  if (needsName && name === undefined) return fail(`${sub} needs an export name`);
  const refused = [...options.keys()].find((option) => !ALLOWED[sub]!.includes(option));
  if (refused !== undefined) return fail(`${sub} takes no ${refused}`);
  if (sub === 'run') return { ok: true, action: { kind: 'run', exportName: name!, request } };
  if (sub === 'list') return { ok: true, action: { kind: 'list' } };
  const where = target(options);
  if (typeof where === 'string') return fail(where);
  if (sub === 'create') {
    return { ok: true, action: { kind: 'create', exportName: name!, ...where } };
  }
  if (sub === 'views') return { ok: true, action: { kind: 'views', ...where, request } };
  const from = positionOf(options, '--from');
  const to = positionOf(options, '--to');
  if (typeof from === 'string') return fail(from);
  if (typeof to === 'string') return fail(to);
  return { ok: true, action: { kind: 'range', ...where, from, to, request } };
}
