import {
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
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
  ListBucketsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { ELASTICACHE_CANONICAL_USER_ID } from '../../../handlers/lib/bucket-access';
import { type DryRunDeps, dryRunExport, toExportProblem } from '../../../handlers/lib/dry-run';
import { CATALOGUE } from '../../../handlers/lib/error-catalogue';
import { InvalidRequestError } from '../../../handlers/lib/errors';

const elastiCacheMock = mockClient(ElastiCacheClient);
const s3Mock = mockClient(S3Client);

const BUCKET = 'exports-bucket';
const OWNER_ID = 'aaaabbbbccccddddeeeeffff0000111122223333444455556666777788889999';

// maxAttempts 1: the SDK's own retries would only slow the error tests down.
const deps = (overrides: Partial<DryRunDeps> = {}): DryRunDeps => ({
  elastiCache: new ElastiCacheClient({ maxAttempts: 1 }),
  s3: new S3Client({ maxAttempts: 1 }),
  allowedTargetBuckets: [BUCKET],
  region: 'us-east-1',
  defaultTargetBucket: BUCKET,
  now: () => new Date('2026-11-25T03:04:05Z'),
  ...overrides,
});

const snapshot = (overrides: Partial<Snapshot> = {}): Snapshot => ({
  SnapshotName: 'nightly',
  SnapshotStatus: 'available',
  Engine: 'redis',
  NumNodeGroups: 1,
  ...overrides,
});

const elastiCacheGrant = (permission: Grant['Permission']): Grant => ({
  Grantee: { Type: 'CanonicalUser', ID: ELASTICACHE_CANONICAL_USER_ID },
  Permission: permission,
});
const ownerGrant: Grant = { Grantee: { Type: 'CanonicalUser', ID: OWNER_ID }, Permission: 'FULL_CONTROL' };

/** An owned bucket in us-east-1 with `grants` on its ACL, no policy, and `keys` already in it. */
const givenBucket = (grants: Grant[], keys: string[] = []): void => {
  s3Mock.on(ListBucketsCommand).resolves({ Buckets: [{ Name: BUCKET }] });
  s3Mock.on(GetBucketLocationCommand).resolves({ LocationConstraint: '' as BucketLocationConstraint });
  s3Mock
    .on(GetBucketOwnershipControlsCommand)
    .resolves({ OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] } });
  s3Mock.on(GetBucketAclCommand).resolves({ Grants: [ownerGrant, ...grants] });
  s3Mock
    .on(GetBucketPolicyCommand)
    .rejects(new S3ServiceException({ name: 'NoSuchBucketPolicy', $fault: 'client', message: 'none', $metadata: {} }));
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: keys.map((Key) => ({ Key, Size: 1 })) });
};

const entry = (code: string) => {
  const found = CATALOGUE.find((candidate) => candidate.code === code);
  if (!found) throw new Error(`No catalogue entry ${code}`);
  return found;
};

beforeEach(() => {
  elastiCacheMock.reset();
  s3Mock.reset();
});

