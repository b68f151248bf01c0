// Emulated Amazon ElastiCache (query protocol, Version 2015-02-02): replication groups, cache clusters and snapshots,
// with CopySnapshot's export to S3 performing ElastiCache's bucket checks and, after a scaled delay, writing one real
// `.rdb` file per shard into the bucket; and serverless caches with their snapshots and ExportServerlessCacheSnapshot. State, including work in progress, is saved per account and Region under
// `<dataDir>/elasticache/` and picked up again by an emulator started on the same data folder.
//
// The public API is here: createElastiCacheService and the handle tests and the server use. The rest is by concern:
// wire.ts and serverless-wire.ts (query/XML), replication-groups.ts, backups.ts (taking snapshots), snapshots.ts,
// exports.ts, serverless-caches.ts, serverless-backups.ts, serverless-snapshots.ts, serverless-exports.ts (the model),
// handlers/lib/naming.ts (the objects an export writes), shapes.ts (XML shapes), params.ts (parameter checks), rdb.ts (RDB files:
// rdb-format.ts, rdb-write.ts, rdb-read.ts, rdb-encodings.ts), key-data.ts and demo-data.ts (what caches and snapshots
// hold), restores.ts (seeding from .rdb files in S3, SnapshotArns), ../faults.ts (staged faults), state.ts
// (state and persistence).
//
// Error messages quoted by the CopySnapshot reference are reproduced word for word; messages of other faults are
// not documented by AWS and are marked "assumed" where they appear.
import type { Clock } from '../../clock.js';
import { type ElastiCacheFault, FaultQueue } from '../faults.js';
import type { S3Store } from '../s3/store.js';
import type { Caller, EmulatedService } from '../types.js';
import { type AutomaticBackupInput, finishSnapshot, startAutomaticBackup } from './backups.js';
import type { ElastiCacheContext } from './context.js';
import { finishExport } from './exports.js';
import {
  DEFAULT_LIMITS,
  DEFAULT_SERVERLESS_EXPORT,
  DEFAULT_TIMINGS,
  type ElastiCacheSettings,
  type Scope,
} from './model.js';
import { checkEngineVersion } from './params.js';
import { addReplicationGroup, findCluster, findGroup, finishResourceWork } from './replication-groups.js';
import { finishServerlessSnapshotWork, takeServerlessSnapshot } from './serverless-backups.js';
import { addServerlessCache, findServerlessCache, finishServerlessCacheWork } from './serverless-caches.js';
import { finishServerlessExport } from './serverless-exports.js';
import { finishSnapshotWork, snapshotOf } from './snapshots.js';
import { ElastiCacheState } from './state.js';
import { createElastiCacheWire } from './wire.js';

export { exportKeys, serverlessExportKeys } from '../../../handlers/lib/naming.js';
export type { ElastiCacheFault, ExportOutcome } from '../faults.js';
export {
  DEFAULT_LIMITS,
  DEFAULT_SERVERLESS_EXPORT,
  DEFAULT_TIMINGS,
  type ElastiCacheLimits,
  type ElastiCacheSettings,
  type ElastiCacheTimings,
  type ServerlessExportSettings,
} from './model.js';
export { crc64Redis, type KeyRecord, type ParsedRdb, RdbError, rdbFormatFor, readRdb, writeRdb } from './rdb.js';

export interface SeedReplicationGroupInput {
  replicationGroupId: string;
  accountId?: string;
  region?: string;
  engine?: 'redis' | 'valkey';
  engineVersion?: string;
  cacheNodeType?: string;
  /** Shards; more than one means cluster mode enabled. Default 1. */
  numNodeGroups?: number;
  replicasPerNodeGroup?: number;
  notificationTopicArn?: string;
  dataTiering?: boolean;
  description?: string;
}

