// `"freshSnapshot": true`: the export takes a manual snapshot of its replication group or cluster (CreateSnapshot),
// waits for it with the export's own backoff, exports it, and CleanUp deletes it afterwards (handlers/lib/clean-up.ts).
// The snapshot is named after the export (`export-<exportId>`), so a retry finds its own snapshot, and a later run,
// the safety net or an operator can tell whose it is. No Lambda types here.
import type { ElastiCacheClient, Snapshot } from '@aws-sdk/client-elasticache';
import type { SFNClient } from '@aws-sdk/client-sfn';
import {
  createSnapshot,
  deleteSnapshot,
  findCacheCluster,
  findReplicationGroup,
  findSnapshot,
  listSnapshots,
} from './aws/elasticache.js';
import { awsErrorFacts } from './aws/failures.js';
import { describeExecution } from './aws/sfn.js';
import type {
  ExportRequest,
  ExportState,
  FreshSnapshotOutcome,
  FreshSnapshotState,
  SnapshotSummary,
} from './contracts.js';
import { ExportRejectedError } from './errors.js';
import { executionArnFor } from './exports-api.js';
import { logger } from './logger.js';
import { isRecord } from './records.js';

/** Every snapshot this service creates starts with this; IAM limits its CreateSnapshot and DeleteSnapshot to it. */
export const FRESH_SNAPSHOT_PREFIX = 'export-';

/** The fresh snapshot of an export: `export-<exportId>` (export ids are at most 80 of `[a-z0-9_-]`). */
export const freshSnapshotName = (exportId: string): string => `${FRESH_SNAPSHOT_PREFIX}${exportId}`;

/** The export id a fresh snapshot's name carries, or undefined for any other snapshot. */
export const exportIdOfFreshSnapshot = (snapshotName: string): string | undefined =>
  snapshotName.startsWith(FRESH_SNAPSHOT_PREFIX) && /^[A-Za-z0-9_-]{1,80}$/.test(snapshotName.slice(7))
    ? snapshotName.slice(FRESH_SNAPSHOT_PREFIX.length)
    : undefined;

const EXPORTABLE_ENGINES = new Set(['redis', 'valkey']);

/** What a source must be for CreateSnapshot: found, Redis OSS or Valkey, without data tiering, and `available`. */
export interface FreshSource {
  summary: SnapshotSummary;
}

/**
 * Checks the replication group or cluster a fresh snapshot will be taken of, as CreateSnapshot will: it exists, is
 * `available` (not `creating`, `modifying`, or `snapshotting`, i.e. busy with its automatic backup or another
 * snapshot) and is an engine that can be exported. Returns what the snapshot will be, for the bucket checks.
 */
export const resolveFreshSource = async (
  client: ElastiCacheClient,
  request: ExportRequest,
  snapshotName: string,
): Promise<SnapshotSummary> => {
  if (request.replicationGroupId !== undefined) {
    const id = request.replicationGroupId;
    const group = await findReplicationGroup(client, id);
    if (!group) {
      throw new ExportRejectedError(`Replication group ${id} was not found.`, {
        code: 'ClusterNotFound',
        awsErrorCode: 'ReplicationGroupNotFoundFault',
      });
    }
    assertFreshExportable(`Replication group ${id}`, group.Engine ?? 'redis', group.DataTiering, group.Status);
    return {
      snapshotName,
      engine: (group.Engine ?? 'redis').toLowerCase(),
      replicationGroupId: id,
      numNodeGroups: Math.max(1, group.NodeGroups?.length ?? 1),
    };
  }
  const id = request.cacheClusterId ?? '';
  const cluster = await findCacheCluster(client, id);
  if (!cluster) {
    throw new ExportRejectedError(`Cache cluster ${id} was not found.`, {
      code: 'ClusterNotFound',
      awsErrorCode: 'CacheClusterNotFound',
    });
  }
  assertFreshExportable(`Cache cluster ${id}`, cluster.Engine ?? 'unknown', undefined, cluster.CacheClusterStatus);
  return {
    snapshotName,
    engine: (cluster.Engine ?? 'unknown').toLowerCase(),
    ...(cluster.EngineVersion && { engineVersion: cluster.EngineVersion }),
    cacheClusterId: id,
    numNodeGroups: 1,
    ...(cluster.NotificationConfiguration?.TopicArn && { topicArn: cluster.NotificationConfiguration.TopicArn }),
  };
};

const assertFreshExportable = (
  what: string,
  engine: string,
  dataTiering: string | undefined,
  status: string | undefined,
): void => {
  if (!EXPORTABLE_ENGINES.has(engine.toLowerCase())) {
    throw new ExportRejectedError(
      `${what} runs ${engine}; only redis and valkey snapshots can be taken and exported to S3.`,
      { code: 'UnsupportedEngine' },
    );
  }
  if (dataTiering === 'enabled') {
    throw new ExportRejectedError(`${what} uses data tiering; its snapshots cannot be exported to S3.`, {
      code: 'DataTieringNotSupported',
    });
  }
  if (status !== 'available') {
    throw new ExportRejectedError(
      `${what} is ${status ?? 'in an unknown state'}; ElastiCache takes a snapshot only of an available cluster.`,
      { code: 'SourceBusy' },
    );
  }
};

export interface TakeSnapshotDeps {
  elastiCache: ElastiCacheClient;
  sfn: SFNClient;
  stateMachineArn: string;
}

/** How many leftovers one run removes at most: enough to catch up, small enough for the task's timeout. */
const MAX_LEFTOVERS_PER_RUN = 5;

