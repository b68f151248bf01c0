// DeleteReplicationGroup and DeleteCacheCluster through the real SDK v3 client: the resource answers `deleting` and is
// gone after the emulated time; what ElastiCache refuses to delete is refused with its fault.
import {
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DeleteCacheClusterCommand,
  DeleteReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  type ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { eventually, type Harness, httpStatusOf, rejectionOf, startHarness } from './emulator-harness';

let harness: Harness;
let elastiCache: ElastiCacheClient;
let counter = 0;
const unique = (label: string): string => `${label}-${++counter}`;

beforeAll(async () => {
  harness = await startHarness();
  elastiCache = harness.elastiCache();
});

afterAll(() => harness.stop());

/** Resolves with the error name once `look` fails (the resource is gone). */
const goneWith = (look: () => Promise<unknown>): Promise<string> =>
  eventually(() =>
    look().then(
      () => undefined,
      (error: Error) => error.name,
    ),
  );

const describeGroup = (id: string) =>
  elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
const describeCluster = (id: string) => elastiCache.send(new DescribeCacheClustersCommand({ CacheClusterId: id }));

describe('DeleteReplicationGroup', () => {
  it('answers the group deleting, then removes it with its member clusters', async () => {
    // Arrange
    const id = unique('old-group');
    harness.aws.elastiCache.seedReplicationGroup({ replicationGroupId: id, numNodeGroups: 2 });

    // Act
    const { ReplicationGroup } = await elastiCache.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: id }));
    const groupGone = await goneWith(() => describeGroup(id));
    const memberGone = await goneWith(() => describeCluster(`${id}-0001-001`));

    // Assert
    expect(ReplicationGroup?.Status).toBe('deleting');
    expect(ReplicationGroup?.MemberClusters).toHaveLength(4);
    expect([groupGone, memberGone]).toEqual(['ReplicationGroupNotFoundFault', 'CacheClusterNotFoundFault']);
  });

  it('refuses a group that is not available yet', async () => {
    // Arrange
    const slow = await startHarness({ elastiCache: { createSeconds: 3600 } });
    await slow
      .elastiCache()
      .send(new CreateReplicationGroupCommand({ ReplicationGroupId: 'young', ReplicationGroupDescription: 'young' }));

    // Act
    const error = await rejectionOf(
      slow.elastiCache().send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'young' })),
    );
    await slow.stop();

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['InvalidReplicationGroupStateFault', 400]);
  });

  it('refuses a group while a snapshot of it is being made', async () => {
    // Arrange
    const slow = await startHarness({ elastiCache: { snapshotSeconds: 3600 } });
    slow.aws.elastiCache.seedReplicationGroup({ replicationGroupId: 'busy' });
    await slow.elastiCache().send(new CreateSnapshotCommand({ ReplicationGroupId: 'busy', SnapshotName: 'busy-now' }));

    // Act
    const error = await rejectionOf(
      slow.elastiCache().send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'busy' })),
    );
    await slow.stop();

    // Assert
    expect(error.name).toBe('InvalidReplicationGroupStateFault');
  });

  it('answers ReplicationGroupNotFoundFault for an unknown group', async () => {
    // Act
    const error = await rejectionOf(
      elastiCache.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'never-made' })),
    );

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['ReplicationGroupNotFoundFault', 404]);
  });
});

describe('DeleteCacheCluster', () => {
  it('answers a cluster of its own deleting, then removes it', async () => {
    // Arrange
    const id = unique('lone');
    await elastiCache.send(new CreateCacheClusterCommand({ CacheClusterId: id, Engine: 'memcached' }));
    await eventually(async () =>
      (await describeCluster(id)).CacheClusters?.[0]?.CacheClusterStatus === 'available' ? true : undefined,
    );

    // Act
    const { CacheCluster } = await elastiCache.send(new DeleteCacheClusterCommand({ CacheClusterId: id }));
    const gone = await goneWith(() => describeCluster(id));

    // Assert
    expect(CacheCluster?.CacheClusterStatus).toBe('deleting');
    expect(gone).toBe('CacheClusterNotFoundFault');
  });

  it('refuses a member of a replication group, pointing at the group', async () => {
    // Arrange
    const id = unique('kept-group');
    harness.aws.elastiCache.seedReplicationGroup({ replicationGroupId: id });

    // Act
    const error = await rejectionOf(elastiCache.send(new DeleteCacheClusterCommand({ CacheClusterId: `${id}-001` })));

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['InvalidCacheClusterStateFault', 400]);
    expect(error.message).toContain('Delete the replication group instead');
  });
});
