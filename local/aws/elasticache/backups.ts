// Taking a snapshot of a replication group or cache cluster: CreateSnapshot (a manual snapshot) and the automatic
// backup a test starts (POST /_local/elasticache/automatic-backup). While a snapshot is taken, the replication group
// and the clusters whose nodes it copies are `snapshotting` ("the cluster status changes to snapshotting", ElastiCache
// User Guide, "Taking manual backups") and refuse another snapshot ("During the backup process, you can't run any other
// API or CLI operations on the cluster", the guide's backup constraints); when it ends they are `available` again and
// the snapshot is `available`, or `failed` with a staged outcome. Manual snapshots are held to the 24-hour quota per
// node. References: CreateSnapshot in the ElastiCache API reference (2015-02-02: its errors), the ElastiCache User
// Guide, "Snapshot and restore" (Backup constraints), "Taking manual backups" and "Scheduling automatic backups". The
// order of the checks and messages AWS does not document are marked "assumed".
import { AwsError } from '../errors.js';
import type { ElastiCacheContext } from './context.js';
import type { BusyResources, CacheClusterModel, ReplicationGroupModel, Scope, SnapshotModel, Work } from './model.js';
import { invalidCombination, invalidValue, pad } from './params.js';
import { findCluster, findGroup } from './replication-groups.js';
import { snapshotAlreadyExists, snapshotOf } from './snapshots.js';
import type { RegionState } from './state.js';

/** Which group and cluster a snapshot is taken of (a cluster alone, or a member of a cluster-mode-disabled group). */
interface Owner {
  group?: ReplicationGroupModel;
  cluster?: CacheClusterModel;
}

const notAvailable = (owner: Owner): AwsError | undefined => {
  const { group, cluster } = owner;
  // The cluster a request names first, then its group (assumed order). Assumed wording: the reference gives only the
  // faults' meaning ("The requested cluster is not in the available state").
  if (cluster && cluster.status !== 'available') {
    return new AwsError('InvalidCacheClusterState', `Cache cluster ${cluster.id} is not in available state.`, 400);
  }
  if (group && group.status !== 'available') {
    return new AwsError(
      'InvalidReplicationGroupState',
      `Replication group ${group.id} is not in available state.`,
      400,
    );
  }
  return undefined;
};

/**
 * The group or cluster a snapshot may be taken of, checked in this order (assumed): it exists, its engine and node type
 * support backups (Memcached does not, nor cache.t1 nodes of a cluster-mode-disabled cluster), a cluster is not a
 * shard's node of a cluster-mode-enabled group ("only supports taking backups on the cluster level (for the API or
 * CLI, the replication group level)"), and everything it involves is `available`.
 */
const ownerOf = (region: RegionState, source: { replicationGroupId?: string; cacheClusterId?: string }): Owner => {
  let owner: Owner;
  if (source.replicationGroupId !== undefined) {
    owner = { group: findGroup(region, source.replicationGroupId) };
  } else {
    const cluster = findCluster(region, source.cacheClusterId ?? '');
    if (cluster.engine === 'memcached') {
      // Assumed wording.
      throw new AwsError(
        'SnapshotFeatureNotSupportedFault',
        'Snapshots are not supported for Memcached clusters.',
        400,
      );
    }
    const group = cluster.replicationGroupId ? region.replicationGroups.get(cluster.replicationGroupId) : undefined;
    if (group?.clusterEnabled) {
      // Assumed code and wording.
      throw invalidCombination(
        `Cache cluster ${cluster.id} is a node of the cluster-mode enabled replication group ${group.id}: snapshot the replication group (ReplicationGroupId) instead.`,
      );
    }
    owner = { cluster, ...(group && { group }) };
  }
  const base = owner.cluster ?? owner.group;
  if (base?.cacheNodeType.startsWith('cache.t1.') && !owner.group?.clusterEnabled) {
    // Assumed wording.
    throw new AwsError(
      'SnapshotFeatureNotSupportedFault',
      `Snapshots are not supported for ${base.cacheNodeType} nodes.`,
      400,
    );
  }
  const refusal = notAvailable(owner);
  if (refusal) throw refusal;
  return owner;
};

