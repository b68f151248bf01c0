// Emulated Amazon ElastiCache (query protocol, Version 2015-02-02): replication groups, cache clusters and snapshots,
// with CopySnapshot's export to S3 performing ElastiCache's bucket checks in order (existence, owner, Region,
// READ/WRITE/READ_ACP grants to ElastiCache's canonical user or a bucket policy for its service principal, key
// collision) and, after a scaled delay, writing one real `.rdb` file per shard into the bucket.
//
// Error messages quoted by the CopySnapshot reference are reproduced word for word; messages of other faults are
// not documented by AWS and are marked "assumed" where they appear.
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.js';
import { AwsError, queryErrorResponse } from './errors.js';
import { partitionFor } from './sigv4.js';
import {
  aclGrants,
  type BucketRecord,
  elastiCacheCanonicalIdFor,
  elastiCacheServicePrincipalFor,
  type Permission,
  policyAllows,
  RegionalStore,
  type S3Store,
} from './store.js';
import type { AwsRequest, AwsResponse, Caller, EmulatedService } from './types.js';
import { QueryParams, queryResponse, type XmlValue, xmlList } from './xml.js';

const XMLNS = 'http://elasticache.amazonaws.com/doc/2015-02-02/';

/** Emulated durations, in seconds of emulated time (the clock scales them). */
export interface ElastiCacheTimings {
  /** A new replication group or cache cluster: `creating` → `available`. */
  createSeconds: number;
  /** CreateSnapshot and in-ElastiCache CopySnapshot: `creating` → `available`. */
  snapshotSeconds: number;
  /** An export to S3: the source stays `copying` this long. */
  exportSeconds: number;
}

export const DEFAULT_TIMINGS: ElastiCacheTimings = { createSeconds: 10, snapshotSeconds: 15, exportSeconds: 20 };

/**
 * A fault staged for tests: either the next `count` calls of `action` fail with an AWS error (default Throttling,
 * "Rate exceeded", 400), or, with `exportOutcome`, the next `count` exports end badly: `no-objects` (the source
 * returns to `available` and nothing is written: the "reported success, bucket empty" case) or `failed` (the source
 * ends `failed`, nothing written).
 */
export interface ElastiCacheFault {
  /** An ElastiCache action (`CopySnapshot`, `DescribeSnapshots`…) or `*` for any; ignored with `exportOutcome`. */
  action?: string;
  /** How many calls or exports the fault applies to. Default 1. */
  count?: number;
  code?: string;
  message?: string;
  status?: number;
  exportOutcome?: 'no-objects' | 'failed';
}

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

export interface ElastiCacheHandle {
  /** Creates an `available` replication group with its member clusters, no API call. */
  seedReplicationGroup(input: SeedReplicationGroupInput): void;
  /** Creates an `available` snapshot of an existing replication group or cache cluster, no API call. */
  seedSnapshot(input: SeedSnapshotInput): void;
  /** A snapshot's current status, or undefined when there is none. */
  snapshotStatus(snapshotName: string, scope?: { accountId?: string; region?: string }): string | undefined;
  stageFault(fault: ElastiCacheFault): void;
  pendingFaults(): ElastiCacheFault[];
  clearFaults(): void;
  /** Cancels pending emulated work (creations, exports); the server calls it on stop. */
  stopWork(): void;
}

// ------------------------------------------------------------------------------------------------ model

type ResourceStatus = 'creating' | 'available' | 'deleting';
type SnapshotStatus = 'creating' | 'available' | 'copying' | 'deleting' | 'failed';

interface NodeGroupModel {
  id: string;
  slots: string;
  memberClusterIds: string[];
}

interface ReplicationGroupModel {
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
  createdAt: Date;
  port: number;
  snapshotRetentionLimit: number;
  snapshotWindow: string;
  parameterGroup: string;
  arn: string;
}

interface CacheClusterModel {
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
  createdAt: Date;
  availabilityZone: string;
  port: number;
  snapshotRetentionLimit: number;
  snapshotWindow: string;
  parameterGroup: string;
  arn: string;
}

interface NodeSnapshotModel {
  cacheClusterId: string;
  nodeGroupId?: string;
  cacheNodeId: string;
  cacheSize: string;
  cacheNodeCreateTime: Date;
  snapshotCreateTime?: Date;
  slots?: string;
  replicaCount?: number;
}

interface SnapshotModel {
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
  clusterCreateTime: Date;
  availabilityZone?: string;
  snapshotRetentionLimit: number;
  snapshotWindow: string;
  nodeSnapshots: NodeSnapshotModel[];
  kmsKeyId?: string;
  arn: string;
}

interface ElastiCacheState {
  replicationGroups: Map<string, ReplicationGroupModel>;
  cacheClusters: Map<string, CacheClusterModel>;
  snapshots: Map<string, SnapshotModel>;
}

// ------------------------------------------------------------------------------------------------ RDB files

const CRC64_TABLE = (() => {
  // Redis's CRC-64/Jones: reflected polynomial 0x95ac9329ac4bc9b5, init 0, no final xor.
  const polynomial = 0x95ac9329ac4bc9b5n;
  const table: bigint[] = [];
  for (let byte = 0n; byte < 256n; byte += 1n) {
    let crc = byte;
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1n ? (crc >> 1n) ^ polynomial : crc >> 1n;
    table.push(crc);
  }
  return table;
})();

/** Redis's RDB checksum (`crc64("123456789") = 0xe9c6d914c4b8d9ca`). */
export const crc64Redis = (data: Buffer): bigint => {
  let crc = 0n;
  for (const byte of data) crc = (CRC64_TABLE[Number((crc ^ BigInt(byte)) & 0xffn)] ?? 0n) ^ (crc >> 8n);
  return crc;
};

