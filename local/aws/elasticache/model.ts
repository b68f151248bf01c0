// The emulated ElastiCache's data model: replication groups, cache clusters and snapshots as they are kept (and saved
// to disk, so timestamps are ISO 8601 strings), the emulated durations, and the work that is pending on a resource
// (a creation, a snapshot, a copy, an export, a deletion) with the wall-clock time it completes at, and the limits
// ElastiCache enforces that a test may want to lower.
import type { ExportOutcome } from '../faults.js';
import type { KeyRecord } from './rdb-format.js';

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
  /**
   * Manual snapshots (CreateServerlessCacheSnapshot) per serverless cache in any contiguous 24 hours of emulated time:
   * "During any contiguous 24-hour period, you can create no more than 24 manual backups per serverless cache"
   * (ElastiCache User Guide, "Snapshot and restore", Backup constraints).
   */
  serverlessSnapshotsPerCache: number;
}

export const DEFAULT_LIMITS: ElastiCacheLimits = { manualSnapshotsPerNode: 20, serverlessSnapshotsPerCache: 24 };

/** How an ExportServerlessCacheSnapshot behaves where AWS does not document it (see serverless-exports.ts). */
export interface ServerlessExportSettings {
  /** The snapshot's Status while it is exported. Default `exporting`. */
  serverlessExportStatus: string;
  /** How many `.rdb` objects an export writes (one per internal shard). Default 1. */
  serverlessExportShards: number;
}

export const DEFAULT_SERVERLESS_EXPORT: ServerlessExportSettings = {
  serverlessExportStatus: 'exporting',
  serverlessExportShards: 1,
};

/** The emulator's ElastiCache settings: durations and limits (AwsEmulatorOptions.elastiCache). */
export type ElastiCacheSettings = ElastiCacheTimings & ElastiCacheLimits & ServerlessExportSettings;

/**
 * `snapshotting` while a snapshot of it is taken (CreateSnapshot, an automatic backup). A restore whose data cannot be
 * loaded leaves a replication group `create-failed` and its clusters (or a lone cluster) `restore-failed`, the
 * statuses the ReplicationGroup and CacheCluster data types list.
 */
export type ResourceStatus =
  | 'creating'
  | 'available'
  | 'snapshotting'
  | 'deleting'
  | 'create-failed'
  | 'restore-failed';
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
  /**
   * Its keys, when it was seeded (from a snapshot or .rdb files); absent, it holds the demo data of its creation time
   * (key-data.ts). In cluster mode the shards split them by hash slot.
   */
  data?: KeyRecord[];
  /** Why its restore failed (status `create-failed`); ElastiCache reports it as an event. */
  restoreFailure?: string;
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
  /** A lone cluster's keys when it was seeded; absent, the demo data of its creation time (key-data.ts). */
  data?: KeyRecord[];
  /** Why its restore failed (status `restore-failed`). */
  restoreFailure?: string;
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
  /** The keys of what it was taken of, when that was seeded; absent, that group's demo data (key-data.ts). */
  data?: KeyRecord[];
}

/** A serverless cache's Status (ServerlessCache data type); the emulator makes no `modifying` or `create-failed`. */
export type ServerlessCacheStatus = 'creating' | 'available' | 'deleting';

export interface ServerlessCacheModel {
  seq: number;
  /** Lowercased, as ElastiCache stores it. */
  name: string;
  description: string;
  status: ServerlessCacheStatus;
  engine: 'valkey' | 'redis' | 'memcached';
  majorEngineVersion: string;
  fullEngineVersion: string;
  kmsKeyId?: string;
  securityGroupIds: string[];
  subnetIds: string[];
  userGroupId?: string;
  snapshotRetentionLimit: number;
  dailySnapshotTime?: string;
  /** CacheUsageLimits as given (each part optional). */
  usageLimits?: {
    dataStorage?: { maximum?: number; minimum?: number; unit: string };
    ecpuPerSecond?: { maximum?: number; minimum?: number };
  };
  /** The SnapshotArnsToRestore it was created from (kept, not otherwise used). */
  restoredFrom?: string[];
  /** ISO 8601. */
  createdAt: string;
  arn: string;
}

/**
 * A serverless cache snapshot's Status. `creating`, `available`, `deleting` and `failed` as node-based snapshots; the
 * status while it is exported is a setting (ServerlessExportSettings), `exporting` by default.
 */
export type ServerlessSnapshotStatus = string;

export interface ServerlessSnapshotModel {
  seq: number;
  /** Lowercased, as ElastiCache stores it. */
  name: string;
  arn: string;
  status: ServerlessSnapshotStatus;
  snapshotType: 'manual' | 'automated';
  serverlessCacheName: string;
  engine: string;
  majorEngineVersion: string;
  /** The cache's full engine version when the snapshot was taken (not in the shape: the RDB files carry it). */
  fullEngineVersion: string;
  kmsKeyId?: string;
  /** ISO 8601: when the data was taken (the request), so present while `creating`. */
  createdAt: string;
  /** ISO 8601; automated snapshots only (their retention). */
  expiresAt?: string;
  bytesUsed: number;
  tags?: Array<{ key: string; value: string }>;
}

/** The replication group and cache clusters a snapshot being taken keeps `snapshotting`. */
export interface BusyResources {
  replicationGroupId?: string;
  cacheClusterIds: string[];
}

/** Emulated work that completes later; saved with the resources so a restarted emulator finishes it. */
export type Work =
  /** A replication group and its member clusters, or a lone cache cluster, become `available`. */
  | {
      kind: 'become-available';
      replicationGroupId?: string;
      cacheClusterIds: string[];
      /** A restore whose data cannot be loaded: they fail instead (`create-failed`, `restore-failed`). */
      restoreFailure?: string;
    }
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
  | { kind: 'finish-export'; sourceName: string; bucket: string; keys: string[]; outcome?: ExportOutcome }
  /** CreateServerlessCache: the cache becomes `available`. */
  | { kind: 'serverless-available'; serverlessCacheName: string }
  /** DeleteServerlessCache: the `deleting` cache is gone. */
  | { kind: 'serverless-deleted'; serverlessCacheName: string }
  /** CreateServerlessCacheSnapshot (or a final snapshot): `creating` → `available` (`failed` with a staged outcome). */
  | { kind: 'finish-serverless-snapshot'; snapshotName: string; outcome?: 'failed' }
  /** DeleteServerlessCacheSnapshot: the `deleting` snapshot is gone. */
  | { kind: 'finish-serverless-snapshot-deletion'; snapshotName: string }
  /** ExportServerlessCacheSnapshot: the `.rdb` objects are written (unless staged otherwise), the snapshot returns. */
  | { kind: 'finish-serverless-export'; snapshotName: string; bucket: string; keys: string[]; outcome?: ExportOutcome };

export interface PendingWork {
  /** Unique within the account and Region. */
  id: number;
  /** Wall-clock epoch milliseconds at which the work completes (the emulated duration scaled by the clock). */
  dueAt: number;
  work: Work;
}
