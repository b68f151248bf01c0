// The in-depth checks of an export, before anything is started: the allow-list, the source (a snapshot, the newest
// available snapshot of a group or cluster, or the group or cluster a fresh snapshot will be taken of) and the target
// bucket as ElastiCache will see it. One set of checks, two uses: ValidateExport stops at the first check that finds
// a problem and throws it (throwFirstProblem); a dry run (POST /exports?dryRun=true) runs every check that can run
// and reports each problem. Problems carry the words ValidateExport rejects an export with: for the bucket,
// ElastiCache's own CopySnapshot messages, so the error catalogue explains them exactly as if CopySnapshot had said
// them. No Lambda types here.
import type { ElastiCacheClient, ServerlessCacheSnapshot, Snapshot } from '@aws-sdk/client-elasticache';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  findServerlessSnapshot,
  findSnapshot,
  listServerlessSnapshots,
  listSnapshots,
  serverlessSnapshotTakenAt,
  snapshotTakenAt,
  toServerlessSnapshotSummary,
  toSnapshotSummary,
} from './aws/elasticache.js';
import {
  bucketAclGrants,
  bucketObjectOwnership,
  bucketPolicy,
  bucketPresence,
  bucketRegion,
  listObjects,
  listOwnedBucketNames,
} from './aws/s3.js';
import {
  type ElastiCachePermission,
  elastiCacheAccessGaps,
  elastiCacheCanonicalUserId,
  elastiCacheServicePrincipal,
  type PermissionGap,
} from './bucket-access.js';
import type { ExportRequest, SnapshotSummary } from './contracts.js';
import { decodeFailureCause, ExportRejectedError, TargetBucketNotAllowedError } from './errors.js';
import {
  checkFreshSource,
  EXPORTABLE_ENGINES,
  freshSnapshotOf,
  type SourceCheck,
  type SourceProblem,
} from './fresh-snapshot.js';
import { logger } from './logger.js';
import {
  expectedObjectKeys,
  isExportObjectKey,
  objectKeyBase,
  serverlessExportKeys,
  serverlessTargetName,
} from './naming.js';
import { listSome } from './outcome.js';

export interface ExportCheckDeps {
  elastiCache: ElastiCacheClient;
  s3: S3Client;
  /** ALLOWED_TARGET_BUCKETS; empty means no bucket is allowed. */
  allowedTargetBuckets: readonly string[];
  /** The Region this stack (and so every snapshot it sees) runs in. */
  region: string;
}

export interface ExportCheckOptions {
  /** The export's id: its fresh snapshot, if it takes one, is named after it. */
  exportId: string;
  /** Stop after the first check that finds a problem (ValidateExport), instead of running every check that can run. */
  stopAtFirst?: boolean;
}

/**
 * Which check found a problem. The bucket has two: `bucket` (it exists, is ours, is in this Region), whose problems
 * end the bucket's checks, and `bucketAccess` (ElastiCache's grants, the target keys), whose problems are found
 * together.
 */
export type CheckName = 'allowList' | 'source' | 'bucket' | 'bucketAccess';

export interface CheckProblem extends SourceProblem {
  check: CheckName;
  /** What exactly is wrong, one line (the bucket's problems): the message is ElastiCache's own words. */
  detail?: string;
}

export interface ExportCheckResult {
  problems: CheckProblem[];
  /** The snapshot that would be exported, once its source has been found (also when it has problems). */
  summary?: SnapshotSummary;
}

/**
 * Runs the checks in order: allow-list, source, bucket. Checks that depend on one another stop where the answer is
 * known (no snapshot found: no engine check; bucket missing: no grant check); independent ones go on, so a dry run
 * reports the source's problems and the bucket's together. A bucket off the allow-list is not looked at: this
 * service may not read it, and it will never export there. AWS refusing a call is the problem of its check (see
 * refusalOf); throttling and outages are thrown.
 */
