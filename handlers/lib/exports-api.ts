// The HTTP API's documents (DESIGN.md "HTTP API"): how a Step Functions execution is shown as an export, the
// list query, POST /exports' query and dry-run answer, and the execution ARN an export id stands for. Pure: no AWS
// calls, no Lambda types.
import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod';
import type { ExecutionDescription } from './aws/sfn.js';
import type { ExportRequest, Outcome } from './contracts.js';
import { InvalidRequestError } from './errors.js';
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

// ---- GET /exports query -----------------------------------------------------------------------------------------

export const DEFAULT_LIST_LIMIT = 20;
export const MAX_LIST_LIMIT = 100;

const limitMessage = `limit must be a whole number from 1 to ${MAX_LIST_LIMIT}`;

export const listQuerySchema = z.strictObject({
  status: z.enum(EXPORT_STATUSES, { error: `status must be one of ${EXPORT_STATUSES.join(', ')}` }).optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, limitMessage)
    .transform(Number)
    .pipe(z.number().int().min(1, limitMessage).max(MAX_LIST_LIMIT, limitMessage))
    .optional(),
  // Step Functions' tokens are at most 1024 characters.
  nextToken: z.string().min(1, 'nextToken must not be empty').max(1024, 'nextToken is too long').optional(),
  source: z.string().min(1, 'source must not be empty').max(255, 'source is too long').optional(),
  bucket: z.string().min(1, 'bucket must not be empty').max(255, 'bucket is too long').optional(),
});

export interface ListQuery {
  status?: ExportStatus;
  limit: number;
  nextToken?: string;
  /** Only exports of this source (a snapshot, replication group or cluster name). */
  source?: string;
  /** Only exports to this bucket. */
  bucket?: string;
}

/** Raw query string parameters, as API Gateway passes them (the last value of a repeated name). */
export type QueryParameters = Readonly<Record<string, string | undefined>> | null | undefined;

/** Parses a query with its schema; an unknown parameter is an error too. Throws InvalidRequestError. */
const parseQuery = <T>(schema: z.ZodType<T>, raw: QueryParameters): T => {
  const parsed = schema.safeParse(raw ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    path: issue.path.length === 0 ? '$' : issue.path.map(String).join('.'),
    message:
      issue.code === 'unrecognized_keys' ? `Unknown query parameter(s): ${issue.keys.join(', ')}` : issue.message,
  }));
  throw new InvalidRequestError(
    `Invalid query: ${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}`,
    issues,
  );
};

/** Parses `?status=&limit=&nextToken=&source=&bucket=`; unknown parameters are rejected. Throws InvalidRequestError. */
export const parseListQuery = (raw: QueryParameters): ListQuery => {
  const { status, limit, nextToken, source, bucket } = parseQuery(listQuerySchema, raw);
  return {
    limit: limit ?? DEFAULT_LIST_LIMIT,
    ...(status && { status }),
    ...(nextToken && { nextToken }),
    ...(source && { source }),
    ...(bucket && { bucket }),
  };
};

// ---- POST /exports query and dry run ----------------------------------------------------------------------------

// Unknown parameters are rejected here too: `?dryrun=true` (a typo) must not start the export it meant to try.
export const requestQuerySchema = z.strictObject({
  dryRun: z.enum(['true', 'false'], { error: 'dryRun must be true or false' }).optional(),
});

export interface RequestQuery {
  /** `?dryRun=true`: run the checks, report every problem, start nothing. */
  dryRun: boolean;
}

/** Parses `?dryRun=true|false` of POST /exports; anything else is rejected. Throws InvalidRequestError. */
export const parseRequestQuery = (raw: QueryParameters): RequestQuery => ({
  dryRun: parseQuery(requestQuerySchema, raw).dryRun === 'true',
});

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
