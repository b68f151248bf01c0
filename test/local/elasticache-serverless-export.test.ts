// ExportServerlessCacheSnapshot through the real SDK client: the same bucket checks and messages as CopySnapshot's
// export, the snapshot's state checks, Memcached refused, the snapshot `exporting` then `available` with its .rdb
// object written, staged outcomes, and the state kept across a restart on the same data folder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateServerlessCacheSnapshotCommand,
  DeleteServerlessCacheSnapshotCommand,
  DescribeServerlessCacheSnapshotsCommand,
  type ElastiCacheClient,
  ExportServerlessCacheSnapshotCommand,
} from '@aws-sdk/client-elasticache';
import {
  CreateBucketCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketAclCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { readRdb, serverlessExportKeys } from '../../local/aws/elasticache/index';
import { createClock } from '../../local/clock';
import { eventually, type Harness, httpStatusOf, rejectionOf, startHarness } from './emulator-harness';

const ELASTICACHE_ID = '540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353';
const ACCOUNT = { accountId: '123456789012' };

let harness: Harness;
let elastiCache: ElastiCacheClient;
let counter = 0;
const unique = (label: string): string => `${label}-${process.pid}-${++counter}`;

beforeAll(async () => {
  // Snapshots and exports take 0.5 s of real time: long enough to see each phase.
  harness = await startHarness({ elastiCache: { snapshotSeconds: 500, exportSeconds: 500 } });
  elastiCache = harness.elastiCache({ accessKeyId: '123456789012' }, { maxAttempts: 1 });
});

afterEach(() => harness.aws.elastiCache.clearFaults());

afterAll(() => harness.stop());

const status = async (client: ElastiCacheClient, name: string): Promise<string | undefined> =>
  (await client.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: name })))
    .ServerlessCacheSnapshots?.[0]?.Status;

/** An available snapshot of a seeded serverless cache (no API call). */
const seededSnapshot = (engine: 'valkey' | 'redis' | 'memcached' = 'valkey'): { cache: string; snapshot: string } => {
  const cache = unique('sessions');
  const snapshot = unique('nightly');
  harness.aws.elastiCache.seedServerlessCache({ serverlessCacheName: cache, engine, ...ACCOUNT });
  harness.aws.elastiCache.seedServerlessSnapshot({ snapshotName: snapshot, serverlessCacheName: cache, ...ACCOUNT });
  return { cache, snapshot };
};

const grantedBucket = (): string => {
  const bucket = unique('exports');
  harness.aws.s3.seedBucket({ name: bucket, grantElastiCache: true, ...ACCOUNT });
  return bucket;
};

const exportTo = (snapshot: string, bucket: string, client = elastiCache) =>
  client.send(
    new ExportServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: snapshot, S3BucketName: bucket }),
  );

const expectInvalidValue = async (promise: Promise<unknown>, message: string): Promise<void> => {
  const error = await rejectionOf(promise);
  expect([error.name, error.Code, httpStatusOf(error), error.message]).toEqual([
    'InvalidParameterValueException',
    'InvalidParameterValue',
    400,
    message,
  ]);
};

