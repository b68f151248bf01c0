// ElastiCache's wire: the query protocol (Action=…&Version=2015-02-02, form-encoded) in, XML out. Each action reads
// its parameters, calls the model (replication-groups.ts, backups.ts, snapshots.ts; the serverless actions are in
// serverless-wire.ts) and renders the answer (shapes.ts); errors become ErrorResponse documents with the modeled HTTP status. The API rate limit (rate-limit.ts) and staged call faults are applied here, before the action.
import { AwsError, queryErrorResponse } from '../errors.js';
import type { AwsRequest, AwsResponse, EmulatedService } from '../types.js';
import { QueryParams, queryResponse, type XmlValue, xmlList } from '../xml.js';
import { createSnapshot } from './backups.js';
import type { ElastiCacheContext } from './context.js';
import { checkId, invalidValue, paginate, required } from './params.js';
import {
  createCacheCluster,
  createReplicationGroup,
  deleteCacheCluster,
  deleteReplicationGroup,
  findCluster,
  findGroup,
} from './replication-groups.js';
import { serverlessActions } from './serverless-wire.js';
import { cacheClusterXml, replicationGroupXml, snapshotXml } from './shapes.js';
import { copySnapshot, deleteSnapshot, describeSnapshots } from './snapshots.js';

const XMLNS = 'http://elasticache.amazonaws.com/doc/2015-02-02/';

type Action = (params: QueryParams, request: AwsRequest) => AwsResponse;

const respond = (action: string, request: AwsRequest, result?: Record<string, XmlValue>): AwsResponse =>
  queryResponse(action, XMLNS, request.requestId, result);

