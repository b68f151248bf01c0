// The service's contracts: the export request schema (API body and scheduled input), the state machine's
// state, and the outcome document. Types are derived from the schemas where input is untrusted.
import { InvalidRequestError } from './errors.js';
import {
  bucketNameProblems,
  CLUSTER_ID_PATTERN,
  defaultTargetSnapshotName,
  FRESH_SERVERLESS_PREFIX,
  isFreshServerlessTarget,
  SCHEDULE_NAME_PATTERN,
  SOURCE_SNAPSHOT_NAME_PATTERN,
  scheduledTargetSnapshotName,
  serverlessTargetName,
  TARGET_SNAPSHOT_NAME_MAX_LENGTH,
  TARGET_SNAPSHOT_NAME_PATTERN,
} from './naming.js';
import * as z from './zod.js';

/** EXPORT_DEADLINE_MINUTES when unset: 12 hours. */
export const DEFAULT_DEADLINE_MINUTES = 720;
/** 48 hours: the longest deadline the poll cap (handlers/lib/backoff.ts MAX_CHECKS) leaves room for. */
export const MAX_DEADLINE_MINUTES = 2880;

/** Largest accepted request body, in bytes. */
export const MAX_REQUEST_BYTES = 16 * 1024;

const bucketName = z.string().check(
  z.superRefine((name, ctx) => {
    for (const problem of bucketNameProblems(name)) {
      ctx.addIssue({ code: 'custom', message: `S3 bucket name ${problem}` });
    }
  }),
);

const clusterId = (what: string, max: number) =>
  z
    .string()
    .check(
      z.minLength(1),
      z.maxLength(max, `${what} must be at most ${max} characters`),
      z.regex(
        CLUSTER_ID_PATTERN,
        `${what} must start with a letter and contain only letters, digits and single hyphens, not ending in a hyphen`,
      ),
    );

/** The fields of an export request: the body of `POST /exports`, and a schedule's `input`. */
const requestShape = {
  sourceSnapshotName: z.optional(
    z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(255, 'sourceSnapshotName must be at most 255 characters'),
        z.regex(SOURCE_SNAPSHOT_NAME_PATTERN, 'sourceSnapshotName must be an ElastiCache snapshot name'),
      ),
  ),
  /** A snapshot of an ElastiCache Serverless cache, exported with ExportServerlessCacheSnapshot. */
  serverlessCacheSnapshotName: z.optional(
    z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(255, 'serverlessCacheSnapshotName must be at most 255 characters'),
        z.regex(SOURCE_SNAPSHOT_NAME_PATTERN, 'serverlessCacheSnapshotName must be an ElastiCache snapshot name'),
      ),
  ),
  /**
   * An ElastiCache Serverless cache: its newest available snapshot is exported, or with `freshSnapshot` a new one
   * (ExportServerlessCacheSnapshot).
   */
  serverlessCacheName: z.optional(clusterId('serverlessCacheName', 40)),
  replicationGroupId: z.optional(clusterId('replicationGroupId', 40)),
  cacheClusterId: z.optional(clusterId('cacheClusterId', 50)),
  targetSnapshotName: z.optional(
    z
      .string()
      .check(
        z.minLength(1),
        z.maxLength(
          TARGET_SNAPSHOT_NAME_MAX_LENGTH,
          `targetSnapshotName must be at most ${TARGET_SNAPSHOT_NAME_MAX_LENGTH} characters`,
        ),
        z.regex(
          TARGET_SNAPSHOT_NAME_PATTERN,
          "targetSnapshotName must start with a letter or digit and contain only letters, digits, '.', '_' and '-' (it becomes the S3 key; there is no prefix)",
        ),
      ),
  ),
  targetBucket: z.optional(bucketName),
  /** Take a new snapshot of the replication group or cluster and export that one (then delete it). */
  freshSnapshot: z.optional(z.boolean()),
  /** With freshSnapshot: keep the snapshot after the export instead of deleting it. */
  keepSnapshot: z.optional(z.boolean()),
};

