// The AWS CLI (botocore's own parsers) against the emulator. CI installs awscli; a missing CLI fails these tests.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writeRdb } from '../../local/aws/elasticache/rdb';
import { eventually, type Harness, runAwsCli, startHarness } from './emulator-harness';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
  harness.aws.elastiCache.seedReplicationGroup({ replicationGroupId: 'cli-cache', numNodeGroups: 2 });
  harness.aws.elastiCache.seedSnapshot({ snapshotName: 'cli-nightly', replicationGroupId: 'cli-cache' });
  harness.aws.s3.seedBucket({ name: 'cli-exports', grantElastiCache: true });
});

afterAll(() => harness.stop());

const cli = async (...args: string[]): Promise<unknown> => {
  const result = await runAwsCli(harness.aws.url, args);
  if (result.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return JSON.parse(result.stdout) as unknown;
};

it('describes snapshots with aws elasticache describe-snapshots', async () => {
  // Act
  const output = (await cli('elasticache', 'describe-snapshots', '--snapshot-name', 'cli-nightly')) as {
    Snapshots: Array<Record<string, unknown>>;
  };

  // Assert
  expect(output.Snapshots).toHaveLength(1);
  expect(output.Snapshots[0]).toMatchObject({
    SnapshotName: 'cli-nightly',
    ReplicationGroupId: 'cli-cache',
    SnapshotStatus: 'available',
    NumNodeGroups: 2,
    NodeSnapshots: [expect.objectContaining({ NodeGroupId: '0001' }), expect.objectContaining({ NodeGroupId: '0002' })],
  });
});

it('reports an export error the way the CLI prints ElastiCache errors', async () => {
  // Act
  const result = await runAwsCli(harness.aws.url, [
    'elasticache',
    'copy-snapshot',
    '--source-snapshot-name',
    'cli-nightly',
    '--target-snapshot-name',
    'cli-export',
    '--target-bucket',
    'no-such-cli-bucket',
  ]);

  // Assert
  expect(result.code).not.toBe(0);
  expect(result.stderr).toContain(
    'An error occurred (InvalidParameterValue) when calling the CopySnapshot operation: The S3 bucket no-such-cli-bucket does not exist.',
  );
});

it('exports with copy-snapshot and lists the objects with aws s3api list-objects-v2', async () => {
  // Arrange
  await cli(
    'elasticache',
    'copy-snapshot',
    '--source-snapshot-name',
    'cli-nightly',
    '--target-snapshot-name',
    'CLI-Export',
    '--target-bucket',
    'cli-exports',
  );
  await new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      if (harness.aws.elastiCache.snapshotStatus('cli-nightly') === 'available') resolve();
      else if (Date.now() - started > 5000) reject(new Error('The export did not finish'));
      else setTimeout(poll, 10);
    };
    poll();
  });

  // Act
  const output = (await cli('s3api', 'list-objects-v2', '--bucket', 'cli-exports')) as {
    Contents: Array<{ Key: string; Size: number }>;
  };

  // Assert
  expect(output.Contents.map((object) => object.Key)).toEqual(['cli-export-0001.rdb', 'cli-export-0002.rdb']);
  expect(output.Contents.every((object) => object.Size > 0)).toBe(true);
});

it('reads bucket location and ACL with aws s3api', async () => {
  // Act
  const location = (await cli('s3api', 'get-bucket-location', '--bucket', 'cli-exports')) as {
    LocationConstraint: string | null;
  };
  const acl = (await cli('s3api', 'get-bucket-acl', '--bucket', 'cli-exports')) as {
    Grants: Array<{ Grantee: { ID?: string; Type: string }; Permission: string }>;
  };

  // Assert
  expect(location.LocationConstraint).toBeNull();
  expect(
    acl.Grants.filter((grant) => grant.Grantee.ID?.startsWith('540804c3')).map((grant) => grant.Permission),
  ).toEqual(['READ', 'WRITE', 'READ_ACP']);
});

it('uploads and downloads a file with aws s3 cp', async () => {
  // Arrange
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-upload-'));
  const upload = path.join(folder, 'upload.bin');
  const download = path.join(folder, 'download.bin');
  fs.writeFileSync(upload, Buffer.from(Array.from({ length: 4096 }, (_, index) => index % 251)));

  // Act
  const put = await runAwsCli(harness.aws.url, ['s3', 'cp', upload, 's3://cli-exports/uploads/upload.bin']);
  const get = await runAwsCli(harness.aws.url, ['s3', 'cp', 's3://cli-exports/uploads/upload.bin', download]);
  const same = fs.readFileSync(download).equals(fs.readFileSync(upload));
  fs.rmSync(folder, { recursive: true, force: true });

  // Assert
  expect([put.code, put.stderr]).toEqual([0, '']);
  expect(get.code).toBe(0);
  expect(same).toBe(true);
});