const rdbLength = (length: number): Buffer => {
  if (length < 64) return Buffer.from([length]);
  if (length < 16384) return Buffer.from([0x40 | (length >> 8), length & 0xff]);
  const buffer = Buffer.alloc(5);
  buffer[0] = 0x80;
  buffer.writeUInt32BE(length, 1);
  return buffer;
};

const rdbString = (value: string): Buffer => {
  const bytes = Buffer.from(value);
  return Buffer.concat([rdbLength(bytes.length), bytes]);
};

/**
 * A valid RDB (version 11) holding string keys: magic, aux fields, one database, EOF and the CRC64 checksum, so
 * `redis-check-rdb` and restores accept it.
 */
export const buildRdb = (input: {
  engineVersion: string;
  createdAt: Date;
  entries: Array<[string, string]>;
}): Buffer => {
  const aux = (key: string, value: string): Buffer =>
    Buffer.concat([Buffer.from([0xfa]), rdbString(key), rdbString(value)]);
  const parts: Buffer[] = [
    Buffer.from('REDIS0011'),
    aux('redis-ver', input.engineVersion.split('.').length >= 3 ? input.engineVersion : `${input.engineVersion}.0`),
    aux('redis-bits', '64'),
    aux('ctime', String(Math.floor(input.createdAt.getTime() / 1000))),
    aux('used-mem', String(1_048_576 + input.entries.length * 128)),
    aux('aof-base', '0'),
    Buffer.from([0xfe]),
    rdbLength(0),
    Buffer.from([0xfb]),
    rdbLength(input.entries.length),
    rdbLength(0),
    ...input.entries.map(([key, value]) => Buffer.concat([Buffer.from([0x00]), rdbString(key), rdbString(value)])),
    Buffer.from([0xff]),
  ];
  const body = Buffer.concat(parts);
  const checksum = Buffer.alloc(8);
  checksum.writeBigUInt64LE(crc64Redis(body));
  return Buffer.concat([body, checksum]);
};

/** Deterministic sample data for one shard of a snapshot. */
const shardEntries = (snapshotName: string, shard: number): Array<[string, string]> =>
  Array.from({ length: 16 }, (_, index) => {
    const key = `${snapshotName}:shard-${shard}:key-${index}`;
    return [key, createHash('sha256').update(key).digest('hex')];
  });

// ------------------------------------------------------------------------------------------------ helpers

const pad = (value: number, width: number): string => value.toString().padStart(width, '0');

const slotRange = (index: number, count: number): string => {
  const start = Math.floor((16384 * index) / count);
  const end = Math.floor((16384 * (index + 1)) / count) - 1;
  return `${start}-${end}`;
};

const missingParameter = (name: string): AwsError =>
  new AwsError('MissingParameter', `The request must contain the parameter ${name}`, 400);

const required = (params: QueryParams, name: string): string => {
  const value = params.get(name);
  if (value === undefined || value === '') throw missingParameter(name);
  return value;
};

const invalidValue = (message: string): AwsError => new AwsError('InvalidParameterValue', message, 400);
const invalidCombination = (message: string): AwsError => new AwsError('InvalidParameterCombination', message, 400);

/** ElastiCache cluster and replication group ids: a letter, then letters, digits and single hyphens, no trailing hyphen. */
const CLUSTER_ID = /^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*(?<!-)$/;

const checkId = (value: string, parameter: string, maxLength: number): string => {
  if (value.length > maxLength || !CLUSTER_ID.test(value)) {
    throw invalidValue(
      `The parameter ${parameter} must be provided and must not be blank. It must begin with a letter, contain only ASCII letters, digits and hyphens, not end with a hyphen or contain two consecutive hyphens, and be at most ${maxLength} characters.`,
    );
  }
  // ElastiCache stores these ids lowercased.
  return value.toLowerCase();
};

/** Redis OSS, Valkey and Memcached versions a request may name (major or major.minor). */
const checkEngineVersion = (engine: string, version: string | undefined): string => {
  const defaults: Record<string, string> = { redis: '7.1', valkey: '8.0', memcached: '1.6.22' };
  const value = version ?? defaults[engine] ?? '7.1';
  if (!/^\d+(\.\d+){0,2}$/.test(value)) throw invalidValue(`Invalid engine version: ${value}`);
  return value;
};

/** Pages by creation order; the marker is the sequence number of the last item returned. */
const paginate = <T extends { seq: number }>(
  items: T[],
  params: QueryParams,
  limits: { min: number; max: number; default: number },
): { page: T[]; marker?: string } => {
  const maxRecords = params.int('MaxRecords');
  if (maxRecords !== undefined && (Number.isNaN(maxRecords) || maxRecords < limits.min || maxRecords > limits.max)) {
    // Assumed wording.
    throw invalidValue(`The value of MaxRecords must be between ${limits.min} and ${limits.max}.`);
  }
  const size = maxRecords ?? limits.default;
  const raw = params.get('Marker');
  let after = -1;
  if (raw) {
    // Markers are ours: base64url of a sequence number. Anything else (Number('') is 0) is refused, not read as 0.
    const text = Buffer.from(raw, 'base64url').toString('utf8');
    if (!/^\d+$/.test(text)) throw invalidValue(`Invalid marker: ${raw}`);
    after = Number(text);
  }
  const remaining = items.filter((item) => item.seq > after).sort((a, b) => a.seq - b.seq);
  const page = remaining.slice(0, size);
  const last = page[page.length - 1];
  return {
    page,
    ...(remaining.length > size && last && { marker: Buffer.from(String(last.seq)).toString('base64url') }),
  };
};

