// How the CLI shows things to a person: sizes, durations, tables, an export, an outcome's error, shell commands.
// Pure string building; the commands decide what goes to stdout and what to stderr.
import type { ExportedObject, OutcomeError } from '../handlers/lib/contracts.js';
import { isRecord } from '../handlers/lib/records.js';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'] as const;

/** `1725` → `1.7 KiB`. */
export const formatBytes = (bytes: number): string => {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
};

/** `3725` → `1 h 2 min`, `125` → `2 min 5 s`, `7` → `7 s`. */
export const formatDuration = (totalSeconds: number): string => {
  const seconds = Math.max(0, Math.round(totalSeconds));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${rest} s`;
  return `${rest} s`;
};

export const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;

/** `2 objects, 3.4 KiB`. */
export const objectsSummary = (objects: readonly ExportedObject[]): string =>
  `${plural(objects.length, 'object')}, ${formatBytes(objects.reduce((sum, object) => sum + object.size, 0))}`;

/** Columns padded to their widest cell; the last column is not padded. */
export const table = (header: readonly string[], rows: ReadonlyArray<readonly string[]>): string[] => {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)];
};

/** The width of a label column, `Solution: ` included (errorLines keeps to it). */
const LABEL_WIDTH = 10;

/** Label/value lines, the values in one column; pairs without a value are left out. */
export const fields = (pairs: ReadonlyArray<readonly [string, string | undefined]>): string[] =>
  pairs
    .filter((pair): pair is readonly [string, string] => pair[1] !== undefined && pair[1] !== '')
    .map(([label, value]) => `${`${label}:`.padEnd(LABEL_WIDTH)}${value}`);

/** What an outcome's error says and what fixes it. */
export const errorLines = (error: OutcomeError): string[] =>
  fields([
    ['Error', `${error.code}: ${error.message}`],
    ['Solution', error.solution],
    ['Docs', error.docsUrl],
  ]);

/** The source a request names: `snapshot nightly`, `serverless snapshot s1`, `replication group orders`, `cluster c1`. */
export const sourceOf = (request: unknown): string | undefined => {
  if (!isRecord(request)) return undefined;
  if (typeof request.sourceSnapshotName === 'string') return `snapshot ${request.sourceSnapshotName}`;
  if (typeof request.serverlessCacheSnapshotName === 'string') {
    return `serverless snapshot ${request.serverlessCacheSnapshotName}`;
  }
  const fresh = request.freshSnapshot === true ? ' (fresh snapshot)' : '';
  if (typeof request.replicationGroupId === 'string') return `replication group ${request.replicationGroupId}${fresh}`;
  if (typeof request.cacheClusterId === 'string') return `cluster ${request.cacheClusterId}${fresh}`;
  if (typeof request.serverlessCacheName === 'string') return `serverless cache ${request.serverlessCacheName}${fresh}`;
  return undefined;
};

/** `s3://bucket/name`, from a request or an outcome. */
export const targetOf = (value: unknown): string | undefined => {
  if (!isRecord(value) || typeof value.targetBucket !== 'string') return undefined;
  return `s3://${value.targetBucket}/${typeof value.targetSnapshotName === 'string' ? value.targetSnapshotName : ''}`;
};

/** An argument as a POSIX shell reads it back: bare when safe, else single-quoted. */
export const shellQuote = (argument: string): string =>
  /^[A-Za-z0-9_@%+=:,./-]+$/.test(argument) ? argument : `'${argument.replaceAll("'", `'\\''`)}'`;

/** A command on several lines: the program and each option with its values on a line of its own. */
export const shellCommand = (argv: readonly string[]): string => {
  const lines: string[] = [];
  for (const argument of argv) {
    if (lines.length === 0 || (argument.startsWith('--') && lines.length > 0)) lines.push(shellQuote(argument));
    else lines[lines.length - 1] += ` ${shellQuote(argument)}`;
  }
  return lines.join(' \\\n  ');
};

/** The check mark and cross of the checklist output. */
export const CHECK = '✔';
export const CROSS = '✘';
