// CopySnapshot's export to S3, staged only with plain SDK calls: every error message of the CopySnapshot reference,
// in ElastiCache's order of checks, the modeled faults, and a two-shard export that writes real .rdb files.
import fs from 'node:fs';
import {
  CopySnapshotCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  type ElastiCacheClient,
  type Snapshot,
} from '@aws-sdk/client-elasticache';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutBucketPolicyCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { eventually, type Harness, httpStatusOf, rawRequest, rejectionOf, startHarness } from './emulator-harness';

const ELASTICACHE_ID = '540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353';

let harness: Harness;
let elastiCache: ElastiCacheClient;
let s3: S3Client;
let counter = 0;
const unique = (label: string): string => `${label}-${process.pid}-${++counter}`;

beforeAll(async () => {
  harness = await startHarness();
  elastiCache = harness.elastiCache();
  s3 = harness.s3();
});

afterEach(() => harness.aws.elastiCache.clearFaults());

afterAll(() => harness.stop());

const snapshotNamed = async (name: string): Promise<Snapshot | undefined> =>
  (await elastiCache.send(new DescribeSnapshotsCommand({ SnapshotName: name }))).Snapshots?.[0];

/** A replication group with `shards` node groups and an available manual snapshot of it, made through the API. */
const availableSnapshot = async (shards = 1, client = elastiCache): Promise<string> => {
  const groupId = unique('cache');
  await client.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: groupId,
      ReplicationGroupDescription: 'export source',
      Engine: 'redis',
      EngineVersion: '7.1',
      CacheNodeType: 'cache.r7g.large',
      NumNodeGroups: shards,
    }),
  );
  await eventually(async () => {
    const { ReplicationGroups } = await client.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: groupId }),
    );
    return ReplicationGroups?.[0]?.Status === 'available' ? true : undefined;
  });
  const name = unique('Nightly');
  await client.send(new CreateSnapshotCommand({ ReplicationGroupId: groupId, SnapshotName: name }));
  await eventually(async () => {
    const { Snapshots } = await client.send(new DescribeSnapshotsCommand({ SnapshotName: name }));
    return Snapshots?.[0]?.SnapshotStatus === 'available' ? true : undefined;
  });
  return name;
};

/** A bucket whose ACL grants ElastiCache the given permissions (ACLs enabled with ObjectWriter ownership). */
const bucketGranting = async (permissions: Array<'READ' | 'WRITE' | 'READ_ACP' | 'FULL_CONTROL'>): Promise<string> => {
  const bucket = unique('exports');
  await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectOwnership: 'ObjectWriter' }));
  const grantee = `id="${ELASTICACHE_ID}"`;
  await s3.send(
    new PutBucketAclCommand({
      Bucket: bucket,
      ...(permissions.includes('READ') && { GrantRead: grantee }),
      ...(permissions.includes('WRITE') && { GrantWrite: grantee }),
      ...(permissions.includes('READ_ACP') && { GrantReadACP: grantee }),
      ...(permissions.includes('FULL_CONTROL') && { GrantFullControl: grantee }),
      ...(permissions.length === 0 && { ACL: 'private' }),
    }),
  );
  return bucket;
};

const exportTo = (source: string, target: string, bucket: string, client = elastiCache) =>
  client.send(
    new CopySnapshotCommand({ SourceSnapshotName: source, TargetSnapshotName: target, TargetBucket: bucket }),
  );

/** Redis's CRC-64 (Jones), bit by bit: an independent check of the checksum the emulator writes. */
const crc64Jones = (data: Buffer): bigint => {
  let crc = 0n;
  for (const byte of data) {
    crc ^= BigInt(byte);
    for (let bit = 0; bit < 8; bit += 1) crc = crc & 1n ? (crc >> 1n) ^ 0x95ac9329ac4bc9b5n : crc >> 1n;
  }
  return crc;
};

