// handlers/validate-export.ts: state ValidateExport. ExecutionContext → ExportState (the request checked in depth).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { ElastiCacheClient, Snapshot } from '@aws-sdk/client-elasticache';
import type { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { findSnapshot, listSnapshots, snapshotTakenAt, toSnapshotSummary } from './lib/aws/elasticache.js';
import {
  bucketAclGrants,
  bucketObjectOwnership,
  bucketPolicy,
  bucketPresence,
  bucketRegion,
  listObjects,
  listOwnedBucketNames,
} from './lib/aws/s3.js';
import { nextWaitSeconds } from './lib/backoff.js';
import {
  type ElastiCachePermission,
  elastiCacheAccessGaps,
  elastiCacheCanonicalUserId,
  elastiCacheServicePrincipal,
  type PermissionGap,
} from './lib/bucket-access.js';
import { elastiCache } from './lib/clients/elasticache.js';
import { s3 } from './lib/clients/s3.js';
import {
  DEFAULT_DEADLINE_MINUTES,
  type ExecutionContext,
  type ExportRequest,
  type ExportState,
  MAX_DEADLINE_MINUTES,
  normalizeExportRequest,
  parseAllowList,
  type SnapshotSummary,
} from './lib/contracts.js';
import { numberEnv, optionalEnv, requireEnv } from './lib/env.js';
import { ConfigError, ExportRejectedError, TargetBucketNotAllowedError } from './lib/errors.js';
import { freshSnapshotName, resolveFreshSource } from './lib/fresh-snapshot.js';
import { logger } from './lib/logger.js';
import { expectedObjectKeys, isExportObjectKey, objectKeyBase } from './lib/naming.js';
import { listSome } from './lib/outcome.js';

export interface ValidateConfig {
  /** ALLOWED_TARGET_BUCKETS; empty means no bucket is allowed. */
  allowedBuckets: string[];
  /** DEFAULT_TARGET_BUCKET, for requests that name no bucket. */
  defaultTargetBucket?: string | undefined;
  /** DEFAULT_TOPIC_ARN, for snapshots without a TopicArn of their own. */
  defaultTopicArn: string;
  /** The Region this stack (and so every snapshot it sees) runs in. */
  region: string;
  /** EXPORT_DEADLINE_MINUTES, counted from the execution's start. */
  deadlineMinutes: number;
}

export interface ValidateDeps {
  elastiCache: ElastiCacheClient;
  s3: S3Client;
  config: ValidateConfig;
  now: () => Date;
}

const EXPORTABLE_ENGINES = new Set(['redis', 'valkey']);

/**
 * Checks an export in depth before anything is started: the request (scheduled inputs arrive unchecked), the
 * allow-list, the source snapshot, and the target bucket as ElastiCache will see it. Bucket problems are thrown
 * with ElastiCache's own CopySnapshot messages, so the error catalogue explains them exactly as if CopySnapshot
 * had said them.
 */
export const validateExport = async (context: ExecutionContext, deps: ValidateDeps): Promise<ExportState> => {
  const { config } = deps;
  // The execution's start time, not the clock: a retry of this task derives the same default target name.
  const startedAt = executionStart(context.startedAt, deps.now);
  const request = normalizeExportRequest(context.input, {
    defaultTargetBucket: config.defaultTargetBucket,
    now: startedAt,
    source: 'execution',
  });
  if (!config.allowedBuckets.includes(request.targetBucket)) {
    throw new TargetBucketNotAllowedError(request.targetBucket);
  }

  // A fresh snapshot does not exist yet: its source is checked as CreateSnapshot will check it, and the snapshot
  // described once CheckSnapshot finds it available.
  const fresh = request.freshSnapshot
    ? { snapshotName: freshSnapshotName(context.exportId), keep: request.keepSnapshot === true }
    : undefined;
  let summary: SnapshotSummary;
  if (fresh) {
    summary = await resolveFreshSource(deps.elastiCache, request, fresh.snapshotName);
  } else {
    const snapshot = await resolveSourceSnapshot(deps.elastiCache, request);
    assertExportable(snapshot, snapshot.SnapshotName ?? '');
    summary = toSnapshotSummary(snapshot);
  }
  const sourceSnapshotName = summary.snapshotName;
  await assertBucketUsable(deps.s3, request, summary.numNodeGroups, config.region);

  logger.info('Export validated', {
    exportId: context.exportId,
    sourceSnapshotName,
    targetSnapshotName: request.targetSnapshotName,
    targetBucket: request.targetBucket,
  });
  return {
    ...context,
    request,
    sourceSnapshotName,
    targetSnapshotName: request.targetSnapshotName,
    targetBucket: request.targetBucket,
    snapshot: summary,
    topicArn: summary.topicArn ?? config.defaultTopicArn,
    deadline: new Date(startedAt.getTime() + config.deadlineMinutes * 60_000).toISOString(),
    poll: {
      attempt: 0,
      elapsedSeconds: 0,
      waitSeconds: nextWaitSeconds(0),
      status: fresh ? 'snapshotting' : 'exporting',
      missingChecks: 0,
    },
    objects: [],
    ...(fresh && { fresh }),
  };
};

const executionStart = (startedAt: unknown, now: () => Date): Date => {
  const parsed = typeof startedAt === 'string' ? new Date(startedAt) : undefined;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : now();
};

/** The named snapshot, or the newest `available` snapshot of the replication group or cache cluster. */
const resolveSourceSnapshot = async (client: ElastiCacheClient, request: ExportRequest): Promise<Snapshot> => {
  if (request.sourceSnapshotName !== undefined) {
    const snapshot = await findSnapshot(client, request.sourceSnapshotName);
    if (!snapshot) {
      throw new ExportRejectedError(`Snapshot ${request.sourceSnapshotName} was not found.`, {
        code: 'SnapshotNotFound',
      });
    }
    return snapshot;
  }
  const owner = request.replicationGroupId
    ? `Replication group ${request.replicationGroupId}`
    : `Cache cluster ${request.cacheClusterId ?? ''}`;
  const available = (await listSnapshots(client, request))
    .filter((snapshot) => snapshot.SnapshotStatus === 'available')
    .sort((a, b) => snapshotTakenAt(b) - snapshotTakenAt(a));
  const newest = available[0];
  if (!newest) {
    throw new ExportRejectedError(`${owner} has no snapshot in the available state.`, { code: 'NoAvailableSnapshot' });
  }
  return newest;
};

/**
 * What can be exported at all. Engine and data tiering come before the status: they never change, so a snapshot
 * that is both still `creating` and unexportable is reported as unexportable rather than "wait and retry".
 */
const assertExportable = (snapshot: Snapshot, name: string): void => {
  const engine = (snapshot.Engine ?? 'unknown').toLowerCase();
  if (!EXPORTABLE_ENGINES.has(engine)) {
    throw new ExportRejectedError(
      `Snapshot ${name} is a ${engine} snapshot; only redis and valkey snapshots can be exported to S3.`,
      { code: 'UnsupportedEngine' },
    );
  }
  if (snapshot.DataTiering === 'enabled') {
    throw new ExportRejectedError(
      `Snapshot ${name} is of a cluster with data tiering, which cannot be exported to S3.`,
      { code: 'DataTieringNotSupported' },
    );
  }
  if (snapshot.SnapshotStatus === 'copying') {
    throw new ExportRejectedError(
      `Snapshot ${name} is being exported or copied by another request (status copying); it can be exported again once it is available.`,
      { code: 'SnapshotBusy' },
    );
  }
  if (snapshot.SnapshotStatus !== 'available') {
    throw new ExportRejectedError(
      `Snapshot ${name} is ${snapshot.SnapshotStatus ?? 'in an unknown state'}; only an available snapshot can be exported.`,
      { code: 'SnapshotNotAvailable' },
    );
  }
};

/** What a permission means in the S3 console's ACL editor, as ElastiCache's guide names it. */
const PERMISSION_LABEL: Readonly<Record<ElastiCachePermission, string>> = {
  READ: 'List objects',
  WRITE: 'Write objects',
  READ_ACP: 'Read bucket permissions',
};

/** One line of detail on a permission ElastiCache lacks: what the ACL and the policy are each missing. */
const describeGap = (gap: PermissionGap, region: string): string => {
  const acl =
    gap.aclIgnored === 'OptInRegion'
      ? `ACL grants do not count in the opt-in Region ${region} (ElastiCache needs the bucket policy there)`
      : gap.aclIgnored === 'BucketOwnerEnforced'
        ? 'ACL grants do not count on this bucket (Object Ownership is BucketOwnerEnforced)'
        : `no ACL grant of ${gap.permission} (${PERMISSION_LABEL[gap.permission]}) to ElastiCache's canonical user ${elastiCacheCanonicalUserId(region)}`;
  const policy =
    gap.denied.length > 0
      ? `the bucket policy denies ${elastiCacheServicePrincipal(region)} ${gap.denied.join(', ')}`
      : `the bucket policy does not allow ${elastiCacheServicePrincipal(region)} ${gap.notAllowed.join(', ')}`;
  return `${gap.permission}: ${acl}, and ${policy}.`;
};

/**
 * The checks CopySnapshot makes on the bucket. Every problem found is reported at once, so one fix covers them:
 * the message starts with the first problem in ElastiCache's own words (the seed doc's messages, `%s` = bucket
 * and key, with no code of our own: the catalogue matches that text exactly as if ElastiCache had sent it), and
 * the following lines name every problem found with what is missing.
 */
const assertBucketUsable = async (
  client: S3Client,
  request: ExportRequest,
  numNodeGroups: number,
  region: string,
): Promise<void> => {
  const bucket = request.targetBucket;
  const owned = await listOwnedBucketNames(client);
  if (!owned.has(bucket)) {
    const presence = await bucketPresence(client, bucket);
    throw new ExportRejectedError(
      presence === 'missing'
        ? `The S3 bucket ${bucket} does not exist.`
        : `The S3 bucket ${bucket} is not owned by the authenticated user.`,
    );
  }
  const bucketIn = await bucketRegion(client, bucket);
  if (bucketIn !== region) {
    // The bucket's grants are not read across Regions: S3 redirects such calls, and they would not matter anyway.
    throw new ExportRejectedError(
      `The S3 bucket ${bucket} is outside of the region.\nThe bucket is in ${bucketIn}; the snapshot and this ` +
        `service are in ${region}. ElastiCache exports only to a bucket in the snapshot's Region.`,
    );
  }

  const objectOwnership = await bucketObjectOwnership(client, bucket);
  // With BucketOwnerEnforced ACLs are disabled: the grants are not read, only the policy counts.
  const [grants, policy, existing] = await Promise.all([
    objectOwnership === 'BucketOwnerEnforced' ? Promise.resolve([]) : bucketAclGrants(client, bucket),
    bucketPolicy(client, bucket),
    listObjects(client, bucket, objectKeyBase(request.targetSnapshotName)),
  ]);
  const gaps = elastiCacheAccessGaps({
    region,
    bucket,
    grants,
    policy,
    objectOwnership,
    objectKeys: expectedObjectKeys(request.targetSnapshotName, numNodeGroups),
  });
  const taken = existing
    .map((object) => object.key)
    .filter((key) => isExportObjectKey(request.targetSnapshotName, key))
    .sort();

  const problems: Array<{ message: string; detail: string }> = gaps.map((gap) => ({
    message: `ElastiCache has not been granted ${gap.permission} permissions ${bucket} on the S3 Bucket.`,
    detail: describeGap(gap, region),
  }));
  const takenKey = taken[0];
  if (takenKey !== undefined) {
    problems.push({
      message: `The S3 bucket ${bucket} already contains an object with key ${takenKey}.`,
      detail: `Objects of this export are already there: ${listSome(taken)}; choose another targetSnapshotName.`,
    });
  }
  const first = problems[0];
  if (!first) return;
  logger.warn('Target bucket not usable for the export', {
    targetBucket: bucket,
    missing: gaps.map((gap) => gap.permission),
    objectOwnership,
    takenKeys: taken.length,
  });
  throw new ExportRejectedError(
    [first.message, `Every problem found on s3://${bucket}:`, ...problems.map((problem) => `- ${problem.detail}`)].join(
      '\n',
    ),
  );
};

// ---- Lambda entry point ----------------------------------------------------------------------------------------

export { DEFAULT_DEADLINE_MINUTES, MAX_DEADLINE_MINUTES };

/** Reads the configuration from the environment; called once, at cold start. */
export const loadValidateConfig = (): ValidateConfig => {
  const deadlineMinutes = numberEnv('EXPORT_DEADLINE_MINUTES', DEFAULT_DEADLINE_MINUTES);
  if (deadlineMinutes > MAX_DEADLINE_MINUTES) {
    throw new ConfigError(
      `Environment variable EXPORT_DEADLINE_MINUTES must be at most ${MAX_DEADLINE_MINUTES}, got ${deadlineMinutes}`,
    );
  }
  const defaultTargetBucket = optionalEnv('DEFAULT_TARGET_BUCKET');
  return {
    allowedBuckets: parseAllowList(process.env.ALLOWED_TARGET_BUCKETS),
    ...(defaultTargetBucket !== undefined && { defaultTargetBucket }),
    defaultTopicArn: requireEnv('DEFAULT_TOPIC_ARN'),
    region: requireEnv('AWS_REGION'),
    deadlineMinutes,
  };
};

const config = loadValidateConfig();

export const handler = middy<ExecutionContext, ExportState>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler((event) => validateExport(event, { elastiCache, s3, config, now: () => new Date() }));