describe("ExportServerlessCacheSnapshot's bucket checks, with CopySnapshot's messages", () => {
  it('reports a bucket that does not exist', async () => {
    // Arrange
    const { snapshot } = seededSnapshot();
    const bucket = unique('missing');

    // Act / Assert
    await expectInvalidValue(exportTo(snapshot, bucket), `The S3 bucket ${bucket} does not exist.`);
  });

  it('reports a bucket owned by another account', async () => {
    // Arrange
    const { snapshot } = seededSnapshot();
    const bucket = unique('foreign');
    await harness.s3({ accessKeyId: '111111111111' }).send(new CreateBucketCommand({ Bucket: bucket }));

    // Act / Assert
    await expectInvalidValue(
      exportTo(snapshot, bucket),
      `The S3 bucket ${bucket} is not owned by the authenticated user.`,
    );
  });

  it('reports a bucket in another Region', async () => {
    // Arrange
    const { snapshot } = seededSnapshot();
    const bucket = unique('far');
    harness.aws.s3.seedBucket({ name: bucket, region: 'eu-west-1', grantElastiCache: true, ...ACCOUNT });

    // Act / Assert
    await expectInvalidValue(exportTo(snapshot, bucket), `The S3 bucket ${bucket} is outside of the region.`);
  });

  it.each([
    ['READ', []],
    ['WRITE', ['READ']],
    ['READ_ACP', ['READ', 'WRITE']],
  ] as const)('reports a missing %s grant', async (missing, granted) => {
    // Arrange
    const { snapshot } = seededSnapshot();
    const bucket = unique('acl');
    const s3 = harness.s3({ accessKeyId: '123456789012' });
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectOwnership: 'ObjectWriter' }));
    const grantee = `id="${ELASTICACHE_ID}"`;
    await s3.send(
      new PutBucketAclCommand({
        Bucket: bucket,
        ...((granted as readonly string[]).includes('READ') && { GrantRead: grantee }),
        ...((granted as readonly string[]).includes('WRITE') && { GrantWrite: grantee }),
        ...(granted.length === 0 && { ACL: 'private' }),
      }),
    );

    // Act / Assert
    await expectInvalidValue(
      exportTo(snapshot, bucket),
      `ElastiCache has not been granted ${missing} permissions ${bucket} on the S3 Bucket.`,
    );
  });

  it('accepts a bucket policy granting the regional service principal', async () => {
    // Arrange
    const { snapshot } = seededSnapshot();
    const bucket = unique('policy');
    harness.aws.s3.seedBucket({
      name: bucket,
      ...ACCOUNT,
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'us-east-1.elasticache-snapshot.amazonaws.com' },
            Action: ['s3:PutObject', 's3:GetObject', 's3:ListBucket', 's3:GetBucketAcl'],
            Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`],
          },
        ],
      },
    });

    // Act / Assert
    await expect(exportTo(snapshot, bucket)).resolves.toBeDefined();
  });

  it('reports an object already at the key it would write', async () => {
    // Arrange
    const { snapshot } = seededSnapshot();
    const bucket = grantedBucket();
    const [key = ''] = serverlessExportKeys(snapshot);
    await harness
      .s3({ accessKeyId: '123456789012' })
      .send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'old' }));

    // Act / Assert
    await expectInvalidValue(
      exportTo(snapshot, bucket),
      `The S3 bucket ${bucket} already contains an object with key ${key}.`,
    );
  });
});

describe('ExportServerlessCacheSnapshot', () => {
  it('exports: the snapshot exporting, then available, and <snapshot>-0001.rdb written as a valid RDB', async () => {
    // Arrange
    const { snapshot } = seededSnapshot();
    const bucket = grantedBucket();

    // Act
    const { ServerlessCacheSnapshot: answered } = await exportTo(snapshot, bucket);
    const during = await status(elastiCache, snapshot);
    const deletion = rejectionOf(
      elastiCache.send(new DeleteServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: snapshot })),
    );
    await eventually(async () => ((await status(elastiCache, snapshot)) === 'available' ? true : undefined));
    const s3 = harness.s3({ accessKeyId: '123456789012' });
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: bucket }));
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${snapshot}-0001.rdb` }));
    const body = Buffer.from(await (object.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())));

    // Assert
    expect([answered?.ServerlessCacheSnapshotName, answered?.Status, during]).toEqual([
      snapshot,
      'exporting',
      'exporting',
    ]);
    expect((await deletion).name).toBe('InvalidServerlessCacheSnapshotStateFault');
    expect(listed.Contents?.map((item) => item.Key)).toEqual([`${snapshot}-0001.rdb`]);
    expect(body.subarray(0, 9).toString()).toBe('REDIS0011');
    expect(readRdb(body).keys.map((record) => record.key)).toContain('leaderboard:bestsellers');
  });

  it('refuses a snapshot that does not exist, one not available, and a Memcached one', async () => {
    // Arrange
    const bucket = grantedBucket();
    const { cache } = seededSnapshot();
    const creating = unique('creating');
    await elastiCache.send(
      new CreateServerlessCacheSnapshotCommand({ ServerlessCacheName: cache, ServerlessCacheSnapshotName: creating }),
    );
    const memcached = seededSnapshot('memcached');

    // Act
    const missing = await rejectionOf(exportTo('no-such-snapshot', bucket));
    const notAvailable = await rejectionOf(exportTo(creating, bucket));

    // Assert
    expect([missing.name, httpStatusOf(missing)]).toEqual(['ServerlessCacheSnapshotNotFoundFault', 404]);
    expect([notAvailable.name, httpStatusOf(notAvailable)]).toEqual(['InvalidServerlessCacheSnapshotStateFault', 400]);
    await expectInvalidValue(
      exportTo(memcached.snapshot, bucket),
      'Exporting a serverless cache snapshot is available for Valkey and Redis OSS only.',
    );
  });

  it('refuses to export a snapshot of a cache that is backing up', async () => {
    // Arrange
    const { cache, snapshot } = seededSnapshot();
    await elastiCache.send(
      new CreateServerlessCacheSnapshotCommand({
        ServerlessCacheName: cache,
        ServerlessCacheSnapshotName: unique('b'),
      }),
    );

    // Act
    const error = await rejectionOf(exportTo(snapshot, grantedBucket()));

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['InvalidServerlessCacheStateFault', 400]);
  });

  it.each([
    ['failed', 'failed', 0],
    ['no-objects', 'available', 0],
  ] as const)('ends a staged %s export %s with %i objects written', async (outcome, ending, objects) => {
    // Arrange
    const { snapshot } = seededSnapshot();
    const other = seededSnapshot();
    const bucket = grantedBucket();
    harness.aws.elastiCache.stageFault({ exportOutcome: outcome, serverlessCacheSnapshotName: snapshot });

    // Act: the fault names the second export's snapshot, so the first one is untouched.
    await exportTo(other.snapshot, bucket);
    await exportTo(snapshot, bucket);
    await eventually(async () => ((await status(elastiCache, snapshot)) === ending ? true : undefined));
    await eventually(async () => ((await status(elastiCache, other.snapshot)) === 'available' ? true : undefined));
    const listed = await harness.s3({ accessKeyId: '123456789012' }).send(new ListObjectsV2Command({ Bucket: bucket }));

    // Assert
    expect(listed.Contents?.map((item) => item.Key) ?? []).toEqual([
      ...serverlessExportKeys(other.snapshot),
      ...serverlessExportKeys(snapshot).slice(0, objects),
    ]);
  });

  it('writes one object per shard with serverlessExportShards', async () => {
    // Arrange
    const sharded = await startHarness({
      elastiCache: { serverlessExportShards: 3, serverlessExportStatus: 'copying' },
    });
    try {
      sharded.aws.elastiCache.seedServerlessCache({ serverlessCacheName: 'big', ...ACCOUNT });
      sharded.aws.elastiCache.seedServerlessSnapshot({
        snapshotName: 'big-nightly',
        serverlessCacheName: 'big',
        ...ACCOUNT,
      });
      sharded.aws.s3.seedBucket({ name: 'big-exports', grantElastiCache: true, ...ACCOUNT });
      const client = sharded.elastiCache({ accessKeyId: '123456789012' });

      // Act
      const { ServerlessCacheSnapshot: answered } = await exportTo('big-nightly', 'big-exports', client);
      await eventually(async () => ((await status(client, 'big-nightly')) === 'available' ? true : undefined));
      const listed = await sharded
        .s3({ accessKeyId: '123456789012' })
        .send(new ListObjectsV2Command({ Bucket: 'big-exports' }));

      // Assert
      expect(answered?.Status).toBe('copying');
      expect(listed.Contents?.map((item) => item.Key)).toEqual([
        'big-nightly-0001.rdb',
        'big-nightly-0002.rdb',
        'big-nightly-0003.rdb',
      ]);
    } finally {
      await sharded.stop();
    }
  });
});