describe("CopySnapshot's bucket checks, with the CopySnapshot reference's messages", () => {
  let source: string;

  beforeAll(async () => {
    source = await availableSnapshot();
  });

  const expectRejection = async (promise: Promise<unknown>, message: string): Promise<void> => {
    const error = await rejectionOf(promise);
    expect([error.name, error.Code, error.Type, httpStatusOf(error), error.message]).toEqual([
      'InvalidParameterValueException',
      'InvalidParameterValue',
      'Sender',
      400,
      message,
    ]);
  };

  it('reports a bucket that does not exist', async () => {
    // Arrange
    const bucket = unique('missing');

    // Act / Assert
    await expectRejection(exportTo(source, 'target', bucket), `The S3 bucket ${bucket} does not exist.`);
  });

  it('reports a bucket owned by another account', async () => {
    // Arrange
    const bucket = unique('foreign');
    await harness.s3({ accessKeyId: '111111111111' }).send(new CreateBucketCommand({ Bucket: bucket }));

    // Act / Assert
    await expectRejection(
      exportTo(source, 'target', bucket),
      `The S3 bucket ${bucket} is not owned by the authenticated user.`,
    );
  });

  it('reports a bucket in another Region', async () => {
    // Arrange
    const bucket = unique('far');
    await harness
      .s3({ region: 'eu-west-1' })
      .send(
        new CreateBucketCommand({ Bucket: bucket, CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' } }),
      );

    // Act / Assert
    await expectRejection(exportTo(source, 'target', bucket), `The S3 bucket ${bucket} is outside of the region.`);
  });

  it('counts no ACL grant in an opt-in Region (eu-south-1), only the bucket policy for the service principal', async () => {
    // Arrange: a snapshot and two buckets in eu-south-1, one granting ElastiCache by ACL, one by policy.
    const region = 'eu-south-1';
    harness.aws.elastiCache.seedReplicationGroup({ replicationGroupId: 'milan', region });
    harness.aws.elastiCache.seedSnapshot({ snapshotName: 'milan-nightly', replicationGroupId: 'milan', region });
    const byAcl = unique('milan-acl');
    const byPolicy = unique('milan-policy');
    harness.aws.s3.seedBucket({ name: byAcl, region, grantElastiCache: true });
    harness.aws.s3.seedBucket({
      name: byPolicy,
      region,
      policy: {
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
            Resource: [`arn:aws:s3:::${byPolicy}`, `arn:aws:s3:::${byPolicy}/*`],
          },
        ],
      },
    });
    const milan = harness.elastiCache({ region });

    // Act / Assert
    await expectRejection(
      exportTo('milan-nightly', 'by-acl', byAcl, milan),
      `ElastiCache has not been granted READ permissions ${byAcl} on the S3 Bucket.`,
    );
    await expect(exportTo('milan-nightly', 'by-policy', byPolicy, milan)).resolves.toBeDefined();
  });

  it('reports a missing READ grant first', async () => {
    // Arrange
    const bucket = await bucketGranting([]);

    // Act / Assert
    await expectRejection(
      exportTo(source, 'target', bucket),
      `ElastiCache has not been granted READ permissions ${bucket} on the S3 Bucket.`,
    );
  });

  it('reports a missing WRITE grant when READ is granted', async () => {
    // Arrange
    const bucket = await bucketGranting(['READ']);

    // Act / Assert
    await expectRejection(
      exportTo(source, 'target', bucket),
      `ElastiCache has not been granted WRITE permissions ${bucket} on the S3 Bucket.`,
    );
  });

  it('reports a missing READ_ACP grant when READ and WRITE are granted', async () => {
    // Arrange
    const bucket = await bucketGranting(['READ', 'WRITE']);

    // Act / Assert
    await expectRejection(
      exportTo(source, 'target', bucket),
      `ElastiCache has not been granted READ_ACP permissions ${bucket} on the S3 Bucket.`,
    );
  });

  it('treats a bucket with ACLs disabled (the S3 default) as granting nothing', async () => {
    // Arrange
    const bucket = unique('default-bucket');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));

    // Act / Assert
    await expectRejection(
      exportTo(source, 'target', bucket),
      `ElastiCache has not been granted READ permissions ${bucket} on the S3 Bucket.`,
    );
  });

  it('reports an object already at the first target key (the lowercased name)', async () => {
    // Arrange
    const bucket = await bucketGranting(['READ', 'WRITE', 'READ_ACP']);
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: 'taken-name-0001.rdb', Body: 'old export' }));

    // Act / Assert
    await expectRejection(
      exportTo(source, 'Taken-Name', bucket),
      `The S3 bucket ${bucket} already contains an object with key taken-name-0001.rdb.`,
    );
  });

  it('answers SnapshotNotFoundFault for a source that does not exist', async () => {
    // Arrange
    const bucket = await bucketGranting(['FULL_CONTROL']);

    // Act
    const error = await rejectionOf(exportTo('no-such-snapshot', 'target', bucket));

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['SnapshotNotFoundFault', 404]);
  });

  it('answers InvalidSnapshotState for a source that is not available', async () => {
    // Arrange
    const slow = await startHarness({ elastiCache: { snapshotSeconds: 3600 } });
    slow.aws.elastiCache.seedReplicationGroup({ replicationGroupId: 'busy' });
    slow.aws.s3.seedBucket({ name: 'granted-bucket', grantElastiCache: true });
    const slowClient = slow.elastiCache();
    await slowClient.send(new CreateSnapshotCommand({ ReplicationGroupId: 'busy', SnapshotName: 'still-creating' }));

    // Act
    const error = await rejectionOf(exportTo('still-creating', 'target', 'granted-bucket', slowClient));
    await slow.stop();

    // Assert
    expect([error.name, error.Code, httpStatusOf(error)]).toEqual([
      'InvalidSnapshotStateFault',
      'InvalidSnapshotState',
      400,
    ]);
  });

  it('answers SnapshotAlreadyExistsFault for an in-ElastiCache copy to an existing name', async () => {
    // Arrange
    const other = await availableSnapshot();

    // Act
    const error = await rejectionOf(
      elastiCache.send(new CopySnapshotCommand({ SourceSnapshotName: source, TargetSnapshotName: other })),
    );

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['SnapshotAlreadyExistsFault', 400]);
  });
});

