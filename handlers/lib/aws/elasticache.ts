// ElastiCache adapter: the only place that speaks to ElastiCache.
import {
  type CacheCluster,
  CopySnapshotCommand,
  CreateServerlessCacheSnapshotCommand,
  CreateSnapshotCommand,
  DeleteServerlessCacheSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeServerlessCachesCommand,
  type ElastiCacheClient,
  ExportServerlessCacheSnapshotCommand,
  paginateDescribeServerlessCacheSnapshots,
  paginateDescribeSnapshots,
  type ReplicationGroup,
  type ServerlessCache,
  type ServerlessCacheSnapshot,
  type Snapshot,
  SnapshotNotFoundFault,
} from '@aws-sdk/client-elasticache';
import type { SnapshotSummary } from '../contracts.js';
import { awsErrorFacts, callAws, toAwsFailure } from './failures.js';

const awsErrorCode = (error: unknown): string => awsErrorFacts(error).code;

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

/** The replication group, or undefined when ElastiCache has none with this id. */
export const findReplicationGroup = async (
  client: ElastiCacheClient,
  replicationGroupId: string,
): Promise<ReplicationGroup | undefined> => {
  try {
    const answer = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: replicationGroupId }));
    return answer.ReplicationGroups?.find((group) => group.ReplicationGroupId === replicationGroupId);
  } catch (error) {
    if (awsErrorCode(error) === 'ReplicationGroupNotFoundFault') return undefined;
    throw toAwsFailure(error, 'DescribeReplicationGroups');
  }
};

/** The cache cluster (node), or undefined when ElastiCache has none with this id. */
export const findCacheCluster = async (
  client: ElastiCacheClient,
  cacheClusterId: string,
): Promise<CacheCluster | undefined> => {
  try {
    const answer = await client.send(new DescribeCacheClustersCommand({ CacheClusterId: cacheClusterId }));
    return answer.CacheClusters?.find((cluster) => cluster.CacheClusterId === cacheClusterId);
  } catch (error) {
    const code = awsErrorCode(error);
    if (code === 'CacheClusterNotFound' || code === 'CacheClusterNotFoundFault') return undefined;
    throw toAwsFailure(error, 'DescribeCacheClusters');
  }
};

/** Starts a manual snapshot of a replication group or a cache cluster (CreateSnapshot). */
export const createSnapshot = (
  client: ElastiCacheClient,
  input: { snapshotName: string; replicationGroupId?: string | undefined; cacheClusterId?: string | undefined },
): Promise<Snapshot | undefined> =>
  callAws('CreateSnapshot', async () => {
    const answer = await client.send(
      new CreateSnapshotCommand({
        SnapshotName: input.snapshotName,
        ...(input.replicationGroupId !== undefined
          ? { ReplicationGroupId: input.replicationGroupId }
          : { CacheClusterId: input.cacheClusterId }),
      }),
    );
    return answer.Snapshot;
  });

/**
 * Deletes a snapshot. `gone` when ElastiCache no longer has it (deleted now, or before); `refused` with
 * ElastiCache's reason when it cannot be deleted now (InvalidSnapshotState: still creating, being exported).
 * Other failures are thrown, mapped as every call's.
 */
export const deleteSnapshot = async (
  client: ElastiCacheClient,
  snapshotName: string,
): Promise<{ result: 'deleted' | 'gone' } | { result: 'refused'; reason: string }> => {
  try {
    await client.send(new DeleteSnapshotCommand({ SnapshotName: snapshotName }));
    return { result: 'deleted' };
  } catch (error) {
    const code = awsErrorCode(error);
    if (error instanceof SnapshotNotFoundFault || code === 'SnapshotNotFoundFault') return { result: 'gone' };
    if (code === 'InvalidSnapshotState' || code === 'InvalidSnapshotStateFault') {
      return { result: 'refused', reason: error instanceof Error ? error.message : String(error) };
    }
    throw toAwsFailure(error, 'DeleteSnapshot');
  }
};

// ---- ElastiCache Serverless --------------------------------------------------------------------------------------

/** The serverless cache snapshot with this name, or undefined when ElastiCache has none. */
export const findServerlessSnapshot = async (
  client: ElastiCacheClient,
  snapshotName: string,
): Promise<ServerlessCacheSnapshot | undefined> => {
  try {
    const snapshots: ServerlessCacheSnapshot[] = [];
    const input = { ServerlessCacheSnapshotName: snapshotName };
    for await (const page of paginateDescribeServerlessCacheSnapshots({ client }, input)) {
      snapshots.push(...(page.ServerlessCacheSnapshots ?? []));
    }
    // ElastiCache stores serverless snapshot names lowercased.
    return snapshots.find(
      (snapshot) => snapshot.ServerlessCacheSnapshotName?.toLowerCase() === snapshotName.toLowerCase(),
    );
  } catch (error) {
    if (awsErrorCode(error) === 'ServerlessCacheSnapshotNotFoundFault') return undefined;
    throw toAwsFailure(error, 'DescribeServerlessCacheSnapshots');
  }
};

