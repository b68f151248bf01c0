// Replication groups and cache clusters: creating them (`creating`, then `available` after the emulated create time),
// deleting them (`deleting`, then gone after as long, with their automatic backups), finding them, and the rules
// ElastiCache applies to each request.
// A replication group's member clusters are cache clusters too, created and deleted with it.
// References: CreateReplicationGroup, CreateCacheCluster, DeleteReplicationGroup and DeleteCacheCluster in the
// ElastiCache API reference (2015-02-02). Messages AWS does not document are marked "assumed".
import { AwsError } from '../errors.js';
import { arnOf, type ElastiCacheContext, nowIso } from './context.js';
import { snapshotKeys } from './key-data.js';
import type {
  CacheClusterModel,
  NodeGroupModel,
  ReplicationGroupModel,
  ResourceStatus,
  Scope,
  SnapshotModel,
  Work,
} from './model.js';
import { checkEngineVersion, invalidCombination, invalidValue, pad, slotRange } from './params.js';
import type { KeyRecord } from './rdb.js';
import { type Seed, seedFromS3 } from './restores.js';
import type { RegionState } from './state.js';

export const findGroup = (region: RegionState, id: string): ReplicationGroupModel => {
  const group = region.replicationGroups.get(id.toLowerCase());
  // Assumed wording.
  if (!group) throw new AwsError('ReplicationGroupNotFoundFault', `ReplicationGroup ${id} not found.`, 404);
  return group;
};

export const findCluster = (region: RegionState, id: string): CacheClusterModel => {
  const cluster = region.cacheClusters.get(id.toLowerCase());
  if (!cluster) throw new AwsError('CacheClusterNotFound', `CacheCluster not found: ${id}`, 404);
  return cluster;
};

/** A snapshot to restore from (SnapshotName on create): it must exist and be available. */
const snapshotToRestore = (region: RegionState, name: string | undefined): SnapshotModel | undefined => {
  if (!name) return undefined;
  const snapshot = region.snapshots.get(name);
  if (!snapshot) throw new AwsError('SnapshotNotFoundFault', `Snapshot ${name} not found.`, 404);
  if (snapshot.status !== 'available') {
    throw new AwsError('InvalidSnapshotState', `Snapshot ${name} is not in the available state.`, 400);
  }
  return snapshot;
};

export interface GroupInput {
  id: string;
  description: string;
  engine: string;
  engineVersion: string;
  cacheNodeType: string;
  numNodeGroups: number;
  replicasPerNodeGroup: number;
  clusterEnabled: boolean;
  topicArn?: string | undefined;
  dataTiering: boolean;
  port?: number | undefined;
  snapshotRetentionLimit?: number | undefined;
  snapshotWindow?: string | undefined;
  status: ResourceStatus;
  /** What it is seeded with (a snapshot, .rdb files); absent, the demo data. */
  data?: KeyRecord[] | undefined;
}