describe('a successful export', () => {
  it('writes one RDB file per shard under the lowercased target name, and returns the source to available', async () => {
    // Arrange
    const source = await availableSnapshot(2);
    const bucket = await bucketGranting(['READ', 'WRITE', 'READ_ACP']);

    // Act
    const started = await exportTo(source, 'Orders-Export', bucket);
    const finished = await eventually(async () => {
      const snapshot = await snapshotNamed(source);
      return snapshot?.SnapshotStatus === 'available' ? snapshot : undefined;
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const files = ['orders-export-0001.rdb', 'orders-export-0002.rdb'].map((key) =>
      fs.readFileSync(harness.aws.s3.objectFile(bucket, key) ?? ''),
    );

    // Assert
    expect(started.Snapshot).toMatchObject({ SnapshotName: source, SnapshotStatus: 'copying' });
    expect(finished.SnapshotStatus).toBe('available');
    expect(listed.Contents?.map((object) => object.Key)).toEqual(['orders-export-0001.rdb', 'orders-export-0002.rdb']);
    expect(crc64Jones(Buffer.from('123456789'))).toBe(0xe9c6d914c4b8d9can);
    for (const [index, file] of files.entries()) {
      expect(listed.Contents?.[index]?.Size).toBe(file.length);
      expect(file.subarray(0, 9).toString()).toBe('REDIS0010');
      expect(file[file.length - 9]).toBe(0xff);
      expect(file.readBigUInt64LE(file.length - 8)).toBe(crc64Jones(file.subarray(0, file.length - 8)));
    }
    expect(files[0]?.equals(files[1] ?? Buffer.alloc(0))).toBe(false);
  });

  it('serves the exported file through GetObject', async () => {
    // Arrange
    const source = await availableSnapshot();
    const bucket = await bucketGranting(['FULL_CONTROL']);
    await exportTo(source, 'served', bucket);
    await eventually(async () => ((await snapshotNamed(source))?.SnapshotStatus === 'available' ? true : undefined));

    // Act
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'served-0001.rdb' }));
    const bytes = Buffer.from((await got.Body?.transformToByteArray()) ?? []);

    // Assert
    expect(bytes.subarray(0, 9).toString()).toBe('REDIS0010');
    expect(bytes.length).toBeGreaterThan(100);
  });

  it('exports to a bucket whose policy grants the ElastiCache service principal, with ACLs disabled', async () => {
    // Arrange
    const source = await availableSnapshot();
    const bucket = unique('policy-bucket');
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'us-east-1.elasticache-snapshot.amazonaws.com' },
              Action: ['s3:PutObject', 's3:GetObject', 's3:ListBucket', 's3:GetBucketAcl'],
              Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
            },
          ],
        }),
      }),
    );

    // Act
    await exportTo(source, 'by-policy', bucket);
    const keys = await eventually(async () => {
      const { Contents } = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
      return Contents?.length ? Contents.map((object) => object.Key) : undefined;
    });

    // Assert
    expect(keys).toEqual(['by-policy-0001.rdb']);
  });

  it('refuses a second export of a source that is still copying', async () => {
    // Arrange
    const slow = await startHarness({ elastiCache: { exportSeconds: 3600 } });
    slow.aws.elastiCache.seedReplicationGroup({ replicationGroupId: 'long-export' });
    slow.aws.elastiCache.seedSnapshot({ snapshotName: 'big', replicationGroupId: 'long-export' });
    slow.aws.s3.seedBucket({ name: 'slow-exports', grantElastiCache: true });
    const client = slow.elastiCache();
    await exportTo('big', 'first', 'slow-exports', client);

    // Act
    const status = (await client.send(new DescribeSnapshotsCommand({ SnapshotName: 'big' }))).Snapshots?.[0]
      ?.SnapshotStatus;
    const error = await rejectionOf(exportTo('big', 'second', 'slow-exports', client));
    await slow.stop();

    // Assert
    expect(status).toBe('copying');
    expect(error.name).toBe('InvalidSnapshotStateFault');
  });
});

