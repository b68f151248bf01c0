// ElastiCache adapter: the only place that speaks to ElastiCache.
import {
  CopySnapshotCommand,
  type ElastiCacheClient,
  paginateDescribeSnapshots,
  type Snapshot,
  SnapshotNotFoundFault,
} from '@aws-sdk/client-elasticache';
import type { SnapshotSummary } from '../contracts.js';
import { callAws, toAwsFailure } from './failures.js';

/** The snapshot with this name, or undefined when ElastiCache has none. */
export const findSnapshot = async (client: ElastiCacheClient, snapshotName: string): Promise<Snapshot | undefined> => {
  try {
    const snapshots: Snapshot[] = [];
    for await (const page of paginateDescribeSnapshots({ client }, { SnapshotName: snapshotName })) {
      snapshots.push(...(page.Snapshots ?? []));
    }
    return snapshots.find((snapshot) => snapshot.SnapshotName === snapshotName);
  } catch (error) {
    if (error instanceof SnapshotNotFoundFault) return undefined;
    throw toAwsFailure(error, 'DescribeSnapshots');
  }
};

/** Every snapshot of a replication group or a cache cluster, all pages. */
export const listSnapshots = (
  client: ElastiCacheClient,
  owner: { replicationGroupId?: string | undefined; cacheClusterId?: string | undefined },
): Promise<Snapshot[]> =>
  callAws('DescribeSnapshots', async () => {
    const snapshots: Snapshot[] = [];
    const input = owner.replicationGroupId
      ? { ReplicationGroupId: owner.replicationGroupId }
      : { CacheClusterId: owner.cacheClusterId };
    for await (const page of paginateDescribeSnapshots({ client }, input)) {
      snapshots.push(...(page.Snapshots ?? []));
    }
    return snapshots;
  });

/** Starts the export of a snapshot to an S3 bucket (CopySnapshot with TargetBucket). */
export const exportSnapshotToBucket = (
  client: ElastiCacheClient,
  input: { sourceSnapshotName: string; targetSnapshotName: string; targetBucket: string },
): Promise<void> =>
  callAws('CopySnapshot', async () => {
    await client.send(
      new CopySnapshotCommand({
        SourceSnapshotName: input.sourceSnapshotName,
        TargetSnapshotName: input.targetSnapshotName,
        TargetBucket: input.targetBucket,
      }),
    );
  });

/** When the snapshot was taken: the newest node snapshot time (absent while `creating`). */
export const snapshotTakenAt = (snapshot: Snapshot): number =>
  Math.max(0, ...(snapshot.NodeSnapshots ?? []).map((node) => node.SnapshotCreateTime?.getTime() ?? 0));

/** Number of shards, hence of `.rdb` objects an export writes. */
export const nodeGroupCount = (snapshot: Snapshot): number => {
  if (snapshot.NumNodeGroups && snapshot.NumNodeGroups > 0) return snapshot.NumNodeGroups;
  const groups = new Set((snapshot.NodeSnapshots ?? []).map((node) => node.NodeGroupId ?? node.CacheClusterId));
  return Math.max(1, groups.size);
};

export const toSnapshotSummary = (snapshot: Snapshot): SnapshotSummary => ({
  snapshotName: snapshot.SnapshotName ?? '',
  engine: snapshot.Engine ?? 'unknown',
  numNodeGroups: nodeGroupCount(snapshot),
  ...(snapshot.EngineVersion && { engineVersion: snapshot.EngineVersion }),
  ...(snapshot.ReplicationGroupId && { replicationGroupId: snapshot.ReplicationGroupId }),
  ...(snapshot.CacheClusterId && { cacheClusterId: snapshot.CacheClusterId }),
  ...(snapshot.TopicArn && { topicArn: snapshot.TopicArn }),
});