/** A schedule's retention policy (the schedules file's `retention`). */
export const retentionSchema = z
  .strictObject({
    keepLast: z.optional(z.int().check(z.minimum(1), z.maximum(1000))),
    maxAgeDays: z.optional(z.int().check(z.minimum(1), z.maximum(3650))),
  })
  .check(
    z.refine((policy) => policy.keepLast !== undefined || policy.maxAgeDays !== undefined, {
      message: 'retention needs keepLast, maxAgeDays or both',
    }),
  );

export type RetentionPolicy = z.infer<typeof retentionSchema>;

/** What runSchedule adds to a scheduled run's execution input; never accepted from `POST /exports`. */
const scheduleRunSchema = z.strictObject({
  name: z.string().check(z.regex(SCHEDULE_NAME_PATTERN, 'schedule.name must be a schedule name')),
  scheduledTime: z.iso.datetime({ message: 'schedule.scheduledTime must be an ISO 8601 UTC time' }),
  retention: z.optional(retentionSchema),
});

type RequestFields = { [K in keyof typeof requestShape]?: unknown } & { schedule?: unknown };

const requestRules = (request: RequestFields, ctx: z.core.$RefinementCtx<RequestFields>): void => {
  const sources = [
    request.sourceSnapshotName,
    request.serverlessCacheSnapshotName,
    request.serverlessCacheName,
    request.replicationGroupId,
    request.cacheClusterId,
  ].filter((value) => value !== undefined);
  if (sources.length !== 1) {
    ctx.addIssue({
      code: 'custom',
      path: [],
      message:
        'Give exactly one of sourceSnapshotName, replicationGroupId, cacheClusterId, serverlessCacheSnapshotName, serverlessCacheName',
    });
  }
  if (request.freshSnapshot === true && request.serverlessCacheSnapshotName !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['freshSnapshot'],
      message:
        'freshSnapshot takes a new snapshot of a replicationGroupId, cacheClusterId or serverlessCacheName, not of a snapshot',
    });
  }
  serverlessCacheRules(request, ctx);
  // ExportServerlessCacheSnapshot takes no target name: the objects are named after the snapshot (naming.ts).
  if (
    typeof request.serverlessCacheSnapshotName === 'string' &&
    typeof request.targetSnapshotName === 'string' &&
    request.targetSnapshotName !== serverlessTargetName(request.serverlessCacheSnapshotName)
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['targetSnapshotName'],
      message:
        'targetSnapshotName cannot be chosen for a serverlessCacheSnapshotName: ExportServerlessCacheSnapshot names the objects after the snapshot; leave it out',
    });
  }
  if (request.freshSnapshot === true && request.sourceSnapshotName !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['freshSnapshot'],
      message:
        'freshSnapshot takes a new snapshot of a replicationGroupId, cacheClusterId or serverlessCacheName, not of a snapshot',
    });
  }
  if (request.keepSnapshot !== undefined && request.freshSnapshot !== true) {
    ctx.addIssue({
      code: 'custom',
      path: ['keepSnapshot'],
      message: 'keepSnapshot is only allowed with freshSnapshot: true',
    });
  }
};

/**
 * ExportServerlessCacheSnapshot takes no target name: the objects are named after the snapshot (naming.ts). So a
 * serverlessCacheName export's target name is the snapshot's: the newest snapshot's own (not known before
 * ValidateExport finds it: none may be given), or the fresh snapshot's, which this service names, and may only
 * create and delete under FRESH_SERVERLESS_PREFIX (IAM) unless a schedule names it.
 */