export interface SeedSnapshotInput {
  snapshotName: string;
  replicationGroupId?: string;
  cacheClusterId?: string;
  accountId?: string;
  region?: string;
  /** Default `manual`. */
  snapshotSource?: 'manual' | 'automated';
  /** When the snapshot was taken. Default now. */
  createdAt?: Date;
}

export interface SeedServerlessCacheInput {
  serverlessCacheName: string;
  accountId?: string;
  region?: string;
  /** Default `valkey`. */
  engine?: 'valkey' | 'redis' | 'memcached';
  majorEngineVersion?: string;
  description?: string;
  snapshotRetentionLimit?: number;
  dailySnapshotTime?: string;
}

export interface SeedServerlessSnapshotInput {
  snapshotName: string;
  serverlessCacheName: string;
  accountId?: string;
  region?: string;
  /** Default `manual`. */
  snapshotType?: 'manual' | 'automated';
  /** When the snapshot was taken. Default now. */
  createdAt?: Date;
}

export interface AutomaticBackupRequest extends AutomaticBackupInput {
  accountId?: string;
  region?: string;
}

/** An automatic backup started by a test: the snapshot it makes and when it ends. */
export interface AutomaticBackup {
  snapshotName: string;
  replicationGroupId?: string;
  cacheClusterId?: string;
  /** ISO 8601 wall-clock time at which the backup ends (its emulated duration scaled by the clock). */
  endsAt: string;
}

export interface ElastiCacheHandle {
  /** Creates an `available` replication group with its member clusters, no API call. */
  seedReplicationGroup(input: SeedReplicationGroupInput): void;
  /** Creates an `available` snapshot of an existing replication group or cache cluster, no API call. */
  seedSnapshot(input: SeedSnapshotInput): void;
  /** A snapshot's current status, or undefined when there is none. */
  snapshotStatus(snapshotName: string, scope?: { accountId?: string; region?: string }): string | undefined;
  /** Creates an `available` serverless cache, no API call. */
  seedServerlessCache(input: SeedServerlessCacheInput): void;
  /** Creates an `available` snapshot of an existing serverless cache, no API call (not counted against the quota). */
  seedServerlessSnapshot(input: SeedServerlessSnapshotInput): void;
  /** A serverless cache snapshot's current status, or undefined when there is none. */
  serverlessSnapshotStatus(snapshotName: string, scope?: { accountId?: string; region?: string }): string | undefined;
  /**
   * Runs the automatic backup of a replication group or cache cluster now, as its backup window would: see
   * backups.ts startAutomaticBackup. Throws the AwsError ElastiCache would answer when it cannot be taken.
   */
  startAutomaticBackup(input: AutomaticBackupRequest): AutomaticBackup;
  stageFault(fault: ElastiCacheFault): void;
  pendingFaults(): ElastiCacheFault[];
  clearFaults(): void;
  /**
   * Stops the timers of pending emulated work (creations, exports); the server calls it on stop. The work stays
   * saved: an emulator started later on the same data folder completes it.
   */
  stopWork(): void;
}

/** A quota setting: a whole number of snapshots (0 refuses every manual snapshot). */
const quotaSetting = (
  name: 'manualSnapshotsPerNode' | 'serverlessSnapshotsPerCache',
  value: number | undefined,
): number => {
  if (value === undefined) return DEFAULT_LIMITS[name];
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`elastiCache.${name} must be a whole number >= 0, got ${value}`);
  }
  return value;
};

/** The serverless export settings (see serverless-exports.ts for why each default). */
const serverlessExportSettings = (settings: Partial<ElastiCacheSettings>) => {
  const status = settings.serverlessExportStatus ?? DEFAULT_SERVERLESS_EXPORT.serverlessExportStatus;
  if (!/^[a-z][a-z-]*$/.test(status) || ['creating', 'available', 'deleting', 'failed'].includes(status)) {
    throw new Error(`elastiCache.serverlessExportStatus must be a status of its own, got ${status}`);
  }
  const shards = settings.serverlessExportShards ?? DEFAULT_SERVERLESS_EXPORT.serverlessExportShards;
  if (!Number.isInteger(shards) || shards < 1 || shards > 500) {
    throw new Error(`elastiCache.serverlessExportShards must be a whole number from 1 to 500, got ${shards}`);
  }
  return { serverlessExportStatus: status, serverlessExportShards: shards };
};

