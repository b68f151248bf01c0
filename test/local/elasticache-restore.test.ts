// Seeding new caches from .rdb files in S3 (SnapshotArns of CreateReplicationGroup and CreateCacheCluster), with
// plain SDK calls: a round trip (export a group, restore from the export's ARNs, export the restored group: the same
// keys), keys spread over a different number of shards, a lone cluster seeded from a file a real Redis wrote, every
// refusal at request time, and the restores that end `create-failed` / `restore-failed` (a corrupt file, a file the
// engine version cannot load).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CopySnapshotCommand,
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  type CreateReplicationGroupCommandInput,
  CreateSnapshotCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { keySlot } from '../../local/aws/elasticache/demo-data';
import { type KeyRecord, readRdb, writeRdb } from '../../local/aws/elasticache/rdb';
import { eventually, type Harness, httpStatusOf, rejectionOf, startHarness } from './emulator-harness';

let harness: Harness;
let elastiCache: ElastiCacheClient;
let s3: S3Client;
let counter = 0;
const unique = (label: string): string => `${label}-${process.pid}-${++counter}`;
const BUCKET = 'restore-exports';

beforeAll(async () => {
  harness = await startHarness();
  elastiCache = harness.elastiCache();
  s3 = harness.s3();
  harness.aws.s3.seedBucket({ name: BUCKET, grantElastiCache: true });
});

afterAll(() => harness.stop());

const groupStatus = async (id: string): Promise<string | undefined> =>
  (await elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups?.[0]
    ?.Status;

const clusterStatus = async (id: string): Promise<string | undefined> =>
  (await elastiCache.send(new DescribeCacheClustersCommand({ CacheClusterId: id }))).CacheClusters?.[0]
    ?.CacheClusterStatus;

const settledGroup = (id: string): Promise<string> =>
  eventually(async () => {
    const status = await groupStatus(id);
    return status === 'creating' ? undefined : status;
  });

const createGroup = async (input: Partial<CreateReplicationGroupCommandInput>): Promise<string> => {
  const id = input.ReplicationGroupId ?? unique('cache');
  await elastiCache.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupDescription: 'restore test',
      Engine: 'redis',
      EngineVersion: '7.1',
      CacheNodeType: 'cache.r7g.large',
      ...input,
      ReplicationGroupId: id,
    }),
  );
  return id;
};

const snapshotAvailable = (name: string): Promise<true> =>
  eventually(async () => {
    const { Snapshots } = await elastiCache.send(new DescribeSnapshotsCommand({ SnapshotName: name }));
    return Snapshots?.[0]?.SnapshotStatus === 'available' ? true : undefined;
  });

/** A snapshot of the group exported to the bucket: the ARNs of its objects, in shard order. */
const exportOf = async (source: { ReplicationGroupId?: string; CacheClusterId?: string }): Promise<string[]> => {
  const name = unique('snap');
  await elastiCache.send(new CreateSnapshotCommand({ ...source, SnapshotName: name }));
  await snapshotAvailable(name);
  const target = unique('export');
  await elastiCache.send(
    new CopySnapshotCommand({ SourceSnapshotName: name, TargetSnapshotName: target, TargetBucket: BUCKET }),
  );
  await snapshotAvailable(name);
  const keys = harness.aws.s3
    .listObjects(BUCKET)
    .map((object) => object.key)
    .filter((key) => key.startsWith(`${target}-`))
    .sort();
  return keys.map((key) => `arn:aws:s3:::${BUCKET}/${key}`);
};

const fileOf = (arn: string): Buffer => {
  const key = arn.slice(`arn:aws:s3:::${BUCKET}/`.length);
  return fs.readFileSync(harness.aws.s3.objectFile(BUCKET, key) ?? '');
};

/** A key's content with sets, hashes and sorted sets in a fixed order (a server saves them in its own). */
const normal = (record: KeyRecord): unknown => {
  const order = <T extends [string, unknown] | string>(items: T[]): T[] =>
    [...items].sort((a, b) => ((Array.isArray(a) ? a[0] : a) < (Array.isArray(b) ? b[0] : b) ? -1 : 1));
  if (record.type === 'set') return { ...record, members: order(record.members) };
  if (record.type === 'hash') return { ...record, fields: order(record.fields) };
  if (record.type === 'zset') return { ...record, members: order(record.members) };
  return record;
};

