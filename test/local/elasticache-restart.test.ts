// The emulated ElastiCache after a restart on the same data folder: resources made at run time through the SDK are
// still listed, work in progress (a group and a cluster `creating`, a snapshot `creating`, an export keeping its
// source `copying`, a deletion) completes at its original time and only once, creation order continues, and each
// account and Region keeps its own state.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CopySnapshotCommand,
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { S3Store } from '../../local/aws/s3/store';
import type { AwsEmulatorOptions } from '../../local/aws/server';
import { createClock } from '../../local/clock';
import { startLocalStack } from '../../local/start';
import { sleep } from '../support/waiting';
import { eventually, type Harness, rejectionOf, startHarness } from './emulator-harness';

const dataDirs: string[] = [];
const running: Harness[] = [];

const freshDataDir = (): string => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-aws-restart-'));
  dataDirs.push(dir);
  return dir;
};

// One clock for every emulator, 0.01 real seconds per emulated second (100 emulated seconds take one real second).
// Shared, as in the local stack, so a stopped emulator's timers would still fire unless it cancels its own work.
const clock = createClock(0.01);

/** An emulator on `dataDir`. */
const start = async (dataDir: string, elastiCache: AwsEmulatorOptions['elastiCache'] = {}): Promise<Harness> => {
  const harness = await startHarness({ dataDir, clock, elastiCache });
  running.push(harness);
  return harness;
};

const stop = async (harness: Harness): Promise<void> => {
  running.splice(running.indexOf(harness), 1);
  await harness.stop();
};

afterEach(async () => {
  jest.restoreAllMocks();
  for (const harness of running.splice(0)) await harness.stop();
});

afterAll(() => {
  clock.dispose();
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const groupStatus = async (client: ElastiCacheClient, id: string): Promise<string | undefined> =>
  (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups?.[0]?.Status;

const clusterStatus = async (client: ElastiCacheClient, id: string): Promise<string | undefined> =>
  (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id }))).CacheClusters?.[0]?.CacheClusterStatus;

const snapshotStatus = async (client: ElastiCacheClient, name: string): Promise<string | undefined> =>
  (await client.send(new DescribeSnapshotsCommand({ SnapshotName: name }))).Snapshots?.[0]?.SnapshotStatus;

const untilStatus = async (
  look: () => Promise<string | undefined>,
  wanted: string,
  timeoutMs = 10_000,
): Promise<void> => {
  await eventually(async () => ((await look()) === wanted ? true : undefined), timeoutMs);
};

