// DeleteSnapshot through the real SDK v3 client: an available, failed or automatic snapshot answers `deleting`, stays
// listed (its name taken) for the emulated delete time and is gone after; one being created, exported or already
// deleted is refused with InvalidSnapshotStateFault.
import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeSnapshotsCommand,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { eventually, type Harness, httpStatusOf, rejectionOf, startHarness } from './emulator-harness';

let harness: Harness;
let elastiCache: ElastiCacheClient;
let counter = 0;
const unique = (label: string): string => `${label}-${++counter}`;

// Deletions take 2 s (the first test makes three calls inside that window, in a jest worker that may share its core
// with others), snapshots and exports an hour: what is refused while in progress stays in progress.
beforeAll(async () => {
  harness = await startHarness({
    elastiCache: { snapshotDeleteSeconds: 2000, snapshotSeconds: 3_600_000, exportSeconds: 3_600_000 },
  });
  elastiCache = harness.elastiCache();
});

afterAll(() => harness.stop());

const statusOf = async (name: string): Promise<string | undefined> =>
  (await elastiCache.send(new DescribeSnapshotsCommand({ SnapshotName: name }))).Snapshots?.[0]?.SnapshotStatus;

/** Resolves with the error name once the snapshot is no longer found. */
const gone = (name: string): Promise<string> =>
  eventually(() =>
    statusOf(name).then(
      () => undefined,
      (error: Error) => error.name,
    ),
  );

const seeded = (source: 'manual' | 'automated' = 'manual'): string => {
  const groupId = unique('orders');
  harness.aws.elastiCache.seedReplicationGroup({ replicationGroupId: groupId });
  const name = unique(source === 'manual' ? 'nightly' : 'automatic.orders');
  harness.aws.elastiCache.seedSnapshot({ snapshotName: name, replicationGroupId: groupId, snapshotSource: source });
  return name;
};

const deleting = (name: string) => elastiCache.send(new DeleteSnapshotCommand({ SnapshotName: name }));

describe('DeleteSnapshot', () => {
  it('answers the snapshot deleting, keeps it listed and its name taken for a while, then removes it', async () => {
    // Arrange
    const name = seeded();

    // Act
    const answer = await deleting(name);
    const listed = await statusOf(name);
    const nameTaken = await rejectionOf(
      elastiCache.send(
        new CreateSnapshotCommand({ SnapshotName: name, ReplicationGroupId: answer.Snapshot?.ReplicationGroupId }),
      ),
    );
    const notExportable = await rejectionOf(
      elastiCache.send(new CopySnapshotCommand({ SourceSnapshotName: name, TargetSnapshotName: unique('copy') })),
    );
    const removed = await gone(name);

    // Assert
    expect(answer.Snapshot).toMatchObject({ SnapshotName: name, SnapshotStatus: 'deleting', SnapshotSource: 'manual' });
    expect(listed).toBe('deleting');
    expect(nameTaken.name).toBe('SnapshotAlreadyExistsFault');
    expect(notExportable.name).toBe('InvalidSnapshotStateFault');
    expect(removed).toBe('SnapshotNotFoundFault');
  });

  it('deletes an automatic snapshot, as the API allows whichever way a backup was made', async () => {
    // Arrange
    const name = seeded('automated');

    // Act
    const answer = await deleting(name);

    // Assert
    expect(answer.Snapshot).toMatchObject({ SnapshotStatus: 'deleting', SnapshotSource: 'automated' });
    expect(await gone(name)).toBe('SnapshotNotFoundFault');
  });

  it('deletes a failed snapshot', async () => {
    // Arrange
    const fast = await startHarness({ elastiCache: { snapshotSeconds: 1 } });
    const client = fast.elastiCache();
    fast.aws.elastiCache.seedReplicationGroup({ replicationGroupId: 'flaky' });
    fast.aws.elastiCache.stageFault({ snapshotOutcome: 'failed', replicationGroupId: 'flaky' });
    await client.send(new CreateSnapshotCommand({ ReplicationGroupId: 'flaky', SnapshotName: 'broken' }));
    await eventually(() => (fast.aws.elastiCache.snapshotStatus('broken') === 'failed' ? true : undefined));

    // Act
    const answer = await client.send(new DeleteSnapshotCommand({ SnapshotName: 'broken' }));
    await eventually(() => (fast.aws.elastiCache.snapshotStatus('broken') === undefined ? true : undefined));
    await fast.stop();

    // Assert
    expect(answer.Snapshot?.SnapshotStatus).toBe('deleting');
  });

  it('refuses a snapshot that is still being created', async () => {
    // Arrange
    const groupId = unique('busy');
    harness.aws.elastiCache.seedReplicationGroup({ replicationGroupId: groupId });
    const name = unique('in-progress');
    await elastiCache.send(new CreateSnapshotCommand({ ReplicationGroupId: groupId, SnapshotName: name }));

    // Act
    const error = await rejectionOf(deleting(name));

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['InvalidSnapshotStateFault', 400]);
    expect(await statusOf(name)).toBe('creating');
  });

  it('refuses a snapshot whose export is in progress', async () => {
    // Arrange
    const name = seeded();
    const bucket = unique('delete-exports');
    harness.aws.s3.seedBucket({ name: bucket, grantElastiCache: true });
    await elastiCache.send(
      new CopySnapshotCommand({ SourceSnapshotName: name, TargetSnapshotName: unique('export'), TargetBucket: bucket }),
    );

    // Act
    const error = await rejectionOf(deleting(name));

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['InvalidSnapshotStateFault', 400]);
    expect(await statusOf(name)).toBe('copying');
  });

  it('refuses a snapshot that is already being deleted', async () => {
    // Arrange
    const name = seeded();
    await deleting(name);

    // Act
    const error = await rejectionOf(deleting(name));

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['InvalidSnapshotStateFault', 400]);
  });

  it('answers SnapshotNotFoundFault for a snapshot that does not exist', async () => {
    // Act
    const error = await rejectionOf(deleting('never-taken'));

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['SnapshotNotFoundFault', 404]);
  });
});
