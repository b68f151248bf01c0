// The serverless actions of ElastiCache's wire (wire.ts routes them): each reads its parameters, calls the model
// (serverless-caches.ts, serverless-snapshots.ts, serverless-exports.ts) and renders the answer (shapes.ts).
// DescribeServerlessCaches and DescribeServerlessCacheSnapshots page with MaxResults (at most 50, the default) and
// NextToken, as their references give.
import type { AwsRequest, AwsResponse } from '../types.js';
import { type QueryParams, type XmlValue, xmlList } from '../xml.js';
import type { ElastiCacheContext } from './context.js';
import type { ServerlessCacheModel } from './model.js';
import { paginate, required } from './params.js';
import { createServerlessCache, deleteServerlessCache, describeServerlessCaches } from './serverless-caches.js';
import { exportServerlessCacheSnapshot } from './serverless-exports.js';
import {
  createServerlessCacheSnapshot,
  deleteServerlessCacheSnapshot,
  describeServerlessCacheSnapshots,
} from './serverless-snapshots.js';
import { serverlessCacheXml, serverlessSnapshotXml } from './shapes.js';

type Respond = (action: string, request: AwsRequest, result?: Record<string, XmlValue>) => AwsResponse;
type Action = (params: QueryParams, request: AwsRequest) => AwsResponse;

const PAGE = { min: 1, max: 50, default: 50 };
const TOKENS = { size: 'MaxResults', marker: 'NextToken' };

const number = (params: QueryParams, name: string): number | undefined => {
  const value = params.int(name);
  return value === undefined || Number.isNaN(value) ? undefined : value;
};

/** CacheUsageLimits.DataStorage.{Maximum,Minimum,Unit} and CacheUsageLimits.ECPUPerSecond.{Maximum,Minimum}. */
const usageLimits = (params: QueryParams): ServerlessCacheModel['usageLimits'] => {
  const storage = 'CacheUsageLimits.DataStorage.';
  const ecpu = 'CacheUsageLimits.ECPUPerSecond.';
  const unit = params.get(`${storage}Unit`);
  const dataStorage = unit
    ? {
        unit,
        ...(number(params, `${storage}Maximum`) !== undefined && { maximum: number(params, `${storage}Maximum`) }),
        ...(number(params, `${storage}Minimum`) !== undefined && { minimum: number(params, `${storage}Minimum`) }),
      }
    : undefined;
  const ecpuMaximum = number(params, `${ecpu}Maximum`);
  const ecpuMinimum = number(params, `${ecpu}Minimum`);
  const ecpuPerSecond =
    ecpuMaximum !== undefined || ecpuMinimum !== undefined
      ? {
          ...(ecpuMaximum !== undefined && { maximum: ecpuMaximum }),
          ...(ecpuMinimum !== undefined && { minimum: ecpuMinimum }),
        }
      : undefined;
  if (!dataStorage && !ecpuPerSecond) return undefined;
  return { ...(dataStorage && { dataStorage }), ...(ecpuPerSecond && { ecpuPerSecond }) };
};

export const serverlessActions = (context: ElastiCacheContext, respond: Respond): Record<string, Action> => ({
  CreateServerlessCache: (params, request) => {
    const cache = createServerlessCache(context, request.caller, {
      name: required(params, 'ServerlessCacheName'),
      engine: required(params, 'Engine'),
      description: params.get('Description'),
      majorEngineVersion: params.get('MajorEngineVersion'),
      kmsKeyId: params.get('KmsKeyId'),
      securityGroupIds: params.strings('SecurityGroupIds'),
      subnetIds: params.strings('SubnetIds'),
      snapshotArnsToRestore: params.strings('SnapshotArnsToRestore'),
      userGroupId: params.get('UserGroupId'),
      snapshotRetentionLimit: params.int('SnapshotRetentionLimit'),
      dailySnapshotTime: params.get('DailySnapshotTime'),
      usageLimits: usageLimits(params),
    });
    return respond('CreateServerlessCache', request, {
      ServerlessCache: serverlessCacheXml(cache, request.caller.region),
    });
  },

  DescribeServerlessCaches: (params, request) => {
    const caches = describeServerlessCaches(context, request.caller, params.get('ServerlessCacheName'));
    const { page, marker } = paginate(caches, params, PAGE, TOKENS);
    return respond('DescribeServerlessCaches', request, {
      NextToken: marker,
      ServerlessCaches: xmlList(
        'member',
        page.map((cache) => serverlessCacheXml(cache, request.caller.region)),
      ),
    });
  },

  DeleteServerlessCache: (params, request) => {
    const cache = deleteServerlessCache(context, request.caller, {
      name: required(params, 'ServerlessCacheName'),
      finalSnapshotName: params.get('FinalSnapshotName'),
    });
    return respond('DeleteServerlessCache', request, {
      ServerlessCache: serverlessCacheXml(cache, request.caller.region),
    });
  },

  CreateServerlessCacheSnapshot: (params, request) => {
    const snapshot = createServerlessCacheSnapshot(context, request.caller, {
      serverlessCacheName: required(params, 'ServerlessCacheName'),
      snapshotName: required(params, 'ServerlessCacheSnapshotName'),
      kmsKeyId: params.get('KmsKeyId'),
      tags: params.list('Tags').map((tag) => ({ key: tag.get('Key'), value: tag.get('Value') })),
    });
    return respond('CreateServerlessCacheSnapshot', request, {
      ServerlessCacheSnapshot: serverlessSnapshotXml(snapshot),
    });
  },

  DescribeServerlessCacheSnapshots: (params, request) => {
    const snapshots = describeServerlessCacheSnapshots(context, request.caller, {
      serverlessCacheName: params.get('ServerlessCacheName'),
      snapshotName: params.get('ServerlessCacheSnapshotName'),
      snapshotType: params.get('SnapshotType'),
    });
    const { page, marker } = paginate(snapshots, params, PAGE, TOKENS);
    return respond('DescribeServerlessCacheSnapshots', request, {
      NextToken: marker,
      ServerlessCacheSnapshots: xmlList('ServerlessCacheSnapshot', page.map(serverlessSnapshotXml)),
    });
  },

  ExportServerlessCacheSnapshot: (params, request) => {
    const snapshot = exportServerlessCacheSnapshot(context, request.caller, {
      snapshotName: required(params, 'ServerlessCacheSnapshotName'),
      bucket: required(params, 'S3BucketName'),
    });
    return respond('ExportServerlessCacheSnapshot', request, {
      ServerlessCacheSnapshot: serverlessSnapshotXml(snapshot),
    });
  },

  DeleteServerlessCacheSnapshot: (params, request) => {
    const snapshot = deleteServerlessCacheSnapshot(
      context,
      request.caller,
      required(params, 'ServerlessCacheSnapshotName'),
    );
    return respond('DeleteServerlessCacheSnapshot', request, {
      ServerlessCacheSnapshot: serverlessSnapshotXml(snapshot),
    });
  },
});
