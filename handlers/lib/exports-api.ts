// The HTTP API's documents (DESIGN.md "HTTP API"): how a Step Functions execution is shown as an export, POST
// /exports' dry-run answer, and the execution ARN an export id stands for. Pure: no AWS calls, no Lambda types, no
// zod: getExport and cancelExport need only these views, so the query schemas live in exports-query.ts.
import { isDeepStrictEqual } from 'node:util';
import type { ExecutionDescription } from './aws/sfn.js';
import type { ExportRequest, Outcome } from './contracts.js';
import type { ListQuery } from './exports-query.js';
import { isRecord } from './records.js';

/** What a handler's core returns; the middy layer serialises `body` as JSON. */
export interface ApiResult<T> {
  statusCode: 200 | 202;
  body: T;
}

export const EXPORT_STATUSES = ['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED'] as const;
export type ExportStatus = (typeof EXPORT_STATUSES)[number];

/** Step Functions execution names: at most 80 characters; ours (exportIdFor) use only these. */
export const EXPORT_ID_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

export interface ExportLinks {
  self: string;
}

/** The 202 and 200 body of POST /exports. */
export interface ExportAccepted {
  exportId: string;
  executionArn: string;
  status: ExportStatus;
  request: ExportRequest;
  links: ExportLinks;
}

/** The 200 body of GET /exports/{exportId}. */
export interface ExportDetails {
  exportId: string;
  status: ExportStatus;
  /** The execution input, parsed; `null` when it is not JSON. */
  request: unknown;
  startedAt: string;
  stoppedAt?: string;
  outcome?: Outcome;
}

export interface ExportListItem {
  exportId: string;
  status: ExportStatus;
  /** What the request named as the source: a snapshot, a replication group or a cluster (absent if none). */
  source?: ExportSource;
  targetSnapshotName?: string;
  targetBucket?: string;
  startedAt: string;
  stoppedAt?: string;
  links: ExportLinks;
}

export interface ExportSource {
  kind: 'snapshot' | 'serverlessCacheSnapshot' | 'serverlessCache' | 'replicationGroup' | 'cacheCluster';
  name: string;
}

/** The 200 body of GET /exports. */
export interface ExportList {
  exports: ExportListItem[];
  nextToken?: string;
}

/** The execution facts the views need: what the Step Functions adapter reads back, nothing more. */
export type ExecutionFacts = Pick<
  ExecutionDescription,
  'name' | 'status' | 'startedAt' | 'stoppedAt' | 'input' | 'output'
> & {
  /** For a failed execution: PublishFailure's output, the outcome document (from the execution history). */
  failureOutput?: string;
};

export const linksFor = (exportId: string): ExportLinks => ({ self: `/exports/${exportId}` });

// Re-exported: the views use it with the rest of this module; bundles that need only the ARN import naming.ts.
export { executionArnFor } from './naming.js';

/**
 * The API's status for an execution status. PENDING_REDRIVE means a redrive is about to run it again, so the export
 * is not finished; a status this code does not know yet is shown as RUNNING for the same reason.
 */
export const toExportStatus = (executionStatus: string): ExportStatus =>
  EXPORT_STATUSES.find((status) => status === executionStatus) ?? 'RUNNING';

const parseJson = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Just enough of the outcome document's shape to tell it from other JSON (e.g. a Lambda error with its trace). */
const isOutcome = (value: unknown): value is Outcome =>
  isRecord(value) &&
  value.version === 1 &&
  typeof value.exportId === 'string' &&
  (value.status === 'SUCCEEDED' || value.status === 'FAILED');

/**
 * The outcome document of a finished execution: its output when it succeeded; PublishFailure's output when it
 * failed (a Fail state has no output of its own). Anything else (a failure of the failure publisher itself, a
 * timeout, an abort) has no outcome.
 */
export const outcomeOf = (execution: ExecutionFacts): Outcome | undefined => {
  const source =
    execution.status === 'SUCCEEDED'
      ? execution.output
      : execution.status === 'FAILED'
        ? execution.failureOutput
        : undefined;
  const parsed = parseJson(source);
  return isOutcome(parsed) ? parsed : undefined;
};