export const checkExport = async (
  request: ExportRequest,
  deps: ExportCheckDeps,
  options: ExportCheckOptions,
): Promise<ExportCheckResult> => {
  const problems: CheckProblem[] = [];
  const allowed = deps.allowedTargetBuckets.includes(request.targetBucket);
  if (!allowed) {
    problems.push({
      check: 'allowList',
      message: new TargetBucketNotAllowedError(request.targetBucket).message,
      details: { code: 'TargetBucketNotAllowed' },
    });
    if (options.stopAtFirst) return { problems };
  }

  // The bucket's own facts do not depend on the source: asked for now, alongside the source's check.
  const look = allowed ? lookAtBucket(deps.s3, request.targetBucket) : undefined;
  let source: SourceCheck;
  try {
    const fresh = freshSnapshotOf(request, options.exportId);
    source = fresh
      ? await checkFreshSource(deps.elastiCache, request, fresh.snapshotName)
      : request.serverlessCacheSnapshotName !== undefined
        ? await checkServerlessSnapshotSource(deps.elastiCache, request.serverlessCacheSnapshotName)
        : request.serverlessCacheName !== undefined
          ? await checkNewestServerlessSnapshot(deps.elastiCache, request.serverlessCacheName)
          : await checkSnapshotSource(deps.elastiCache, request);
  } catch (error) {
    source = { problems: [refusalOf(error)] };
  }
  problems.push(...source.problems.map((problem) => ({ check: 'source' as const, ...problem })));
  const summary = source.summary && { summary: source.summary };
  if (!look || (options.stopAtFirst && problems.length > 0)) return { problems, ...summary };

  try {
    // Without the source, one shard: the keys of the first are the keys every export writes.
    const target = targetNameOf(request, source.summary);
    const keys = isServerlessRequest(request)
      ? serverlessExportKeys(target)
      : expectedObjectKeys(target, source.summary?.numNodeGroups ?? 1);
    problems.push(...(await checkBucket(deps.s3, look, request.targetBucket, target, keys, deps.region)));
  } catch (error) {
    problems.push({ check: 'bucket', ...refusalOf(error) });
  }
  return { problems, ...summary };
};

const isServerlessRequest = (request: ExportRequest): boolean =>
  request.serverlessCacheSnapshotName !== undefined || request.serverlessCacheName !== undefined;

/**
 * The name the export's objects take: the request's target, except for the newest snapshot of a serverless cache,
 * whose export is named after that snapshot (ExportServerlessCacheSnapshot takes no target name).
 */
export const targetNameOf = (request: ExportRequest, summary: SnapshotSummary | undefined): string =>
  request.serverlessCacheName !== undefined && !request.freshSnapshot && summary
    ? serverlessTargetName(summary.snapshotName)
    : request.targetSnapshotName;

/**
 * AWS refusing a check's call (a cluster that does not exist, an access denied; `toAwsFailure` makes these
 * ExportRejectedError) is that check's problem, explained by the catalogue as ValidateExport's failure would be, and
 * ValidateExport rethrows it as it is. Throttling and outages are thrown: asking again later can help.
 */
const refusalOf = (error: unknown): SourceProblem => {
  if (!(error instanceof ExportRejectedError)) throw error;
  return { message: decodeFailureCause(error.name, error.message).message, details: error.details, error };
};

/**
 * The snapshot that would be exported, as ValidateExport hands it on, or the first problem thrown as ValidateExport
 * rejects the export: TargetBucketNotAllowedError for the allow-list, else ExportRejectedError. A bucket's access
 * problems are thrown as one: ElastiCache's words for the first, then a line on each problem found.
 */
export const throwFirstProblem = (result: ExportCheckResult, bucket: string): SnapshotSummary => {
  const first = result.problems[0];
  if (first?.check === 'allowList') throw new TargetBucketNotAllowedError(bucket);
  if (first?.error) throw first.error;
  if (first?.check === 'bucketAccess') {
    const lines = result.problems.filter((problem) => problem.check === 'bucketAccess').map(({ detail }) => detail);
    throw new ExportRejectedError(
      [first.message, `Every problem found on s3://${bucket}:`, ...lines.map((line) => `- ${line}`)].join('\n'),
      first.details,
    );
  }
  if (first) {
    throw new ExportRejectedError(first.detail ? `${first.message}\n${first.detail}` : first.message, first.details);
  }
  // A source without problems has been found, and a found source is described.
  if (!result.summary) throw new ExportRejectedError('The source of the export could not be described.');
  return result.summary;
};

// ---- The source --------------------------------------------------------------------------------------------------

/** The named snapshot, or the newest `available` snapshot of the replication group or cache cluster. */
const checkSnapshotSource = async (client: ElastiCacheClient, request: ExportRequest): Promise<SourceCheck> => {
  if (request.sourceSnapshotName !== undefined) {
    const snapshot = await findSnapshot(client, request.sourceSnapshotName);
    if (!snapshot) {
      return {
        problems: [
          { message: `Snapshot ${request.sourceSnapshotName} was not found.`, details: { code: 'SnapshotNotFound' } },
        ],
      };
    }
    return { summary: toSnapshotSummary(snapshot), problems: exportabilityProblems(snapshot) };
  }
  const owner = request.replicationGroupId
    ? `Replication group ${request.replicationGroupId}`
    : `Cache cluster ${request.cacheClusterId ?? ''}`;
  // DescribeSnapshots answers CacheClusterNotFound for a cluster that does not exist: refusalOf reports it.
  const newest = (await listSnapshots(client, request))
    .filter((snapshot) => snapshot.SnapshotStatus === 'available')
    .sort((a, b) => snapshotTakenAt(b) - snapshotTakenAt(a))[0];
  if (!newest) {
    return {
      problems: [
        { message: `${owner} has no snapshot in the available state.`, details: { code: 'NoAvailableSnapshot' } },
      ],
    };
  }
  return { summary: toSnapshotSummary(newest), problems: exportabilityProblems(newest) };
};

