import {
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  ElastiCacheServiceException,
  type Snapshot,
  SnapshotNotFoundFault,
} from '@aws-sdk/client-elasticache';
import {
  type BucketLocationConstraint,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  type Grant,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  NoSuchBucket,
  NotFound,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { ELASTICACHE_CANONICAL_USER_ID } from '../../../handlers/lib/bucket-access';
import type { ExecutionContext, ExportState } from '../../../handlers/lib/contracts';
import { catalogueEntryFor } from '../../../handlers/lib/error-catalogue';
import {
  AwsThrottledError,
  ConfigError,
  decodeFailureCause,
  ExportRejectedError,
  InvalidRequestError,
  TargetBucketNotAllowedError,
} from '../../../handlers/lib/errors';
import {
  DEFAULT_DEADLINE_MINUTES,
  handler,
  loadValidateConfig,
  type ValidateConfig,
  type ValidateDeps,
  validateExport,
} from '../../../handlers/validate-export';

const elastiCacheMock = mockClient(ElastiCacheClient);
const s3Mock = mockClient(S3Client);

const BUCKET = 'exports-bucket';
const OWNER_ID = 'aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999';
const DEFAULT_TOPIC_ARN = 'arn:aws:sns:us-east-1:123456789012:elasticache-export-outcomes-test';
const STARTED_AT = '2026-11-25T03:00:00.000Z';

const nodeSnapshot = (nodeGroupId: string, takenAt: string) => ({
  CacheClusterId: `orders-${nodeGroupId}-001`,
  NodeGroupId: nodeGroupId,
  CacheNodeId: '0001',
  SnapshotCreateTime: new Date(takenAt),
});

const snapshot = (overrides: Partial<Snapshot> = {}): Snapshot => ({
  SnapshotName: 'nightly',
  SnapshotStatus: 'available',
  SnapshotSource: 'manual',
  Engine: 'redis',
  EngineVersion: '7.1',
  ReplicationGroupId: 'orders',
  NumNodeGroups: 2,
  NodeSnapshots: [nodeSnapshot('0001', '2026-11-25T02:00:00Z'), nodeSnapshot('0002', '2026-11-25T02:00:00Z')],
  ...overrides,
});

const context = (input: unknown = {}, overrides: Partial<ExecutionContext> = {}): ExecutionContext => ({
  exportId: 'nightly-export-exports-bucket-0123456789ab',
  startedAt: STARTED_AT,
  input: {
    sourceSnapshotName: 'nightly',
    targetSnapshotName: 'Nightly-Export',
    targetBucket: BUCKET,
    ...(input as object),
  },
  ...overrides,
});

const config = (overrides: Partial<ValidateConfig> = {}): ValidateConfig => ({
  allowedBuckets: [BUCKET, 'other-allowed-bucket'],
  defaultTargetBucket: BUCKET,
  defaultTopicArn: DEFAULT_TOPIC_ARN,
  region: 'us-east-1',
  deadlineMinutes: 720,
  ...overrides,
});

// maxAttempts 1: the SDK's own retries would only slow the error tests down.
const deps = (overrides: Partial<ValidateConfig> = {}, now = new Date('2026-11-25T09:41:00Z')): ValidateDeps => ({
  elastiCache: new ElastiCacheClient({ maxAttempts: 1 }),
  s3: new S3Client({ maxAttempts: 1 }),
  config: config(overrides),
  now: () => now,
});

const elastiCacheGrant = (permission: Grant['Permission']): Grant => ({
  Grantee: { Type: 'CanonicalUser', ID: ELASTICACHE_CANONICAL_USER_ID },
  Permission: permission,
});
const ownerGrant: Grant = { Grantee: { Type: 'CanonicalUser', ID: OWNER_ID }, Permission: 'FULL_CONTROL' };

const s3Error = (name: string, httpStatusCode: number): S3ServiceException =>
  new S3ServiceException({ name, $fault: 'client', message: name, $metadata: { httpStatusCode } });

const servicePolicy = (region = 'us-east-1'): string =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: `${region}.elasticache-snapshot.amazonaws.com` },
        Action: [
          's3:PutObject',
          's3:GetObject',
          's3:ListBucket',
          's3:GetBucketAcl',
          's3:ListMultipartUploadParts',
          's3:ListBucketMultipartUploads',
        ],
        Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
      },
    ],
  });

