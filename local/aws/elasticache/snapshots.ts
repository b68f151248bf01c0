// Snapshots: CreateSnapshot (`creating`, then `available` after the emulated snapshot time), DescribeSnapshots'
// filters, CopySnapshot inside ElastiCache (the copy `creating`, the source `copying`) or to S3 (see exports.ts),
// DeleteSnapshot, and the snapshot a replication group or cache cluster gives. Messages AWS does not document are
// marked "assumed".
import { AwsError } from '../errors.js';
import { arnOf, type ElastiCacheContext, nowIso } from './context.js';
import { startExport } from './exports.js';
import type { CacheClusterModel, ReplicationGroupModel, Scope, SnapshotModel, SnapshotStatus, Work } from './model.js';
import { invalidCombination } from './params.js';
import { findCluster, findGroup } from './replication-groups.js';
import type { RegionState } from './state.js';

export const findSnapshot = (region: RegionState, name: string): SnapshotModel => {
  const snapshot = region.snapshots.get(name);
  // Assumed wording.
  if (!snapshot) throw new AwsError('SnapshotNotFoundFault', `Snapshot ${name} not found.`, 404);
  return snapshot;
};

const snapshotAlreadyExists = (name: string): AwsError =>
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
  };
};

export interface CreateSnapshotInput {
  name: string;
  replicationGroupId?: string | undefined;
  cacheClusterId?: string | undefined;
  kmsKeyId?: string | undefined;
}

export const createSnapshot = (context: ElastiCacheContext, scope: Scope, input: CreateSnapshotInput): SnapshotModel =>
  context.state.change(scope, (region) => {
    const { name, replicationGroupId: groupId, cacheClusterId: clusterId } = input;
    if (groupId && clusterId) {
      throw invalidCombination('Only one of ReplicationGroupId and CacheClusterId can be specified.');
    }
    if (!groupId && !clusterId) {
      throw invalidCombination('One of ReplicationGroupId or CacheClusterId must be specified.');
    }
    if (region.snapshots.has(name)) throw snapshotAlreadyExists(name);
    let owner: { group?: ReplicationGroupModel; cluster?: CacheClusterModel };
    if (groupId) {
      const group = findGroup(region, groupId);
      if (group.status !== 'available') {
        throw new AwsError(
          'InvalidReplicationGroupState',
          `Replication group ${group.id} is not in available state.`,
          400,
        );
      }
      owner = { group };
    } else {
      const cluster = findCluster(region, clusterId ?? '');
      if (cluster.engine === 'memcached') {
        throw new AwsError(
          'SnapshotFeatureNotSupportedFault',
          'Snapshots are not supported for Memcached clusters.',
          400,
        );
      }
      const group = cluster.replicationGroupId ? region.replicationGroups.get(cluster.replicationGroupId) : undefined;
      if (group?.clusterEnabled) {
        throw invalidCombination(
          'Cannot snapshot a single cache cluster of a cluster-mode enabled replication group; use ReplicationGroupId.',
        );
      }
      if (cluster.status !== 'available') {
        throw new AwsError('InvalidCacheClusterState', `Cache cluster ${cluster.id} is not in available state.`, 400);
      }
      owner = { cluster, ...(group && { group }) };
    }
    const nodeType = (owner.group ?? owner.cluster)?.cacheNodeType ?? '';
    if (nodeType.startsWith('cache.t1.')) {
      throw new AwsError('SnapshotFeatureNotSupportedFault', `Snapshots are not supported for ${nodeType} nodes.`, 400);
    }
    const snapshot = snapshotOf(context, region, name, 'manual', owner, 'creating');
    if (input.kmsKeyId) snapshot.kmsKeyId = input.kmsKeyId;
    region.snapshots.set(name, snapshot);
    context.state.schedule(region, context.timings.snapshotSeconds, { kind: 'finish-snapshot', snapshotName: name });
    return snapshot;
  });

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

/** DeleteSnapshot: an available or failed snapshot is removed at once; the answer shows it `deleting`. */
export const deleteSnapshot = (context: ElastiCacheContext, scope: Scope, name: string): SnapshotModel =>
  context.state.change(scope, (region) => {
    const snapshot = findSnapshot(region, name);
    if (snapshot.status !== 'available' && snapshot.status !== 'failed') {
      throw new AwsError(
        'InvalidSnapshotState',
        `Snapshot ${name} is not in the available state (current state: ${snapshot.status}).`,
        400,
      );
    }
    region.snapshots.delete(name);
    return { ...snapshot, status: 'deleting' };
  });

/** Completes `finish-snapshot` and `finish-copy` work. */
export const finishSnapshotWork = (
  context: ElastiCacheContext,
  region: RegionState,
  work: Extract<Work, { kind: 'finish-snapshot' | 'finish-copy' }>,
): void => {
  if (work.kind === 'finish-snapshot') {
    const snapshot = region.snapshots.get(work.snapshotName);
    if (snapshot?.status !== 'creating') return;
    snapshot.status = 'available';
    const takenAt = nowIso(context);
    for (const node of snapshot.nodeSnapshots) node.snapshotCreateTime = takenAt;
    return;
  }
  const copy = region.snapshots.get(work.targetName);
  const source = region.snapshots.get(work.sourceName);
  if (copy?.status === 'creating') copy.status = 'available';
  if (source?.status === 'copying') source.status = 'available';
};