/**
 * State CreateSnapshot: CreateSnapshot of the request's replication group or cluster under the export's fresh
 * name. Safe to run twice: a snapshot of that name of the same source is this export's own (an earlier attempt's).
 * Then removes, best effort, fresh snapshots that earlier runs left behind.
 */
export const takeFreshSnapshot = async (state: ExportState, deps: TakeSnapshotDeps): Promise<ExportState> => {
  const fresh = state.fresh;
  if (!fresh) return state;
  const source = { replicationGroupId: state.request.replicationGroupId, cacheClusterId: state.request.cacheClusterId };
  try {
    await createSnapshot(deps.elastiCache, { snapshotName: fresh.snapshotName, ...source });
    logger.info('Fresh snapshot requested', { exportId: state.exportId, snapshotName: fresh.snapshotName });
  } catch (error) {
    const code = error instanceof ExportRejectedError ? error.details.awsErrorCode : awsErrorFacts(error).code;
    if (
      code === 'SnapshotAlreadyExistsFault' &&
      isOfSource(await findSnapshot(deps.elastiCache, fresh.snapshotName), source)
    ) {
      logger.warn('Fresh snapshot already requested by an earlier attempt; waiting for it', {
        snapshotName: fresh.snapshotName,
      });
    } else {
      throw explainCreateFailure(error, fresh.snapshotName, state.request);
    }
  }
  const leftoversDeleted = await removeLeftovers(state, deps);
  const next: FreshSnapshotState = {
    ...fresh,
    created: true,
    ...(leftoversDeleted.length > 0 && { leftoversDeleted }),
  };
  return { ...state, fresh: next };
};

const isOfSource = (
  snapshot: Snapshot | undefined,
  source: { replicationGroupId?: string | undefined; cacheClusterId?: string | undefined },
): boolean =>
  snapshot !== undefined &&
  (source.replicationGroupId !== undefined
    ? snapshot.ReplicationGroupId === source.replicationGroupId
    : snapshot.CacheClusterId === source.cacheClusterId);

/** CreateSnapshot's refusals, with the catalogue code that explains each. */
const explainCreateFailure = (error: unknown, snapshotName: string, request: ExportRequest): unknown => {
  if (!(error instanceof ExportRejectedError)) return error;
  const aws = error.details.awsErrorCode ?? '';
  const owner = request.replicationGroupId
    ? `replication group ${request.replicationGroupId}`
    : `cluster ${request.cacheClusterId ?? ''}`;
  const details = { ...error.details };
  const reason = error.message.split('\n')[0] ?? '';
  if (
    aws === 'InvalidReplicationGroupState' ||
    aws === 'InvalidReplicationGroupStateFault' ||
    aws.startsWith('InvalidCacheClusterState')
  ) {
    return new ExportRejectedError(
      `ElastiCache refused to snapshot ${owner} now: ${reason}`,
      { ...details, code: 'SourceBusy' },
      { cause: error },
    );
  }
  if (aws === 'SnapshotQuotaExceededFault') {
    return new ExportRejectedError(
      `ElastiCache refused the snapshot ${snapshotName} of ${owner}: ${reason}`,
      { ...details, code: 'FreshSnapshotQuotaExceeded' },
      { cause: error },
    );
  }
  return error;
};

/**
 * Fresh snapshots of the same source that an earlier export of this stack created and did not delete (a crash, or
 * DeleteSnapshot refused while the snapshot was still busy): each is deleted once its export has ended, unless
 * that export asked to keep it. A snapshot of another stack (no execution of this name here) is left alone.
 */
const removeLeftovers = async (state: ExportState, deps: TakeSnapshotDeps): Promise<string[]> => {
  const deleted: string[] = [];
  try {
    const candidates = (await listSnapshots(deps.elastiCache, state.request))
      .filter((snapshot) => snapshot.SnapshotSource === 'manual' && snapshot.SnapshotStatus === 'available')
      .map((snapshot) => snapshot.SnapshotName ?? '')
      .filter((name) => name !== state.fresh?.snapshotName && exportIdOfFreshSnapshot(name) !== undefined);
    for (const name of candidates.slice(0, MAX_LEFTOVERS_PER_RUN)) {
      const exportId = exportIdOfFreshSnapshot(name) as string;
      const execution = await describeExecution(deps.sfn, executionArnFor(deps.stateMachineArn, exportId));
      if (!execution || execution.status === 'RUNNING' || !wantedDeleted(execution.input)) continue;
      const result = await deleteSnapshot(deps.elastiCache, name);
      if (result.result !== 'refused') deleted.push(name);
    }
  } catch (error) {
    logger.warn('Could not remove leftover fresh snapshots; the next run tries again', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
  if (deleted.length > 0) logger.info('Leftover fresh snapshots deleted', { snapshots: deleted });
  return deleted;
};

/** Whether an execution's input asked for a fresh snapshot it did not want kept. */
const wantedDeleted = (input: string | undefined): boolean => {
  try {
    const parsed: unknown = JSON.parse(input ?? '');
    return isRecord(parsed) && parsed.freshSnapshot === true && parsed.keepSnapshot !== true;
  } catch {
    return false;
  }
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
  const outcome = await deleteSnapshot(client, snapshotName);
  const leftovers = fresh.leftoversDeleted ? { leftoversDeleted: fresh.leftoversDeleted } : {};
  if (outcome.result === 'gone' && !fresh.created) return undefined;
  if (outcome.result === 'refused') {
    logger.warn('Fresh snapshot not deleted', { snapshotName, reason: outcome.reason });
    return { snapshotName, deleted: false, reason: outcome.reason, ...leftovers };
  }
  logger.info('Fresh snapshot deleted', { snapshotName });
  return { snapshotName, deleted: true, ...leftovers };
};