describe('serverless caches after a restart on the same data folder', () => {
  it('keeps caches and snapshots, finishes a snapshot and an export in progress, and keeps counting the quota (2 here)', async () => {
    // Arrange: 100 emulated seconds take one real second; the snapshot and the export take 1 s, the quota is 2.
    const clock = createClock(0.01);
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-aws-serverless-restart-'));
    const settings = { snapshotSeconds: 100, exportSeconds: 100, serverlessSnapshotsPerCache: 2 };
    const before = await startHarness({ dataDir, clock, elastiCache: settings });
    before.aws.elastiCache.seedServerlessCache({ serverlessCacheName: 'kept', ...ACCOUNT });
    before.aws.elastiCache.seedServerlessSnapshot({ snapshotName: 'old', serverlessCacheName: 'kept', ...ACCOUNT });
    before.aws.s3.seedBucket({ name: 'kept-exports', grantElastiCache: true, ...ACCOUNT });
    const first = before.elastiCache({ accessKeyId: '123456789012' });
    await exportTo('old', 'kept-exports', first);
    await first.send(
      new CreateServerlessCacheSnapshotCommand({ ServerlessCacheName: 'kept', ServerlessCacheSnapshotName: 'fresh' }),
    );
    await before.stop();

    try {
      // Act
      const after = await startHarness({ dataDir, clock, elastiCache: settings });
      try {
        const client = after.elastiCache({ accessKeyId: '123456789012' }, { maxAttempts: 1 });
        const right = [await status(client, 'old'), await status(client, 'fresh')];
        await eventually(async () => ((await status(client, 'fresh')) === 'available' ? true : undefined), 10_000);
        await eventually(async () => ((await status(client, 'old')) === 'available' ? true : undefined), 10_000);
        await client.send(
          new CreateServerlessCacheSnapshotCommand({
            ServerlessCacheName: 'kept',
            ServerlessCacheSnapshotName: 'second',
          }),
        );
        await eventually(async () => ((await status(client, 'second')) === 'available' ? true : undefined), 10_000);
        const refused = await rejectionOf(
          client.send(
            new CreateServerlessCacheSnapshotCommand({
              ServerlessCacheName: 'kept',
              ServerlessCacheSnapshotName: 'third',
            }),
          ),
        );
        const listed = await after
          .s3({ accessKeyId: '123456789012' })
          .send(new ListObjectsV2Command({ Bucket: 'kept-exports' }));

        // Assert
        expect(right).toEqual(['exporting', 'creating']);
        expect(refused.name).toBe('ServerlessCacheSnapshotQuotaExceededFault');
        expect(listed.Contents?.map((item) => item.Key)).toEqual(['old-0001.rdb']);
      } finally {
        await after.stop();
      }
    } finally {
      clock.dispose();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
