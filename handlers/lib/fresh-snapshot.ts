// `"freshSnapshot": true`: the export takes a manual snapshot of its replication group or cluster (CreateSnapshot,
// handlers/lib/take-snapshot.ts), waits for it with the export's own backoff, exports it, and CleanUp deletes it
// afterwards (handlers/lib/clean-up.ts). Here: its name, the checks of its source, and its deletion.
// The snapshot is named after the export (`export-<exportId>`), so a retry finds its own snapshot, and a later run,
// the safety net or an operator can tell whose it is. No Lambda types here.
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  deleteServerlessSnapshot,
  deleteSnapshot,
  findCacheCluster,
  findReplicationGroup,
  findServerlessCache,
  listServerlessSnapshots,
} from './aws/elasticache.js';
import type { ExportRequest, FreshSnapshotOutcome, FreshSnapshotState, SnapshotSummary } from './contracts.js';
import type { ExportRejectedError, FailureDetails } from './errors.js';
import { logger } from './logger.js';
import { serverlessTargetName } from './naming.js';

/** Every snapshot this service creates starts with this; IAM limits its CreateSnapshot and DeleteSnapshot to it. */
export const FRESH_SNAPSHOT_PREFIX = 'export-';

/** The fresh snapshot of an export: `export-<exportId>` (export ids are at most 80 of `[a-z0-9_-]`). */
export const freshSnapshotName = (exportId: string): string => `${FRESH_SNAPSHOT_PREFIX}${exportId}`;

/**
 * The fresh snapshot an export takes: `export-<exportId>` of a replication group or cluster; of a serverless cache,
 * its target name (lowercased, as ElastiCache stores it), because ExportServerlessCacheSnapshot names the objects
 * after the snapshot (naming.ts FRESH_SERVERLESS_PREFIX).
 */
export const freshSnapshotOf = (request: ExportRequest, exportId: string): FreshSnapshotState | undefined => {
  if (!request.freshSnapshot) return undefined;
  const keep = request.keepSnapshot === true;
  return request.serverlessCacheName !== undefined
    ? { snapshotName: serverlessTargetName(request.targetSnapshotName), kind: 'serverless', keep }
    : { snapshotName: freshSnapshotName(exportId), keep };
};

/** The export id a fresh snapshot's name carries, or undefined for any other snapshot. */
export const exportIdOfFreshSnapshot = (snapshotName: string): string | undefined =>
  snapshotName.startsWith(FRESH_SNAPSHOT_PREFIX) && /^[A-Za-z0-9_-]{1,80}$/.test(snapshotName.slice(7))
    ? snapshotName.slice(FRESH_SNAPSHOT_PREFIX.length)
    : undefined;

/** The engines whose snapshots ElastiCache exports to S3. */
export const EXPORTABLE_ENGINES: ReadonlySet<string> = new Set(['redis', 'valkey']);

/** A problem found with a source, in the words ValidateExport rejects the export with. */
export interface SourceProblem {
  message: string;
  details: FailureDetails;
  /** The AWS refusal that is the problem (a cluster that does not exist, access denied), rethrown as it is. */
  error?: ExportRejectedError;
}

/**
 * What the checks of a source found: the snapshot that will be exported, when the source was found, and every
 * problem with it (none: it can be exported). A source that was not found has no summary.
 */
export interface SourceCheck {
  summary?: SnapshotSummary;
  problems: SourceProblem[];
}

/**
 * Checks the replication group or cluster a fresh snapshot will be taken of, as CreateSnapshot will: it exists, is
 * `available` (not `creating`, `modifying`, or `snapshotting`, i.e. busy with its automatic backup or another
 * snapshot) and is an engine that can be exported. Collects every problem it finds; with the source found, also
 * says what the snapshot will be, for the bucket checks.
 */
export const checkFreshSource = async (
  client: ElastiCacheClient,
  request: ExportRequest,
  snapshotName: string,
): Promise<SourceCheck> => {
  if (request.serverlessCacheName !== undefined) {
    return checkFreshServerlessSource(client, request.serverlessCacheName, snapshotName);
  }
  if (request.replicationGroupId !== undefined) {
    const id = request.replicationGroupId;
    const group = await findReplicationGroup(client, id);
    if (!group) {
      return {
        problems: [
          {
            message: `Replication group ${id} was not found.`,
            details: { code: 'ClusterNotFound', awsErrorCode: 'ReplicationGroupNotFoundFault' },
          },
        ],
      };
    }
    return {
      summary: {
        snapshotName,
        engine: (group.Engine ?? 'redis').toLowerCase(),
        replicationGroupId: id,
        numNodeGroups: Math.max(1, group.NodeGroups?.length ?? 1),
      },
      problems: freshSourceProblems(
        `Replication group ${id}`,
        group.Engine ?? 'redis',
        group.DataTiering,
        group.Status,
      ),
    };
  }
  const id = request.cacheClusterId ?? '';
  const cluster = await findCacheCluster(client, id);
  if (!cluster) {
    return {
      problems: [
        {
          message: `Cache cluster ${id} was not found.`,
          details: { code: 'ClusterNotFound', awsErrorCode: 'CacheClusterNotFound' },
        },
      ],
    };
  }
  return {
    summary: {
      snapshotName,
      engine: (cluster.Engine ?? 'unknown').toLowerCase(),
      ...(cluster.EngineVersion && { engineVersion: cluster.EngineVersion }),
      cacheClusterId: id,
      numNodeGroups: 1,
      ...(cluster.NotificationConfiguration?.TopicArn && { topicArn: cluster.NotificationConfiguration.TopicArn }),
    },
    problems: freshSourceProblems(
      `Cache cluster ${id}`,
      cluster.Engine ?? 'unknown',
      undefined,
      cluster.CacheClusterStatus,
    ),
  };
};