const serverlessCacheRules = (request: RequestFields, ctx: z.core.$RefinementCtx<RequestFields>): void => {
  if (request.serverlessCacheName === undefined || typeof request.targetSnapshotName !== 'string') return;
  // A scheduled run's name (runSchedule's): the run's export id and, for a fresh snapshot, the snapshot's name, which
  // IAM allows per schedule (config/serverless-vars.cjs).
  if (isScheduledRunName(request.schedule, request.targetSnapshotName)) return;
  if (request.freshSnapshot !== true) {
    // The name normalizeExportRequest gives it (the export's id derives from it) is not a choice.
    if (isDefaultTargetOf(request.serverlessCacheName, request.targetSnapshotName)) return;
    ctx.addIssue({
      code: 'custom',
      path: ['targetSnapshotName'],
      message:
        "targetSnapshotName cannot be chosen for a serverlessCacheName without freshSnapshot: the export is named after the cache's newest snapshot; leave it out",
    });
  } else if (!isFreshServerlessTarget(request.targetSnapshotName)) {
    ctx.addIssue({
      code: 'custom',
      path: ['targetSnapshotName'],
      message: `targetSnapshotName of a fresh serverless snapshot must start with '${FRESH_SERVERLESS_PREFIX}': the snapshot is named after it, and the service may create and delete only serverless snapshots named so (or leave it out)`,
    });
  }
};

const isDefaultTargetOf = (cacheName: unknown, targetSnapshotName: string): boolean =>
  typeof cacheName === 'string' &&
  targetSnapshotName.startsWith(`${cacheName}-`) &&
  /^\d{8}-\d{4}$/.test(targetSnapshotName.slice(cacheName.length + 1));

const isScheduledRunName = (schedule: unknown, targetSnapshotName: string): boolean => {
  const run = scheduleRunSchema.safeParse(schedule);
  if (!run.success) return false;
  try {
    return scheduledTargetSnapshotName(run.data.name, new Date(run.data.scheduledTime)) === targetSnapshotName;
  } catch {
    return false;
  }
};

/** The body of `POST /exports`, and a schedule's `input`. Unknown fields are rejected. */
export const exportRequestSchema = z.strictObject(requestShape).check(z.superRefine(requestRules));

/** A Step Functions execution's input: a request, plus `schedule` when runSchedule started it. */
export const executionInputSchema = z
  .strictObject({ ...requestShape, schedule: z.optional(scheduleRunSchema) })
  .check(z.superRefine(requestRules));

export type ExportRequestBody = z.infer<typeof exportRequestSchema>;
export type ScheduledRunInput = z.infer<typeof scheduleRunSchema>;

/** A request after defaults are applied: exactly one source, a target name and a bucket. */
export interface ExportRequest {
  sourceSnapshotName?: string | undefined;
  serverlessCacheSnapshotName?: string | undefined;
  serverlessCacheName?: string | undefined;
  replicationGroupId?: string | undefined;
  cacheClusterId?: string | undefined;
  /**
   * The export's name, from which its id derives; the S3 key base, except for a serverlessCacheName export without
   * freshSnapshot, whose objects are named after the newest snapshot (ExportState.targetSnapshotName).
   */
  targetSnapshotName: string;
  targetBucket: string;
  freshSnapshot?: true | undefined;
  keepSnapshot?: true | undefined;
  /** Only in an execution's input, set by runSchedule. */
  schedule?: ScheduledRunInput | undefined;
}

export interface NormalizeOptions {
  /** `DEFAULT_TARGET_BUCKET`, used when the request names no bucket. */
  defaultTargetBucket?: string | undefined;
  /** Clock for the default target name. */
  now: Date;
  /**
   * `execution`: an execution's input, which may carry runSchedule's `schedule`; `request` (the default): a
   * `POST /exports` body or a schedule's input, which may not.
   */
  source?: 'request' | 'execution';
}

const issuePath = (path: ReadonlyArray<PropertyKey>): string => (path.length === 0 ? '$' : path.map(String).join('.'));

/**
 * Parses untrusted input (API body or scheduled input) once, applies the defaults and returns the normalized
 * request. Throws InvalidRequestError listing every problem with its path.
 */
