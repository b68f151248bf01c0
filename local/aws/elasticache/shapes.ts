// The XML shapes ElastiCache answers with (ReplicationGroup, CacheCluster, Snapshot, ServerlessCache,
// ServerlessCacheSnapshot, as in the 2015-02-02 API reference), rendered from the model. Endpoints are made-up host names in the Region; timestamps are stored as ISO
// strings and rendered as dates. No rules here: what a shape shows follows only from the model it is given.
import { type XmlValue, xmlList } from '../xml.js';
import type {
  CacheClusterModel,
  ReplicationGroupModel,
  ServerlessCacheModel,
  ServerlessSnapshotModel,
  SnapshotModel,
} from './model.js';
import { pad } from './params.js';

const endpoint = (address: string, port: number): XmlValue => ({ Address: address, Port: port });

export const replicationGroupXml = (
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
    ReplicationGroupCreateTime: new Date(group.createdAt),
    DataTiering: group.dataTiering ? 'enabled' : 'disabled',
    AutoMinorVersionUpgrade: true,
    NetworkType: 'ipv4',
    IpDiscovery: 'ipv4',
    ClusterMode: group.clusterEnabled ? 'enabled' : 'disabled',
    Engine: group.engine,
  };
};

export const cacheClusterXml = (cluster: CacheClusterModel, region: string, showNodes: boolean): XmlValue => {
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
    CacheClusterCreateTime: new Date(cluster.createdAt),
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
            CacheNodeCreateTime: new Date(cluster.createdAt),
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

export const snapshotXml = (snapshot: SnapshotModel, showNodeGroupConfig: boolean): XmlValue => ({
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
  CacheClusterCreateTime: new Date(snapshot.clusterCreateTime),
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
      CacheNodeCreateTime: new Date(node.cacheNodeCreateTime),
      SnapshotCreateTime: node.snapshotCreateTime === undefined ? undefined : new Date(node.snapshotCreateTime),
    })),
  ),
  KmsKeyId: snapshot.kmsKeyId,
  ARN: snapshot.arn,
  DataTiering: snapshot.dataTiering ? 'enabled' : 'disabled',
});

/**
 * A ServerlessCache. Endpoints once `available`: the writer on 6379 and the reader on 6380 (11211 and 11212 for
 * Memcached), as serverless caches serve them.
 */
export const serverlessCacheXml = (cache: ServerlessCacheModel, region: string): XmlValue => {
  const available = cache.status === 'available';
  const host = `${cache.name}-abc123.serverless.${region}.cache.amazonaws.com`;
  const port = cache.engine === 'memcached' ? 11211 : 6379;
  const limits = cache.usageLimits;
  return {
    ServerlessCacheName: cache.name,
    Description: cache.description,
    CreateTime: new Date(cache.createdAt),
    Status: cache.status,
    Engine: cache.engine,
    MajorEngineVersion: cache.majorEngineVersion,
    FullEngineVersion: cache.fullEngineVersion,
    CacheUsageLimits: limits && {
      DataStorage: limits.dataStorage && {
        Maximum: limits.dataStorage.maximum,
        Minimum: limits.dataStorage.minimum,
        Unit: limits.dataStorage.unit,
      },
      ECPUPerSecond: limits.ecpuPerSecond && {
        Maximum: limits.ecpuPerSecond.maximum,
        Minimum: limits.ecpuPerSecond.minimum,
      },
    },
    KmsKeyId: cache.kmsKeyId,
    SecurityGroupIds: xmlList('SecurityGroupId', cache.securityGroupIds),
    Endpoint: available ? endpoint(host, port) : undefined,
    ReaderEndpoint: available ? endpoint(host, port + 1) : undefined,
    ARN: cache.arn,
    UserGroupId: cache.userGroupId,
    SubnetIds: xmlList('SubnetId', cache.subnetIds),
    SnapshotRetentionLimit: cache.snapshotRetentionLimit,
    DailySnapshotTime: cache.dailySnapshotTime,
    NetworkType: 'ipv4',
  };
};

export const serverlessSnapshotXml = (snapshot: ServerlessSnapshotModel): XmlValue => ({
  ServerlessCacheSnapshotName: snapshot.name,
  ARN: snapshot.arn,
  KmsKeyId: snapshot.kmsKeyId,
  SnapshotType: snapshot.snapshotType,
  Status: snapshot.status,
  CreateTime: new Date(snapshot.createdAt),
  ExpiryTime: snapshot.expiresAt === undefined ? undefined : new Date(snapshot.expiresAt),
  BytesUsedForCache: String(snapshot.bytesUsed),
  ServerlessCacheConfiguration: {
    ServerlessCacheName: snapshot.serverlessCacheName,
    Engine: snapshot.engine,
    MajorEngineVersion: snapshot.majorEngineVersion,
  },
});