/** Adds a replication group and its member clusters (one primary and the replicas per node group). */
export const addReplicationGroup = (
  context: ElastiCacheContext,
  region: RegionState,
  input: GroupInput,
): ReplicationGroupModel => {
  const { scope } = region;
  const now = nowIso(context);
  const port = input.port ?? 6379;
  const parameterGroup = `default.${input.engine}${input.engineVersion.split('.')[0]}${input.clusterEnabled ? '.cluster.on' : ''}`;
  const nodeGroups: NodeGroupModel[] = Array.from({ length: input.numNodeGroups }, (_, shard) => {
    const nodeGroupId = pad(shard + 1, 4);
    const memberClusterIds = Array.from({ length: input.replicasPerNodeGroup + 1 }, (_, node) =>
      input.clusterEnabled ? `${input.id}-${nodeGroupId}-${pad(node + 1, 3)}` : `${input.id}-${pad(node + 1, 3)}`,
    );
    return { id: nodeGroupId, slots: slotRange(shard, input.numNodeGroups), memberClusterIds };
  });
  const group: ReplicationGroupModel = {
    seq: context.state.nextSeq(region),
    id: input.id,
    description: input.description,
    status: input.status,
    engine: input.engine,
    engineVersion: input.engineVersion,
    cacheNodeType: input.cacheNodeType,
    clusterEnabled: input.clusterEnabled,
    replicasPerNodeGroup: input.replicasPerNodeGroup,
    nodeGroups,
    dataTiering: input.dataTiering,
    createdAt: now,
    port,
    snapshotRetentionLimit: input.snapshotRetentionLimit ?? 0,
    snapshotWindow: input.snapshotWindow ?? '03:00-04:00',
    parameterGroup,
    arn: arnOf(scope, 'replicationgroup', input.id),
    ...(input.topicArn && { topicArn: input.topicArn }),
    ...(input.data && { data: input.data }),
  };
  region.replicationGroups.set(group.id, group);
  const zones = ['a', 'b', 'c'];
  for (const nodeGroup of nodeGroups) {
    nodeGroup.memberClusterIds.forEach((clusterId, index) => {
      region.cacheClusters.set(clusterId, {
        seq: context.state.nextSeq(region),
        id: clusterId,
        status: input.status,
        engine: input.engine,
        engineVersion: input.engineVersion,
        cacheNodeType: input.cacheNodeType,
        numCacheNodes: 1,
        replicationGroupId: group.id,
        nodeGroupId: nodeGroup.id,
        role: index === 0 ? 'primary' : 'replica',
        dataTiering: input.dataTiering,
        createdAt: now,
        availabilityZone: `${scope.region}${zones[index % zones.length]}`,
        port,
        snapshotRetentionLimit: group.snapshotRetentionLimit,
        snapshotWindow: group.snapshotWindow,
        parameterGroup,
        arn: arnOf(scope, 'cluster', clusterId),
        ...(input.topicArn && { topicArn: input.topicArn }),
      });
    });
  }
  return group;
};

const memberIds = (group: ReplicationGroupModel): string[] =>
  group.nodeGroups.flatMap((nodeGroup) => nodeGroup.memberClusterIds);

export interface CreateReplicationGroupInput {
  /** Checked and lowercased (params.checkId). */
  id: string;
  description: string;
  snapshotName?: string | undefined;
  /** S3 object ARNs of .rdb files to seed from (restores.ts). */
  snapshotArns?: string[] | undefined;
  engine?: string | undefined;
  engineVersion?: string | undefined;
  numNodeGroups?: number | undefined;
  numCacheClusters?: number | undefined;
  replicasPerNodeGroup?: number | undefined;
  clusterMode?: string | undefined;
  cacheParameterGroupName?: string | undefined;
  dataTiering: boolean;
  cacheNodeType?: string | undefined;
  topicArn?: string | undefined;
  port?: number | undefined;
  snapshotRetentionLimit?: number | undefined;
  snapshotWindow?: string | undefined;
}