/** The quota's key: what the snapshot is taken of, and how many nodes that has. */
const quotaOf = (owner: Owner): { key: string; nodes: number } => {
  const { group, cluster } = owner;
  // A member of a cluster-mode-disabled group counts against the group's nodes (assumed: the guide counts "per node
  // in the cluster", and its example is a 4-node cluster-mode-disabled group taking 80 in 24 hours).
  if (group) {
    return {
      key: `replicationgroup:${group.id}`,
      nodes: group.nodeGroups.reduce((sum, nodeGroup) => sum + nodeGroup.memberClusterIds.length, 0),
    };
  }
  return { key: `cluster:${cluster?.id ?? ''}`, nodes: cluster?.numCacheNodes ?? 1 };
};

/**
 * The manual snapshots still counted against the quota: those created in the last 24 hours of emulated time (scaled
 * like every emulated duration, so a test at LOCAL_TIME_SCALE 0.001 sees the window pass in 86.4 s).
 */
const recentCreations = (context: ElastiCacheContext, region: RegionState, key: string): number[] => {
  const since = context.clock.now().getTime() - context.clock.realMs(24 * 3600);
  return (region.manualSnapshotLog.get(key) ?? []).filter((at) => at > since);
};

/** Marks what a snapshot copies `snapshotting`: the group, and the clusters of the nodes it is taken from. */
const markBusy = (region: RegionState, snapshot: SnapshotModel, owner: Owner): BusyResources => {
  if (owner.group) owner.group.status = 'snapshotting';
  const cacheClusterIds = [...new Set(snapshot.nodeSnapshots.map((node) => node.cacheClusterId))];
  for (const id of cacheClusterIds) {
    const cluster = region.cacheClusters.get(id);
    if (cluster?.status === 'available') cluster.status = 'snapshotting';
  }
  return { ...(owner.group && { replicationGroupId: owner.group.id }), cacheClusterIds };
};

export interface CreateSnapshotInput {
  name: string;
  replicationGroupId?: string | undefined;
  cacheClusterId?: string | undefined;
  kmsKeyId?: string | undefined;
  tags?: Array<{ key: string | undefined; value: string | undefined }>;
}

/** CreateSnapshot: a manual snapshot `creating`, the group or cluster `snapshotting` until it is `available`. */
export const createSnapshot = (context: ElastiCacheContext, scope: Scope, input: CreateSnapshotInput): SnapshotModel =>
  context.state.change(scope, (region) => {
    const { name, replicationGroupId, cacheClusterId } = input;
    if (replicationGroupId && cacheClusterId) {
      throw invalidCombination('Only one of ReplicationGroupId and CacheClusterId can be specified.');
    }
    if (!replicationGroupId && !cacheClusterId) {
      throw invalidCombination('One of ReplicationGroupId or CacheClusterId must be specified.');
    }
    const tags = (input.tags ?? []).map((tag) => {
      // Assumed wording: a Tag's Key is required by the API model.
      if (!tag.key) throw invalidValue('Tag keys must not be empty.');
      return { key: tag.key, value: tag.value ?? '' };
    });
    if (region.snapshots.has(name)) throw snapshotAlreadyExists(name);
    const owner = ownerOf(
      region,
      replicationGroupId ? { replicationGroupId } : { cacheClusterId: cacheClusterId ?? '' },
    );
    const quota = quotaOf(owner);
    const recent = recentCreations(context, region, quota.key);
    if (recent.length >= context.limits.manualSnapshotsPerNode * quota.nodes) {
      // The fault's description in the API reference.
      throw new AwsError(
        'SnapshotQuotaExceededFault',
        'The request cannot be processed because it would exceed the maximum number of snapshots.',
        400,
      );
    }
    const snapshot = snapshotOf(context, region, name, 'manual', owner, 'creating');
    if (input.kmsKeyId) snapshot.kmsKeyId = input.kmsKeyId;
    if (tags.length > 0) snapshot.tags = tags;
    region.snapshots.set(name, snapshot);
    region.manualSnapshotLog.set(quota.key, [...recent, context.clock.now().getTime()]);
    const busy = markBusy(region, snapshot, owner);
    const outcome = context.faults.takeSnapshotOutcome({
      replicationGroupId: owner.group?.id,
      cacheClusterId: owner.cluster?.id,
    });
    context.state.schedule(region, context.timings.snapshotSeconds, {
      kind: 'finish-snapshot',
      snapshotName: name,
      busy,
      ...(outcome && { outcome }),
    });
    return snapshot;
  });