// ------------------------------------------------------------------------------------------------ XML shapes

const endpoint = (address: string, port: number): XmlValue => ({ Address: address, Port: port });

const replicationGroupXml = (
  group: ReplicationGroupModel,
  region: string,
  clusters: Map<string, CacheClusterModel>,
): XmlValue => {
  const available = group.status === 'available';
  const host = (name: string): string => `${name}.abc123.${region}.cache.amazonaws.com`;
  return {
    ReplicationGroupId: group.id,
    Description: group.description,
    Status: group.status,
    PendingModifiedValues: {},
    MemberClusters: xmlList(
      'ClusterId',
      group.nodeGroups.flatMap((nodeGroup) => nodeGroup.memberClusterIds),
    ),
    NodeGroups: xmlList(
      'NodeGroup',
      group.nodeGroups.map((nodeGroup) => ({
        NodeGroupId: nodeGroup.id,
        Status: group.status,
        PrimaryEndpoint:
          available && !group.clusterEnabled ? endpoint(host(`master.${group.id}`), group.port) : undefined,
        ReaderEndpoint:
          available && !group.clusterEnabled ? endpoint(host(`replica.${group.id}`), group.port) : undefined,
        Slots: group.clusterEnabled ? nodeGroup.slots : undefined,
        NodeGroupMembers: xmlList(
          'NodeGroupMember',
          nodeGroup.memberClusterIds.map((clusterId) => ({
            CacheClusterId: clusterId,
            CacheNodeId: '0001',
            ReadEndpoint: available && !group.clusterEnabled ? endpoint(host(clusterId), group.port) : undefined,
            PreferredAvailabilityZone: clusters.get(clusterId)?.availabilityZone,
            CurrentRole: group.clusterEnabled ? undefined : clusters.get(clusterId)?.role,
          })),
        ),
      })),
    ),
    AutomaticFailover: group.clusterEnabled || group.replicasPerNodeGroup > 0 ? 'enabled' : 'disabled',
    MultiAZ: 'disabled',
    ConfigurationEndpoint:
      available && group.clusterEnabled ? endpoint(host(`clustercfg.${group.id}`), group.port) : undefined,
    SnapshotRetentionLimit: group.snapshotRetentionLimit,
    SnapshotWindow: group.snapshotWindow,
    ClusterEnabled: group.clusterEnabled,
    CacheNodeType: group.cacheNodeType,
    AuthTokenEnabled: false,
    TransitEncryptionEnabled: false,
    AtRestEncryptionEnabled: false,
    ARN: group.arn,
    ReplicationGroupCreateTime: group.createdAt,
    DataTiering: group.dataTiering ? 'enabled' : 'disabled',
    AutoMinorVersionUpgrade: true,
    NetworkType: 'ipv4',
    IpDiscovery: 'ipv4',
    ClusterMode: group.clusterEnabled ? 'enabled' : 'disabled',
    Engine: group.engine,
  };
};

const cacheClusterXml = (cluster: CacheClusterModel, region: string, showNodes: boolean): XmlValue => {
  const available = cluster.status === 'available';
  const host = `${cluster.id}.abc123.0001.${region}.cache.amazonaws.com`;
  return {
    CacheClusterId: cluster.id,
    ConfigurationEndpoint:
      available && cluster.engine === 'memcached'
        ? endpoint(`${cluster.id}.abc123.cfg.${region}.cache.amazonaws.com`, cluster.port)
        : undefined,
    CacheNodeType: cluster.cacheNodeType,
    Engine: cluster.engine,
    EngineVersion: cluster.engineVersion,
    CacheClusterStatus: cluster.status,
    NumCacheNodes: cluster.numCacheNodes,
    PreferredAvailabilityZone: cluster.availabilityZone,
    CacheClusterCreateTime: cluster.createdAt,
    PreferredMaintenanceWindow: 'sun:05:00-sun:06:00',
    PendingModifiedValues: {},
    NotificationConfiguration: cluster.topicArn ? { TopicArn: cluster.topicArn, TopicStatus: 'active' } : undefined,
    CacheSecurityGroups: xmlList('CacheSecurityGroup', []),
    CacheParameterGroup: {
      CacheParameterGroupName: cluster.parameterGroup,
      ParameterApplyStatus: 'in-sync',
      CacheNodeIdsToReboot: xmlList('CacheNodeId', []),
    },
    CacheSubnetGroupName: 'default',
    CacheNodes: showNodes
      ? xmlList(
          'CacheNode',
          Array.from({ length: cluster.numCacheNodes }, (_, index) => ({
            CacheNodeId: pad(index + 1, 4),
            CacheNodeStatus: cluster.status,
            CacheNodeCreateTime: cluster.createdAt,
            Endpoint: available ? endpoint(host, cluster.port) : undefined,
            ParameterGroupStatus: 'in-sync',
            CustomerAvailabilityZone: cluster.availabilityZone,
          })),
        )
      : undefined,
    AutoMinorVersionUpgrade: true,
    ReplicationGroupId: cluster.replicationGroupId,
    SnapshotRetentionLimit: cluster.engine === 'memcached' ? undefined : cluster.snapshotRetentionLimit,
    SnapshotWindow: cluster.engine === 'memcached' ? undefined : cluster.snapshotWindow,
    AuthTokenEnabled: false,
    TransitEncryptionEnabled: false,
    AtRestEncryptionEnabled: false,
    ARN: cluster.arn,
    ReplicationGroupLogDeliveryEnabled: false,
    NetworkType: 'ipv4',
    IpDiscovery: 'ipv4',
  };
};