/** Every key of an export, by key, with its value and expiry. */
const contentOf = (arns: string[]): Map<string, unknown> => byKey(arns.flatMap((arn) => readRdb(fileOf(arn)).keys));

const byKey = (records: KeyRecord[]): Map<string, unknown> =>
  new Map(records.map((record) => [record.key, normal(record)]));

const put = async (key: string, body: Buffer, kms = false): Promise<string> => {
  await s3.send(
    new PutObjectCommand({
      Bucket: BUCKET,
      Key: key,
      Body: body,
      ...(kms && { ServerSideEncryption: 'aws:kms', SSEKMSKeyId: 'alias/backups' }),
    }),
  );
  return `arn:aws:s3:::${BUCKET}/${key}`;
};

describe('a restore from an export', () => {
  it('seeds a two-shard group whose own export holds the same keys, shard by shard', async () => {
    // Arrange
    const source = await createGroup({ NumNodeGroups: 2 });
    expect(await settledGroup(source)).toBe('available');
    const exported = await exportOf({ ReplicationGroupId: source });

    // Act
    const restored = unique('restored');
    const answer = await elastiCache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: restored,
        ReplicationGroupDescription: 'restored',
        Engine: 'redis',
        EngineVersion: '7.1',
        NumNodeGroups: 2,
        SnapshotArns: exported,
      }),
    );
    const settled = await settledGroup(restored);
    const again = await exportOf({ ReplicationGroupId: restored });

    // Assert
    expect([answer.ReplicationGroup?.Status, settled]).toEqual(['creating', 'available']);
    expect(exported).toHaveLength(2);
    expect(contentOf(again)).toEqual(contentOf(exported));
    expect(contentOf(exported).size).toBeGreaterThan(20);
    expect(readRdb(fileOf(again[0] ?? '')).keys.every((record) => keySlot(record.key) <= 8191)).toBe(true);
    expect(readRdb(fileOf(again[1] ?? '')).keys.every((record) => keySlot(record.key) > 8191)).toBe(true);
  });

  it('spreads the keys of two files over three shards (NumNodeGroups wins over the number of ARNs)', async () => {
    // Arrange
    const source = await createGroup({ NumNodeGroups: 2 });
    await settledGroup(source);
    const exported = await exportOf({ ReplicationGroupId: source });

    // Act
    const restored = await createGroup({ NumNodeGroups: 3, SnapshotArns: exported });
    await settledGroup(restored);
    const again = await exportOf({ ReplicationGroupId: restored });

    // Assert
    expect(again).toHaveLength(3);
    expect(contentOf(again)).toEqual(contentOf(exported));
  });

  it('seeds a lone Redis 7.0 cluster from a file a real Redis 7.0.15 saved', async () => {
    // Arrange
    const file = fs.readFileSync(path.join(__dirname, 'fixtures', 'redis-7.0.15-dump.rdb'));
    const arn = await put(`${unique('external')}.rdb`, file);
    const id = unique('lone');

    // Act
    await elastiCache.send(
      new CreateCacheClusterCommand({ CacheClusterId: id, Engine: 'redis', EngineVersion: '7.0', SnapshotArns: [arn] }),
    );
    const settled = await eventually(async () => {
      const status = await clusterStatus(id);
      return status === 'creating' ? undefined : status;
    });
    const again = await exportOf({ CacheClusterId: id });

    // Assert
    expect(settled).toBe('available');
    expect(
      fileOf(again[0] ?? '')
        .subarray(0, 9)
        .toString(),
    ).toBe('REDIS0010');
    const live = readRdb(file).keys.filter((record) => (record.expiresAt ?? Number.POSITIVE_INFINITY) > Date.now());
    expect(contentOf(again)).toEqual(byKey(live));
  });
});

