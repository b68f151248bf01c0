// The local stack around the API runner: its settings (local/config.ts), idempotent seeding (local/seed.ts) and
// startLocalStack's lifecycle (local/start.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetBucketAclCommand, S3Client } from '@aws-sdk/client-s3';
import { credentialsOf, handlerEnvironment, REPOSITORY_ROOT, readLocalConfig } from '../../local/config';
import { ELASTICACHE_CANONICAL_ID, seedDemoData } from '../../local/seed';
import { startLocalStack } from '../../local/start';

describe('readLocalConfig', () => {
  it('runs with no settings at all on the documented defaults', () => {
    // Arrange
    const env = {};

    // Act
    const config = readLocalConfig(env);

    // Assert
    expect(config).toMatchObject({
      host: '127.0.0.1',
      awsPort: 4566,
      apiPort: 3000,
      region: 'us-east-1',
      accountId: '000000000000',
      timeScale: 0.05,
      dataDir: path.join(REPOSITORY_ROOT, '.local-data'),
      stateMachineName: 'exportSnapshot-local',
      allowedTargetBuckets: ['elasticache-exports-local'],
      defaultTargetBucket: 'elasticache-exports-local',
      deadlineMinutes: 720,
    });
  });

  it('reads ports, time scale, Region, account, allow-list and data folder from the environment', () => {
    // Arrange
    const env = {
      LOCAL_AWS_PORT: '5566',
      LOCAL_API_PORT: '0',
      LOCAL_TIME_SCALE: '0',
      AWS_REGION: 'eu-west-1',
      LOCAL_ACCOUNT_ID: '123456789012',
      ALLOWED_TARGET_BUCKETS: 'first-bucket, second-bucket',
      LOCAL_DATA_DIR: '/tmp/elsewhere',
    };

    // Act
    const config = readLocalConfig(env);

    // Assert
    expect(config).toMatchObject({
      awsPort: 5566,
      apiPort: 0,
      timeScale: 0,
      region: 'eu-west-1',
      accountId: '123456789012',
      allowedTargetBuckets: ['first-bucket', 'second-bucket'],
      dataDir: '/tmp/elsewhere',
    });
  });

  it.each([
    ['LOCAL_API_PORT', 'three thousand'],
    ['LOCAL_AWS_PORT', '70000'],
    ['LOCAL_TIME_SCALE', '-1'],
    ['LOCAL_ACCOUNT_ID', '1234'],
    ['AWS_REGION', 'nowhere'],
    ['EXPORT_DEADLINE_MINUTES', '0'],
    ['LOCAL_IAM', 'maybe'],
  ])('rejects %s=%s naming the setting', (name, value) => {
    // Arrange
    const env = { [name]: value };

    // Act
    const read = () => readLocalConfig(env);

    // Assert
    expect(read).toThrow(name);
  });

  it('holds the functions to their packaged roles by default, with one role cache for every data folder, and LOCAL_IAM=off turns it off', () => {
    // Act
    const defaults = readLocalConfig({ LOCAL_DATA_DIR: '/tmp/elsewhere' });
    const off = readLocalConfig({ LOCAL_IAM: 'OFF', LOCAL_IAM_CACHE_DIR: '/tmp/roles', SNAPSHOT_TOPICS: '' });

    // Assert
    expect(defaults).toMatchObject({ iam: 'on', iamCacheDir: path.join(REPOSITORY_ROOT, '.local-data', 'iam') });
    expect(defaults.snapshotTopics).toBeUndefined();
    expect(off).toMatchObject({ iam: 'off', iamCacheDir: '/tmp/roles', snapshotTopics: '' });
  });

  it('gives the handlers the emulator endpoint, local credentials and resource names, and no shell profile', () => {
    // Arrange
    const config = readLocalConfig({ LOCAL_ACCOUNT_ID: '123456789012' });

    // Act
    const env = handlerEnvironment(config, 'http://127.0.0.1:4566');

    // Assert
    expect(env).toMatchObject({
      AWS_ENDPOINT_URL: 'http://127.0.0.1:4566',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: '123456789012',
      STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-local',
      DEFAULT_TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:elasticache-export-outcomes-local',
      ALLOWED_TARGET_BUCKETS: 'elasticache-exports-local',
      DEFAULT_TARGET_BUCKET: 'elasticache-exports-local',
      EXPORT_DEADLINE_MINUTES: '720',
    });
    expect(Object.hasOwn(env, 'AWS_PROFILE')).toBe(true);
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(env.AWS_ENDPOINT_URL_S3).toBeUndefined();
  });
});