it('publishes with aws sns publish', async () => {
  // Arrange
  const topic = (await cli('sns', 'create-topic', '--name', 'cli-topic')) as { TopicArn: string };

  // Act
  const published = (await cli('sns', 'publish', '--topic-arn', topic.TopicArn, '--message', 'hello from the CLI')) as {
    MessageId: string;
  };

  // Assert
  expect(harness.aws.sns.messages()).toContainEqual(
    expect.objectContaining({
      messageId: published.MessageId,
      message: 'hello from the CLI',
      topicArn: topic.TopicArn,
    }),
  );
});

it('takes and deletes a snapshot with aws elasticache create-snapshot and delete-snapshot', async () => {
  // Arrange
  harness.aws.elastiCache.seedReplicationGroup({ replicationGroupId: 'cli-fresh' });

  // Act
  const created = (await cli(
    'elasticache',
    'create-snapshot',
    '--replication-group-id',
    'cli-fresh',
    '--snapshot-name',
    'cli-fresh-snap',
  )) as { Snapshot: Record<string, unknown> };
  const unknown = await runAwsCli(harness.aws.url, [
    'elasticache',
    'create-snapshot',
    '--replication-group-id',
    'cli-no-such-group',
    '--snapshot-name',
    'cli-orphan',
  ]);
  await new Promise<void>((resolve, reject) => {
    const started = Date.now();
    const poll = (): void => {
      if (harness.aws.elastiCache.snapshotStatus('cli-fresh-snap') === 'available') resolve();
      else if (Date.now() - started > 5000) reject(new Error('The snapshot did not become available'));
      else setTimeout(poll, 10);
    };
    poll();
  });
  const deleted = (await cli('elasticache', 'delete-snapshot', '--snapshot-name', 'cli-fresh-snap')) as {
    Snapshot: Record<string, unknown>;
  };

  // Assert
  expect(created.Snapshot).toMatchObject({
    SnapshotName: 'cli-fresh-snap',
    SnapshotStatus: 'creating',
    SnapshotSource: 'manual',
  });
  expect(unknown.code).not.toBe(0);
  expect(unknown.stderr).toContain('(ReplicationGroupNotFoundFault) when calling the CreateSnapshot operation');
  expect(deleted.Snapshot).toMatchObject({ SnapshotName: 'cli-fresh-snap', SnapshotStatus: 'deleting' });
});

it('seeds a replication group from .rdb files with create-replication-group --snapshot-arns', async () => {
  // Arrange
  const keys = [{ key: 'cart:cli', type: 'hash' as const, fields: [['sku-1', '2']] as Array<[string, string]> }];
  const file = writeRdb({ engine: 'redis', engineVersion: '7.1', createdAt: new Date(), keys });
  harness.aws.s3.putObject('cli-exports', 'seed/cli-seed.rdb', file);

  // Act
  const created = (await cli(
    'elasticache',
    'create-replication-group',
    '--replication-group-id',
    'cli-restored',
    '--replication-group-description',
    'seeded with the CLI',
    '--engine',
    'redis',
    '--engine-version',
    '7.1',
    '--snapshot-arns',
    'arn:aws:s3:::cli-exports/seed/cli-seed.rdb',
  )) as { ReplicationGroup: Record<string, unknown> };
  const refused = await runAwsCli(harness.aws.url, [
    'elasticache',
    'create-replication-group',
    '--replication-group-id',
    'cli-unseeded',
    '--replication-group-description',
    'no such file',
    '--snapshot-arns',
    'arn:aws:s3:::cli-exports/seed/missing.rdb',
  ]);
  const settled = await eventually(async () => {
    const described = (await cli(
      'elasticache',
      'describe-replication-groups',
      '--replication-group-id',
      'cli-restored',
    )) as { ReplicationGroups: Array<{ Status: string }> };
    const status = described.ReplicationGroups[0]?.Status;
    return status === 'creating' ? undefined : status;
  });

  // Assert
  expect(created.ReplicationGroup).toMatchObject({ ReplicationGroupId: 'cli-restored', Status: 'creating' });
  expect(settled).toBe('available');
  expect(refused.code).not.toBe(0);
  expect(refused.stderr).toContain(
    'An error occurred (InvalidParameterValue) when calling the CreateReplicationGroup operation: The S3 object seed/missing.rdb does not exist in the bucket cli-exports.',
  );
});

it('deletes objects with aws s3api delete-objects, missing keys listed as deleted', async () => {
  // Arrange
  harness.aws.s3.putObject('cli-exports', 'old/cli-0001.rdb', 'old');

  // Act
  const output = (await cli(
    's3api',
    'delete-objects',
    '--bucket',
    'cli-exports',
    '--delete',
    JSON.stringify({ Objects: [{ Key: 'old/cli-0001.rdb' }, { Key: 'old/never.rdb' }] }),
  )) as { Deleted: Array<{ Key: string }> };

  // Assert
  expect(output.Deleted.map((deleted) => deleted.Key)).toEqual(['old/cli-0001.rdb', 'old/never.rdb']);
  expect(harness.aws.s3.listObjects('cli-exports').map((object) => object.key)).not.toContain('old/cli-0001.rdb');
});