export interface AutomaticBackupInput {
  replicationGroupId?: string | undefined;
  cacheClusterId?: string | undefined;
  /** How long the backup takes, in emulated seconds. Default: the snapshot time. */
  seconds?: number | undefined;
}

/**
 * Starts the group's or cluster's automatic backup now, as its backup window would: an `automated` snapshot named
 * `automatic.<id>-<yyyy-mm-dd-hh-mm>` (UTC) `creating`, the group and the snapshotted nodes `snapshotting`, for
 * `seconds`. Checked as CreateSnapshot is, but not counted against the manual-snapshot quota.
 */
export const startAutomaticBackup = (
  context: ElastiCacheContext,
  scope: Scope,
  input: AutomaticBackupInput,
): { snapshot: SnapshotModel; endsAt: Date } =>
  context.state.change(scope, (region) => {
    const { replicationGroupId, cacheClusterId } = input;
    if (!replicationGroupId === !cacheClusterId) {
      throw invalidCombination('Give one of replicationGroupId or cacheClusterId.');
    }
    const seconds = input.seconds ?? context.timings.snapshotSeconds;
    if (typeof seconds !== 'number' || !(seconds > 0) || !Number.isFinite(seconds)) {
      throw invalidValue('seconds must be a positive number of emulated seconds.');
    }
    const owner = ownerOf(
      region,
      replicationGroupId ? { replicationGroupId } : { cacheClusterId: cacheClusterId ?? '' },
    );
    const now = context.clock.now();
    const stamp = [
      now.getUTCFullYear(),
      now.getUTCMonth() + 1,
      now.getUTCDate(),
      now.getUTCHours(),
      now.getUTCMinutes(),
    ]
      .map((part, index) => (index === 0 ? String(part) : pad(part, 2)))
      .join('-');
    const name = `automatic.${(owner.cluster ?? owner.group)?.id ?? ''}-${stamp}`;
    if (region.snapshots.has(name)) throw snapshotAlreadyExists(name);
    const snapshot = snapshotOf(context, region, name, 'automated', owner, 'creating');
    region.snapshots.set(name, snapshot);
    const busy = markBusy(region, snapshot, owner);
    const pending = context.state.schedule(region, seconds, { kind: 'finish-snapshot', snapshotName: name, busy });
    return { snapshot, endsAt: new Date(pending.dueAt) };
  });

/** Completes `finish-snapshot` work: the snapshot ends `available` (or `failed`), what it kept busy is available. */
export const finishSnapshot = (
  context: ElastiCacheContext,
  region: RegionState,
  work: Extract<Work, { kind: 'finish-snapshot' }>,
): void => {
  const snapshot = region.snapshots.get(work.snapshotName);
  if (snapshot?.status === 'creating') {
    if (work.outcome === 'failed') {
      snapshot.status = 'failed';
    } else {
      snapshot.status = 'available';
      const takenAt = context.clock.now().toISOString();
      for (const node of snapshot.nodeSnapshots) node.snapshotCreateTime = takenAt;
    }
  }
  const group = work.busy?.replicationGroupId ? region.replicationGroups.get(work.busy.replicationGroupId) : undefined;
  if (group?.status === 'snapshotting') group.status = 'available';
  for (const id of work.busy?.cacheClusterIds ?? []) {
    const cluster = region.cacheClusters.get(id);
    if (cluster?.status === 'snapshotting') cluster.status = 'available';
  }
};