export const normalizeExportRequest = (raw: unknown, options: NormalizeOptions): ExportRequest => {
  const parsed = (options.source === 'execution' ? executionInputSchema : exportRequestSchema).safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((issue) =>
      // An unknown field is reported at the field itself, so the caller sees which one to remove.
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ path: issuePath([...issue.path, key]), message: `Unknown field ${key}` }))
        : [{ path: issuePath(issue.path), message: issue.message }],
    );
    throw new InvalidRequestError(
      `Invalid export request: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      issues,
    );
  }
  const body = parsed.data;
  const targetBucket = body.targetBucket ?? options.defaultTargetBucket;
  if (!targetBucket) {
    throw new InvalidRequestError(
      'Invalid export request: targetBucket is required (no DEFAULT_TARGET_BUCKET is configured)',
      [{ path: 'targetBucket', message: 'targetBucket is required (no DEFAULT_TARGET_BUCKET is configured)' }],
    );
  }
  // Exactly one of the five is set (checked by the schema).
  const source = body.sourceSnapshotName ?? body.replicationGroupId ?? body.cacheClusterId ?? '';
  const serverless = body.serverlessCacheSnapshotName;
  const cache = body.serverlessCacheName;
  return canonicalRequest({
    sourceSnapshotName: body.sourceSnapshotName,
    serverlessCacheSnapshotName: serverless,
    serverlessCacheName: cache,
    replicationGroupId: body.replicationGroupId,
    cacheClusterId: body.cacheClusterId,
    targetSnapshotName:
      serverless !== undefined
        ? serverlessTargetName(serverless)
        : cache !== undefined
          ? (body.targetSnapshotName ??
            defaultTargetSnapshotName(
              body.freshSnapshot === true ? `${FRESH_SERVERLESS_PREFIX}${cache}` : cache,
              options.now,
            ))
          : (body.targetSnapshotName ?? defaultTargetSnapshotName(source, options.now)),
    targetBucket,
    freshSnapshot: body.freshSnapshot === true ? true : undefined,
    keepSnapshot: body.freshSnapshot === true && body.keepSnapshot === true ? true : undefined,
    schedule: 'schedule' in body ? (body.schedule as ScheduledRunInput | undefined) : undefined,
  });
};

/**
 * The request with its keys in a fixed order. The execution input is compared byte for byte by StartExecution's
 * idempotency and by our replay/conflict check, so it must always serialise the same way.
 */
export const canonicalRequest = (request: ExportRequest): ExportRequest => ({
  ...(request.sourceSnapshotName !== undefined && { sourceSnapshotName: request.sourceSnapshotName }),
  ...(request.serverlessCacheSnapshotName !== undefined && {
    serverlessCacheSnapshotName: request.serverlessCacheSnapshotName,
  }),
  ...(request.serverlessCacheName !== undefined && { serverlessCacheName: request.serverlessCacheName }),
  ...(request.replicationGroupId !== undefined && { replicationGroupId: request.replicationGroupId }),
  ...(request.cacheClusterId !== undefined && { cacheClusterId: request.cacheClusterId }),
  targetSnapshotName: request.targetSnapshotName,
  targetBucket: request.targetBucket,
  ...(request.freshSnapshot && { freshSnapshot: true }),
  ...(request.keepSnapshot && { keepSnapshot: true }),
  ...(request.schedule && {
    schedule: {
      name: request.schedule.name,
      scheduledTime: request.schedule.scheduledTime,
      ...(request.schedule.retention && {
        retention: {
          ...(request.schedule.retention.keepLast !== undefined && { keepLast: request.schedule.retention.keepLast }),
          ...(request.schedule.retention.maxAgeDays !== undefined && {
            maxAgeDays: request.schedule.retention.maxAgeDays,
          }),
        },
      }),
    },
  }),
});

/** Parses the allow-list setting: comma or whitespace separated bucket names; empty means no bucket is allowed. */
export const parseAllowList = (value: string | undefined): string[] =>
  (value ?? '')
    .split(/[\s,]+/)
    .map((name) => name.trim())
    .filter((name) => name.length > 0);

// ---- State machine ------------------------------------------------------------------------------------------

/** What the state machine hands ValidateExport: the raw execution input plus execution facts. */
export interface ExecutionContext {
  /** The execution name; the export id. */
  exportId: string;
  /** `$$.Execution.StartTime`. */
  startedAt: string;
  /** The execution input as given (a POST body shape). */
  input: unknown;
}

/**
 * Which API a snapshot is exported with: `node` (CopySnapshot with TargetBucket) or `serverless`
 * (ExportServerlessCacheSnapshot).
 */
export type SnapshotKind = 'node' | 'serverless';

/** What we learnt about the source snapshot. */
export interface SnapshotSummary {
  /** Absent means `node`: the states of executions started before serverless exports existed have none. */
  kind?: SnapshotKind;
  snapshotName: string;
  engine: string;
  engineVersion?: string;
  replicationGroupId?: string;
  cacheClusterId?: string;
  /** A serverless snapshot's cache. */
  serverlessCacheName?: string;
  numNodeGroups: number;
  topicArn?: string;
}

export interface ExportedObject {
  key: string;
  size: number;
  /** What CheckExport proved of the file (absent with VERIFY_EXPORTS=off, and before the check). */
  rdb?: RdbFacts;
}

/** VERIFY_EXPORTS: read every byte (CRC64), only header and trailer, or not at all. */
export type VerifyMode = 'full' | 'header' | 'off';

/** An exported object as an RDB file (handlers/lib/export-verification.ts). */
export interface RdbFacts {
  /** `redis` for the REDIS magic, `valkey` for VALKEY (Valkey 9 and later). */
  format: 'redis' | 'valkey';
  /** The RDB format version of the header (10 for Redis OSS 7.0, 11 for 7.2 and Valkey 7.2 to 8.1, 80 Valkey 9). */
  version: number;
  /** The CRC64 the file records in its trailer, 16 hex digits. */
  checksum: string;
  /** `full`: the CRC64 of every byte was recomputed and matched; `header`: magic, version and EOF marker only. */
  verified: 'full' | 'header';
}

/** How CheckExport verified the objects, and what it could not prove (notes in words). */
export interface VerificationSummary {
  mode: VerifyMode;
  notes: string[];
  /** Objects S3 reports encrypted with SSE-KMS, which ElastiCache refuses to seed a cluster from. */
  kmsEncryptedKeys?: string[];
}

/** How to seed a new cache from the export: the S3 ARNs in shard order, and what to mind. */
export interface RestoreAdvice {
  snapshotArns: string[];
  notes: string[];
}

/**
 * `snapshotting` while a fresh snapshot is being taken (CheckSnapshot), `snapshotted` once it is available (then
 * StartExport); `exporting`, `settling` and `exported` while the export runs (CheckExport).
 */
export type PollStatus = 'snapshotting' | 'snapshotted' | 'exporting' | 'settling' | 'exported';

/** Polling progress. `elapsedSeconds` is the sum of the waits so far, which the backoff grows with. */
export interface PollState {
  attempt: number;
  elapsedSeconds: number;
  waitSeconds: number;
  status: PollStatus;
  /** Consecutive checks that found the source `available` but the objects missing. */
  missingChecks: number;
  /**
   * Checks that failed so far in this execution (counted by the ASL's CountFailed*Check states; at the budget,
   * handlers/lib/backoff.ts FAILED_CHECK_BUDGET, the export fails). Absent in executions started before it existed.
   */
  failedChecks?: number;
  /** The last failed check's error, as the ASL's Catch recorded it; dropped by the next check that runs. */
  lastFailure?: { Error: string; Cause?: string };
  /** When the ASL counted the last failed check (`$$.State.EnteredTime`), compared with the deadline. */
  failedAt?: string;
}

/** The state object every task after ValidateExport receives and returns (input spread plus new fields). */
export interface ExportState extends ExecutionContext {
  request: ExportRequest;
  sourceSnapshotName: string;
  targetSnapshotName: string;
  targetBucket: string;
  snapshot: SnapshotSummary;
  topicArn: string;
  /** ISO time after which the export counts as failed (DeadlinePassed). */
  deadline: string;
  poll: PollState;
  objects: ExportedObject[];
  /** Set by CheckExport with the objects once they are verified. */
  verification?: VerificationSummary;
  /** For `"freshSnapshot": true`: the snapshot this export takes of its source, and then exports. */
  fresh?: FreshSnapshotState;
  /** What CleanUp did after the export ended (fresh snapshot deleted, older exports pruned). */
  cleanup?: CleanupResult;
}

export interface FreshSnapshotState {
  snapshotName: string;
  /** `serverless`: a serverless cache's snapshot (CreateServerlessCacheSnapshot); absent: a node-based one. */
  kind?: SnapshotKind;
  /** keepSnapshot: the snapshot stays after the export. */
  keep: boolean;
  /** Set by CreateSnapshot once ElastiCache accepted (or already had) the snapshot. */
  created?: boolean;
  /** Snapshots earlier runs created and left behind, deleted by CreateSnapshot. */
  leftoversDeleted?: string[];
}

export interface CleanupResult {
  freshSnapshot?: FreshSnapshotOutcome;
  pruned?: ExportedObject[];
  /** What cleaning up could not do, in words for the notification (the export's outcome is not changed by it). */
  problems?: string[];
}

/** What a Catch puts at `$.error`. */
export interface StepError {
  Error: string;
  Cause?: string;
}

/** PublishFailure's input: whatever state the failing step had, plus the error. */
export type FailureInput = ExecutionContext & Partial<Omit<ExportState, keyof ExecutionContext>> & { error: StepError };

// ---- Outcome --------------------------------------------------------------------------------------------------

export type OutcomeStatus = 'SUCCEEDED' | 'FAILED';

export interface OutcomeError {
  code: string;
  message: string;
  solution: string;
  docsUrl: string;
  awsErrorCode?: string;
  requestId?: string;
}

/** The state machine's final output, the JSON body of every notification, and `outcome` in GET /exports/{id}. */
export interface Outcome {
  version: 1;
  exportId: string;
  status: OutcomeStatus;
  sourceSnapshotName?: string;
  targetSnapshotName?: string;
  targetBucket?: string;
  objects: ExportedObject[];
  snapshot?: {
    engine: string;
    engineVersion?: string;
    replicationGroupId?: string;
    cacheClusterId?: string;
    /** A serverless snapshot's cache. */
    serverlessCacheName?: string;
    numNodeGroups: number;
  };
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  error?: OutcomeError;
  /** For a scheduled run: which schedule, and the time it was scheduled for (Scheduler's scheduled-time). */
  schedule?: ScheduleRun;
  /** For `"freshSnapshot": true`: the snapshot the service created for this export, and whether it was removed. */
  freshSnapshot?: FreshSnapshotOutcome;
  /** For a scheduled run with a retention policy: the older exports of that schedule deleted after this success. */
  pruned?: ExportedObject[];
  /** For a success: the ARNs to seed a new cache with, in shard order, and what matters for that restore. */
  restore?: RestoreAdvice;
  /**
   * Only in notifications: how many entries were left out of `objects` to keep the message within SNS's 256 KiB
   * limit (hundreds of shards). The state machine's output and GET /exports/{exportId} list every object.
   */
  objectsOmitted?: number;
}

/** A scheduled run's identity, set by runSchedule from the schedule and Scheduler's `<aws.scheduler.scheduled-time>`. */
export interface ScheduleRun {
  name: string;
  /** ISO 8601, UTC. */
  scheduledTime: string;
}

export interface FreshSnapshotOutcome {
  snapshotName: string;
  /** True once the snapshot is gone (deleted by this export, or found already gone). */
  deleted: boolean;
  /** Why it was kept: `keepSnapshot` was set, or why deleting it failed. */
  reason?: string;
  /** Snapshots an earlier run of the service created and left behind, deleted by this run. */
  leftoversDeleted?: string[];
}