const givenSnapshots = (...snapshots: Snapshot[]): void => {
  elastiCacheMock.on(DescribeSnapshotsCommand).resolves({ Snapshots: snapshots });
};

/** An owned bucket in us-east-1, ACLs on, ElastiCache granted READ, WRITE and READ_ACP, no policy, no objects. */
const givenUsableBucket = (): void => {
  s3Mock.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'some-other-bucket' }, { Name: BUCKET }] });
  s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: '' as BucketLocationConstraint });
  s3Mock
    .on(GetBucketOwnershipControlsCommand)
    .resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } });
  s3Mock.on(GetBucketAclCommand).resolves({
    Owner: { ID: OWNER_ID },
    Grants: [ownerGrant, elastiCacheGrant('READ'), elastiCacheGrant('WRITE'), elastiCacheGrant('READ_ACP')],
  });
  s3Mock.on(GetBucketPolicyCommand).rejects(s3Error('NoSuchBucketPolicy', 404));
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: [], KeyCount: 0 });
};

/** The rejection of a call that must fail, as the error catalogue will see it after the state machine. */
const rejectionOf = async (promise: Promise<unknown>): Promise<ExportRejectedError> => {
  const error: unknown = await promise.then(
    () => new Error('expected the validation to fail'),
    (reason: unknown) => reason,
  );
  if (!(error instanceof ExportRejectedError)) throw error;
  return error;
};

const catalogueCodeOf = (error: Error): string => catalogueEntryFor(decodeFailureCause(error.name, error.message)).code;

const fullMessageOf = (error: Error): string => decodeFailureCause(error.name, error.message).message;
/** The first line of the message: ElastiCache's own words, which the catalogue matches; details follow it. */
const messageOf = (error: Error): string => fullMessageOf(error).split('\n')[0] ?? '';

beforeEach(() => {
  elastiCacheMock.reset();
  s3Mock.reset();
});

describe('a valid export', () => {
  it('returns the export state with the snapshot, the default topic, the deadline and the first wait', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();

    // Act
    const state = await validateExport(context(), deps());

    // Assert
    const expected: ExportState = {
      exportId: 'nightly-export-exports-bucket-0123456789ab',
      startedAt: STARTED_AT,
      input: { sourceSnapshotName: 'nightly', targetSnapshotName: 'Nightly-Export', targetBucket: BUCKET },
      request: { sourceSnapshotName: 'nightly', targetSnapshotName: 'Nightly-Export', targetBucket: BUCKET },
      sourceSnapshotName: 'nightly',
      targetSnapshotName: 'Nightly-Export',
      targetBucket: BUCKET,
      snapshot: {
        snapshotName: 'nightly',
        engine: 'redis',
        engineVersion: '7.1',
        replicationGroupId: 'orders',
        numNodeGroups: 2,
      },
      topicArn: DEFAULT_TOPIC_ARN,
      deadline: '2026-11-25T15:00:00.000Z',
      poll: { attempt: 0, elapsedSeconds: 0, waitSeconds: 30, status: 'exporting', missingChecks: 0, failedChecks: 0 },
      objects: [],
    };
    expect(state).toEqual(expected);
  });

  it('returns plain JSON that survives a round trip unchanged', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();

    // Act
    const state = await validateExport(context(), deps());

    // Assert
    expect(JSON.parse(JSON.stringify(state))).toStrictEqual(state);
  });

  it("notifies on the snapshot's own topic when it has one", async () => {
    // Arrange
    const topicArn = 'arn:aws:sns:us-east-1:123456789012:orders-cluster-events';
    givenSnapshots(snapshot({ TopicArn: topicArn }));
    givenUsableBucket();

    // Act
    const state = await validateExport(context(), deps());

    // Assert
    expect(state.topicArn).toBe(topicArn);
    expect(state.snapshot.topicArn).toBe(topicArn);
  });

  it('counts the deadline from the execution start with the configured minutes', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();

    // Act
    const state = await validateExport(context(), deps({ deadlineMinutes: 90 }));

    // Assert
    expect(state.deadline).toBe('2026-11-25T04:30:00.000Z');
  });

  it('looks the named snapshot up by name', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();

    // Act
    await validateExport(context(), deps());

    // Assert
    expect(elastiCacheMock).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { SnapshotName: 'nightly' });
  });

  it('accepts a valkey snapshot', async () => {
    // Arrange
    givenSnapshots(snapshot({ Engine: 'valkey', EngineVersion: '8.0' }));
    givenUsableBucket();

    // Act
    const state = await validateExport(context(), deps());

    // Assert
    expect(state.snapshot).toMatchObject({ engine: 'valkey', engineVersion: '8.0' });
  });

  it('accepts a snapshot with data tiering disabled', async () => {
    // Arrange
    givenSnapshots(snapshot({ DataTiering: 'disabled' }));
    givenUsableBucket();

    // Act
    const state = await validateExport(context(), deps());

    // Assert
    expect(state.sourceSnapshotName).toBe('nightly');
  });
});