const actionsFor = (context: ElastiCacheContext): Record<string, Action> => {
  const regionOf = (request: AwsRequest) => context.state.region(request.caller);

  return {
    CreateReplicationGroup: (params, request) => {
      const id = checkId(required(params, 'ReplicationGroupId'), 'ReplicationGroupId', 40);
      const group = createReplicationGroup(context, request.caller, {
        id,
        description: required(params, 'ReplicationGroupDescription'),
        snapshotName: params.get('SnapshotName'),
        snapshotArns: params.strings('SnapshotArns'),
        engine: params.get('Engine'),
        engineVersion: params.get('EngineVersion'),
        numNodeGroups: params.int('NumNodeGroups'),
        numCacheClusters: params.int('NumCacheClusters'),
        replicasPerNodeGroup: params.int('ReplicasPerNodeGroup'),
        clusterMode: params.get('ClusterMode'),
        cacheParameterGroupName: params.get('CacheParameterGroupName'),
        dataTiering: params.bool('DataTieringEnabled') === true,
        cacheNodeType: params.get('CacheNodeType'),
        topicArn: params.get('NotificationTopicArn'),
        port: params.int('Port'),
        snapshotRetentionLimit: params.int('SnapshotRetentionLimit'),
        snapshotWindow: params.get('SnapshotWindow'),
      });
      return respond('CreateReplicationGroup', request, {
        ReplicationGroup: replicationGroupXml(group, request.caller.region, regionOf(request).cacheClusters),
      });
    },

    CreateCacheCluster: (params, request) => {
      const id = checkId(required(params, 'CacheClusterId'), 'CacheClusterId', 50);
      const cluster = createCacheCluster(context, request.caller, {
        id,
        replicationGroupId: params.get('ReplicationGroupId'),
        snapshotName: params.get('SnapshotName'),
        snapshotArns: params.strings('SnapshotArns'),
        engine: params.get('Engine'),
        engineVersion: params.get('EngineVersion'),
        numCacheNodes: params.int('NumCacheNodes'),
        cacheNodeType: params.get('CacheNodeType'),
        topicArn: params.get('NotificationTopicArn'),
        preferredAvailabilityZone: params.get('PreferredAvailabilityZone'),
        port: params.int('Port'),
        snapshotRetentionLimit: params.int('SnapshotRetentionLimit'),
        snapshotWindow: params.get('SnapshotWindow'),
      });
      return respond('CreateCacheCluster', request, {
        CacheCluster: cacheClusterXml(cluster, request.caller.region, false),
      });
    },

    DescribeReplicationGroups: (params, request) => {
      const region = regionOf(request);
      const id = params.get('ReplicationGroupId');
      const groups = id ? [findGroup(region, id)] : [...region.replicationGroups.values()];
      const { page, marker } = paginate(groups, params, { min: 20, max: 100, default: 100 });
      return respond('DescribeReplicationGroups', request, {
        Marker: marker,
        ReplicationGroups: xmlList(
          'ReplicationGroup',
          page.map((group) => replicationGroupXml(group, request.caller.region, region.cacheClusters)),
        ),
      });
    },

    DescribeCacheClusters: (params, request) => {
      const region = regionOf(request);
      const id = params.get('CacheClusterId');
      const clusters = id ? [findCluster(region, id)] : [...region.cacheClusters.values()];
      const showNodes = params.bool('ShowCacheNodeInfo') === true;
      const { page, marker } = paginate(clusters, params, { min: 20, max: 100, default: 100 });
      return respond('DescribeCacheClusters', request, {
        Marker: marker,
        CacheClusters: xmlList(
          'CacheCluster',
          page.map((cluster) => cacheClusterXml(cluster, request.caller.region, showNodes)),
        ),
      });
    },

    DeleteReplicationGroup: (params, request) => {
      const group = deleteReplicationGroup(context, request.caller, {
        id: required(params, 'ReplicationGroupId'),
        retainPrimaryCluster: params.bool('RetainPrimaryCluster') === true,
        finalSnapshotIdentifier: params.get('FinalSnapshotIdentifier'),
      });
      return respond('DeleteReplicationGroup', request, {
        ReplicationGroup: replicationGroupXml(group, request.caller.region, regionOf(request).cacheClusters),
      });
    },

    DeleteCacheCluster: (params, request) => {
      const cluster = deleteCacheCluster(context, request.caller, {
        id: required(params, 'CacheClusterId'),
        finalSnapshotIdentifier: params.get('FinalSnapshotIdentifier'),
      });
      return respond('DeleteCacheCluster', request, {
        CacheCluster: cacheClusterXml(cluster, request.caller.region, false),
      });
    },

    CreateSnapshot: (params, request) => {
      const snapshot = createSnapshot(context, request.caller, {
        name: required(params, 'SnapshotName'),
        replicationGroupId: params.get('ReplicationGroupId'),
        cacheClusterId: params.get('CacheClusterId'),
        kmsKeyId: params.get('KmsKeyId'),
        tags: params.list('Tags').map((tag) => ({ key: tag.get('Key'), value: tag.get('Value') })),
      });
      return respond('CreateSnapshot', request, { Snapshot: snapshotXml(snapshot, false) });
    },

    DescribeSnapshots: (params, request) => {
      const source = params.get('SnapshotSource');
      if (source !== undefined && source !== 'system' && source !== 'user') {
        // Assumed wording.
        throw invalidValue(`Invalid value for SnapshotSource: ${source}. Valid values are user and system.`);
      }
      const snapshots = describeSnapshots(context, request.caller, {
        name: params.get('SnapshotName'),
        replicationGroupId: params.get('ReplicationGroupId'),
        cacheClusterId: params.get('CacheClusterId'),
        source,
      });
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
      const snapshot = copySnapshot(context, request.caller, {
        sourceName: required(params, 'SourceSnapshotName'),
        targetName: required(params, 'TargetSnapshotName'),
        bucket: params.get('TargetBucket'),
        kmsKeyId: params.get('KmsKeyId'),
      });
      return respond('CopySnapshot', request, { Snapshot: snapshotXml(snapshot, false) });
    },

    DeleteSnapshot: (params, request) => {
      const snapshot = deleteSnapshot(context, request.caller, required(params, 'SnapshotName'));
      return respond('DeleteSnapshot', request, { Snapshot: snapshotXml(snapshot, false) });
    },

    ...serverlessActions(context, respond),
  };
};

export const createElastiCacheWire = (context: ElastiCacheContext): EmulatedService => {
  const actions = actionsFor(context);
  return {
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
        // The API rate limit first (rate-limit.ts): a throttled call reaches neither a staged fault nor the action.
        context.rateLimit.take(request.caller, action);
        const fault = context.faults.takeCallFault(action);
        if (fault) throw fault;
        // A staged delay (a slow ElastiCache): the call is answered as usual, later.
        const delay = context.faults.takeCallDelay(action);
        if (delay !== undefined) await context.clock.sleep(delay);
        return run(params, request);
      } catch (error) {
        if (error instanceof AwsError) return queryErrorResponse(error, request.requestId, XMLNS);
        throw error;
      }
    },
  };
};