export const createReplicationGroup = (
  context: ElastiCacheContext,
  scope: Scope,
  input: CreateReplicationGroupInput,
): ReplicationGroupModel =>
  context.state.change(scope, (region) => {
    const { id } = input;
    if (region.replicationGroups.has(id)) {
      throw new AwsError('ReplicationGroupAlreadyExists', `Replication group ${id} already exists.`, 400);
    }
    const arns = input.snapshotArns ?? [];
    if (arns.length > 0 && input.snapshotName) {
      // Assumed wording.
      throw invalidCombination('Specify either SnapshotName or SnapshotArns, not both.');
    }
    const restore = snapshotToRestore(region, input.snapshotName);
    const engine = (input.engine ?? restore?.engine ?? 'redis').toLowerCase();
    if (engine !== 'redis' && engine !== 'valkey') {
      throw invalidValue(`Invalid engine ${engine} for replication groups: use redis or valkey.`);
    }
    const numNodeGroups = input.numNodeGroups ?? restore?.numNodeGroups ?? 1;
    if (!Number.isInteger(numNodeGroups) || numNodeGroups < 1 || numNodeGroups > 500) {
      throw invalidValue('NumNodeGroups must be between 1 and 500.');
    }
    if (restore && restore.numNodeGroups !== numNodeGroups) {
      throw invalidCombination('The number of node groups must match the number of node groups in the snapshot.');
    }
    const replicas =
      input.replicasPerNodeGroup ?? (input.numCacheClusters !== undefined ? input.numCacheClusters - 1 : 0);
    if (!Number.isInteger(replicas) || replicas < 0 || replicas > 5) {
      throw invalidValue('ReplicasPerNodeGroup must be between 0 and 5.');
    }
    const clusterEnabled =
      input.clusterMode?.toLowerCase() === 'enabled' ||
      numNodeGroups > 1 ||
      (input.cacheParameterGroupName ?? '').includes('cluster.on');
    const cacheNodeType = input.cacheNodeType ?? restore?.cacheNodeType ?? 'cache.t3.micro';
    if (input.dataTiering && !cacheNodeType.includes('r6gd')) {
      throw invalidCombination('Data tiering is only supported on cache.r6gd node types.');
    }
    const engineVersion = checkEngineVersion(engine, input.engineVersion ?? restore?.engineVersion);
    const seed: Seed | undefined =
      arns.length > 0
        ? seedFromS3(context, scope, arns, { engine, engineVersion, clusterEnabled, single: false })
        : undefined;
    const group = addReplicationGroup(context, region, {
      id,
      description: input.description,
      engine,
      engineVersion,
      cacheNodeType,
      numNodeGroups,
      replicasPerNodeGroup: replicas,
      clusterEnabled,
      topicArn: input.topicArn,
      dataTiering: input.dataTiering,
      port: input.port,
      snapshotRetentionLimit: input.snapshotRetentionLimit,
      snapshotWindow: input.snapshotWindow,
      status: 'creating',
      data: restore ? snapshotKeys(restore) : seed?.keys,
    });
    context.state.schedule(region, context.timings.createSeconds, {
      kind: 'become-available',
      replicationGroupId: group.id,
      cacheClusterIds: memberIds(group),
      ...(seed?.failure && { restoreFailure: seed.failure }),
    });
    return group;
  });

export interface CreateCacheClusterInput {
  /** Checked and lowercased (params.checkId). */
  id: string;
  replicationGroupId?: string | undefined;
  snapshotName?: string | undefined;
  /** One S3 object ARN of an .rdb file to seed from (restores.ts). */
  snapshotArns?: string[] | undefined;
  engine?: string | undefined;
  engineVersion?: string | undefined;
  numCacheNodes?: number | undefined;
  cacheNodeType?: string | undefined;
  topicArn?: string | undefined;
  preferredAvailabilityZone?: string | undefined;
  port?: number | undefined;
  snapshotRetentionLimit?: number | undefined;
  snapshotWindow?: string | undefined;
}