describe('the request', () => {
  it('lets InvalidRequestError propagate and calls no AWS API', async () => {
    // Arrange
    const input = { sourceSnapshotName: 'nightly', replicationGroupId: 'orders', targetBucket: BUCKET };

    // Act
    const result = validateExport(context({}, { input }), deps());

    // Assert
    await expect(result).rejects.toBeInstanceOf(InvalidRequestError);
    expect(elastiCacheMock.calls()).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('rejects a bucket that is not on the allow-list before calling AWS', async () => {
    // Arrange
    const input = { sourceSnapshotName: 'nightly', targetBucket: 'someone-elses-bucket' };

    // Act
    const result = validateExport(context({}, { input }), deps());

    // Assert
    await expect(result).rejects.toBeInstanceOf(TargetBucketNotAllowedError);
    await expect(result).rejects.toThrow('someone-elses-bucket');
    expect(elastiCacheMock.calls()).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('rejects every bucket when the allow-list is empty', async () => {
    // Arrange
    givenSnapshots(snapshot());

    // Act
    const result = validateExport(context(), deps({ allowedBuckets: [] }));

    // Assert
    await expect(result).rejects.toBeInstanceOf(TargetBucketNotAllowedError);
  });

  it('fills in a scheduled input from the default bucket and the execution start time, not the clock', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    const scheduled = context({}, { input: { replicationGroupId: 'orders' } });

    // Act
    const state = await validateExport(scheduled, deps({}, new Date('2026-11-25T03:07:00Z')));

    // Assert
    expect(state.request).toEqual({
      replicationGroupId: 'orders',
      targetSnapshotName: 'orders-20261125-0300',
      targetBucket: BUCKET,
    });
    expect(state.targetSnapshotName).toBe('orders-20261125-0300');
  });

  it('falls back to the clock when the execution start time is missing', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    const scheduled = context({}, { input: { replicationGroupId: 'orders' }, startedAt: '' });

    // Act
    const state = await validateExport(scheduled, deps({}, new Date('2026-11-25T03:07:00Z')));

    // Assert
    expect(state.targetSnapshotName).toBe('orders-20261125-0307');
    expect(state.deadline).toBe('2026-11-25T15:07:00.000Z');
  });
});

describe('the source snapshot', () => {
  it('rejects a snapshot name ElastiCache does not know with SnapshotNotFound', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeSnapshotsCommand)
      .rejects(new SnapshotNotFoundFault({ message: 'Snapshot nightly not found.', $metadata: {} }));

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(error.details.code).toBe('SnapshotNotFound');
    expect(messageOf(error)).toContain('nightly');
    expect(catalogueCodeOf(error)).toBe('SnapshotNotFound');
  });

  it('exports the newest available snapshot of a replication group', async () => {
    // Arrange
    givenSnapshots(
      snapshot({ SnapshotName: 'older', NodeSnapshots: [nodeSnapshot('0001', '2026-11-23T02:00:00Z')] }),
      snapshot({ SnapshotName: 'newest', NodeSnapshots: [nodeSnapshot('0001', '2026-11-25T02:00:00Z')] }),
      snapshot({ SnapshotName: 'middle', NodeSnapshots: [nodeSnapshot('0001', '2026-11-24T02:00:00Z')] }),
      snapshot({ SnapshotName: 'being-made', SnapshotStatus: 'creating', NodeSnapshots: [] }),
      snapshot({
        SnapshotName: 'busy',
        SnapshotStatus: 'copying',
        NodeSnapshots: [nodeSnapshot('0001', '2026-11-25T02:30:00Z')],
      }),
    );
    givenUsableBucket();

    // Act
    const state = await validateExport(
      context({}, { input: { replicationGroupId: 'orders', targetBucket: BUCKET } }),
      deps(),
    );

    // Assert
    expect(state.sourceSnapshotName).toBe('newest');
    expect(state.snapshot.snapshotName).toBe('newest');
    expect(elastiCacheMock).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { ReplicationGroupId: 'orders' });
  });

  it('exports the newest available snapshot of a cache cluster', async () => {
    // Arrange
    givenSnapshots(
      snapshot({
        SnapshotName: 'monday',
        CacheClusterId: 'single',
        ReplicationGroupId: undefined,
        NumNodeGroups: 1,
        NodeSnapshots: [nodeSnapshot('0001', '2026-11-23T02:00:00Z')],
      }),
      snapshot({
        SnapshotName: 'tuesday',
        CacheClusterId: 'single',
        ReplicationGroupId: undefined,
        NumNodeGroups: 1,
        NodeSnapshots: [nodeSnapshot('0001', '2026-11-24T02:00:00Z')],
      }),
    );
    givenUsableBucket();

    // Act
    const state = await validateExport(
      context({}, { input: { cacheClusterId: 'single', targetBucket: BUCKET } }),
      deps(),
    );

    // Assert
    expect(state.sourceSnapshotName).toBe('tuesday');
    expect(elastiCacheMock).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { CacheClusterId: 'single' });
  });

  it('rejects a replication group without an available snapshot with NoAvailableSnapshot', async () => {
    // Arrange
    givenSnapshots(snapshot({ SnapshotName: 'being-made', SnapshotStatus: 'creating' }));

    // Act
    const error = await rejectionOf(
      validateExport(context({}, { input: { replicationGroupId: 'orders', targetBucket: BUCKET } }), deps()),
    );

    // Assert
    expect(error.details.code).toBe('NoAvailableSnapshot');
    expect(messageOf(error)).toContain('orders');
    expect(catalogueCodeOf(error)).toBe('NoAvailableSnapshot');
  });

  it('rejects a named snapshot that is being exported by another request as SnapshotBusy', async () => {
    // Arrange
    givenSnapshots(snapshot({ SnapshotStatus: 'copying' }));

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(error.details.code).toBe('SnapshotBusy');
    expect(messageOf(error)).toContain('another request');
    expect(catalogueCodeOf(error)).toBe('SnapshotBusy');
  });

  it('rejects a named snapshot that is not available and says its status', async () => {
    // Arrange
    givenSnapshots(snapshot({ SnapshotStatus: 'creating' }));

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(error.details.code).toBe('SnapshotNotAvailable');
    expect(messageOf(error)).toContain('creating');
    expect(catalogueCodeOf(error)).toBe('InvalidSnapshotState');
  });

  it('rejects a memcached snapshot with UnsupportedEngine', async () => {
    // Arrange
    givenSnapshots(snapshot({ Engine: 'memcached' }));

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(error.details.code).toBe('UnsupportedEngine');
    expect(catalogueCodeOf(error)).toBe('UnsupportedEngine');
  });

  it('rejects a snapshot of a data-tiering cluster with DataTieringNotSupported', async () => {
    // Arrange
    givenSnapshots(snapshot({ DataTiering: 'enabled' }));

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(error.details.code).toBe('DataTieringNotSupported');
    expect(catalogueCodeOf(error)).toBe('DataTieringNotSupported');
  });

  it('reports an unexportable snapshot as such even while it is still being created', async () => {
    // Arrange
    givenSnapshots(snapshot({ DataTiering: 'enabled', SnapshotStatus: 'creating' }));

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(error.details.code).toBe('DataTieringNotSupported');
  });

  it('turns ElastiCache throttling into AwsThrottledError for the state machine to retry', async () => {
    // Arrange
    elastiCacheMock.on(DescribeSnapshotsCommand).rejects(
      new ElastiCacheServiceException({
        name: 'Throttling',
        $fault: 'client',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400, requestId: 'req-1' },
      }),
    );

    // Act
    const result = validateExport(context(), deps());

    // Assert
    await expect(result).rejects.toBeInstanceOf(AwsThrottledError);
  });
});