describe('ElastiCache after a restart on the same data folder', () => {
  it('lists what was made at run time and finishes creations and an export at their original time, once', async () => {
    // Arrange: a first run makes an available two-shard group and snapshot through the SDK (fast timings).
    const dataDir = freshDataDir();
    const setup = await start(dataDir, { createSeconds: 1, snapshotSeconds: 1 });
    const setupClient = setup.elastiCache();
    await setupClient.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'source-group',
        ReplicationGroupDescription: 'export source',
        NumNodeGroups: 2,
        CacheNodeType: 'cache.r7g.large',
      }),
    );
    await untilStatus(() => groupStatus(setupClient, 'source-group'), 'available');
    await setupClient.send(new CreateSnapshotCommand({ ReplicationGroupId: 'source-group', SnapshotName: 'nightly' }));
    await untilStatus(() => snapshotStatus(setupClient, 'nightly'), 'available');
    setup.aws.s3.seedBucket({ name: 'restart-exports', grantElastiCache: true });
    await stop(setup);

    // A second run starts slow work (1 s to create and snapshot, 1.5 s to export) and stops in the middle of it.
    const before = await start(dataDir, { createSeconds: 100, snapshotSeconds: 100, exportSeconds: 150 });
    const beforeClient = before.elastiCache();
    await beforeClient.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: 'new-group', ReplicationGroupDescription: 'made late' }),
    );
    await beforeClient.send(new CreateCacheClusterCommand({ CacheClusterId: 'new-cluster', Engine: 'redis' }));
    await beforeClient.send(new CreateSnapshotCommand({ ReplicationGroupId: 'source-group', SnapshotName: 'fresh' }));
    const puts = jest.spyOn(S3Store.prototype, 'putObject');
    const exportStartedAt = Date.now();
    await beforeClient.send(
      new CopySnapshotCommand({
        SourceSnapshotName: 'nightly',
        TargetSnapshotName: 'Nightly-Export',
        TargetBucket: 'restart-exports',
      }),
    );
    const statusesBeforeStop = [
      await groupStatus(beforeClient, 'new-group'),
      await clusterStatus(beforeClient, 'new-cluster'),
      await snapshotStatus(beforeClient, 'fresh'),
      await snapshotStatus(beforeClient, 'nightly'),
    ];
    await stop(before);

    // Act: a third run on the same data folder, with the default (shorter) timings.
    const after = await start(dataDir);
    const client = after.elastiCache();
    const listed = {
      groups: (await client.send(new DescribeReplicationGroupsCommand({}))).ReplicationGroups?.map(
        (group) => group.ReplicationGroupId,
      ),
      clusters: (await client.send(new DescribeCacheClustersCommand({}))).CacheClusters?.map(
        (cluster) => cluster.CacheClusterId,
      ),
      snapshots: (await client.send(new DescribeSnapshotsCommand({}))).Snapshots?.map((snapshot) => [
        snapshot.SnapshotName,
        snapshot.SnapshotStatus,
      ]),
    };
    await untilStatus(() => snapshotStatus(client, 'nightly'), 'available');
    const exportSeenDoneAt = Date.now();
    await untilStatus(() => groupStatus(client, 'new-group'), 'available');
    await untilStatus(() => clusterStatus(client, 'new-cluster'), 'available');
    await untilStatus(() => snapshotStatus(client, 'fresh'), 'available');
    // Long enough for a second write of the export, were one scheduled.
    await sleep(500);

    // Assert
    expect(statusesBeforeStop).toEqual(['creating', 'creating', 'creating', 'copying']);
    expect(listed.groups).toEqual(['source-group', 'new-group']);
    expect(listed.clusters).toEqual(['source-group-0001-001', 'source-group-0002-001', 'new-group-001', 'new-cluster']);
    expect(listed.snapshots).toEqual([
      ['nightly', 'copying'],
      ['fresh', 'creating'],
    ]);
    const objects = after.aws.s3.listObjects('restart-exports');
    expect(objects.map((object) => object.key)).toEqual(['nightly-export-0001.rdb', 'nightly-export-0002.rdb']);
    expect(puts.mock.calls.map(([bucket, key]) => `${bucket}/${key}`)).toEqual([
      'restart-exports/nightly-export-0001.rdb',
      'restart-exports/nightly-export-0002.rdb',
    ]);
    // At the original completion time (1.5 s after CopySnapshot), not the restarted emulator's 0.2 s.
    const writtenAt = Date.parse(objects[0]?.lastModified ?? '');
    expect(writtenAt).toBeGreaterThanOrEqual(exportStartedAt + 1500 - 20);
    expect(writtenAt).toBeLessThanOrEqual(exportSeenDoneAt);
    const file = after.aws.s3.objectFile('restart-exports', 'nightly-export-0001.rdb') ?? '';
    expect(fs.readFileSync(file).subarray(0, 9).toString()).toBe('REDIS0010');
  });

  it('completes right after start the work whose time passed while the emulator was stopped', async () => {
    // Arrange
    const dataDir = freshDataDir();
    const before = await start(dataDir, { createSeconds: 30 });
    await before
      .elastiCache()
      .send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'late', ReplicationGroupDescription: 'late' }));
    await stop(before);
    await sleep(400);

    // Act
    const startedAt = Date.now();
    const after = await start(dataDir, { createSeconds: 100_000 });
    await untilStatus(() => groupStatus(after.elastiCache(), 'late'), 'available', 2000);

    // Assert
    expect(Date.now() - startedAt).toBeLessThan(1000);
  });

  it('finishes a deletion that was in progress', async () => {
    // Arrange
    const dataDir = freshDataDir();
    const before = await start(dataDir, { createSeconds: 50 });
    before.aws.elastiCache.seedReplicationGroup({ replicationGroupId: 'doomed', numNodeGroups: 1 });
    const deleted = await before
      .elastiCache()
      .send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'doomed' }));
    await stop(before);

    // Act
    const after = await start(dataDir);
    const client = after.elastiCache();
    const statusAfterRestart = await groupStatus(client, 'doomed');
    const gone = await eventually(() =>
      groupStatus(client, 'doomed').then(
        () => undefined,
        (error: Error) => error.name,
      ),
    );
    const clusters = (await client.send(new DescribeCacheClustersCommand({}))).CacheClusters ?? [];

    // Assert
    expect(deleted.ReplicationGroup?.Status).toBe('deleting');
    expect(statusAfterRestart).toBe('deleting');
    expect(gone).toBe('ReplicationGroupNotFoundFault');
    expect(clusters).toEqual([]);
  });

  it('continues creation order after a restart, so markers handed out before it still page on', async () => {
    // Arrange: 25 snapshots, the first page of 20 taken before the restart.
    const dataDir = freshDataDir();
    const before = await start(dataDir);
    before.aws.elastiCache.seedReplicationGroup({ replicationGroupId: 'paged' });
    const names = Array.from({ length: 25 }, (_, index) => `snap-${String(index).padStart(2, '0')}`);
    for (const name of names) before.aws.elastiCache.seedSnapshot({ snapshotName: name, replicationGroupId: 'paged' });
    const first = await before.elastiCache().send(new DescribeSnapshotsCommand({ MaxRecords: 20 }));
    await stop(before);

    // Act
    const after = await start(dataDir);
    after.aws.elastiCache.seedSnapshot({ snapshotName: 'made-after-restart', replicationGroupId: 'paged' });
    const rest = await after.elastiCache().send(new DescribeSnapshotsCommand({ MaxRecords: 20, Marker: first.Marker }));

    // Assert
    expect(first.Snapshots?.map((snapshot) => snapshot.SnapshotName)).toEqual(names.slice(0, 20));
    expect(rest.Snapshots?.map((snapshot) => snapshot.SnapshotName)).toEqual([
      ...names.slice(20),
      'made-after-restart',
    ]);
    expect(rest.Marker).toBeUndefined();
  });

  it('keeps each account and Region apart after a restart', async () => {
    // Arrange: the same group id in two accounts and Regions.
    const dataDir = freshDataDir();
    const before = await start(dataDir);
    const identities = [
      { accessKeyId: '111111111111', region: 'us-east-1' },
      { accessKeyId: '222222222222', region: 'eu-west-1' },
    ];
    for (const identity of identities) {
      await before.elastiCache(identity).send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: 'shared',
          ReplicationGroupDescription: `group of ${identity.accessKeyId} in ${identity.region}`,
        }),
      );
    }
    await stop(before);

    // Act
    const after = await start(dataDir);
    const seen = [];
    for (const identity of identities) {
      const { ReplicationGroups } = await after.elastiCache(identity).send(new DescribeReplicationGroupsCommand({}));
      seen.push(ReplicationGroups?.map((group) => [group.Description, group.ARN]));
    }
    const defaultAccount = await after.elastiCache().send(new DescribeReplicationGroupsCommand({}));

    // Assert
    expect(seen).toEqual([
      [['group of 111111111111 in us-east-1', 'arn:aws:elasticache:us-east-1:111111111111:replicationgroup:shared']],
      [['group of 222222222222 in eu-west-1', 'arn:aws:elasticache:eu-west-1:222222222222:replicationgroup:shared']],
    ]);
    expect(defaultAccount.ReplicationGroups).toEqual([]);
    expect(fs.readdirSync(path.join(dataDir, 'elasticache')).filter((name) => name.endsWith('.json'))).toHaveLength(2);
  });

  it('lets a restarted local stack find its demo group, snapshot and topic instead of making them again', async () => {
    // Arrange
    const dataDir = freshDataDir();
    const config = { awsPort: 0, apiPort: 0, dataDir, timeScale: 0.001 };
    const first = await startLocalStack({ env: {}, config });
    await first.stop();

    // Act
    const second = await startLocalStack({ env: {}, config });
    await second.stop();

    // Assert
    expect(first.seed?.created).toEqual([
      `bucket ${first.config.bucket}`,
      `replication group ${first.config.replicationGroupId}`,
      `snapshot ${first.config.snapshotName}`,
      'serverless cache demo-serverless',
      'serverless cache snapshot demo-serverless-snapshot',
    ]);
    expect(second.seed?.created).toEqual([]);
    expect(second.topicArn).toBe(first.topicArn);
  });

  it('refuses to start on saved state of another format version, saying how to start afresh', async () => {
    // Arrange
    const dataDir = freshDataDir();
    fs.mkdirSync(path.join(dataDir, 'elasticache'));
    fs.writeFileSync(path.join(dataDir, 'elasticache', 'old.json'), JSON.stringify({ version: 0, value: {} }));

    // Act
    const failure = await rejectionOf(start(dataDir));

    // Assert
    expect(failure.message).toMatch(/elasticache.old\.json \(not format version 1\); delete it to start afresh/);
  });
});