/**
 * The request an execution was started with, as GET /exports/{id} shows it. A request is a flat object of strings
 * and booleans; an input started directly (a schedule, StartExecution by hand) may be anything JSON allows,
 * nested thousands deep, which JSON.stringify cannot write back. So values nested inside a member are replaced
 * by a placeholder: nothing a valid request holds is lost, and no input can make the answer fail.
 */
export const requestOf = (input: string | undefined): unknown => {
  const parsed = parseJson(input) ?? null;
  const flat = (value: unknown): unknown =>
    typeof value === 'object' && value !== null ? '(nested value not shown; see the execution input)' : value;
  if (Array.isArray(parsed)) return parsed.map(flat);
  if (!isRecord(parsed)) return parsed;
  return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, flat(value)]));
};

/** `known` is an outcome rebuilt from the execution's history when its output holds none (GET /exports/{id}). */
export const toExportDetails = (execution: ExecutionFacts, known?: Outcome): ExportDetails => {
  const outcome = known ?? outcomeOf(execution);
  return {
    exportId: execution.name,
    status: toExportStatus(execution.status),
    request: requestOf(execution.input),
    startedAt: execution.startedAt,
    ...(execution.stoppedAt && { stoppedAt: execution.stoppedAt }),
    ...(outcome && { outcome }),
  };
};

const SOURCE_FIELDS = [
  ['sourceSnapshotName', 'snapshot'],
  ['serverlessCacheSnapshotName', 'serverlessCacheSnapshot'],
  ['serverlessCacheName', 'serverlessCache'],
  ['replicationGroupId', 'replicationGroup'],
  ['cacheClusterId', 'cacheCluster'],
] as const;

const stringOf = (record: Record<string, unknown>, key: string): string | undefined => {
  const value = record[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

/** Source, target name and bucket as the execution's input names them (a direct input may name none). */
export const describedRequest = (
  input: string | undefined,
): Pick<ExportListItem, 'source' | 'targetSnapshotName' | 'targetBucket'> => {
  const request = requestOf(input);
  if (!isRecord(request)) return {};
  const found = SOURCE_FIELDS.find(([field]) => stringOf(request, field) !== undefined);
  const targetSnapshotName = stringOf(request, 'targetSnapshotName');
  const targetBucket = stringOf(request, 'targetBucket');
  return {
    ...(found && { source: { kind: found[1], name: stringOf(request, found[0]) ?? '' } }),
    ...(targetSnapshotName && { targetSnapshotName }),
    ...(targetBucket && { targetBucket }),
  };
};

/** A list entry; with the execution's input, also what the export was. */
export const toExportListItem = (execution: ExecutionFacts): ExportListItem => ({
  exportId: execution.name,
  status: toExportStatus(execution.status),
  ...(execution.input !== undefined && describedRequest(execution.input)),
  startedAt: execution.startedAt,
  ...(execution.stoppedAt && { stoppedAt: execution.stoppedAt }),
  links: linksFor(execution.name),
});

/** Whether an entry matches `?source=` (any kind of source, by name) and `?bucket=`. */
export const matchesListFilter = (item: ExportListItem, query: Pick<ListQuery, 'source' | 'bucket'>): boolean =>
  (query.source === undefined || item.source?.name === query.source) &&
  (query.bucket === undefined || item.targetBucket === query.bucket);

/**
 * Whether an execution's input is this request. Compared as JSON values rather than bytes, so an input that
 * Step Functions (or an older version of this service) wrote with other spacing or key order still matches.
 */
export const isSameRequest = (executionInput: string | undefined, request: ExportRequest): boolean =>
  // Compared in the flat view: a request has no nested values, so an input with any is not this request.
  isDeepStrictEqual(requestOf(executionInput), JSON.parse(JSON.stringify(request)));

/** A problem a dry run found, explained by the error catalogue as if the export had failed with it. */
export interface ExportProblem {
  code: string;
  message: string;
  solution: string;
  docsUrl: string;
}

/** The 200 body of POST /exports?dryRun=true: every problem the export's checks found; `ok` when there is none. */
export interface ExportDryRun {
  ok: boolean;
  request: ExportRequest;
  problems: ExportProblem[];
}
