import {
  CacheClusterNotFoundFault,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  ElastiCacheServiceException,
  ReplicationGroupNotFoundFault,
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
  NotFound,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { ELASTICACHE_CANONICAL_USER_ID } from '../../../handlers/lib/bucket-access';
import type { ExportRequest } from '../../../handlers/lib/contracts';
import { catalogueEntryFor } from '../../../handlers/lib/error-catalogue';
import {
  AwsThrottledError,
  decodeFailureCause,
  ExportRejectedError,
  TargetBucketNotAllowedError,
} from '../../../handlers/lib/errors';
import {
  type CheckProblem,
  checkExport,
  type ExportCheckDeps,
  type ExportCheckResult,
  throwFirstProblem,
} from '../../../handlers/lib/export-checks';
import { rejectionOf } from '../../support/rejection';

const elastiCacheMock = mockClient(ElastiCacheClient);
const s3Mock = mockClient(S3Client);

const BUCKET = 'exports-bucket';
const OWNER_ID = 'aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999';
const EXPORT_ID = 'nightly-export-exports-bucket-0123456789ab';

const request = (overrides: Partial<ExportRequest> = {}): ExportRequest => ({
  sourceSnapshotName: 'nightly',
  targetSnapshotName: 'Nightly-Export',
  targetBucket: BUCKET,
  ...overrides,
});

const groupRequest = (overrides: Partial<ExportRequest> = {}): ExportRequest => ({
  replicationGroupId: 'orders',
  targetSnapshotName: 'Nightly-Export',
  targetBucket: BUCKET,
  ...overrides,
});

// maxAttempts 1: the SDK's own retries would only slow the error tests down.
const deps = (overrides: Partial<ExportCheckDeps> = {}): ExportCheckDeps => ({
  elastiCache: new ElastiCacheClient({ maxAttempts: 1 }),
  s3: new S3Client({ maxAttempts: 1 }),
  allowedTargetBuckets: [BUCKET],
  region: 'us-east-1',
  ...overrides,
});

const snapshot = (overrides: Partial<Snapshot> = {}): Snapshot => ({
  SnapshotName: 'nightly',
  SnapshotStatus: 'available',
  Engine: 'redis',
  EngineVersion: '7.1',
  ReplicationGroupId: 'orders',
  NumNodeGroups: 2,
  NodeSnapshots: [{ NodeGroupId: '0001', SnapshotCreateTime: new Date('2026-11-25T02:00:00Z') }],
  ...overrides,
});

const elastiCacheGrant = (permission: Grant['Permission']): Grant => ({
  Grantee: { Type: 'CanonicalUser', ID: ELASTICACHE_CANONICAL_USER_ID },
  Permission: permission,
});
const ownerGrant: Grant = { Grantee: { Type: 'CanonicalUser', ID: OWNER_ID }, Permission: 'FULL_CONTROL' };

const s3Error = (name: string, httpStatusCode: number): S3ServiceException =>
  new S3ServiceException({ name, $fault: 'client', message: name, $metadata: { httpStatusCode } });

const givenSnapshots = (...snapshots: Snapshot[]): void => {
  elastiCacheMock.on(DescribeSnapshotsCommand).resolves({ Snapshots: snapshots });
};

/** An owned bucket in us-east-1, ACLs on, ElastiCache granted READ, WRITE and READ_ACP, no policy, no objects. */
const givenUsableBucket = (): void => {
  s3Mock.on(ListBucketsCommand).resolves({ Buckets: [{ Name: BUCKET }] });
  s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: '' as BucketLocationConstraint });
  s3Mock
    .on(GetBucketOwnershipControlsCommand)
    .resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] } });
  s3Mock.on(GetBucketAclCommand).resolves({
    Grants: [ownerGrant, elastiCacheGrant('READ'), elastiCacheGrant('WRITE'), elastiCacheGrant('READ_ACP')],
  });
  s3Mock.on(GetBucketPolicyCommand).rejects(s3Error('NoSuchBucketPolicy', 404));
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] });
};

/** A bucket made with nothing for ElastiCache: only the owner's grant, and an object of this export already there. */
const givenUnpreparedBucket = (): void => {
  givenUsableBucket();
  s3Mock.on(GetBucketAclCommand).resolves({ Grants: [ownerGrant] });
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'nightly-export-0001.rdb', Size: 10 }] });
};

/** Each problem as the catalogue names it, the way the dry run and the outcome document explain it. */
const codesOf = (result: ExportCheckResult): string[] =>
  result.problems.map(
    (problem: CheckProblem) =>
      catalogueEntryFor({ errorName: 'ExportRejectedError', message: problem.message, details: problem.details }).code,
  );

beforeEach(() => {
  elastiCacheMock.reset();
  s3Mock.reset();
});

