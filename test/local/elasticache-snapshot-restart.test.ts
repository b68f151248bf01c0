// Taking and deleting snapshots across a restart on the same data folder: a snapshot `creating` (its group
// `snapshotting`), an automatic backup, a staged failure already taken, a deletion in progress and the count of
// manual snapshots the 24-hour quota holds are all saved, and the restarted emulator finishes the work at its time.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import type { AwsEmulatorOptions } from '../../local/aws/server';
import { createClock } from '../../local/clock';
import { eventually, type Harness, rejectionOf, startHarness } from './emulator-harness';

const dataDirs: string[] = [];
const running: Harness[] = [];
// 100 emulated seconds take one real second.
const clock = createClock(0.01);

const start = async (dataDir: string, elastiCache: AwsEmulatorOptions['elastiCache'] = {}): Promise<Harness> => {
  const harness = await startHarness({ dataDir, clock, elastiCache });
  running.push(harness);
  return harness;
};

const stop = async (harness: Harness): Promise<void> => {
  running.splice(running.indexOf(harness), 1);
  await harness.stop();
};

/** A data folder whose emulator has an available replication group `orders` (one node). */
const withGroup = async (): Promise<string> => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-aws-snapshot-restart-'));
  dataDirs.push(dataDir);
  const setup = await start(dataDir);
  setup.aws.elastiCache.seedReplicationGroup({ replicationGroupId: 'orders', replicasPerNodeGroup: 0 });
  await stop(setup);
  return dataDir;
};

afterEach(async () => {
  for (const harness of running.splice(0)) await harness.stop();
});

afterAll(() => {
  clock.dispose();
  for (const dir of dataDirs) fs.rmSync(dir, { recursive: true, force: true });
});

const groupStatus = async (client: ElastiCacheClient): Promise<string | undefined> =>
  (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'orders' }))).ReplicationGroups?.[0]
    ?.Status;

const snapshotStatus = async (client: ElastiCacheClient, name: string): Promise<string | undefined> =>
  (await client.send(new DescribeSnapshotsCommand({ SnapshotName: name }))).Snapshots?.[0]?.SnapshotStatus;

const untilStatus = (look: () => Promise<string | undefined>, wanted: string): Promise<true> =>
  eventually(async () => ((await look()) === wanted ? true : undefined), 10_000);

describe('snapshots after a restart on the same data folder', () => {
  it('finishes a snapshot in progress at its time, the group snapshotting until then', async () => {
    // Arrange: 1 s to take the snapshot; the emulator stops at once.
    const dataDir = await withGroup();
    const before = await start(dataDir, { snapshotSeconds: 100 });
    await before.elastiCache().send(new CreateSnapshotCommand({ ReplicationGroupId: 'orders', SnapshotName: 'fresh' }));
    await stop(before);

    // Act
    const after = await start(dataDir);
    const client = after.elastiCache();
    const right = [await groupStatus(client), await snapshotStatus(client, 'fresh')];
    await untilStatus(() => snapshotStatus(client, 'fresh'), 'available');

    // Assert
    expect(right).toEqual(['snapshotting', 'creating']);
    expect(await groupStatus(client)).toBe('available');
  });

  it('finishes an automatic backup in progress', async () => {
    // Arrange
    const dataDir = await withGroup();
    const before = await start(dataDir);
    const { snapshotName } = before.aws.elastiCache.startAutomaticBackup({
      replicationGroupId: 'orders',
      seconds: 100,
    });
    await stop(before);

    // Act
    const after = await start(dataDir);
    const client = after.elastiCache();
    const right = await groupStatus(client);
    await untilStatus(() => snapshotStatus(client, snapshotName), 'available');

    // Assert
    expect(right).toBe('snapshotting');
    expect(await groupStatus(client)).toBe('available');
  });

  it('keeps the failure a snapshot took from a staged fault before the restart', async () => {
    // Arrange
    const dataDir = await withGroup();
    const before = await start(dataDir, { snapshotSeconds: 100 });
    before.aws.elastiCache.stageFault({ snapshotOutcome: 'failed', replicationGroupId: 'orders' });
    await before
      .elastiCache()
      .send(new CreateSnapshotCommand({ ReplicationGroupId: 'orders', SnapshotName: 'doomed' }));
    await stop(before);

    // Act
    const after = await start(dataDir);
    const client = after.elastiCache();
    await untilStatus(() => snapshotStatus(client, 'doomed'), 'failed');

    // Assert
    expect(after.aws.elastiCache.pendingFaults()).toEqual([]);
    expect(await groupStatus(client)).toBe('available');
  });

  it('finishes a deletion in progress', async () => {
    // Arrange
    const dataDir = await withGroup();
    const before = await start(dataDir, { snapshotDeleteSeconds: 100 });
    before.aws.elastiCache.seedSnapshot({ snapshotName: 'old', replicationGroupId: 'orders' });
    await before.elastiCache().send(new DeleteSnapshotCommand({ SnapshotName: 'old' }));
    await stop(before);

    // Act
    const after = await start(dataDir);
    const client = after.elastiCache();
    const right = await snapshotStatus(client, 'old');
    const removed = await eventually(
      () =>
        snapshotStatus(client, 'old').then(
          () => undefined,
          (error: Error) => error.name,
        ),
      10_000,
    );

    // Assert
    expect(right).toBe('deleting');
    expect(removed).toBe('SnapshotNotFoundFault');
  });

  it('still counts the manual snapshots of the last 24 hours against the quota', async () => {
    // Arrange: one manual snapshot per node; `orders` has one node.
    const dataDir = await withGroup();
    const before = await start(dataDir, { manualSnapshotsPerNode: 1, snapshotSeconds: 1 });
    const beforeClient = before.elastiCache();
    await beforeClient.send(new CreateSnapshotCommand({ ReplicationGroupId: 'orders', SnapshotName: 'first' }));
    await untilStatus(() => snapshotStatus(beforeClient, 'first'), 'available');
    await stop(before);

    // Act
    const after = await start(dataDir, { manualSnapshotsPerNode: 1 });
    const error = await rejectionOf(
      after.elastiCache().send(new CreateSnapshotCommand({ ReplicationGroupId: 'orders', SnapshotName: 'second' })),
    );

    // Assert
    expect(error.name).toBe('SnapshotQuotaExceededFault');
  });
});