/**
 * A serverless cache, as CreateServerlessCacheSnapshot will check it: it exists, is `available` and is not backing
 * up (the User Guide: no other API call on a serverless cache while it is backing up; ServerlessCache has no status
 * for it, so a snapshot of the cache still `creating` is what shows it), and runs Valkey or Redis OSS.
 */
const checkFreshServerlessSource = async (
  client: ElastiCacheClient,
  name: string,
  snapshotName: string,
): Promise<SourceCheck> => {
  const cache = await findServerlessCache(client, name);
  if (!cache) {
    return {
      problems: [
        {
          message: `Serverless cache ${name} was not found.`,
          details: { code: 'ServerlessCacheNotFound', awsErrorCode: 'ServerlessCacheNotFoundFault' },
        },
      ],
    };
  }
  const what = `Serverless cache ${name}`;
  const problems = freshSourceProblems(
    what,
    cache.Engine ?? 'unknown',
    undefined,
    cache.Status,
    'ServerlessCacheBusy',
    'serverless cache',
  );
  if (cache.Status === 'available') {
    const taking = (await listServerlessSnapshots(client, name)).find((snapshot) => snapshot.Status === 'creating');
    if (taking) {
      problems.push({
        message: `${what} is backing up (snapshot ${taking.ServerlessCacheSnapshotName ?? '?'}); ElastiCache takes no other snapshot of it meanwhile.`,
        details: { code: 'ServerlessCacheBusy' },
      });
    }
  }
  return {
    summary: {
      kind: 'serverless',
      snapshotName,
      engine: (cache.Engine ?? 'unknown').toLowerCase(),
      ...(cache.MajorEngineVersion && { engineVersion: cache.MajorEngineVersion }),
      serverlessCacheName: name,
      numNodeGroups: 1,
    },
    problems,
  };
};

/** Engine and data tiering first, then the status: the first is the one ValidateExport rejects the export with. */
const freshSourceProblems = (
  what: string,
  engine: string,
  dataTiering: string | undefined,
  status: string | undefined,
  busyCode = 'SourceBusy',
  noun = 'cluster',
): SourceProblem[] => {
  const problems: SourceProblem[] = [];
  if (!EXPORTABLE_ENGINES.has(engine.toLowerCase())) {
    problems.push({
      message: `${what} runs ${engine}; only redis and valkey snapshots can be taken and exported to S3.`,
      details: { code: 'UnsupportedEngine' },
    });
  }
  if (dataTiering === 'enabled') {
    problems.push({
      message: `${what} uses data tiering; its snapshots cannot be exported to S3.`,
      details: { code: 'DataTieringNotSupported' },
    });
  }
  if (status !== 'available') {
    problems.push({
      message: `${what} is ${status ?? 'in an unknown state'}; ElastiCache takes a snapshot only of an available ${noun}.`,
      details: { code: busyCode },
    });
  }
  return problems;
};

/**
 * Deletes the export's fresh snapshot unless it is to be kept. Undefined when the export had none, or when it
 * never got as far as creating one and ElastiCache has none of that name.
 */
export const removeFreshSnapshot = async (
  input: { fresh?: FreshSnapshotState | undefined },
  client: ElastiCacheClient,
): Promise<FreshSnapshotOutcome | undefined> => {
  const fresh = input.fresh;
  if (!fresh) return undefined;
  const { snapshotName } = fresh;
  if (fresh.keep) {
    return {
      snapshotName,
      deleted: false,
      reason: 'keepSnapshot was set',
      ...(fresh.leftoversDeleted && { leftoversDeleted: fresh.leftoversDeleted }),
    };
  }
  const outcome =
    fresh.kind === 'serverless'
      ? await deleteServerlessSnapshot(client, snapshotName)
      : await deleteSnapshot(client, snapshotName);
  const leftovers = fresh.leftoversDeleted ? { leftoversDeleted: fresh.leftoversDeleted } : {};
  if (outcome.result === 'gone' && !fresh.created) return undefined;
  if (outcome.result === 'refused') {
    logger.warn('Fresh snapshot not deleted', { snapshotName, reason: outcome.reason });
    return { snapshotName, deleted: false, reason: outcome.reason, ...leftovers };
  }
  logger.info('Fresh snapshot deleted', { snapshotName });
  return { snapshotName, deleted: true, ...leftovers };
};