const snapshotXml = (snapshot: SnapshotModel, showNodeGroupConfig: boolean): XmlValue => ({
  SnapshotName: snapshot.name,
  ReplicationGroupId: snapshot.replicationGroupId,
  ReplicationGroupDescription: snapshot.replicationGroupDescription,
  CacheClusterId: snapshot.cacheClusterId,
  SnapshotStatus: snapshot.status,
  SnapshotSource: snapshot.source,
  CacheNodeType: snapshot.cacheNodeType,
  Engine: snapshot.engine,
  EngineVersion: snapshot.engineVersion,
  NumCacheNodes: snapshot.numCacheNodes,
  PreferredAvailabilityZone: snapshot.availabilityZone,
  CacheClusterCreateTime: snapshot.clusterCreateTime,
  PreferredMaintenanceWindow: 'sun:05:00-sun:06:00',
  TopicArn: snapshot.topicArn,
  Port: snapshot.port,
  CacheParameterGroupName: snapshot.parameterGroup,
  CacheSubnetGroupName: 'default',
  VpcId: 'vpc-0a1b2c3d4e5f60718',
  AutoMinorVersionUpgrade: true,
  SnapshotRetentionLimit: snapshot.snapshotRetentionLimit,
  SnapshotWindow: snapshot.snapshotWindow,
  NumNodeGroups: snapshot.numNodeGroups,
  AutomaticFailover: snapshot.automaticFailover,
  NodeSnapshots: xmlList(
    'NodeSnapshot',
    snapshot.nodeSnapshots.map((node) => ({
      CacheClusterId: node.cacheClusterId,
      NodeGroupId: node.nodeGroupId,
      CacheNodeId: node.cacheNodeId,
      NodeGroupConfiguration:
        showNodeGroupConfig && node.nodeGroupId
          ? { NodeGroupId: node.nodeGroupId, Slots: node.slots, ReplicaCount: node.replicaCount }
          : undefined,
      CacheSize: node.cacheSize,
      CacheNodeCreateTime: node.cacheNodeCreateTime,
      SnapshotCreateTime: node.snapshotCreateTime,
    })),
  ),
  KmsKeyId: snapshot.kmsKeyId,
  ARN: snapshot.arn,
  DataTiering: snapshot.dataTiering ? 'enabled' : 'disabled',
});

// ------------------------------------------------------------------------------------------------ service

