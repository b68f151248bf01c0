// The emulated ElastiCache's data model: replication groups, cache clusters and snapshots as they are kept (and saved
// to disk, so timestamps are ISO 8601 strings), the emulated durations, and the work that is pending on a resource
// (a creation, a snapshot, a copy, an export, a deletion) with the wall-clock time it completes at, and the limits
// ElastiCache enforces that a test may want to lower.
import type { ExportOutcome } from '../faults.js';

/** Emulated durations, in seconds of emulated time (the clock scales them). */
export interface ElastiCacheTimings {
  /** A new replication group or cache cluster: `creating` → `available`; a deleted one stays `deleting` as long. */
  createSeconds: number;
  /** CreateSnapshot and in-ElastiCache CopySnapshot: `creating` → `available`. */
  snapshotSeconds: number;
  /** An export to S3: the source stays `copying` this long. */
  exportSeconds: number;
  /** DeleteSnapshot: the snapshot is listed `deleting` this long, then it is gone. */
  snapshotDeleteSeconds: number;
}

export const DEFAULT_TIMINGS: ElastiCacheTimings = {
  createSeconds: 10,
  snapshotSeconds: 15,
  exportSeconds: 20,
  snapshotDeleteSeconds: 5,
};

/** Limits ElastiCache enforces, lowered in tests to reach them quickly. */
export interface ElastiCacheLimits {
  /**
   * Manual snapshots (CreateSnapshot) per node of a replication group or cache cluster in any contiguous 24 hours of
   * emulated time: "During any contiguous 24-hour period, you can create no more than 20 manual backups per node in
   * the cluster" (ElastiCache User Guide, "Snapshot and restore", Backup constraints).
   */
  manualSnapshotsPerNode: number;
}

export const DEFAULT_LIMITS: ElastiCacheLimits = { manualSnapshotsPerNode: 20 };

/** The emulator's ElastiCache settings: durations and limits (AwsEmulatorOptions.elastiCache). */
export type ElastiCacheSettings = ElastiCacheTimings & ElastiCacheLimits;

/** `snapshotting` while a snapshot of it is taken (CreateSnapshot, an automatic backup). */
export type ResourceStatus = 'creating' | 'available' | 'snapshotting' | 'deleting';
export type SnapshotStatus = 'creating' | 'available' | 'copying' | 'deleting' | 'failed';

/** Who a resource belongs to: AWS partitions ElastiCache by account and Region. */
export interface Scope {
  accountId: string;
  region: string;
}

export interface NodeGroupModel {
  id: string;
  slots: string;
  memberClusterIds: string[];
}

export interface ReplicationGroupModel {
  /** Creation order within the account and Region; Marker pagination follows it. */
  seq: number;
  id: string;
  description: string;
  status: ResourceStatus;
  engine: string;
  engineVersion: string;
  cacheNodeType: string;
  clusterEnabled: boolean;
  replicasPerNodeGroup: number;
  nodeGroups: NodeGroupModel[];
  topicArn?: string;
  dataTiering: boolean;
  /** ISO 8601. */
  createdAt: string;
  port: number;
  snapshotRetentionLimit: number;
  snapshotWindow: string;
  parameterGroup: string;
  arn: string;
}

export interface CacheClusterModel {
  seq: number;
  id: string;
  status: ResourceStatus;
  engine: string;
  engineVersion: string;
  cacheNodeType: string;
  numCacheNodes: number;
  replicationGroupId?: string;
  nodeGroupId?: string;
  role?: 'primary' | 'replica';
  topicArn?: string;
  dataTiering: boolean;
  /** ISO 8601. */
  createdAt: string;
  availabilityZone: string;
  port: number;
  snapshotRetentionLimit: number;
  snapshotWindow: string;
  parameterGroup: string;
  arn: string;
}

export interface NodeSnapshotModel {
  cacheClusterId: string;
  nodeGroupId?: string;
  cacheNodeId: string;
  cacheSize: string;
  /** ISO 8601. */
  cacheNodeCreateTime: string;
  /** ISO 8601; absent while the snapshot is being created. */
  snapshotCreateTime?: string;
  slots?: string;
  replicaCount?: number;
}

export interface SnapshotModel {
  seq: number;
  name: string;
  status: SnapshotStatus;
  source: 'manual' | 'automated';
  replicationGroupId?: string;
  replicationGroupDescription?: string;
  cacheClusterId?: string;
  engine: string;
  engineVersion: string;
  cacheNodeType: string;
  numCacheNodes?: number;
  numNodeGroups: number;
  automaticFailover?: string;
  topicArn?: string;
  port: number;
  parameterGroup: string;
  dataTiering: boolean;
  /** ISO 8601. */
  clusterCreateTime: string;
  availabilityZone?: string;
  snapshotRetentionLimit: number;
  snapshotWindow: string;
  nodeSnapshots: NodeSnapshotModel[];
  kmsKeyId?: string;
  /** The Tags of CreateSnapshot, in request order (kept, not yet served: no ListTagsForResource is emulated). */
  tags?: Array<{ key: string; value: string }>;
  arn: string;
}

/** The replication group and cache clusters a snapshot being taken keeps `snapshotting`. */
export interface BusyResources {
  replicationGroupId?: string;
  cacheClusterIds: string[];
}

/** Emulated work that completes later; saved with the resources so a restarted emulator finishes it. */
export type Work =
  /** A replication group and its member clusters, or a lone cache cluster, become `available`. */
  | { kind: 'become-available'; replicationGroupId?: string; cacheClusterIds: string[] }
  /** A replication group and its member clusters, or a lone cache cluster, are gone. */
  | { kind: 'finish-deletion'; replicationGroupId?: string; cacheClusterIds: string[] }
  /**
   * CreateSnapshot or an automatic backup: the snapshot becomes `available` (`failed` with a staged outcome) and what
   * it kept `snapshotting` becomes `available` again. `busy` is absent in work saved before it was recorded.
   */
  | { kind: 'finish-snapshot'; snapshotName: string; outcome?: 'failed'; busy?: BusyResources }
  /** DeleteSnapshot: the `deleting` snapshot is gone. */
  | { kind: 'finish-snapshot-deletion'; snapshotName: string }
  /** In-ElastiCache CopySnapshot: the copy becomes `available` and the source leaves `copying`. */
  | { kind: 'finish-copy'; sourceName: string; targetName: string }
  /** CopySnapshot to S3: the `.rdb` files are written (unless a staged outcome says otherwise), the source returns. */
  | { kind: 'finish-export'; sourceName: string; bucket: string; keys: string[]; outcome?: ExportOutcome };

export interface PendingWork {
  /** Unique within the account and Region. */
  id: number;
  /** Wall-clock epoch milliseconds at which the work completes (the emulated duration scaled by the clock). */
  dueAt: number;
  work: Work;
}
