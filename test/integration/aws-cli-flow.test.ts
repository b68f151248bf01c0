// An operator's session with the AWS CLI against the local stack: a bucket prepared for ElastiCache with s3api, a
// replication group and a snapshot made with `aws elasticache`, the export requested over the HTTP API, and the
// result checked with the CLI again (the .rdb objects, the Step Functions execution). The stack starts with no demo
// data: everything the export needs is made here. A missing `aws` fails this suite; it does not skip.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AWS_CLI_MISSING, type ExportResource, runAwsCli, type StackHarness, startStackHarness } from './stack-harness';

const ELASTICACHE_CANONICAL_ID = '540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353';
const BUCKET = 'cli-flow-exports';
const REPLICATION_GROUP = 'cli-flow-cache';
const SNAPSHOT = 'cli-flow-snapshot';
const WAIT_TIMEOUT_MS = 20_000;

let harness: StackHarness;
let downloads: string;

beforeAll(async () => {
  // Fails every test of the file with a clear message when the CLI is not installed.
  const version = await runAwsCli('http://127.0.0.1:1', ['--version']);
  if (version.code !== 0) throw new Error(`${AWS_CLI_MISSING} (aws --version exited ${version.code})`);
  harness = await startStackHarness({ seed: false, config: { allowedTargetBuckets: [BUCKET] } });
  downloads = mkdtempSync(path.join(tmpdir(), 'aws-cli-flow-'));
}, 60_000);

afterAll(async () => {
  await harness?.stop();
  if (downloads) rmSync(downloads, { recursive: true, force: true });
});