describe('the target bucket, in ElastiCache own words', () => {
  it('says the bucket does not exist when S3 has no such bucket', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'some-other-bucket' }] });
    s3Mock.on(HeadBucketCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(messageOf(error)).toBe('The S3 bucket exports-bucket does not exist.');
    expect(error.details.code).toBeUndefined();
    expect(catalogueCodeOf(error)).toBe('S3BucketNotFound');
  });

  it('also recognises NoSuchBucket as a missing bucket', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock.on(ListBucketsCommand).resolves({ Buckets: [] });
    s3Mock
      .on(HeadBucketCommand)
      .rejects(
        new NoSuchBucket({ message: 'The specified bucket does not exist', $metadata: { httpStatusCode: 404 } }),
      );

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(catalogueCodeOf(error)).toBe('S3BucketNotFound');
  });

  it.each([
    ['exists', () => s3Mock.on(HeadBucketCommand).resolves({})],
    ['is forbidden', () => s3Mock.on(HeadBucketCommand).rejects(s3Error('Forbidden', 403))],
  ])('says the bucket is not owned when it %s but belongs to another account', async (_case, arrangeHead) => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock.on(ListBucketsCommand).resolves({ Buckets: [{ Name: 'some-other-bucket' }] });
    arrangeHead();

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(messageOf(error)).toBe('The S3 bucket exports-bucket is not owned by the authenticated user.');
    expect(error.details.code).toBeUndefined();
    expect(catalogueCodeOf(error)).toBe('S3BucketNotOwned');
  });

  it('says the bucket is outside of the region when it is in another Region', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: 'eu-west-2' });

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(messageOf(error)).toBe('The S3 bucket exports-bucket is outside of the region.');
    expect(fullMessageOf(error)).toContain(
      'The bucket is in eu-west-2; the snapshot and this service are in us-east-1.',
    );
    expect(error.details.code).toBeUndefined();
    expect(catalogueCodeOf(error)).toBe('S3BucketOutsideRegion');
  });

  it("reads S3's empty location constraint as us-east-1", async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: '' as BucketLocationConstraint });

    // Act
    const inUsEast1 = await validateExport(context(), deps({ region: 'us-east-1' }));
    const inEuWest1 = await rejectionOf(validateExport(context(), deps({ region: 'eu-west-1' })));

    // Assert
    expect(inUsEast1.targetBucket).toBe(BUCKET);
    expect(catalogueCodeOf(inEuWest1)).toBe('S3BucketOutsideRegion');
  });

  it("reads S3's legacy EU location constraint as eu-west-1", async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: 'EU' });

    // Act
    const inEuWest1 = await validateExport(context(), deps({ region: 'eu-west-1' }));
    const inUsEast1 = await rejectionOf(validateExport(context(), deps({ region: 'us-east-1' })));

    // Assert
    expect(inEuWest1.targetBucket).toBe(BUCKET);
    expect(catalogueCodeOf(inUsEast1)).toBe('S3BucketOutsideRegion');
  });

  it.each([
    ['READ', ['WRITE', 'READ_ACP'], 'S3ReadPermissionMissing'],
    ['WRITE', ['READ', 'READ_ACP'], 'S3WritePermissionMissing'],
    ['READ_ACP', ['READ', 'WRITE'], 'S3ReadAcpPermissionMissing'],
  ] as const)('says ElastiCache has not been granted %s when the ACL lacks it', async (missing, granted, code) => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock.on(GetBucketAclCommand).resolves({ Grants: [ownerGrant, ...granted.map(elastiCacheGrant)] });

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(messageOf(error)).toBe(
      `ElastiCache has not been granted ${missing} permissions exports-bucket on the S3 Bucket.`,
    );
    expect(error.details.code).toBeUndefined();
    expect(catalogueCodeOf(error)).toBe(code);
  });

  it('reports every missing permission at once, each with the policy actions it lacks', async () => {
    // Arrange: ACLs disabled, and a policy that forgot the multipart actions and GetBucketAcl.
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock
      .on(GetBucketOwnershipControlsCommand)
      .resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } });
    s3Mock.on(GetBucketPolicyCommand).resolves({
      Policy: JSON.stringify({
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'us-east-1.elasticache-snapshot.amazonaws.com' },
            Action: ['s3:PutObject', 's3:GetObject', 's3:ListBucket'],
            Resource: [`arn:aws:s3:::${BUCKET}`, `arn:aws:s3:::${BUCKET}/*`],
          },
        ],
      }),
    });

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(fullMessageOf(error).split('\n')).toEqual([
      'ElastiCache has not been granted READ permissions exports-bucket on the S3 Bucket.',
      'Every problem found on s3://exports-bucket:',
      '- READ: ACL grants do not count on this bucket (Object Ownership is BucketOwnerEnforced), and the bucket policy does not allow us-east-1.elasticache-snapshot.amazonaws.com s3:ListBucketMultipartUploads.',
      '- WRITE: ACL grants do not count on this bucket (Object Ownership is BucketOwnerEnforced), and the bucket policy does not allow us-east-1.elasticache-snapshot.amazonaws.com s3:ListMultipartUploadParts.',
      '- READ_ACP: ACL grants do not count on this bucket (Object Ownership is BucketOwnerEnforced), and the bucket policy does not allow us-east-1.elasticache-snapshot.amazonaws.com s3:GetBucketAcl.',
    ]);
    expect(catalogueCodeOf(error)).toBe('S3ReadPermissionMissing');
  });

  it('reports missing ACL grants and a key already taken together, and names a Deny', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock.on(GetBucketAclCommand).resolves({ Grants: [ownerGrant, elastiCacheGrant('READ')] });
    s3Mock.on(GetBucketPolicyCommand).resolves({
      Policy: JSON.stringify({
        Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:GetObject', Resource: `arn:aws:s3:::${BUCKET}/*` }],
      }),
    });
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'nightly-export-0001.rdb', Size: 10 }] });

    // Act
    const lines = fullMessageOf(await rejectionOf(validateExport(context(), deps()))).split('\n');

    // Assert
    expect(lines[0]).toBe('ElastiCache has not been granted READ permissions exports-bucket on the S3 Bucket.');
    expect(lines.slice(2).map((line) => line.split(':')[0])).toEqual([
      '- READ',
      '- WRITE',
      '- READ_ACP',
      '- Objects of this export are already there',
    ]);
    expect(lines[2]).toContain('the bucket policy denies us-east-1.elasticache-snapshot.amazonaws.com s3:GetObject');
    expect(lines[3]).toContain(`no ACL grant of WRITE (Write objects) to ElastiCache's canonical user 540804c3`);
    expect(lines[5]).toContain('nightly-export-0001.rdb; choose another targetSnapshotName');
  });

  it('names READ first when nothing is granted', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock.on(GetBucketAclCommand).resolves({ Grants: [ownerGrant] });

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(catalogueCodeOf(error)).toBe('S3ReadPermissionMissing');
  });

  it('honours the ACL when the bucket has no ownership controls', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock.on(GetBucketOwnershipControlsCommand).rejects(s3Error('OwnershipControlsNotFoundError', 404));

    // Act
    const state = await validateExport(context(), deps());

    // Assert
    expect(state.targetBucket).toBe(BUCKET);
  });

  it('accepts a bucket with ACLs disabled whose policy grants the service principal', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock
      .on(GetBucketOwnershipControlsCommand)
      .resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } });
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: servicePolicy() });

    // Act
    const state = await validateExport(context(), deps());

    // Assert
    expect(state.targetBucket).toBe(BUCKET);
    expect(s3Mock).toHaveReceivedCommandTimes(GetBucketAclCommand, 0);
  });

  it('refuses an ACL-only grant in an opt-in Region and says ElastiCache needs the bucket policy there', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: 'eu-south-1' });

    // Act
    const error = await rejectionOf(validateExport(context(), deps({ region: 'eu-south-1' })));

    // Assert
    expect(messageOf(error)).toBe('ElastiCache has not been granted READ permissions exports-bucket on the S3 Bucket.');
    expect(fullMessageOf(error)).toContain('ACL grants do not count in the opt-in Region eu-south-1');
  });

  it('accepts a policy-only grant in an opt-in Region', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: 'eu-south-1' });
    s3Mock.on(GetBucketAclCommand).resolves({ Grants: [ownerGrant] });
    s3Mock.on(GetBucketPolicyCommand).resolves({ Policy: servicePolicy('eu-south-1') });

    // Act
    const state = await validateExport(context(), deps({ region: 'eu-south-1' }));

    // Assert
    expect(state.targetBucket).toBe(BUCKET);
  });

  it('rejects a bucket with ACLs disabled and no policy even though its ACL still lists the grant', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock
      .on(GetBucketOwnershipControlsCommand)
      .resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } });
    s3Mock.on(GetBucketAclCommand).resolves({ Grants: [ownerGrant, elastiCacheGrant('FULL_CONTROL')] });

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(messageOf(error)).toBe('ElastiCache has not been granted READ permissions exports-bucket on the S3 Bucket.');
    expect(catalogueCodeOf(error)).toBe('S3ReadPermissionMissing');
    expect(catalogueEntryFor(decodeFailureCause(error.name, error.message)).solution).toContain(
      'Bucket owner enforced',
    );
  });

  it('says the bucket already contains the key when an object of this export is there', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'nightly-export-0002.rdb', Size: 10 },
        { Key: 'nightly-export-0001.rdb', Size: 10 },
      ],
    });

    // Act
    const error = await rejectionOf(validateExport(context(), deps()));

    // Assert
    expect(messageOf(error)).toBe(
      'The S3 bucket exports-bucket already contains an object with key nightly-export-0001.rdb.',
    );
    expect(error.details.code).toBeUndefined();
    expect(catalogueCodeOf(error)).toBe('S3ObjectAlreadyExists');
    expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: BUCKET, Prefix: 'nightly-export' });
  });

  it('ignores objects that only share the prefix', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();
    s3Mock.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'nightly-export-2-0001.rdb', Size: 10 },
        { Key: 'nightly-export-0001.rdb.bak', Size: 10 },
        { Key: 'nightly-export.txt', Size: 10 },
      ],
    });

    // Act
    const result = validateExport(context(), deps());

    // Assert
    await expect(result).resolves.toMatchObject({ targetBucket: BUCKET, targetSnapshotName: 'Nightly-Export' });
  });
});