/**
 * The named serverless cache snapshot, as ExportServerlessCacheSnapshot will check it: it exists, is `available`,
 * and is of a Valkey or Redis OSS cache (the API reference: "Available for Valkey and Redis OSS only"). The engine
 * comes first, as for node-based snapshots: it never changes.
 */
const checkServerlessSnapshotSource = async (client: ElastiCacheClient, snapshotName: string): Promise<SourceCheck> => {
  const snapshot = await findServerlessSnapshot(client, snapshotName);
  if (!snapshot) {
    return {
      problems: [
        {
          message: `Serverless cache snapshot ${snapshotName} was not found.`,
          details: { code: 'ServerlessSnapshotNotFound' },
        },
      ],
    };
  }
  return judgeServerlessSnapshot(snapshot);
};

/** A serverless snapshot as ExportServerlessCacheSnapshot will judge it: engine first, then its status. */
const judgeServerlessSnapshot = (snapshot: ServerlessCacheSnapshot): SourceCheck => {
  const summary = toServerlessSnapshotSummary(snapshot);
  const name = summary.snapshotName;
  const engine = summary.engine.toLowerCase();
  const problems: SourceProblem[] = [];
  if (!EXPORTABLE_ENGINES.has(engine)) {
    problems.push({
      message: `Serverless cache snapshot ${name} is a ${engine} snapshot; only redis and valkey snapshots can be exported to S3.`,
      details: { code: 'UnsupportedEngine' },
    });
  }
  if (snapshot.Status !== 'available') {
    problems.push({
      message: `Serverless cache snapshot ${name} is ${snapshot.Status ?? 'in an unknown state'}; only an available snapshot can be exported.`,
      details: { code: 'ServerlessSnapshotNotAvailable' },
    });
  }
  return { summary, problems };
};

/**
 * The newest `available` snapshot of a serverless cache (automatic or manual), checked as
 * checkServerlessSnapshotSource checks a named one. DescribeServerlessCacheSnapshots answers
 * ServerlessCacheNotFoundFault for a cache that does not exist: refusalOf reports it.
 */
const checkNewestServerlessSnapshot = async (client: ElastiCacheClient, cacheName: string): Promise<SourceCheck> => {
  const newest = (await listServerlessSnapshots(client, cacheName))
    .filter((snapshot) => snapshot.Status === 'available')
    .sort((a, b) => serverlessSnapshotTakenAt(b) - serverlessSnapshotTakenAt(a))[0];
  if (!newest?.ServerlessCacheSnapshotName) {
    return {
      problems: [
        {
          message: `Serverless cache ${cacheName} has no snapshot in the available state.`,
          details: { code: 'NoAvailableServerlessSnapshot' },
        },
      ],
    };
  }
  return judgeServerlessSnapshot(newest);
};

/**
 * What keeps a snapshot from being exported. Engine and data tiering come before the status: they never change, so
 * a snapshot that is both still `creating` and unexportable is rejected as unexportable rather than "wait and retry".
 */
const exportabilityProblems = (snapshot: Snapshot): SourceProblem[] => {
  const name = snapshot.SnapshotName ?? '';
  const engine = (snapshot.Engine ?? 'unknown').toLowerCase();
  const problems: SourceProblem[] = [];
  if (!EXPORTABLE_ENGINES.has(engine)) {
    problems.push({
      message: `Snapshot ${name} is a ${engine} snapshot; only redis and valkey snapshots can be exported to S3.`,
      details: { code: 'UnsupportedEngine' },
    });
  }
  if (snapshot.DataTiering === 'enabled') {
    problems.push({
      message: `Snapshot ${name} is of a cluster with data tiering, which cannot be exported to S3.`,
      details: { code: 'DataTieringNotSupported' },
    });
  }
  if (snapshot.SnapshotStatus === 'copying') {
    problems.push({
      message: `Snapshot ${name} is being exported or copied by another request (status copying); it can be exported again once it is available.`,
      details: { code: 'SnapshotBusy' },
    });
  } else if (snapshot.SnapshotStatus !== 'available') {
    problems.push({
      message: `Snapshot ${name} is ${snapshot.SnapshotStatus ?? 'in an unknown state'}; only an available snapshot can be exported.`,
      details: { code: 'SnapshotNotAvailable' },
    });
  }
  return problems;
};