describe('refusals when the request arrives', () => {
  const refusal = async (input: Partial<CreateReplicationGroupCommandInput>) => {
    const error = await rejectionOf(createGroup(input));
    return [error.name, httpStatusOf(error), error.message];
  };

  it.each([
    [
      'not an S3 object ARN',
      ['arn:aws:elasticache:us-east-1:000000000000:snapshot:nightly'],
      'InvalidParameterValueException',
      'Invalid SnapshotArns member arn:aws:elasticache:us-east-1:000000000000:snapshot:nightly: expected the ARN of an S3 object, arn:aws:s3:::bucket/key.rdb.',
    ],
    [
      'an object name with a comma',
      [`arn:aws:s3:::${BUCKET}/a,b.rdb`],
      'InvalidParameterValueException',
      `The Amazon S3 object name in the ARN cannot contain any commas: arn:aws:s3:::${BUCKET}/a,b.rdb.`,
    ],
    [
      'a bucket that does not exist',
      ['arn:aws:s3:::no-such-restore-bucket/x.rdb'],
      'InvalidParameterValueException',
      'The S3 bucket no-such-restore-bucket does not exist.',
    ],
    [
      'an object that does not exist',
      [`arn:aws:s3:::${BUCKET}/missing.rdb`],
      'InvalidParameterValueException',
      `The S3 object missing.rdb does not exist in the bucket ${BUCKET}.`,
    ],
  ])('refuses %s', async (_label, arns, code, message) => {
    expect(await refusal({ SnapshotArns: arns })).toEqual([code, 400, message]);
  });

  it('refuses an object ElastiCache may not read', async () => {
    // Arrange
    harness.aws.s3.seedBucket({ name: 'restore-private' });
    harness.aws.s3.putObject(
      'restore-private',
      'dump.rdb',
      fs.readFileSync(path.join(__dirname, 'fixtures', 'redis-7.0.15-dump.rdb')),
    );

    // Act
    const answer = await refusal({ SnapshotArns: ['arn:aws:s3:::restore-private/dump.rdb'] });

    // Assert
    expect(answer).toEqual([
      'InvalidParameterValueException',
      400,
      'ElastiCache has not been granted READ permissions on the S3 object restore-private/dump.rdb.',
    ]);
  });

  it('reads an object a bucket policy lets the ElastiCache service principal get', async () => {
    // Arrange
    harness.aws.s3.seedBucket({
      name: 'restore-by-policy',
      policy: {
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'us-east-1.elasticache-snapshot.amazonaws.com' },
            Action: ['s3:GetObject', 's3:ListBucket', 's3:GetBucketAcl'],
            Resource: ['arn:aws:s3:::restore-by-policy', 'arn:aws:s3:::restore-by-policy/dump.rdb'],
          },
        ],
      },
    });
    harness.aws.s3.putObject(
      'restore-by-policy',
      'dump.rdb',
      fs.readFileSync(path.join(__dirname, 'fixtures', 'redis-7.0.15-dump.rdb')),
    );

    // Act
    const id = await createGroup({ EngineVersion: '7.0', SnapshotArns: ['arn:aws:s3:::restore-by-policy/dump.rdb'] });

    // Assert
    expect(await settledGroup(id)).toBe('available');
  });

  it('refuses an object encrypted with SSE-KMS', async () => {
    // Arrange
    const arn = await put(
      'kms.rdb',
      writeRdb({ engine: 'redis', engineVersion: '7.1', createdAt: new Date(), keys: [] }),
      true,
    );

    // Act
    const answer = await refusal({ SnapshotArns: [arn] });

    // Assert
    expect(answer).toEqual([
      'InvalidParameterValueException',
      400,
      `The S3 object ${BUCKET}/kms.rdb is encrypted with SSE-KMS; ElastiCache seeds a cluster only from objects encrypted with SSE-S3. Copy it with --server-side-encryption AES256 and try again.`,
    ]);
  });

  it('refuses a cluster-mode-disabled group seeded from the files of a multi-shard export', async () => {
    // Arrange
    const source = await createGroup({ NumNodeGroups: 2 });
    await settledGroup(source);
    const exported = await exportOf({ ReplicationGroupId: source });

    // Act
    const answer = await refusal({ SnapshotArns: exported, NumCacheClusters: 2 });
    const lone = await rejectionOf(
      elastiCache.send(new CreateCacheClusterCommand({ CacheClusterId: unique('lone'), SnapshotArns: exported })),
    );

    // Assert
    expect(answer).toEqual([
      'InvalidParameterCombinationException',
      400,
      'A cluster-mode-disabled cluster cannot be seeded from 2 .rdb files (an export of a cluster-mode-enabled group): create a cluster-mode-enabled replication group, or pass one file.',
    ]);
    expect([lone.name, lone.message]).toEqual([
      'InvalidParameterValueException',
      'SnapshotArns of CreateCacheCluster takes a single ARN; got 2.',
    ]);
  });

  it('refuses SnapshotName and SnapshotArns together', async () => {
    expect(await refusal({ SnapshotName: 'any', SnapshotArns: [`arn:aws:s3:::${BUCKET}/x.rdb`] })).toEqual([
      'InvalidParameterCombinationException',
      400,
      'Specify either SnapshotName or SnapshotArns, not both.',
    ]);
  });
});