describe('startLocalStack', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'local-stack-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  const start = (awsPort = 0) =>
    startLocalStack({ env: {}, config: { awsPort, apiPort: 0, dataDir, timeScale: 0.001 } });

  it('seeds again over data kept from an earlier run, leaving the bucket with one set of grants', async () => {
    // Arrange
    const first = await start();
    await first.stop();

    // Act
    const second = await start();
    const reseeded = await seedDemoData({
      endpoint: second.awsUrl,
      region: second.config.region,
      credentials: credentialsOf(second.config),
      bucket: second.config.bucket,
      topicName: second.config.topicName,
      replicationGroupId: second.config.replicationGroupId,
      snapshotName: second.config.snapshotName,
      numNodeGroups: second.config.numNodeGroups,
    });
    const s3 = new S3Client({
      endpoint: second.awsUrl,
      region: 'us-east-1',
      credentials: credentialsOf(second.config),
      forcePathStyle: true,
    });
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: second.config.bucket }));
    s3.destroy();
    await second.stop();

    // Assert
    expect(first.seed?.created).toContain('bucket elasticache-exports-local');
    expect(second.seed?.created).not.toContain('bucket elasticache-exports-local');
    expect(reseeded.created).toEqual([]);
    const elastiCacheGrants = (acl.Grants ?? [])
      .filter((grant) => grant.Grantee?.ID === ELASTICACHE_CANONICAL_ID)
      .map((grant) => grant.Permission)
      .sort();
    expect(elastiCacheGrants).toEqual(['READ', 'READ_ACP', 'WRITE']);
    expect(acl.Grants).toHaveLength(4);
  });

  it('still knows an export after a restart over the same data folder and replays the same request', async () => {
    // Arrange
    const request = JSON.stringify({
      sourceSnapshotName: 'demo-cache-snapshot',
      targetSnapshotName: 'kept-export',
      targetBucket: 'elasticache-exports-local',
    });
    const first = await start();
    const accepted = (await (
      await fetch(`${first.apiUrl}/exports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: request,
      })
    ).json()) as { exportId: string; executionArn: string };
    await first.stepFunctions.settled(accepted.executionArn);
    await first.stop();

    // Act: on the same AWS port, as `npm start` restarts; the handlers loaded in this process keep their clients.
    const second = await start(first.aws.port);
    const kept = await fetch(`${second.apiUrl}/exports/${accepted.exportId}`);
    const replayed = await fetch(`${second.apiUrl}/exports`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: request,
    });
    const keptBody = (await kept.json()) as { status: string; outcome?: { objects: unknown[] } };
    await second.stop();

    // Assert
    expect(kept.status).toBe(200);
    expect(keptBody.status).toBe('SUCCEEDED');
    expect(keptBody.outcome?.objects).toHaveLength(2);
    expect(replayed.status).toBe(200);
  });

  it('sets the handlers environment while it runs and puts the previous one back when stopped', async () => {
    // Arrange
    const before = process.env.STATE_MACHINE_ARN;

    // Act
    const stack = await start();
    const during = { endpoint: process.env.AWS_ENDPOINT_URL, stateMachineArn: process.env.STATE_MACHINE_ARN };
    await stack.stop();

    // Assert
    expect(during).toEqual({ endpoint: stack.awsUrl, stateMachineArn: stack.stateMachineArn });
    expect(process.env.STATE_MACHINE_ARN).toBe(before);
    expect(process.env.AWS_ENDPOINT_URL).toBeUndefined();
  });
});