// ---- The target bucket -------------------------------------------------------------------------------------------

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

/** The bucket's facts that need no key or grant: asked for together, each answer awaited when it is needed. */
interface BucketLook {
  owned: Promise<Set<string>>;
  region: ReturnType<typeof bucketRegion>;
  objectOwnership: ReturnType<typeof bucketObjectOwnership>;
  policy: ReturnType<typeof bucketPolicy>;
}

/**
 * Sends ListBuckets, GetBucketLocation, GetBucketOwnershipControls and GetBucketPolicy at once: one round trip
 * instead of four in turn. The last three are read only for a bucket that proves to be ours and in this Region; for
 * any other their answers (S3 refuses them for a bucket that is missing, another account's, or in another Region)
 * are dropped unread, so their refusals are handled here.
 */
const lookAtBucket = (client: S3Client, bucket: string): BucketLook => {
  const look: BucketLook = {
    owned: listOwnedBucketNames(client),
    region: bucketRegion(client, bucket),
    objectOwnership: bucketObjectOwnership(client, bucket),
    policy: bucketPolicy(client, bucket),
  };
  for (const answer of Object.values(look) as Promise<unknown>[]) answer.catch(() => undefined);
  return look;
};

/**
 * The checks CopySnapshot (and ExportServerlessCacheSnapshot, which answers the same messages: assumed, AWS lists
 * none for it) makes on the bucket, with the seed doc's messages (`%s` = bucket and key, no code of our
 * own: the catalogue matches that text exactly as if ElastiCache had sent it). A bucket that is missing, another
 * account's, or in another Region ends the checks; otherwise every missing grant and every taken key is reported.
 */
const checkBucket = async (
  client: S3Client,
  look: BucketLook,
  bucket: string,
  targetSnapshotName: string,
  objectKeys: string[],
  region: string,
): Promise<CheckProblem[]> => {
  const owned = await look.owned;
  if (!owned.has(bucket)) {
    const presence = await bucketPresence(client, bucket);
    return [
      {
        check: 'bucket',
        message:
          presence === 'missing'
            ? `The S3 bucket ${bucket} does not exist.`
            : `The S3 bucket ${bucket} is not owned by the authenticated user.`,
        details: {},
      },
    ];
  }
  const bucketIn = await look.region;
  if (bucketIn !== region) {
    // The bucket's grants are not read across Regions: S3 redirects such calls, and they would not matter anyway.
    return [
      {
        check: 'bucket',
        message: `The S3 bucket ${bucket} is outside of the region.`,
        detail: `The bucket is in ${bucketIn}; the snapshot and this service are in ${region}. ElastiCache exports only to a bucket in the snapshot's Region.`,
        details: {},
      },
    ];
  }

  const objectOwnership = await look.objectOwnership;
  // With BucketOwnerEnforced ACLs are disabled: the grants are not read, only the policy counts.
  const [grants, policy, existing] = await Promise.all([
    objectOwnership === 'BucketOwnerEnforced' ? Promise.resolve([]) : bucketAclGrants(client, bucket),
    look.policy,
    listObjects(client, bucket, objectKeyBase(targetSnapshotName)),
  ]);
  const gaps = elastiCacheAccessGaps({
    region,
    bucket,
    grants,
    policy,
    objectOwnership,
    objectKeys,
  });
  const taken = existing
    .map((object) => object.key)
    .filter((key) => isExportObjectKey(targetSnapshotName, key))
    .sort();

  const problems: CheckProblem[] = gaps.map((gap) => ({
    check: 'bucketAccess',
    message: `ElastiCache has not been granted ${gap.permission} permissions ${bucket} on the S3 Bucket.`,
    detail: describeGap(gap, region),
    details: {},
  }));
  const takenKey = taken[0];
  if (takenKey !== undefined) {
    problems.push({
      check: 'bucketAccess',
      message: `The S3 bucket ${bucket} already contains an object with key ${takenKey}.`,
      detail: `Objects of this export are already there: ${listSome(taken)}; choose another targetSnapshotName.`,
      details: {},
    });
  }
  if (problems.length > 0) {
    logger.warn('Target bucket not usable for the export', {
      targetBucket: bucket,
      missing: gaps.map((gap) => gap.permission),
      objectOwnership,
      takenKeys: taken.length,
    });
  }
  return problems;
};
