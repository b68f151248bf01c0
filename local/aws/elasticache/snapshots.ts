// Snapshots: the snapshot a replication group or cache cluster gives (taking one: backups.ts), DescribeSnapshots'
// filters, CopySnapshot inside ElastiCache (the copy `creating`, the source `copying`) or to S3 (see exports.ts), and
// DeleteSnapshot (`deleting`, then gone). Messages AWS does not document are marked "assumed".
import { AwsError } from '../errors.js';
import { arnOf, type ElastiCacheContext, nowIso } from './context.js';
import { startExport } from './exports.js';
import type { CacheClusterModel, ReplicationGroupModel, Scope, SnapshotModel, SnapshotStatus, Work } from './model.js';
import type { RegionState } from './state.js';

export const findSnapshot = (region: RegionState, name: string): SnapshotModel => {
  const snapshot = region.snapshots.get(name);
  // Assumed wording.
  if (!snapshot) throw new AwsError('SnapshotNotFoundFault', `Snapshot ${name} not found.`, 404);
  return snapshot;
};

// Assumed wording.
export const snapshotAlreadyExists = (name: string): AwsError =>
  new AwsError('SnapshotAlreadyExistsFault', `Snapshot ${name} already exists.`, 400);

/** A snapshot of a replication group (one node per shard) or of a lone cache cluster, as it is taken now. */
export const snapshotOf = (
  context: ElastiCacheContext,
  region: RegionState,
  name: string,
  source: 'manual' | 'automated',
  owner: { group?: ReplicationGroupModel; cluster?: CacheClusterModel },
  status: SnapshotStatus,
  takenAt?: string,
): SnapshotModel => {
  const { group, cluster } = owner;
  const base = group ?? cluster;
  if (!base) throw new Error('A snapshot needs a replication group or a cache cluster');
  let nodes: Array<{ clusterId: string; nodeGroupId?: string; slots?: string; replicaCount?: number }>;
  if (cluster && !group?.clusterEnabled) {
    nodes = [{ clusterId: cluster.id, ...(cluster.nodeGroupId && { nodeGroupId: cluster.nodeGroupId }) }];
  } else if (group) {
    // One node per shard: ElastiCache snapshots a replica when there is one, else the primary.
    nodes = group.nodeGroups.map((nodeGroup) => ({
      clusterId: nodeGroup.memberClusterIds[nodeGroup.memberClusterIds.length > 1 ? 1 : 0] ?? nodeGroup.id,
      nodeGroupId: nodeGroup.id,
      slots: nodeGroup.slots,
      replicaCount: nodeGroup.memberClusterIds.length - 1,
    }));
  } else {
    nodes = [];
  }
  const snapshotCreateTime = status === 'available' ? (takenAt ?? nowIso(context)) : undefined;
  return {
    seq: context.state.nextSeq(region),
    name,
    status,
    source,
    engine: base.engine,
    engineVersion: base.engineVersion,
    cacheNodeType: base.cacheNodeType,
    numNodeGroups: group ? group.nodeGroups.length : 1,
    port: base.port,
    parameterGroup: base.parameterGroup,
    dataTiering: base.dataTiering,
    clusterCreateTime: base.createdAt,
    snapshotRetentionLimit: base.snapshotRetentionLimit,
    snapshotWindow: base.snapshotWindow,
    nodeSnapshots: nodes.map((node) => ({
      cacheClusterId: node.clusterId,
      cacheNodeId: '0001',
      cacheSize: '1 MB',
      cacheNodeCreateTime: region.cacheClusters.get(node.clusterId)?.createdAt ?? base.createdAt,
      ...(node.nodeGroupId && { nodeGroupId: node.nodeGroupId }),
      ...(node.slots && { slots: node.slots }),
      ...(node.replicaCount !== undefined && { replicaCount: node.replicaCount }),
      ...(snapshotCreateTime && { snapshotCreateTime }),
    })),
    arn: arnOf(region.scope, 'snapshot', name),
    ...(group && {
      replicationGroupId: group.id,
      replicationGroupDescription: group.description,
      automaticFailover: group.clusterEnabled || group.replicasPerNodeGroup > 0 ? 'enabled' : 'disabled',
    }),
    ...(cluster && { cacheClusterId: cluster.id }),
    ...(!group && cluster && { numCacheNodes: cluster.numCacheNodes, availabilityZone: cluster.availabilityZone }),
    // Copied from the cluster's notification configuration; absent when it has none.
    ...(base.topicArn && { topicArn: base.topicArn }),
    // Its keys as of now (seeded ones; demo data is derived again from clusterCreateTime), see key-data.ts.
    ...(base.data && { data: base.data }),
  };
};

