// State CreateSnapshot: the fresh snapshot of an export requested from ElastiCache, and the fresh snapshots earlier
// runs of the same source left behind removed (handlers/lib/fresh-snapshot.ts has the names). No Lambda types here.
import type { ElastiCacheClient, Snapshot } from '@aws-sdk/client-elasticache';
import type { SFNClient } from '@aws-sdk/client-sfn';
import {
  createServerlessSnapshot,
  createSnapshot,
  deleteSnapshot,
  findServerlessSnapshot,
  findSnapshot,
  listSnapshots,
  snapshotTakenAt,
} from './aws/elasticache.js';
import { awsErrorFacts } from './aws/failures.js';
import { describeExecution } from './aws/sfn.js';
import type { ExportRequest, ExportState, FreshSnapshotState } from './contracts.js';
import { ExportRejectedError } from './errors.js';
import { exportIdOfFreshSnapshot } from './fresh-snapshot.js';
import { logger } from './logger.js';
import { executionArnFor } from './naming.js';
import { isRecord } from './records.js';

export interface TakeSnapshotDeps {
  elastiCache: ElastiCacheClient;
  sfn: SFNClient;
  stateMachineArn: string;
}

/** How many leftovers one run removes at most: enough to catch up, small enough for the task's timeout. */
const MAX_LEFTOVERS_PER_RUN = 5;
/**
 * How many candidates one run looks at (a DescribeExecution each): kept snapshots are candidates too and pile up,
 * so the oldest are examined first and the look is bounded, not the deletions alone.
 */
const MAX_CANDIDATES_PER_RUN = 25;
/** Statuses of an export that may still use its snapshot: running, or about to run again (a redrive). */
const MAY_STILL_RUN = new Set(['RUNNING', 'PENDING_REDRIVE']);

/**
 * State CreateSnapshot: CreateSnapshot of the request's replication group or cluster under the export's fresh
 * name. Safe to run twice: a snapshot of that name of the same source is this export's own (an earlier attempt's).
 * Then removes, best effort, fresh snapshots that earlier runs left behind.
 */
export const takeFreshSnapshot = async (state: ExportState, deps: TakeSnapshotDeps): Promise<ExportState> => {
  const fresh = state.fresh;
  if (!fresh) return state;
  if (fresh.kind === 'serverless') return takeServerlessSnapshot(state, fresh, deps);
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

/**
 * CreateServerlessCacheSnapshot of the request's serverless cache under the fresh name (the export's target: see
 * fresh-snapshot.ts). A snapshot of that name of the same cache is an earlier attempt's. There is no leftover sweep:
 * a serverless fresh snapshot carries its target's name, not its export id, so which export it belongs to cannot be
 * told from the name; CleanUp and the safety net delete it, as they delete every fresh snapshot.
 */
const takeServerlessSnapshot = async (
  state: ExportState,
  fresh: FreshSnapshotState,
  deps: TakeSnapshotDeps,
): Promise<ExportState> => {
  const serverlessCacheName = state.request.serverlessCacheName ?? '';
  try {
    await createServerlessSnapshot(deps.elastiCache, { snapshotName: fresh.snapshotName, serverlessCacheName });
    logger.info('Fresh serverless snapshot requested', { exportId: state.exportId, snapshotName: fresh.snapshotName });
  } catch (error) {
    const code = error instanceof ExportRejectedError ? error.details.awsErrorCode : awsErrorFacts(error).code;
    const existing =
      code === 'ServerlessCacheSnapshotAlreadyExistsFault'
        ? await findServerlessSnapshot(deps.elastiCache, fresh.snapshotName)
        : undefined;
    if (existing?.ServerlessCacheConfiguration?.ServerlessCacheName !== serverlessCacheName || !existing) {
      throw explainServerlessCreateFailure(error, fresh.snapshotName, serverlessCacheName);
    }
    logger.warn('Fresh serverless snapshot already requested by an earlier attempt; waiting for it', {
      snapshotName: fresh.snapshotName,
    });
  }
  return { ...state, fresh: { ...fresh, created: true } };
};

/** CreateServerlessCacheSnapshot's refusals, with the catalogue code that explains each. */
const explainServerlessCreateFailure = (error: unknown, snapshotName: string, cacheName: string): unknown => {
  if (!(error instanceof ExportRejectedError)) return error;
  const aws = error.details.awsErrorCode ?? '';
  const reason = error.message.split('\n')[0] ?? '';
  const code =
    aws === 'InvalidServerlessCacheStateFault'
      ? 'ServerlessCacheBusy'
      : aws === 'ServerlessCacheSnapshotQuotaExceededFault'
        ? 'ServerlessSnapshotQuotaExceeded'
        : aws === 'ServerlessCacheSnapshotAlreadyExistsFault'
          ? 'SnapshotAlreadyExists'
          : undefined;
  if (!code) return error;
  return new ExportRejectedError(
    `ElastiCache refused the snapshot ${snapshotName} of serverless cache ${cacheName}: ${reason}`,
    { ...error.details, code },
    { cause: error },
  );
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
      .sort((a, b) => snapshotTakenAt(a) - snapshotTakenAt(b))
      .map((snapshot) => snapshot.SnapshotName ?? '')
      .filter((name) => name !== state.fresh?.snapshotName && exportIdOfFreshSnapshot(name) !== undefined);
    for (const name of candidates.slice(0, MAX_CANDIDATES_PER_RUN)) {
      if (deleted.length >= MAX_LEFTOVERS_PER_RUN) break;
      const exportId = exportIdOfFreshSnapshot(name) as string;
      const execution = await describeExecution(deps.sfn, executionArnFor(deps.stateMachineArn, exportId));
      if (!execution || MAY_STILL_RUN.has(execution.status) || !wantedDeleted(execution.input)) continue;
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