describe('configuration from the environment', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('reads the test environment with the default deadline', () => {
    // Arrange
    delete process.env.EXPORT_DEADLINE_MINUTES;

    // Act
    const loaded = loadValidateConfig();

    // Assert
    expect(loaded).toEqual({
      allowedBuckets: ['exports-bucket', 'other-allowed-bucket'],
      defaultTargetBucket: 'exports-bucket',
      defaultTopicArn: DEFAULT_TOPIC_ARN,
      region: 'us-east-1',
      deadlineMinutes: DEFAULT_DEADLINE_MINUTES,
    });
    expect(DEFAULT_DEADLINE_MINUTES).toBe(720);
  });

  it('leaves the default bucket out when none is configured', () => {
    // Arrange
    delete process.env.DEFAULT_TARGET_BUCKET;

    // Act
    const loaded = loadValidateConfig();

    // Assert
    expect(loaded).not.toHaveProperty('defaultTargetBucket');
  });

  it.each(['2881', '0', 'soon'])('refuses EXPORT_DEADLINE_MINUTES=%s', (value) => {
    // Arrange
    process.env.EXPORT_DEADLINE_MINUTES = value;

    // Act
    const load = () => loadValidateConfig();

    // Assert
    expect(load).toThrow(ConfigError);
  });

  it('accepts the longest deadline of 2880 minutes', () => {
    // Arrange
    process.env.EXPORT_DEADLINE_MINUTES = '2880';

    // Act
    const loaded = loadValidateConfig();

    // Assert
    expect(loaded.deadlineMinutes).toBe(2880);
  });

  it.each(['DEFAULT_TOPIC_ARN', 'AWS_REGION'])('requires %s', (name) => {
    // Arrange
    delete process.env[name];

    // Act
    const load = () => loadValidateConfig();

    // Assert
    expect(load).toThrow(ConfigError);
  });
});

describe('handler', () => {
  it('validates the execution context with the module clients and the environment', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();

    // Act
    const state = await handler(context(), {} as Context);

    // Assert
    expect(state).toMatchObject({
      sourceSnapshotName: 'nightly',
      targetSnapshotName: 'Nightly-Export',
      targetBucket: BUCKET,
      topicArn: DEFAULT_TOPIC_ARN,
      deadline: '2026-11-25T15:00:00.000Z',
    });
  });
});