describe('staged export faults', () => {
  it('can end an export with the source available and nothing in the bucket', async () => {
    // Arrange
    const source = await availableSnapshot();
    const bucket = await bucketGranting(['FULL_CONTROL']);
    const staged = await rawRequest(harness.aws.url, {
      method: 'POST',
      path: '/_local/elasticache/faults',
      body: JSON.stringify({ exportOutcome: 'no-objects' }),
    });

    // Act
    const started = await exportTo(source, 'empty', bucket);
    await eventually(async () => ((await snapshotNamed(source))?.SnapshotStatus === 'available' ? true : undefined));
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));

    // Assert
    expect(staged.status).toBe(201);
    expect(started.Snapshot?.SnapshotStatus).toBe('copying');
    expect(listed.KeyCount).toBe(0);
  });

  it('can end an export with the source failed', async () => {
    // Arrange
    const source = await availableSnapshot();
    const bucket = await bucketGranting(['FULL_CONTROL']);
    harness.aws.elastiCache.stageFault({ exportOutcome: 'failed' });

    // Act
    await exportTo(source, 'broken', bucket);
    const status = await eventually(async () => {
      const current = (await snapshotNamed(source))?.SnapshotStatus;
      return current === 'copying' ? undefined : current;
    });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));

    // Assert
    expect(status).toBe('failed');
    expect(listed.KeyCount).toBe(0);
  });

  it('throttles CopySnapshot when staged, and the SDK gives up after its attempts', async () => {
    // Arrange
    const source = await availableSnapshot();
    const bucket = await bucketGranting(['FULL_CONTROL']);
    harness.aws.elastiCache.stageFault({ action: 'CopySnapshot', count: 1 });
    const noRetries = harness.elastiCache({}, { maxAttempts: 1 });

    // Act
    const error = await rejectionOf(exportTo(source, 'throttled', bucket, noRetries));
    const retried = await exportTo(source, 'throttled', bucket, noRetries);

    // Assert
    expect([error.name, error.message, httpStatusOf(error)]).toEqual(['Throttling', 'Rate exceeded', 400]);
    expect(retried.Snapshot?.SnapshotStatus).toBe('copying');
  });
});