describe('dryRunExport', () => {
  it('answers 200 ok with the normalized request when every check passes', async () => {
    // Arrange
    elastiCacheMock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot()] });
    givenBucket([elastiCacheGrant('READ'), elastiCacheGrant('WRITE'), elastiCacheGrant('READ_ACP')]);

    // Act
    const result = await dryRunExport({ sourceSnapshotName: 'nightly' }, deps());

    // Assert
    expect(result).toEqual({
      statusCode: 200,
      body: {
        ok: true,
        request: { sourceSnapshotName: 'nightly', targetSnapshotName: 'nightly-20261125-0304', targetBucket: BUCKET },
        problems: [],
      },
    });
  });

  it('answers every problem at once, each with its catalogue code, solution and docs link', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeSnapshotsCommand)
      .rejects(new SnapshotNotFoundFault({ message: 'Snapshot nightly not found.', $metadata: {} }));
    givenBucket([], ['nightly-copy-0001.rdb']);

    // Act
    const result = await dryRunExport({ sourceSnapshotName: 'nightly', targetSnapshotName: 'nightly-copy' }, deps());

    // Assert
    expect(result.statusCode).toBe(200);
    expect(result.body.ok).toBe(false);
    const codes = [
      'SnapshotNotFound',
      'S3ReadPermissionMissing',
      'S3WritePermissionMissing',
      'S3ReadAcpPermissionMissing',
      'S3ObjectAlreadyExists',
    ];
    expect(result.body.problems.map(({ code, solution, docsUrl }) => ({ code, solution, docsUrl }))).toEqual(
      codes.map((code) => ({ code, solution: entry(code).solution, docsUrl: entry(code).docsUrl })),
    );
    expect(result.body.problems[0]?.message).toBe('Snapshot nightly was not found.');
    expect(result.body.problems[2]?.message).toMatch(
      /^ElastiCache has not been granted WRITE permissions exports-bucket on the S3 Bucket\. WRITE: no ACL grant of WRITE/,
    );
    expect(result.body.problems[4]?.message).toBe(
      'The S3 bucket exports-bucket already contains an object with key nightly-copy-0001.rdb. Objects of this export are already there: nightly-copy-0001.rdb; choose another targetSnapshotName.',
    );
  });

  it('reports a bucket off the allow-list as a problem rather than refusing the request', async () => {
    // Arrange
    elastiCacheMock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [snapshot()] });

    // Act
    const result = await dryRunExport({ sourceSnapshotName: 'nightly', targetBucket: 'someone-elses-bucket' }, deps());

    // Assert
    expect(result.body.problems).toEqual([
      {
        code: 'TargetBucketNotAllowed',
        message: 'Target bucket someone-elses-bucket is not on the allow-list (ALLOWED_TARGET_BUCKETS).',
        solution: entry('TargetBucketNotAllowed').solution,
        docsUrl: entry('TargetBucketNotAllowed').docsUrl,
      },
    ]);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('checks the replication group a fresh snapshot would be taken of, as CreateSnapshot will', async () => {
    // Arrange
    elastiCacheMock.on(DescribeReplicationGroupsCommand).resolves({
      ReplicationGroups: [{ ReplicationGroupId: 'orders', Engine: 'valkey', Status: 'snapshotting' }],
    });
    givenBucket([elastiCacheGrant('FULL_CONTROL')]);
    const body = { replicationGroupId: 'orders', freshSnapshot: true, targetSnapshotName: 'orders-fresh' };

    // Act
    const result = await dryRunExport(body, deps());

    // Assert
    expect(result.body.problems.map((problem) => problem.code)).toEqual(['SourceBusy']);
    expect(result.body.request).toEqual({ ...body, targetBucket: BUCKET });
    expect(elastiCacheMock).toHaveReceivedCommandWith(DescribeReplicationGroupsCommand, {
      ReplicationGroupId: 'orders',
    });
  });

  it('throws InvalidRequestError for a body that breaks the schema, and checks nothing', async () => {
    // Act
    const result = dryRunExport({ sourceSnapshotName: 'nightly', colour: 'red' }, deps());

    // Assert
    await expect(result).rejects.toBeInstanceOf(InvalidRequestError);
    expect(elastiCacheMock.calls()).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('toExportProblem', () => {
  it("matches a region problem on ElastiCache's words and puts the detail after them", () => {
    // Act
    const problem = toExportProblem({
      check: 'bucket',
      message: 'The S3 bucket b is outside of the region.',
      detail: 'The bucket is in eu-west-1.',
      details: {},
    });

    // Assert
    expect(problem).toEqual({
      code: 'S3BucketOutsideRegion',
      message: 'The S3 bucket b is outside of the region. The bucket is in eu-west-1.',
      solution: entry('S3BucketOutsideRegion').solution,
      docsUrl: entry('S3BucketOutsideRegion').docsUrl,
    });
  });
});