export const createCacheCluster = (
  context: ElastiCacheContext,
  scope: Scope,
  input: CreateCacheClusterInput,
): CacheClusterModel =>
  context.state.change(scope, (region) => {
    const { id } = input;
    if (input.replicationGroupId) {
      throw invalidCombination('Adding a cache cluster to a replication group is not emulated locally.');
    }
    if (region.cacheClusters.has(id)) {
      throw new AwsError('CacheClusterAlreadyExists', `Cache cluster ${id} already exists.`, 400);
    }
    const arns = input.snapshotArns ?? [];
    if (arns.length > 0 && input.snapshotName) {
      // Assumed wording.
      throw invalidCombination('Specify either SnapshotName or SnapshotArns, not both.');
    }
    const restore = snapshotToRestore(region, input.snapshotName);
    const engine = (input.engine ?? restore?.engine ?? 'redis').toLowerCase();
    if (!['redis', 'valkey', 'memcached'].includes(engine)) throw invalidValue(`Invalid engine: ${engine}`);
    if (engine === 'memcached' && (arns.length > 0 || restore)) {
      // Assumed wording: backups and restores are for Valkey and Redis OSS only.
      throw invalidCombination('Memcached clusters cannot be created from a snapshot or .rdb files.');
    }
    const numCacheNodes = input.numCacheNodes ?? 1;
    if (engine !== 'memcached' && numCacheNodes !== 1) {
      throw invalidValue(`Cannot create a ${engine} cluster with a NumCacheNodes parameter greater than 1.`);
    }
    if (!Number.isInteger(numCacheNodes) || numCacheNodes < 1 || numCacheNodes > 60) {
      throw invalidValue('NumCacheNodes must be between 1 and 60.');
    }
    if (restore && restore.numNodeGroups > 1) {
      throw invalidCombination(
        'A snapshot of a cluster-mode-enabled replication group restores only to a replication group.',
      );
    }
    const engineVersion = checkEngineVersion(engine, input.engineVersion ?? restore?.engineVersion);
    const seed: Seed | undefined =
      arns.length > 0
        ? seedFromS3(context, scope, arns, { engine, engineVersion, clusterEnabled: false, single: true })
        : undefined;
    const data = restore ? snapshotKeys(restore) : seed?.keys;
    const cluster: CacheClusterModel = {
      seq: context.state.nextSeq(region),
      id,
      status: 'creating',
      engine,
      engineVersion,
      cacheNodeType: input.cacheNodeType ?? restore?.cacheNodeType ?? 'cache.t3.micro',
      numCacheNodes,
      dataTiering: false,
      createdAt: nowIso(context),
      availabilityZone: input.preferredAvailabilityZone ?? `${scope.region}a`,
      port: input.port ?? (engine === 'memcached' ? 11211 : 6379),
      snapshotRetentionLimit: input.snapshotRetentionLimit ?? 0,
      snapshotWindow: input.snapshotWindow ?? '03:00-04:00',
      parameterGroup: `default.${engine}${engineVersion
        .split('.')
        .slice(0, engine === 'memcached' ? 2 : 1)
        .join('.')}`,
      arn: arnOf(scope, 'cluster', id),
      ...(input.topicArn && { topicArn: input.topicArn }),
      ...(data && engine !== 'memcached' && { data }),
    };
    region.cacheClusters.set(id, cluster);
    context.state.schedule(region, context.timings.createSeconds, {
      kind: 'become-available',
      cacheClusterIds: [id],
      ...(seed?.failure && { restoreFailure: seed.failure }),
    });
    return cluster;
  });

/** A snapshot still being made or copied from a resource blocks its deletion (assumed: AWS does not document it). */
const busySnapshotOf = (
  region: RegionState,
  matches: (snapshot: SnapshotModel) => boolean,
): SnapshotModel | undefined =>
  [...region.snapshots.values()].find(
    (snapshot) => (snapshot.status === 'creating' || snapshot.status === 'copying') && matches(snapshot),
  );