export interface DescribeSnapshotsFilter {
  name?: string | undefined;
  replicationGroupId?: string | undefined;
  cacheClusterId?: string | undefined;
  /** `user` (manual) or `system` (automated); checked by the caller. */
  source?: 'user' | 'system' | undefined;
}

export const describeSnapshots = (
  context: ElastiCacheContext,
  scope: Scope,
  filter: DescribeSnapshotsFilter,
): SnapshotModel[] => {
  const region = context.state.region(scope);
  const { name, source } = filter;
  const groupId = filter.replicationGroupId?.toLowerCase();
  const clusterId = filter.cacheClusterId?.toLowerCase();
  if (name !== undefined) findSnapshot(region, name);
  return [...region.snapshots.values()].filter(
    (snapshot) =>
      (name === undefined || snapshot.name === name) &&
      (groupId === undefined || snapshot.replicationGroupId === groupId) &&
      (clusterId === undefined ||
        snapshot.cacheClusterId === clusterId ||
        snapshot.nodeSnapshots.some((node) => node.cacheClusterId === clusterId)) &&
      (source === undefined || snapshot.source === (source === 'system' ? 'automated' : 'manual')),
  );
};

export interface CopySnapshotInput {
  sourceName: string;
  targetName: string;
  /** With a bucket, an export to S3; without, a copy inside ElastiCache. */
  bucket?: string | undefined;
  kmsKeyId?: string | undefined;
}

/** CopySnapshot: answers the source (an export) or the new copy. */
export const copySnapshot = (context: ElastiCacheContext, scope: Scope, input: CopySnapshotInput): SnapshotModel =>
  context.state.change(scope, (region) => {
    const { sourceName, targetName } = input;
    const source = findSnapshot(region, sourceName);
    if (source.status !== 'available') {
      // Assumed wording.
      throw new AwsError(
        'InvalidSnapshotState',
        `Snapshot ${sourceName} is not in the available state (current state: ${source.status}).`,
        400,
      );
    }
    if (input.bucket) {
      startExport(context, region, source, input.bucket, targetName);
      return source;
    }
    if (region.snapshots.has(targetName)) throw snapshotAlreadyExists(targetName);
    const copy: SnapshotModel = {
      ...source,
      seq: context.state.nextSeq(region),
      name: targetName,
      status: 'creating',
      source: 'manual',
      arn: arnOf(scope, 'snapshot', targetName),
      nodeSnapshots: source.nodeSnapshots.map((node) => ({ ...node })),
    };
    if (input.kmsKeyId) copy.kmsKeyId = input.kmsKeyId;
    region.snapshots.set(targetName, copy);
    source.status = 'copying';
    context.state.schedule(region, context.timings.snapshotSeconds, { kind: 'finish-copy', sourceName, targetName });
    return copy;
  });

/**
 * DeleteSnapshot: an `available` or `failed` snapshot, manual or automatic ("ElastiCache provides a deletion API
 * operation that lets you delete a backup at any time, regardless of whether the backup was created automatically or
 * manually", ElastiCache User Guide, "Deleting a backup"), is answered and listed `deleting` for the emulated delete
 * time, then gone. Kept for a while rather than removed at once, as the console shows it ("The status changes to
 * deleting"): a caller sees its name still taken and the snapshot not available meanwhile. A snapshot being created,
 * copied or exported (`creating`, `copying`) or already `deleting` is refused with InvalidSnapshotState.
 */
export const deleteSnapshot = (context: ElastiCacheContext, scope: Scope, name: string): SnapshotModel =>
  context.state.change(scope, (region) => {
    const snapshot = findSnapshot(region, name);
    if (snapshot.status !== 'available' && snapshot.status !== 'failed') {
      // Assumed wording.
      throw new AwsError(
        'InvalidSnapshotState',
        `Snapshot ${name} is not in the available state (current state: ${snapshot.status}).`,
        400,
      );
    }
    snapshot.status = 'deleting';
    context.state.schedule(region, context.timings.snapshotDeleteSeconds, {
      kind: 'finish-snapshot-deletion',
      snapshotName: name,
    });
    return snapshot;
  });

/** Completes `finish-copy` and `finish-snapshot-deletion` work. */
export const finishSnapshotWork = (
  region: RegionState,
  work: Extract<Work, { kind: 'finish-copy' | 'finish-snapshot-deletion' }>,
): void => {
  if (work.kind === 'finish-snapshot-deletion') {
    if (region.snapshots.get(work.snapshotName)?.status === 'deleting') region.snapshots.delete(work.snapshotName);
    return;
  }
  const copy = region.snapshots.get(work.targetName);
  const source = region.snapshots.get(work.sourceName);
  if (copy?.status === 'creating') copy.status = 'available';
  if (source?.status === 'copying') source.status = 'available';
};