describe('restores that fail while the cluster is created', () => {
  it('ends create-failed for a corrupt file, its clusters restore-failed, and the group can be deleted', async () => {
    // Arrange
    const file = Buffer.from(
      writeRdb({
        engine: 'redis',
        engineVersion: '7.1',
        createdAt: new Date(),
        keys: [{ key: 'k', type: 'string', value: 'value' }],
      }),
    );
    file[file.indexOf('value')] = 0x56;
    const arn = await put(`${unique('corrupt')}.rdb`, file);

    // Act
    const id = await createGroup({ SnapshotArns: [arn], NumCacheClusters: 2 });
    const settled = await settledGroup(id);
    const members = await elastiCache.send(new DescribeCacheClustersCommand({}));
    const deleted = await elastiCache.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id }));

    // Assert
    expect(settled).toBe('create-failed');
    expect(
      members.CacheClusters?.filter((cluster) => cluster.ReplicationGroupId === id).map((c) => c.CacheClusterStatus),
    ).toEqual(['restore-failed', 'restore-failed']);
    expect(deleted.ReplicationGroup?.Status).toBe('deleting');
  });

  it('ends create-failed when the engine version cannot load the file (a Valkey 8 export into Redis 7.0)', async () => {
    // Arrange
    const source = await createGroup({ Engine: 'valkey', EngineVersion: '8.0' });
    await settledGroup(source);
    const exported = await exportOf({ ReplicationGroupId: source });

    // Act
    const older = await createGroup({ Engine: 'redis', EngineVersion: '7.0', SnapshotArns: exported });
    const newer = await createGroup({ Engine: 'valkey', EngineVersion: '8.1', SnapshotArns: exported });

    // Assert
    expect(
      fileOf(exported[0] ?? '')
        .subarray(0, 9)
        .toString(),
    ).toBe('REDIS0011');
    expect(await settledGroup(older)).toBe('create-failed');
    expect(await settledGroup(newer)).toBe('available');
  });
});

describe('a restored group after a restart', () => {
  it('keeps its keys: an emulator started again on the data folder exports what the files held', async () => {
    // Arrange
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-aws-restore-restart-'));
    const keys: KeyRecord[] = [
      { key: 'queue:restart', type: 'list', items: ['a', 'b'] },
      { key: 'session:restart', type: 'string', value: 'kept', expiresAt: Date.now() + 86_400_000 },
    ];
    const before = await startHarness({ dataDir });
    before.aws.s3.seedBucket({ name: 'restart-seed', grantElastiCache: true });
    before.aws.s3.putObject(
      'restart-seed',
      'seed.rdb',
      writeRdb({ engine: 'valkey', engineVersion: '8.0', createdAt: new Date(), keys }),
    );
    const client = before.elastiCache();
    await client.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'kept-after-restart',
        ReplicationGroupDescription: 'restored, then restarted',
        Engine: 'valkey',
        EngineVersion: '8.0',
        SnapshotArns: ['arn:aws:s3:::restart-seed/seed.rdb'],
      }),
    );
    await before.stop();

    // Act
    const after = await startHarness({ dataDir });
    const again = after.elastiCache();
    try {
      const settled = await eventually(async () => {
        const { ReplicationGroups } = await again.send(
          new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'kept-after-restart' }),
        );
        return ReplicationGroups?.[0]?.Status === 'available' ? 'available' : undefined;
      });
      await again.send(new CreateSnapshotCommand({ ReplicationGroupId: 'kept-after-restart', SnapshotName: 'after' }));
      await eventually(async () => (after.aws.elastiCache.snapshotStatus('after') === 'available' ? true : undefined));
      await again.send(
        new CopySnapshotCommand({
          SourceSnapshotName: 'after',
          TargetSnapshotName: 'after',
          TargetBucket: 'restart-seed',
        }),
      );
      await eventually(async () =>
        after.aws.s3.listObjects('restart-seed').some((object) => object.key === 'after-0001.rdb') ? true : undefined,
      );
      const file = fs.readFileSync(after.aws.s3.objectFile('restart-seed', 'after-0001.rdb') ?? '');

      // Assert
      expect(settled).toBe('available');
      expect(byKey(readRdb(file).keys)).toEqual(byKey(keys));
    } finally {
      await after.stop();
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