/** DeleteReplicationGroup: the group and its member clusters go `deleting`, then are gone. */
export const deleteReplicationGroup = (
  context: ElastiCacheContext,
  scope: Scope,
  input: { id: string; retainPrimaryCluster: boolean; finalSnapshotIdentifier?: string | undefined },
): ReplicationGroupModel =>
  context.state.change(scope, (region) => {
    const group = findGroup(region, input.id);
    if (input.retainPrimaryCluster || input.finalSnapshotIdentifier) {
      throw invalidCombination('RetainPrimaryCluster and FinalSnapshotIdentifier are not emulated locally.');
    }
    // A group whose restore failed can only be deleted ("you must delete the cluster and start over").
    if (
      (group.status !== 'available' && group.status !== 'create-failed') ||
      busySnapshotOf(region, (snapshot) => snapshot.replicationGroupId === group.id)
    ) {
      // Assumed wording.
      throw new AwsError(
        'InvalidReplicationGroupState',
        `Replication group ${group.id} is not in available state.`,
        400,
      );
    }
    group.status = 'deleting';
    for (const id of memberIds(group)) {
      const cluster = region.cacheClusters.get(id);
      if (cluster) cluster.status = 'deleting';
    }
    context.state.schedule(region, context.timings.createSeconds, {
      kind: 'finish-deletion',
      replicationGroupId: group.id,
      cacheClusterIds: memberIds(group),
    });
    return group;
  });

/** DeleteCacheCluster: a cluster of its own goes `deleting`, then is gone; a replication group's member is refused. */
export const deleteCacheCluster = (
  context: ElastiCacheContext,
  scope: Scope,
  input: { id: string; finalSnapshotIdentifier?: string | undefined },
): CacheClusterModel =>
  context.state.change(scope, (region) => {
    const cluster = findCluster(region, input.id);
    if (input.finalSnapshotIdentifier) {
      throw invalidCombination('FinalSnapshotIdentifier is not emulated locally.');
    }
    if (cluster.replicationGroupId) {
      // Wording AWS answers for the only member of a replication group; assumed for the other members too.
      throw new AwsError(
        'InvalidCacheClusterState',
        'Cannot delete the cache cluster since it is the only member of a replication group. Delete the replication group instead.',
        400,
      );
    }
    if (
      (cluster.status !== 'available' && cluster.status !== 'restore-failed') ||
      busySnapshotOf(region, (snapshot) => snapshot.cacheClusterId === cluster.id)
    ) {
      throw new AwsError('InvalidCacheClusterState', `Cache cluster ${cluster.id} is not in available state.`, 400);
    }
    cluster.status = 'deleting';
    context.state.schedule(region, context.timings.createSeconds, {
      kind: 'finish-deletion',
      cacheClusterIds: [cluster.id],
    });
    return cluster;
  });

/** Completes `become-available` and `finish-deletion` work. */
export const finishResourceWork = (
  region: RegionState,
  work: Extract<Work, { kind: 'become-available' | 'finish-deletion' }>,
): void => {
  const group = work.replicationGroupId ? region.replicationGroups.get(work.replicationGroupId) : undefined;
  if (work.kind === 'become-available') {
    const failure = work.restoreFailure;
    if (group?.status === 'creating') {
      group.status = failure ? 'create-failed' : 'available';
      if (failure) group.restoreFailure = failure;
    }
    for (const id of work.cacheClusterIds) {
      const cluster = region.cacheClusters.get(id);
      if (cluster?.status !== 'creating') continue;
      cluster.status = failure ? 'restore-failed' : 'available';
      if (failure) cluster.restoreFailure = failure;
    }
    return;
  }
  const deleted = new Set<string>();
  if (group?.status === 'deleting') {
    region.replicationGroups.delete(group.id);
    deleted.add(group.id);
  }
  for (const id of work.cacheClusterIds) {
    if (region.cacheClusters.get(id)?.status === 'deleting') {
      region.cacheClusters.delete(id);
      deleted.add(id);
    }
  }
  // "If you delete a cluster, all of its automatic backups are also deleted. If you delete a replication group, all of
  // the automatic backups from the clusters in that group are also deleted." (ElastiCache User Guide, "Deleting a
  // backup"); manual ones are kept.
  for (const snapshot of [...region.snapshots.values()]) {
    const owner = snapshot.replicationGroupId ?? snapshot.cacheClusterId ?? '';
    if (snapshot.source === 'automated' && deleted.has(owner)) region.snapshots.delete(snapshot.name);
  }
};