export const createElastiCacheService = (deps: {
  clock: Clock;
  s3Store: S3Store;
  timings: Partial<ElastiCacheTimings>;
  log: (level: 'info' | 'error', message: string, data?: Record<string, unknown>) => void;
}): { service: EmulatedService; handle: ElastiCacheHandle } => {
  const { clock, s3Store } = deps;
  const timings: ElastiCacheTimings = { ...DEFAULT_TIMINGS, ...deps.timings };
  const store = new RegionalStore<ElastiCacheState>(() => ({
    replicationGroups: new Map(),
    cacheClusters: new Map(),
    snapshots: new Map(),
  }));
  const faults: Array<Required<Pick<ElastiCacheFault, 'count'>> & ElastiCacheFault> = [];
  const work = new Set<() => void>();
  let seq = 0;

  const later = (seconds: number, task: () => void): void => {
    const cancel = clock.schedule(seconds, () => {
      work.delete(cancel);
      try {
        task();
      } catch (error) {
        deps.log('error', 'Emulated ElastiCache work failed', { error: String(error) });
      }
    });
    work.add(cancel);
  };

  const arnOf = (caller: { accountId: string; region: string }, kind: string, id: string): string =>
    `arn:${partitionFor(caller.region)}:elasticache:${caller.region}:${caller.accountId}:${kind}:${id}`;

  const takeCallFault = (action: string): AwsError | undefined => {
    const index = faults.findIndex(
      (fault) => !fault.exportOutcome && (fault.action === action || fault.action === '*'),
    );
    const fault = faults[index];
    if (!fault) return undefined;
    fault.count -= 1;
    if (fault.count <= 0) faults.splice(index, 1);
    return new AwsError(fault.code ?? 'Throttling', fault.message ?? 'Rate exceeded', fault.status ?? 400);
  };

  const takeExportFault = (): ElastiCacheFault['exportOutcome'] => {
    const index = faults.findIndex((fault) => fault.exportOutcome !== undefined);
    const fault = faults[index];
    if (!fault) return undefined;
    fault.count -= 1;
    if (fault.count <= 0) faults.splice(index, 1);
    return fault.exportOutcome;
  };

  // ---------------------------------------------------------------------------------------------- creation

  interface GroupInput {
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
  }

  const addReplicationGroup = (
    caller: { accountId: string; region: string },
    input: GroupInput,
  ): ReplicationGroupModel => {
    const state = store.get(caller);
    const now = clock.now();
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
      seq: ++seq,
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
      arn: arnOf(caller, 'replicationgroup', input.id),
      ...(input.topicArn && { topicArn: input.topicArn }),
    };
    state.replicationGroups.set(group.id, group);
    const zones = ['a', 'b', 'c'];
    for (const nodeGroup of nodeGroups) {
      nodeGroup.memberClusterIds.forEach((clusterId, index) => {
        state.cacheClusters.set(clusterId, {
          seq: ++seq,
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
          availabilityZone: `${caller.region}${zones[index % zones.length]}`,
          port,
          snapshotRetentionLimit: group.snapshotRetentionLimit,
          snapshotWindow: group.snapshotWindow,
          parameterGroup,
          arn: arnOf(caller, 'cluster', clusterId),
          ...(input.topicArn && { topicArn: input.topicArn }),
        });
      });
    }
    return group;
  };

  const becomeAvailable = (
    caller: { accountId: string; region: string },
    groupId: string | undefined,
    clusterIds: string[],
  ): void => {
    later(timings.createSeconds, () => {
      const state = store.get(caller);
      const group = groupId ? state.replicationGroups.get(groupId) : undefined;
      if (group?.status === 'creating') group.status = 'available';
      for (const id of clusterIds) {
        const cluster = state.cacheClusters.get(id);
        if (cluster?.status === 'creating') cluster.status = 'available';
      }
    });
  };

  /** Seeds data from an existing snapshot (SnapshotName on create): shape must match. */
  const snapshotToRestore = (caller: Caller, name: string | undefined): SnapshotModel | undefined => {
    if (!name) return undefined;
    const snapshot = store.get(caller).snapshots.get(name);
    if (!snapshot) throw new AwsError('SnapshotNotFoundFault', `Snapshot ${name} not found.`, 404);
    if (snapshot.status !== 'available') {
      throw new AwsError('InvalidSnapshotState', `Snapshot ${name} is not in the available state.`, 400);
    }
    return snapshot;
  };

  // ---------------------------------------------------------------------------------------------- snapshots

  const snapshotOf = (
    caller: { accountId: string; region: string },
    name: string,
    source: 'manual' | 'automated',
    owner: { group?: ReplicationGroupModel; cluster?: CacheClusterModel },
    status: SnapshotStatus,
    takenAt?: Date,
  ): SnapshotModel => {
    const state = store.get(caller);
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
    const snapshotCreateTime = status === 'available' ? (takenAt ?? clock.now()) : undefined;
    return {
      seq: ++seq,
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
        cacheNodeCreateTime: state.cacheClusters.get(node.clusterId)?.createdAt ?? base.createdAt,
        ...(node.nodeGroupId && { nodeGroupId: node.nodeGroupId }),
        ...(node.slots && { slots: node.slots }),
        ...(node.replicaCount !== undefined && { replicaCount: node.replicaCount }),
        ...(snapshotCreateTime && { snapshotCreateTime }),
      })),
      arn: arnOf(caller, 'snapshot', name),
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

  const finishSnapshot = (caller: { accountId: string; region: string }, name: string): void => {
    later(timings.snapshotSeconds, () => {
      const snapshot = store.get(caller).snapshots.get(name);
      if (snapshot?.status !== 'creating') return;
      snapshot.status = 'available';
      const takenAt = clock.now();
      for (const node of snapshot.nodeSnapshots) node.snapshotCreateTime = takenAt;
    });
  };

  const findSnapshot = (caller: Caller, name: string): SnapshotModel => {
    const snapshot = store.get(caller).snapshots.get(name);
    // Assumed wording.
    if (!snapshot) throw new AwsError('SnapshotNotFoundFault', `Snapshot ${name} not found.`, 404);
    return snapshot;
  };

  const findGroup = (caller: Caller, id: string): ReplicationGroupModel => {
    const group = store.get(caller).replicationGroups.get(id.toLowerCase());
    // Assumed wording.
    if (!group) throw new AwsError('ReplicationGroupNotFoundFault', `ReplicationGroup ${id} not found.`, 404);
    return group;
  };

  const findCluster = (caller: Caller, id: string): CacheClusterModel => {
    const cluster = store.get(caller).cacheClusters.get(id.toLowerCase());
    if (!cluster) throw new AwsError('CacheClusterNotFound', `CacheCluster not found: ${id}`, 404);
    return cluster;
  };

  // ---------------------------------------------------------------------------------------------- export

  const exportKeys = (target: string, shards: number): string[] =>
    Array.from({ length: Math.max(1, shards) }, (_, index) => `${target.toLowerCase()}-${pad(index + 1, 4)}.rdb`);

  /** ElastiCache's checks of the target bucket, in the order it makes them, with its messages. */
  const checkExportBucket = (caller: Caller, bucketName: string, keys: string[]): BucketRecord => {
    const bucket = s3Store.getBucket(bucketName);
    if (!bucket) throw invalidValue(`The S3 bucket ${bucketName} does not exist.`);
    if (bucket.ownerAccountId !== caller.accountId) {
      throw invalidValue(`The S3 bucket ${bucketName} is not owned by the authenticated user.`);
    }
    if (bucket.region !== caller.region) throw invalidValue(`The S3 bucket ${bucketName} is outside of the region.`);
    const canonicalId = elastiCacheCanonicalIdFor(caller.region);
    const principal = elastiCacheServicePrincipalFor(caller.region);
    const bucketArn = `arn:${partitionFor(caller.region)}:s3:::${bucketName}`;
    const required: Array<[Permission, string, string]> = [
      ['READ', 's3:ListBucket', bucketArn],
      ['WRITE', 's3:PutObject', `${bucketArn}/${keys[0] ?? ''}`],
      ['READ_ACP', 's3:GetBucketAcl', bucketArn],
    ];
    for (const [permission, action, resource] of required) {
      const granted =
        aclGrants(bucket, canonicalId, permission) || policyAllows(bucket.policy, principal, action, resource);
      if (!granted) {
        throw invalidValue(
          `ElastiCache has not been granted ${permission} permissions ${bucketName} on the S3 Bucket.`,
        );
      }
    }
    for (const key of keys) {
      if (s3Store.headObject(bucketName, key)) {
        throw invalidValue(`The S3 bucket ${bucketName} already contains an object with key ${key}.`);
      }
    }
    return bucket;
  };

  const startExport = (source: SnapshotModel, bucketName: string, target: string): void => {
    const keys = exportKeys(target, source.numNodeGroups);
    const outcome = takeExportFault();
    source.status = 'copying';
    later(timings.exportSeconds, () => {
      if (source.status !== 'copying') return;
      if (outcome === 'failed') {
        source.status = 'failed';
        return;
      }
      // A bucket deleted meanwhile gets nothing, and the source still returns to available, as in AWS.
      if (outcome !== 'no-objects' && s3Store.getBucket(bucketName)) {
        keys.forEach((key, shard) => {
          const body = buildRdb({
            engineVersion: source.engineVersion,
            createdAt: source.nodeSnapshots[shard]?.snapshotCreateTime ?? clock.now(),
            entries: shardEntries(source.name, shard + 1),
          });
          s3Store.putObject(bucketName, key, body, { contentType: 'application/octet-stream' });
        });
      }
      source.status = 'available';
    });
  };

  // ---------------------------------------------------------------------------------------------- actions

  type Action = (params: QueryParams, request: AwsRequest) => AwsResponse;
  const respond = (action: string, request: AwsRequest, result?: Record<string, XmlValue>): AwsResponse =>
    queryResponse(action, XMLNS, request.requestId, result);

  const actions: Record<string, Action> = {
    CreateReplicationGroup: (params, request) => {
      const { caller } = request;
      const state = store.get(caller);
      const id = checkId(required(params, 'ReplicationGroupId'), 'ReplicationGroupId', 40);
      const description = required(params, 'ReplicationGroupDescription');
      if (state.replicationGroups.has(id)) {
        throw new AwsError('ReplicationGroupAlreadyExists', `Replication group ${id} already exists.`, 400);
      }
      const restore = snapshotToRestore(caller, params.get('SnapshotName'));
      const engine = (params.get('Engine') ?? restore?.engine ?? 'redis').toLowerCase();
      if (engine !== 'redis' && engine !== 'valkey') {
        throw invalidValue(`Invalid engine ${engine} for replication groups: use redis or valkey.`);
      }
      const numNodeGroups = params.int('NumNodeGroups') ?? restore?.numNodeGroups ?? 1;
      if (!Number.isInteger(numNodeGroups) || numNodeGroups < 1 || numNodeGroups > 500) {
        throw invalidValue('NumNodeGroups must be between 1 and 500.');
      }
      if (restore && restore.numNodeGroups !== numNodeGroups) {
        throw invalidCombination('The number of node groups must match the number of node groups in the snapshot.');
      }
      const numCacheClusters = params.int('NumCacheClusters');
      const replicas =
        params.int('ReplicasPerNodeGroup') ?? (numCacheClusters !== undefined ? numCacheClusters - 1 : 0);
      if (!Number.isInteger(replicas) || replicas < 0 || replicas > 5) {
        throw invalidValue('ReplicasPerNodeGroup must be between 0 and 5.');
      }
      const clusterMode = params.get('ClusterMode')?.toLowerCase();
      const clusterEnabled =
        clusterMode === 'enabled' ||
        numNodeGroups > 1 ||
        (params.get('CacheParameterGroupName') ?? '').includes('cluster.on');
      const dataTiering = params.bool('DataTieringEnabled') === true;
      const cacheNodeType = params.get('CacheNodeType') ?? restore?.cacheNodeType ?? 'cache.t3.micro';
      if (dataTiering && !cacheNodeType.includes('r6gd')) {
        throw invalidCombination('Data tiering is only supported on cache.r6gd node types.');
      }
      const group = addReplicationGroup(caller, {
        id,
        description,
        engine,
        engineVersion: checkEngineVersion(engine, params.get('EngineVersion') ?? restore?.engineVersion),
        cacheNodeType,
        numNodeGroups,
        replicasPerNodeGroup: replicas,
        clusterEnabled,
        topicArn: params.get('NotificationTopicArn'),
        dataTiering,
        port: params.int('Port'),
        snapshotRetentionLimit: params.int('SnapshotRetentionLimit'),
        snapshotWindow: params.get('SnapshotWindow'),
        status: 'creating',
      });
      becomeAvailable(
        caller,
        group.id,
        group.nodeGroups.flatMap((nodeGroup) => nodeGroup.memberClusterIds),
      );
      return respond('CreateReplicationGroup', request, {
        ReplicationGroup: replicationGroupXml(group, caller.region, state.cacheClusters),
      });
    },

    CreateCacheCluster: (params, request) => {
      const { caller } = request;
      const state = store.get(caller);
      const id = checkId(required(params, 'CacheClusterId'), 'CacheClusterId', 50);
      if (params.get('ReplicationGroupId')) {
        throw invalidCombination('Adding a cache cluster to a replication group is not emulated locally.');
      }
      if (state.cacheClusters.has(id)) {
        throw new AwsError('CacheClusterAlreadyExists', `Cache cluster ${id} already exists.`, 400);
      }
      const restore = snapshotToRestore(caller, params.get('SnapshotName'));
      const engine = (params.get('Engine') ?? restore?.engine ?? 'redis').toLowerCase();
      if (!['redis', 'valkey', 'memcached'].includes(engine)) throw invalidValue(`Invalid engine: ${engine}`);
      const numCacheNodes = params.int('NumCacheNodes') ?? 1;
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
      const engineVersion = checkEngineVersion(engine, params.get('EngineVersion') ?? restore?.engineVersion);
      const topicArn = params.get('NotificationTopicArn');
      const cluster: CacheClusterModel = {
        seq: ++seq,
        id,
        status: 'creating',
        engine,
        engineVersion,
        cacheNodeType: params.get('CacheNodeType') ?? restore?.cacheNodeType ?? 'cache.t3.micro',
        numCacheNodes,
        dataTiering: false,
        createdAt: clock.now(),
        availabilityZone: params.get('PreferredAvailabilityZone') ?? `${caller.region}a`,
        port: params.int('Port') ?? (engine === 'memcached' ? 11211 : 6379),
        snapshotRetentionLimit: params.int('SnapshotRetentionLimit') ?? 0,
        snapshotWindow: params.get('SnapshotWindow') ?? '03:00-04:00',
        parameterGroup: `default.${engine}${engineVersion
          .split('.')
          .slice(0, engine === 'memcached' ? 2 : 1)
          .join('.')}`,
        arn: arnOf(caller, 'cluster', id),
        ...(topicArn && { topicArn }),
      };
      state.cacheClusters.set(id, cluster);
      becomeAvailable(caller, undefined, [id]);
      return respond('CreateCacheCluster', request, { CacheCluster: cacheClusterXml(cluster, caller.region, false) });
    },

    DescribeReplicationGroups: (params, request) => {
      const { caller } = request;
      const state = store.get(caller);
      const id = params.get('ReplicationGroupId');
      const groups = id ? [findGroup(caller, id)] : [...state.replicationGroups.values()];
      const { page, marker } = paginate(groups, params, { min: 20, max: 100, default: 100 });
      return respond('DescribeReplicationGroups', request, {
        Marker: marker,
        ReplicationGroups: xmlList(
          'ReplicationGroup',
          page.map((group) => replicationGroupXml(group, caller.region, state.cacheClusters)),
        ),
      });
    },

    DescribeCacheClusters: (params, request) => {
      const { caller } = request;
      const id = params.get('CacheClusterId');
      const clusters = id ? [findCluster(caller, id)] : [...store.get(caller).cacheClusters.values()];
      const showNodes = params.bool('ShowCacheNodeInfo') === true;
      const { page, marker } = paginate(clusters, params, { min: 20, max: 100, default: 100 });
      return respond('DescribeCacheClusters', request, {
        Marker: marker,
        CacheClusters: xmlList(
          'CacheCluster',
          page.map((cluster) => cacheClusterXml(cluster, caller.region, showNodes)),
        ),
      });
    },

    CreateSnapshot: (params, request) => {
      const { caller } = request;
      const state = store.get(caller);
      const name = required(params, 'SnapshotName');
      const groupId = params.get('ReplicationGroupId');
      const clusterId = params.get('CacheClusterId');
      if (groupId && clusterId) {
        throw invalidCombination('Only one of ReplicationGroupId and CacheClusterId can be specified.');
      }
      if (!groupId && !clusterId) {
        throw invalidCombination('One of ReplicationGroupId or CacheClusterId must be specified.');
      }
      if (state.snapshots.has(name)) {
        throw new AwsError('SnapshotAlreadyExistsFault', `Snapshot ${name} already exists.`, 400);
      }
      let owner: { group?: ReplicationGroupModel; cluster?: CacheClusterModel };
      if (groupId) {
        const group = findGroup(caller, groupId);
        if (group.status !== 'available') {
          throw new AwsError(
            'InvalidReplicationGroupState',
            `Replication group ${group.id} is not in available state.`,
            400,
          );
        }
        owner = { group };
      } else {
        const cluster = findCluster(caller, clusterId ?? '');
        if (cluster.engine === 'memcached') {
          throw new AwsError(
            'SnapshotFeatureNotSupportedFault',
            'Snapshots are not supported for Memcached clusters.',
            400,
          );
        }
        const group = cluster.replicationGroupId ? state.replicationGroups.get(cluster.replicationGroupId) : undefined;
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
        throw new AwsError(
          'SnapshotFeatureNotSupportedFault',
          `Snapshots are not supported for ${nodeType} nodes.`,
          400,
        );
      }
      const snapshot = snapshotOf(caller, name, 'manual', owner, 'creating');
      const kmsKeyId = params.get('KmsKeyId');
      if (kmsKeyId) snapshot.kmsKeyId = kmsKeyId;
      state.snapshots.set(name, snapshot);
      finishSnapshot(caller, name);
      return respond('CreateSnapshot', request, { Snapshot: snapshotXml(snapshot, false) });
    },

    DescribeSnapshots: (params, request) => {
      const { caller } = request;
      const name = params.get('SnapshotName');
      const groupId = params.get('ReplicationGroupId')?.toLowerCase();
      const clusterId = params.get('CacheClusterId')?.toLowerCase();
      const source = params.get('SnapshotSource');
      if (source !== undefined && source !== 'system' && source !== 'user') {
        // Assumed wording.
        throw invalidValue(`Invalid value for SnapshotSource: ${source}. Valid values are user and system.`);
      }
      if (name !== undefined) findSnapshot(caller, name);
      const snapshots = [...store.get(caller).snapshots.values()].filter(
        (snapshot) =>
          (name === undefined || snapshot.name === name) &&
          (groupId === undefined || snapshot.replicationGroupId === groupId) &&
          (clusterId === undefined ||
            snapshot.cacheClusterId === clusterId ||
            snapshot.nodeSnapshots.some((node) => node.cacheClusterId === clusterId)) &&
          (source === undefined || snapshot.source === (source === 'system' ? 'automated' : 'manual')),
      );
      const { page, marker } = paginate(snapshots, params, { min: 20, max: 50, default: 50 });
      const showNodeGroupConfig = params.bool('ShowNodeGroupConfig') === true;
      return respond('DescribeSnapshots', request, {
        Marker: marker,
        Snapshots: xmlList(
          'Snapshot',
          page.map((snapshot) => snapshotXml(snapshot, showNodeGroupConfig)),
        ),
      });
    },

    CopySnapshot: (params, request) => {
      const { caller } = request;
      const state = store.get(caller);
      const sourceName = required(params, 'SourceSnapshotName');
      const targetName = required(params, 'TargetSnapshotName');
      const bucketName = params.get('TargetBucket');
      const source = findSnapshot(caller, sourceName);
      if (source.status !== 'available') {
        // Assumed wording.
        throw new AwsError(
          'InvalidSnapshotState',
          `Snapshot ${sourceName} is not in the available state (current state: ${source.status}).`,
          400,
        );
      }
      if (bucketName) {
        if (source.dataTiering) {
          // Assumed code and wording: ElastiCache does not export snapshots of data-tiering clusters.
          throw invalidCombination('Exporting a snapshot of a cluster with data tiering enabled is not supported.');
        }
        const keys = exportKeys(targetName, source.numNodeGroups);
        checkExportBucket(caller, bucketName, keys);
        startExport(source, bucketName, targetName);
        return respond('CopySnapshot', request, { Snapshot: snapshotXml(source, false) });
      }
      if (state.snapshots.has(targetName)) {
        throw new AwsError('SnapshotAlreadyExistsFault', `Snapshot ${targetName} already exists.`, 400);
      }
      const copy: SnapshotModel = {
        ...source,
        seq: ++seq,
        name: targetName,
        status: 'creating',
        source: 'manual',
        arn: arnOf(caller, 'snapshot', targetName),
        nodeSnapshots: source.nodeSnapshots.map((node) => ({ ...node })),
      };
      const kmsKeyId = params.get('KmsKeyId');
      if (kmsKeyId) copy.kmsKeyId = kmsKeyId;
      state.snapshots.set(targetName, copy);
      source.status = 'copying';
      later(timings.snapshotSeconds, () => {
        if (copy.status === 'creating') copy.status = 'available';
        if (source.status === 'copying') source.status = 'available';
      });
      return respond('CopySnapshot', request, { Snapshot: snapshotXml(copy, false) });
    },

    DeleteSnapshot: (params, request) => {
      const { caller } = request;
      const name = required(params, 'SnapshotName');
      const snapshot = findSnapshot(caller, name);
      if (snapshot.status !== 'available' && snapshot.status !== 'failed') {
        throw new AwsError(
          'InvalidSnapshotState',
          `Snapshot ${name} is not in the available state (current state: ${snapshot.status}).`,
          400,
        );
      }
      store.get(caller).snapshots.delete(name);
      return respond('DeleteSnapshot', request, { Snapshot: snapshotXml({ ...snapshot, status: 'deleting' }, false) });
    },
  };

  const service: EmulatedService = {
    name: 'elasticache',
    handle: async (request) => {
      const params = QueryParams.from(request.body, request.query);
      const action = params.get('Action') ?? '';
      try {
        // Own properties only: `toString` or `constructor` must not reach Object.prototype.
        const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
        if (!run) {
          throw new AwsError(
            action ? 'InvalidAction' : 'MissingAction',
            action
              ? `The action ${action} is not valid for this web service.`
              : 'The request must contain the parameter Action.',
            400,
          );
        }
        const fault = takeCallFault(action);
        if (fault) throw fault;
        return run(params, request);
      } catch (error) {
        if (error instanceof AwsError) return queryErrorResponse(error, request.requestId, XMLNS);
        throw error;
      }
    },
  };

  const scopeOf = (input: { accountId?: string | undefined; region?: string | undefined }): Caller => ({
    accountId: input.accountId ?? '000000000000',
    region: input.region ?? 'us-east-1',
    accessKeyId: input.accountId ?? 'seed',
  });

  const handle: ElastiCacheHandle = {
    seedReplicationGroup: (input) => {
      const caller = scopeOf(input);
      const numNodeGroups = input.numNodeGroups ?? 1;
      const id = input.replicationGroupId.toLowerCase();
      const existing = store.get(caller).replicationGroups.get(id);
      if (existing) throw new Error(`Replication group ${id} already exists`);
      const engine = input.engine ?? 'redis';
      addReplicationGroup(caller, {
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
    },
    seedSnapshot: (input) => {
      const caller = scopeOf(input);
      const state = store.get(caller);
      if (state.snapshots.has(input.snapshotName)) throw new Error(`Snapshot ${input.snapshotName} already exists`);
      const group = input.replicationGroupId ? findGroup(caller, input.replicationGroupId) : undefined;
      const cluster = input.cacheClusterId ? findCluster(caller, input.cacheClusterId) : undefined;
      const snapshot = snapshotOf(
        caller,
        input.snapshotName,
        input.snapshotSource ?? 'manual',
        { ...(group && { group }), ...(cluster && { cluster }) },
        'available',
        input.createdAt,
      );
      state.snapshots.set(snapshot.name, snapshot);
    },
    snapshotStatus: (name, scope = {}) => store.get(scopeOf(scope)).snapshots.get(name)?.status,
    stageFault: (fault) => {
      if (typeof fault !== 'object' || fault === null) throw new Error('A fault must be an object');
      if (fault.exportOutcome !== undefined && !['no-objects', 'failed'].includes(fault.exportOutcome)) {
        throw new Error('exportOutcome must be "no-objects" or "failed"');
      }
      if (fault.exportOutcome === undefined && !fault.action) {
        throw new Error('A fault needs an action (or "*") or an exportOutcome');
      }
      const count = fault.count ?? 1;
      if (!Number.isInteger(count) || count < 1) throw new Error('count must be a positive integer');
      faults.push({ ...fault, count });
    },
    pendingFaults: () => faults.map((fault) => ({ ...fault })),
    clearFaults: () => {
      faults.length = 0;
    },
    stopWork: () => {
      for (const cancel of work) cancel();
      work.clear();
    },
  };

  return { service, handle };
};