/** The serverless cache, or undefined when ElastiCache has none with this name. */
export const findServerlessCache = async (
  client: ElastiCacheClient,
  serverlessCacheName: string,
): Promise<ServerlessCache | undefined> => {
  try {
    const answer = await client.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: serverlessCacheName }));
    return answer.ServerlessCaches?.find((cache) => cache.ServerlessCacheName === serverlessCacheName);
  } catch (error) {
    if (awsErrorCode(error) === 'ServerlessCacheNotFoundFault') return undefined;
    throw toAwsFailure(error, 'DescribeServerlessCaches');
  }
};

/** Every snapshot of a serverless cache, all pages (automatic and manual). */
export const listServerlessSnapshots = (
  client: ElastiCacheClient,
  serverlessCacheName: string,
): Promise<ServerlessCacheSnapshot[]> =>
  callAws('DescribeServerlessCacheSnapshots', async () => {
    const snapshots: ServerlessCacheSnapshot[] = [];
    const input = { ServerlessCacheName: serverlessCacheName };
    for await (const page of paginateDescribeServerlessCacheSnapshots({ client }, input)) {
      snapshots.push(...(page.ServerlessCacheSnapshots ?? []));
    }
    return snapshots;
  });

/** When a serverless snapshot was taken (0 when ElastiCache does not say). */
export const serverlessSnapshotTakenAt = (snapshot: ServerlessCacheSnapshot): number =>
  snapshot.CreateTime?.getTime() ?? 0;

/** Starts a snapshot of a serverless cache (CreateServerlessCacheSnapshot). */
export const createServerlessSnapshot = (
  client: ElastiCacheClient,
  input: { snapshotName: string; serverlessCacheName: string },
): Promise<ServerlessCacheSnapshot | undefined> =>
  callAws('CreateServerlessCacheSnapshot', async () => {
    const answer = await client.send(
      new CreateServerlessCacheSnapshotCommand({
        ServerlessCacheSnapshotName: input.snapshotName,
        ServerlessCacheName: input.serverlessCacheName,
      }),
    );
    return answer.ServerlessCacheSnapshot;
  });

/**
 * Deletes a serverless cache snapshot, with deleteSnapshot's answers: `gone` (ServerlessCacheSnapshotNotFoundFault),
 * `refused` (InvalidServerlessCacheSnapshotStateFault: still creating or being exported).
 */
export const deleteServerlessSnapshot = async (
  client: ElastiCacheClient,
  snapshotName: string,
): Promise<{ result: 'deleted' | 'gone' } | { result: 'refused'; reason: string }> => {
  try {
    await client.send(new DeleteServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: snapshotName }));
    return { result: 'deleted' };
  } catch (error) {
    const code = awsErrorCode(error);
    if (code === 'ServerlessCacheSnapshotNotFoundFault') return { result: 'gone' };
    if (code === 'InvalidServerlessCacheSnapshotStateFault') {
      return { result: 'refused', reason: error instanceof Error ? error.message : String(error) };
    }
    throw toAwsFailure(error, 'DeleteServerlessCacheSnapshot');
  }
};

/** Starts the export of a serverless cache snapshot to an S3 bucket (ExportServerlessCacheSnapshot). */
export const exportServerlessSnapshotToBucket = (
  client: ElastiCacheClient,
  input: { snapshotName: string; targetBucket: string },
): Promise<void> =>
  callAws('ExportServerlessCacheSnapshot', async () => {
    await client.send(
      new ExportServerlessCacheSnapshotCommand({
        ServerlessCacheSnapshotName: input.snapshotName,
        S3BucketName: input.targetBucket,
      }),
    );
  });

/**
 * A serverless snapshot as the state carries it. The number of objects its export writes is not known (naming.ts):
 * one is the least it writes, and CheckExport accepts every `-NNNN` object of its name.
 */
export const toServerlessSnapshotSummary = (snapshot: ServerlessCacheSnapshot): SnapshotSummary => {
  const configuration = snapshot.ServerlessCacheConfiguration;
  return {
    kind: 'serverless',
    snapshotName: snapshot.ServerlessCacheSnapshotName ?? '',
    engine: configuration?.Engine ?? 'unknown',
    numNodeGroups: 1,
    ...(configuration?.MajorEngineVersion && { engineVersion: configuration.MajorEngineVersion }),
    ...(configuration?.ServerlessCacheName && { serverlessCacheName: configuration.ServerlessCacheName }),
  };
};