/** Runs `aws …` against the stack's AWS endpoint and parses its JSON output ({} when it printed nothing). */
const aws = async <T = Record<string, unknown>>(...args: string[]): Promise<T> => {
  const result = await runAwsCli(harness.stack.awsUrl, args);
  if (result.code !== 0) throw new Error(`aws ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return (result.stdout.trim() ? JSON.parse(result.stdout) : {}) as T;
};

/** Runs `look` until it returns a value; a bounded loop, as a script around the CLI would do. */
const waitUntil = async <T>(what: string, look: () => Promise<T | undefined>): Promise<T> => {
  const deadline = Date.now() + WAIT_TIMEOUT_MS;
  for (;;) {
    const value = await look();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${WAIT_TIMEOUT_MS} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
};

interface AclOutput {
  Owner?: { ID?: string };
  Grants?: Array<{ Grantee?: { ID?: string; Type?: string }; Permission?: string }>;
}

// The three steps run in order: each builds on what the one before made.
describe('an export prepared and checked with the AWS CLI', () => {
  it('prepares the bucket with ACLs enabled and the ElastiCache grants, using aws s3api', async () => {
    // Arrange
    await aws('s3api', 'create-bucket', '--bucket', BUCKET);

    // Act
    await aws(
      's3api',
      'put-bucket-ownership-controls',
      '--bucket',
      BUCKET,
      '--ownership-controls',
      JSON.stringify({ Rules: [{ ObjectOwnership: 'BucketOwnerPreferred' }] }),
    );
    const before = await aws<AclOutput>('s3api', 'get-bucket-acl', '--bucket', BUCKET);
    const ownerId = before.Owner?.ID ?? '';
    const elastiCache = `id=${ELASTICACHE_CANONICAL_ID}`;
    await aws(
      's3api',
      'put-bucket-acl',
      '--bucket',
      BUCKET,
      '--grant-full-control',
      `id=${ownerId}`,
      '--grant-read',
      elastiCache,
      '--grant-write',
      elastiCache,
      '--grant-read-acp',
      elastiCache,
    );
    const after = await aws<AclOutput>('s3api', 'get-bucket-acl', '--bucket', BUCKET);
    const ownership = await aws<{ OwnershipControls?: { Rules?: Array<{ ObjectOwnership?: string }> } }>(
      's3api',
      'get-bucket-ownership-controls',
      '--bucket',
      BUCKET,
    );

    // Assert
    expect(ownerId).toMatch(/^[0-9a-f]{64}$/);
    expect(ownership.OwnershipControls?.Rules).toEqual([{ ObjectOwnership: 'BucketOwnerPreferred' }]);
    const granted = (after.Grants ?? []).map((grant) => `${grant.Grantee?.ID}:${grant.Permission}`).sort();
    expect(granted).toEqual(
      [
        `${ownerId}:FULL_CONTROL`,
        `${ELASTICACHE_CANONICAL_ID}:READ`,
        `${ELASTICACHE_CANONICAL_ID}:WRITE`,
        `${ELASTICACHE_CANONICAL_ID}:READ_ACP`,
      ].sort(),
    );
  });

  it('creates a replication group and a snapshot with aws elasticache, available per describe-snapshots', async () => {
    // Arrange: the stack's outcomes topic (serverless.yml creates it when deployed).
    await aws('sns', 'create-topic', '--name', harness.stack.config.topicName);
    await aws(
      'elasticache',
      'create-replication-group',
      '--replication-group-id',
      REPLICATION_GROUP,
      '--replication-group-description',
      'Exported by the AWS CLI flow test',
      '--engine',
      'redis',
      '--engine-version',
      '7.1',
      '--cache-node-type',
      'cache.t3.micro',
      '--cache-parameter-group-name',
      'default.redis7.cluster.on',
      '--num-node-groups',
      '2',
      '--replicas-per-node-group',
      '1',
      '--automatic-failover-enabled',
    );
    await waitUntil(`replication group ${REPLICATION_GROUP} to become available`, async () => {
      const { ReplicationGroups } = await aws<{ ReplicationGroups: Array<{ Status?: string }> }>(
        'elasticache',
        'describe-replication-groups',
        '--replication-group-id',
        REPLICATION_GROUP,
      );
      return ReplicationGroups[0]?.Status === 'available' ? true : undefined;
    });

    // Act
    await aws(
      'elasticache',
      'create-snapshot',
      '--replication-group-id',
      REPLICATION_GROUP,
      '--snapshot-name',
      SNAPSHOT,
    );
    const snapshot = await waitUntil(`snapshot ${SNAPSHOT} to become available`, async () => {
      const { Snapshots } = await aws<{ Snapshots: Array<Record<string, unknown>> }>(
        'elasticache',
        'describe-snapshots',
        '--snapshot-name',
        SNAPSHOT,
      );
      const [found] = Snapshots;
      if (found?.SnapshotStatus === 'failed') throw new Error(`Snapshot ${SNAPSHOT} failed`);
      return found?.SnapshotStatus === 'available' ? found : undefined;
    });

    // Assert
    expect(snapshot).toMatchObject({
      SnapshotName: SNAPSHOT,
      ReplicationGroupId: REPLICATION_GROUP,
      Engine: 'redis',
      NumNodeGroups: 2,
      SnapshotSource: 'manual',
    });
  });

  it('exports over the HTTP API; the CLI then lists the .rdb files and sees the execution SUCCEEDED', async () => {
    // Arrange
    const request = { sourceSnapshotName: SNAPSHOT, targetSnapshotName: 'CLI-Flow', targetBucket: BUCKET };

    // Act
    const accepted = await harness.postExport(request);
    const { final } = await harness.followExport(accepted.body.exportId);
    const listed = await aws<{ Contents?: Array<{ Key?: string; Size?: number }> }>(
      's3api',
      'list-objects-v2',
      '--bucket',
      BUCKET,
    );
    const execution = await aws<{ status?: string; name?: string; output?: string }>(
      'stepfunctions',
      'describe-execution',
      '--execution-arn',
      accepted.body.executionArn ?? '',
    );
    const downloaded = path.join(downloads, 'cli-flow-0001.rdb');
    await aws('s3api', 'get-object', '--bucket', BUCKET, '--key', 'cli-flow-0001.rdb', downloaded);
    const notifications = await harness.notificationsFor(accepted.body.exportId);

    // Assert
    expect(accepted.status).toBe(202);
    expect(accepted.body.executionArn).toEqual(expect.stringContaining(`:execution:`));
    expect(final.status).toBe('SUCCEEDED');
    expect(listed.Contents?.map((object) => ({ key: object.Key, size: object.Size }))).toEqual([
      { key: 'cli-flow-0001.rdb', size: expect.any(Number) },
      { key: 'cli-flow-0002.rdb', size: expect.any(Number) },
    ]);
    expect(listed.Contents?.map((object) => ({ key: object.Key, size: object.Size }))).toEqual(
      final.outcome?.objects.map(({ key, size }) => ({ key, size })),
    );
    // Each object was verified in full (header, trailer and CRC64) before the export counted as a success.
    expect(final.outcome?.objects.map((object) => object.rdb?.verified)).toEqual(['full', 'full']);
    expect(readFileSync(downloaded).subarray(0, 5).toString('latin1')).toBe('REDIS');

    expect(execution.status).toBe('SUCCEEDED');
    expect(execution.name).toBe(accepted.body.exportId);
    expect(JSON.parse(execution.output ?? '{}') as ExportResource['outcome']).toEqual(final.outcome);
    expect(notifications).toHaveLength(1);
    expect(notifications[0]?.topicArn).toBe(harness.stack.topicArn);
  });
});