describe('checkExport, every check that can run', () => {
  it('finds no problem with an available snapshot and a prepared bucket, and describes the snapshot', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUsableBucket();

    // Act
    const result = await checkExport(request(), deps(), { exportId: EXPORT_ID });

    // Assert
    expect(result).toEqual({
      problems: [],
      summary: {
        snapshotName: 'nightly',
        engine: 'redis',
        engineVersion: '7.1',
        replicationGroupId: 'orders',
        numNodeGroups: 2,
      },
    });
  });

  it('reports every problem of an unprepared bucket at once: READ, WRITE, READ_ACP and the key taken', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUnpreparedBucket();

    // Act
    const result = await checkExport(request(), deps(), { exportId: EXPORT_ID });

    // Assert
    expect(codesOf(result)).toEqual([
      'S3ReadPermissionMissing',
      'S3WritePermissionMissing',
      'S3ReadAcpPermissionMissing',
      'S3ObjectAlreadyExists',
    ]);
    expect(result.problems.map((problem) => problem.message)).toEqual([
      'ElastiCache has not been granted READ permissions exports-bucket on the S3 Bucket.',
      'ElastiCache has not been granted WRITE permissions exports-bucket on the S3 Bucket.',
      'ElastiCache has not been granted READ_ACP permissions exports-bucket on the S3 Bucket.',
      'The S3 bucket exports-bucket already contains an object with key nightly-export-0001.rdb.',
    ]);
    expect(result.problems[1]?.detail).toContain(
      `no ACL grant of WRITE (Write objects) to ElastiCache's canonical user ${ELASTICACHE_CANONICAL_USER_ID}`,
    );
    expect(result.problems[3]?.detail).toBe(
      'Objects of this export are already there: nightly-export-0001.rdb; choose another targetSnapshotName.',
    );
  });

  it('reports a bucket in another Region as that alone: its grants are not read across Regions', async () => {
    // Arrange
    givenSnapshots(snapshot());
    givenUnpreparedBucket();
    s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: 'eu-west-2' });

    // Act
    const result = await checkExport(request(), deps(), { exportId: EXPORT_ID });

    // Assert
    expect(codesOf(result)).toEqual(['S3BucketOutsideRegion']);
    expect(result.problems[0]?.detail).toContain(
      'The bucket is in eu-west-2; the snapshot and this service are in us-east-1.',
    );
    expect(s3Mock).toHaveReceivedCommandTimes(GetBucketAclCommand, 0);
  });

  it("reports the source's problems and the bucket's together", async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeSnapshotsCommand)
      .rejects(new SnapshotNotFoundFault({ message: 'Snapshot nightly not found.', $metadata: {} }));
    givenUsableBucket();
    s3Mock.on(ListBucketsCommand).resolves({ Buckets: [] });
    s3Mock.on(HeadBucketCommand).resolves({});

    // Act
    const result = await checkExport(request(), deps(), { exportId: EXPORT_ID });

    // Assert
    expect(codesOf(result)).toEqual(['SnapshotNotFound', 'S3BucketNotOwned']);
    expect(result.problems[0]?.message).toBe('Snapshot nightly was not found.');
    expect(result.summary).toBeUndefined();
  });

  it('checks the bucket for one shard when the source is not found', async () => {
    // Arrange
    givenSnapshots();
    givenUnpreparedBucket();

    // Act
    const result = await checkExport(groupRequest(), deps(), { exportId: EXPORT_ID });

    // Assert
    expect(codesOf(result)).toEqual([
      'NoAvailableSnapshot',
      'S3ReadPermissionMissing',
      'S3WritePermissionMissing',
      'S3ReadAcpPermissionMissing',
      'S3ObjectAlreadyExists',
    ]);
    expect(result.problems[0]?.message).toBe('Replication group orders has no snapshot in the available state.');
  });

  it('reports every reason a snapshot cannot be exported: engine, data tiering and status', async () => {
    // Arrange
    givenSnapshots(snapshot({ Engine: 'memcached', DataTiering: 'enabled', SnapshotStatus: 'creating' }));
    givenUsableBucket();

    // Act
    const result = await checkExport(request(), deps(), { exportId: EXPORT_ID });

    // Assert
    expect(result.problems.map((problem) => problem.details.code)).toEqual([
      'UnsupportedEngine',
      'DataTieringNotSupported',
      'SnapshotNotAvailable',
    ]);
    expect(codesOf(result)).toEqual(['UnsupportedEngine', 'DataTieringNotSupported', 'InvalidSnapshotState']);
    expect(result.summary?.snapshotName).toBe('nightly');
  });

  it('reports a snapshot being exported by another request as SnapshotBusy', async () => {
    // Arrange
    givenSnapshots(snapshot({ SnapshotStatus: 'copying' }));
    givenUsableBucket();

    // Act
    const result = await checkExport(request(), deps(), { exportId: EXPORT_ID });

    // Assert
    expect(codesOf(result)).toEqual(['SnapshotBusy']);
  });

  it('reports a cluster ElastiCache does not know as ClusterNotFound with its own message', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeSnapshotsCommand)
      .rejects(new CacheClusterNotFoundFault({ message: 'CacheCluster not found: sessions', $metadata: {} }));
    givenUsableBucket();

    // Act
    const result = await checkExport(
      { cacheClusterId: 'sessions', targetSnapshotName: 'sessions-copy', targetBucket: BUCKET },
      deps(),
      { exportId: EXPORT_ID },
    );

    // Assert
    expect(codesOf(result)).toEqual(['ClusterNotFound']);
    expect(result.problems[0]?.message).toBe('CacheCluster not found: sessions');
  });

  it("reports AWS refusing a check's call as that check's problem, and goes on with the others", async () => {
    // Arrange
    elastiCacheMock.on(DescribeSnapshotsCommand).rejects(
      new ElastiCacheServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: 'User is not authorized to perform: elasticache:DescribeSnapshots',
        $metadata: { httpStatusCode: 403, requestId: 'req-9' },
      }),
    );
    givenUsableBucket();
    s3Mock.on(GetBucketAclCommand).rejects(s3Error('AccessDenied', 403));

    // Act
    const result = await checkExport(request(), deps(), { exportId: EXPORT_ID });

    // Assert
    expect(result.problems.map((problem) => problem.check)).toEqual(['source', 'bucket']);
    expect(codesOf(result)).toEqual(['AccessDenied', 'AccessDenied']);
    expect(result.problems[0]).toMatchObject({
      message: 'User is not authorized to perform: elasticache:DescribeSnapshots',
      details: { awsErrorCode: 'AccessDenied', requestId: 'req-9' },
    });
  });

  it('reports a bucket off the allow-list without looking at it, and still checks the source', async () => {
    // Arrange
    givenSnapshots(snapshot({ SnapshotStatus: 'creating' }));

    // Act
    const result = await checkExport(request({ targetBucket: 'someone-elses-bucket' }), deps(), {
      exportId: EXPORT_ID,
    });

    // Assert
    expect(
      result.problems.map(
        (problem) =>
          catalogueEntryFor({
            errorName: 'TargetBucketNotAllowedError',
            message: problem.message,
            details: problem.details,
          }).code,
      ),
    ).toEqual(['TargetBucketNotAllowed', 'InvalidSnapshotState']);
    expect(result.problems[0]?.message).toBe(
      'Target bucket someone-elses-bucket is not on the allow-list (ALLOWED_TARGET_BUCKETS).',
    );
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("checks a fresh snapshot's replication group instead of a snapshot, named after the export", async () => {
    // Arrange
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [{ ReplicationGroupId: 'orders', Status: 'snapshotting', NodeGroups: [{}, {}, {}] }],
    });
    givenUsableBucket();

    // Act
    const result = await checkExport(groupRequest({ freshSnapshot: true }), deps(), { exportId: EXPORT_ID });

    // Assert
    expect(codesOf(result)).toEqual(['SourceBusy']);
    expect(result.summary).toMatchObject({ snapshotName: `export-${EXPORT_ID}`, numNodeGroups: 3 });
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 0);
  });

  it("reports a fresh snapshot's unknown group and a missing bucket together", async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeReplicationGroupsCommand)
      .rejects(new ReplicationGroupNotFoundFault({ message: 'Replication group orders not found.', $metadata: {} }));
    givenUsableBucket();
    s3Mock.on(ListBucketsCommand).resolves({ Buckets: [] });
    s3Mock.on(HeadBucketCommand).rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));

    // Act
    const result = await checkExport(groupRequest({ freshSnapshot: true }), deps(), { exportId: EXPORT_ID });

    // Assert
    expect(codesOf(result)).toEqual(['ClusterNotFound', 'S3BucketNotFound']);
  });

  it('throws throttling as AwsThrottledError rather than reporting a problem', async () => {
    // Arrange
    elastiCacheMock.on(DescribeSnapshotsCommand).rejects(
      new ElastiCacheServiceException({
        name: 'Throttling',
        $fault: 'client',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const result = checkExport(request(), deps(), { exportId: EXPORT_ID });

    // Assert
    await expect(result).rejects.toBeInstanceOf(AwsThrottledError);
  });
});

describe('checkExport, stopping at the first check that finds a problem', () => {
  it('calls no AWS API for a bucket off the allow-list', async () => {
    // Act
    const result = await checkExport(request({ targetBucket: 'someone-elses-bucket' }), deps(), {
      exportId: EXPORT_ID,
      stopAtFirst: true,
    });

    // Assert
    expect(result.problems.map((problem) => problem.check)).toEqual(['allowList']);
    expect(elastiCacheMock.calls()).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("reports only the source's problem, and reads no grant or key, once the source has one", async () => {
    // Arrange
    givenSnapshots(snapshot({ Engine: 'memcached' }));
    givenUnpreparedBucket();

    // Act
    const result = await checkExport(request(), deps(), { exportId: EXPORT_ID, stopAtFirst: true });

    // Assert: the bucket's first look went out alongside the source's check; nothing after it.
    expect(result.problems.map((problem) => problem.details.code)).toEqual(['UnsupportedEngine']);
    expect(s3Mock).toHaveReceivedCommandTimes(GetBucketAclCommand, 0);
    expect(s3Mock).toHaveReceivedCommandTimes(ListObjectsV2Command, 0);
    expect(s3Mock).toHaveReceivedCommandTimes(HeadBucketCommand, 0);
  });

  it('asks for the bucket while the source is being checked: one round trip for both', async () => {
    // Arrange: the source's answer held until the four first-look S3 calls have all been sent.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const sent: string[] = [];
    const counted =
      <T>(name: string, answer: () => T) =>
      async (): Promise<T> => {
        sent.push(name);
        if (sent.length === 4) release();
        return answer();
      };
    elastiCacheMock.on(DescribeSnapshotsCommand).callsFake(async () => {
      await held;
      return { Snapshots: [snapshot()] };
    });
    givenUsableBucket();
    s3Mock.on(ListBucketsCommand).callsFake(counted('ListBuckets', () => ({ Buckets: [{ Name: BUCKET }] })));
    s3Mock.on(GetBucketLocationCommand).callsFake(counted('GetBucketLocation', () => ({ LocationConstraint: '' })));
    s3Mock.on(GetBucketOwnershipControlsCommand).callsFake(
      counted('GetBucketOwnershipControls', () => ({
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] },
      })),
    );
    s3Mock.on(GetBucketPolicyCommand).callsFake(
      counted('GetBucketPolicy', () => {
        throw s3Error('NoSuchBucketPolicy', 404);
      }),
    );

    // Act
    const result = await checkExport(request(), deps(), { exportId: EXPORT_ID, stopAtFirst: true });

    // Assert
    expect(result.problems).toEqual([]);
    expect(sent.sort()).toEqual(['GetBucketLocation', 'GetBucketOwnershipControls', 'GetBucketPolicy', 'ListBuckets']);
  });
});

describe('throwFirstProblem', () => {
  const problemsOf = (...problems: CheckProblem[]): ExportCheckResult => ({ problems });

  it('returns the summary when there is no problem', () => {
    // Arrange
    const summary = { snapshotName: 'nightly', engine: 'redis', numNodeGroups: 1 };

    // Act
    const result = throwFirstProblem({ problems: [], summary }, BUCKET);

    // Assert
    expect(result).toBe(summary);
  });

  it('throws TargetBucketNotAllowedError for the allow-list', () => {
    // Act
    const act = () =>
      throwFirstProblem(problemsOf({ check: 'allowList', message: 'not allowed', details: {} }), 'other-bucket');

    // Assert
    expect(act).toThrow(TargetBucketNotAllowedError);
    expect(act).toThrow('other-bucket');
  });

  it("throws a bucket's access problems as one, ElastiCache's words first and a line on each", () => {
    // Act
    const act = () =>
      throwFirstProblem(
        problemsOf(
          { check: 'bucketAccess', message: 'First.', detail: 'one', details: {} },
          { check: 'bucketAccess', message: 'Second.', detail: 'two', details: {} },
        ),
        BUCKET,
      );

    // Assert
    expect(act).toThrow(ExportRejectedError);
    expect(act).toThrow(['First.', `Every problem found on s3://${BUCKET}:`, '- one', '- two'].join('\n'));
  });

  it('throws the AWS error that is the problem as it is', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeSnapshotsCommand)
      .rejects(new CacheClusterNotFoundFault({ message: 'CacheCluster not found: sessions', $metadata: {} }));
    const checked = await checkExport(
      { cacheClusterId: 'sessions', targetSnapshotName: 'sessions-copy', targetBucket: BUCKET },
      deps(),
      { exportId: EXPORT_ID, stopAtFirst: true },
    );

    // Act
    const error = await rejectionOf(Promise.resolve().then(() => throwFirstProblem(checked, BUCKET)));

    // Assert
    expect(error).toBe(checked.problems[0]?.error);
    expect(error).toBeInstanceOf(ExportRejectedError);
    const decoded = decodeFailureCause('ExportRejectedError', (error as Error).message);
    expect(catalogueEntryFor(decoded).code).toBe('ClusterNotFound');
  });
});