export const createElastiCacheService = (deps: {
  clock: Clock;
  s3Store: S3Store;
  /** The data folder: state is saved under `<dataDir>/elasticache/`. */
  dataDir: string;
  /** Durations and limits; the defaults are DEFAULT_TIMINGS and DEFAULT_LIMITS. */
  settings: Partial<ElastiCacheSettings>;
  log: (level: 'info' | 'error', message: string, data?: Record<string, unknown>) => void;
}): { service: EmulatedService; handle: ElastiCacheHandle } => {
  // Due work needs the context, which needs the state: the callback reads `context` only when work falls due, on a
  // timer, after both exist.
  const state = new ElastiCacheState(
    deps.dataDir,
    deps.clock,
    (region, work) => {
      switch (work.kind) {
        case 'become-available':
          if (work.restoreFailure) {
            // ElastiCache reports a failed seeding as an event; the emulator logs it (and keeps it with the group).
            deps.log('info', 'Emulated ElastiCache restore failed', {
              replicationGroupId: work.replicationGroupId,
              cacheClusterIds: work.cacheClusterIds,
              reason: work.restoreFailure,
            });
          }
          return finishResourceWork(region, work);
        case 'finish-deletion':
          return finishResourceWork(region, work);
        case 'finish-snapshot':
          return finishSnapshot(context, region, work);
        case 'finish-copy':
        case 'finish-snapshot-deletion':
          return finishSnapshotWork(region, work);
        case 'finish-export':
          return finishExport(context, region, work);
        case 'serverless-available':
        case 'serverless-deleted':
          return finishServerlessCacheWork(region, work);
        case 'finish-serverless-snapshot':
        case 'finish-serverless-snapshot-deletion':
          return finishServerlessSnapshotWork(region, work);
        case 'finish-serverless-export':
          return finishServerlessExport(context, region, work);
      }
    },
    deps.log,
  );
  const context: ElastiCacheContext = {
    state,
    clock: deps.clock,
    s3Store: deps.s3Store,
    timings: {
      createSeconds: deps.settings.createSeconds ?? DEFAULT_TIMINGS.createSeconds,
      snapshotSeconds: deps.settings.snapshotSeconds ?? DEFAULT_TIMINGS.snapshotSeconds,
      exportSeconds: deps.settings.exportSeconds ?? DEFAULT_TIMINGS.exportSeconds,
      snapshotDeleteSeconds: deps.settings.snapshotDeleteSeconds ?? DEFAULT_TIMINGS.snapshotDeleteSeconds,
    },
    limits: {
      manualSnapshotsPerNode: quotaSetting('manualSnapshotsPerNode', deps.settings.manualSnapshotsPerNode),
      serverlessSnapshotsPerCache: quotaSetting(
        'serverlessSnapshotsPerCache',
        deps.settings.serverlessSnapshotsPerCache,
      ),
    },
    serverlessExport: serverlessExportSettings(deps.settings),
    faults: new FaultQueue(),
  };
  state.resume();

  const scopeOf = (input: { accountId?: string | undefined; region?: string | undefined }): Scope & Caller => ({
    accountId: input.accountId ?? '000000000000',
    region: input.region ?? 'us-east-1',
    accessKeyId: input.accountId ?? 'seed',
  });

  const handle: ElastiCacheHandle = {
    seedReplicationGroup: (input) => {
      const scope = scopeOf(input);
      const numNodeGroups = input.numNodeGroups ?? 1;
      const id = input.replicationGroupId.toLowerCase();
      state.change(scope, (region) => {
        if (region.replicationGroups.has(id)) throw new Error(`Replication group ${id} already exists`);
        const engine = input.engine ?? 'redis';
        addReplicationGroup(context, region, {
          id,
          description: input.description ?? `Seeded replication group ${id}`,
          engine,
          engineVersion: checkEngineVersion(engine, input.engineVersion),
          cacheNodeType: input.cacheNodeType ?? (input.dataTiering ? 'cache.r6gd.xlarge' : 'cache.r7g.large'),
          numNodeGroups,
          replicasPerNodeGroup: input.replicasPerNodeGroup ?? 1,
          clusterEnabled: numNodeGroups > 1,
          topicArn: input.notificationTopicArn,
          dataTiering: input.dataTiering ?? false,
          status: 'available',
        });
      });
    },
    seedSnapshot: (input) => {
      const scope = scopeOf(input);
      state.change(scope, (region) => {
        if (region.snapshots.has(input.snapshotName)) throw new Error(`Snapshot ${input.snapshotName} already exists`);
        const group = input.replicationGroupId ? findGroup(region, input.replicationGroupId) : undefined;
        const cluster = input.cacheClusterId ? findCluster(region, input.cacheClusterId) : undefined;
        const snapshot = snapshotOf(
          context,
          region,
          input.snapshotName,
          input.snapshotSource ?? 'manual',
          { ...(group && { group }), ...(cluster && { cluster }) },
          'available',
          input.createdAt?.toISOString(),
        );
        region.snapshots.set(snapshot.name, snapshot);
      });
    },
    snapshotStatus: (name, scope = {}) => state.region(scopeOf(scope)).snapshots.get(name)?.status,
    seedServerlessCache: (input) => {
      const name = input.serverlessCacheName.toLowerCase();
      state.change(scopeOf(input), (region) => {
        if (region.serverlessCaches.has(name)) throw new Error(`Serverless cache ${name} already exists`);
        addServerlessCache(
          context,
          region,
          {
            name,
            engine: input.engine ?? 'valkey',
            majorEngineVersion: input.majorEngineVersion,
            description: input.description ?? `Seeded serverless cache ${name}`,
            securityGroupIds: [],
            subnetIds: [],
            snapshotArnsToRestore: [],
            snapshotRetentionLimit: input.snapshotRetentionLimit,
            dailySnapshotTime: input.dailySnapshotTime,
          },
          'available',
        );
      });
    },
    seedServerlessSnapshot: (input) => {
      const name = input.snapshotName.toLowerCase();
      state.change(scopeOf(input), (region) => {
        if (region.serverlessSnapshots.has(name)) throw new Error(`Serverless cache snapshot ${name} already exists`);
        const cache = findServerlessCache(region, input.serverlessCacheName);
        takeServerlessSnapshot(context, region, cache, {
          name,
          status: 'available',
          snapshotType: input.snapshotType ?? 'manual',
          ...(input.createdAt && { takenAt: input.createdAt.toISOString() }),
        });
      });
    },
    serverlessSnapshotStatus: (name, scope = {}) =>
      state.region(scopeOf(scope)).serverlessSnapshots.get(name.toLowerCase())?.status,
    startAutomaticBackup: (input) => {
      const { snapshot, endsAt } = startAutomaticBackup(context, scopeOf(input), input);
      return {
        snapshotName: snapshot.name,
        ...(snapshot.replicationGroupId && { replicationGroupId: snapshot.replicationGroupId }),
        ...(snapshot.cacheClusterId && { cacheClusterId: snapshot.cacheClusterId }),
        endsAt: endsAt.toISOString(),
      };
    },
    stageFault: (fault) => context.faults.stage(fault),
    pendingFaults: () => context.faults.pending(),
    clearFaults: () => context.faults.clear(),
    stopWork: () => state.stop(),
  };

  return { service: createElastiCacheWire(context), handle };
};
