// The emulated ElastiCache, driven through the real SDK v3 client: replication groups, cache clusters, snapshots,
// pagination, in-ElastiCache copies, deletion, staged faults and unknown actions.
import {
  CopySnapshotCommand,
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DeleteSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  type ElastiCacheClient,
  paginateDescribeSnapshots,
  RebootCacheClusterCommand,
  type Snapshot,
} from '@aws-sdk/client-elasticache';
import { eventually, type Harness, httpStatusOf, rawRequest, rejectionOf, startHarness } from './emulator-harness';

let harness: Harness;
let elastiCache: ElastiCacheClient;
let counter = 0;
const unique = (label: string): string => `${label}-${++counter}`;

beforeAll(async () => {
  harness = await startHarness();
  elastiCache = harness.elastiCache();
});

afterEach(() => harness.aws.elastiCache.clearFaults());

afterAll(() => harness.stop());

const snapshotNamed = async (name: string, client = elastiCache): Promise<Snapshot | undefined> =>
  (await client.send(new DescribeSnapshotsCommand({ SnapshotName: name }))).Snapshots?.[0];

/** Creates a replication group through the API and waits until it is available. */
const availableGroup = async (
  id: string,
  input: { shards?: number; topicArn?: string; engine?: string; dataTiering?: boolean } = {},
): Promise<void> => {
  await elastiCache.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: id,
      ReplicationGroupDescription: `group ${id}`,
      Engine: input.engine ?? 'redis',
      EngineVersion: '7.1',
      CacheNodeType: input.dataTiering ? 'cache.r6gd.xlarge' : 'cache.r7g.large',
      NumNodeGroups: input.shards ?? 1,
      ReplicasPerNodeGroup: 1,
      ...(input.topicArn && { NotificationTopicArn: input.topicArn }),
      ...(input.dataTiering && { DataTieringEnabled: true }),
    }),
  );
  await eventually(async () => {
    const { ReplicationGroups } = await elastiCache.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
    );
    return ReplicationGroups?.[0]?.Status === 'available' ? true : undefined;
  });
};

const availableSnapshot = async (name: string, groupId: string): Promise<Snapshot> => {
  await elastiCache.send(new CreateSnapshotCommand({ ReplicationGroupId: groupId, SnapshotName: name }));
  return eventually(async () => {
    const snapshot = await snapshotNamed(name);
    return snapshot?.SnapshotStatus === 'available' ? snapshot : undefined;
  });
};

describe('replication groups and cache clusters', () => {
  it('creates a cluster-mode replication group that becomes available with one node group per shard', async () => {
    // Arrange
    const id = unique('orders');

    // Act
    const created = await elastiCache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: id,
        ReplicationGroupDescription: 'orders cache',
        Engine: 'valkey',
        EngineVersion: '8.0',
        CacheNodeType: 'cache.r7g.large',
        NumNodeGroups: 3,
        ReplicasPerNodeGroup: 1,
      }),
    );
    const group = await eventually(async () => {
      const { ReplicationGroups } = await elastiCache.send(
        new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }),
      );
      return ReplicationGroups?.[0]?.Status === 'available' ? ReplicationGroups[0] : undefined;
    });

    // Assert
    expect(created.ReplicationGroup?.Status).toBe('creating');
    expect(group).toMatchObject({
      ReplicationGroupId: id,
      Engine: 'valkey',
      ClusterEnabled: true,
      CacheNodeType: 'cache.r7g.large',
      ARN: `arn:aws:elasticache:us-east-1:000000000000:replicationgroup:${id}`,
    });
    expect(group.NodeGroups?.map((nodeGroup) => nodeGroup.NodeGroupId)).toEqual(['0001', '0002', '0003']);
    expect(group.MemberClusters).toHaveLength(6);
    expect(group.ConfigurationEndpoint?.Port).toBe(6379);
    expect(group.ReplicationGroupCreateTime).toBeInstanceOf(Date);
  });

  it('restores a replication group from a snapshot, taking its shape and engine', async () => {
    // Arrange
    const sourceGroup = unique('origin');
    harness.aws.elastiCache.seedReplicationGroup({
      replicationGroupId: sourceGroup,
      numNodeGroups: 2,
      engine: 'valkey',
    });
    const snapshotName = unique('origin-snap');
    harness.aws.elastiCache.seedSnapshot({ snapshotName, replicationGroupId: sourceGroup });
    const id = unique('restored');

    // Act
    const created = await elastiCache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: id,
        ReplicationGroupDescription: 'restored',
        SnapshotName: snapshotName,
      }),
    );
    const wrongShape = await rejectionOf(
      elastiCache.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: unique('misshapen'),
          ReplicationGroupDescription: 'restored',
          SnapshotName: snapshotName,
          NumNodeGroups: 3,
        }),
      ),
    );

    // Assert
    expect(created.ReplicationGroup).toMatchObject({ Engine: 'valkey', ClusterEnabled: true });
    expect(created.ReplicationGroup?.NodeGroups).toHaveLength(2);
    expect(wrongShape.name).toBe('InvalidParameterCombinationException');
  });

  it('refuses a replication group id that exists already', async () => {
    // Arrange
    const id = unique('dup');
    await availableGroup(id);

    // Act
    const error = await rejectionOf(
      elastiCache.send(
        new CreateReplicationGroupCommand({ ReplicationGroupId: id, ReplicationGroupDescription: 'again' }),
      ),
    );

    // Assert
    expect(error.name).toBe('ReplicationGroupAlreadyExistsFault');
  });

  it('answers ReplicationGroupNotFoundFault for an unknown group', async () => {
    // Act
    const error = await rejectionOf(
      elastiCache.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'no-such-group' })),
    );

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['ReplicationGroupNotFoundFault', 404]);
  });

  it('creates single-node Redis OSS and Memcached cache clusters', async () => {
    // Arrange
    const redisId = unique('single-redis');
    const memcachedId = unique('memcached');

    // Act
    await elastiCache.send(
      new CreateCacheClusterCommand({
        CacheClusterId: redisId,
        Engine: 'redis',
        CacheNodeType: 'cache.t3.small',
        NumCacheNodes: 1,
      }),
    );
    await elastiCache.send(
      new CreateCacheClusterCommand({
        CacheClusterId: memcachedId,
        Engine: 'memcached',
        CacheNodeType: 'cache.t3.small',
        NumCacheNodes: 2,
      }),
    );
    const clusters = await eventually(async () => {
      const { CacheClusters } = await elastiCache.send(new DescribeCacheClustersCommand({ ShowCacheNodeInfo: true }));
      const mine = (CacheClusters ?? []).filter(
        (c) => c.CacheClusterId === redisId || c.CacheClusterId === memcachedId,
      );
      return mine.length === 2 && mine.every((c) => c.CacheClusterStatus === 'available') ? mine : undefined;
    });

    // Assert
    expect(clusters.map((c) => [c.CacheClusterId, c.Engine, c.NumCacheNodes, c.CacheNodes?.length])).toEqual([
      [redisId, 'redis', 1, 1],
      [memcachedId, 'memcached', 2, 2],
    ]);
  });

  it('refuses a Redis OSS cache cluster with more than one node', async () => {
    // Act
    const error = await rejectionOf(
      elastiCache.send(
        new CreateCacheClusterCommand({ CacheClusterId: unique('big'), Engine: 'redis', NumCacheNodes: 2 }),
      ),
    );

    // Assert
    expect(error.name).toBe('InvalidParameterValueException');
  });

  it('answers CacheClusterNotFound for an unknown cluster', async () => {
    // Act
    const error = await rejectionOf(elastiCache.send(new DescribeCacheClustersCommand({ CacheClusterId: 'nope' })));

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['CacheClusterNotFoundFault', 404]);
  });
});

describe('snapshots', () => {
  it('creates a snapshot that goes from creating to available with one node snapshot per shard', async () => {
    // Arrange
    const groupId = unique('shards');
    const topicArn = 'arn:aws:sns:us-east-1:000000000000:cluster-events';
    await availableGroup(groupId, { shards: 2, topicArn });
    const name = unique('nightly');

    // Act
    const created = await elastiCache.send(
      new CreateSnapshotCommand({ ReplicationGroupId: groupId, SnapshotName: name }),
    );
    const snapshot = await eventually(async () => {
      const found = await snapshotNamed(name);
      return found?.SnapshotStatus === 'available' ? found : undefined;
    });

    // Assert
    expect(created.Snapshot?.SnapshotStatus).toBe('creating');
    expect(created.Snapshot?.NodeSnapshots?.[0]?.SnapshotCreateTime).toBeUndefined();
    expect(snapshot).toMatchObject({
      SnapshotName: name,
      ReplicationGroupId: groupId,
      SnapshotSource: 'manual',
      Engine: 'redis',
      EngineVersion: '7.1',
      NumNodeGroups: 2,
      TopicArn: topicArn,
      DataTiering: 'disabled',
      ARN: `arn:aws:elasticache:us-east-1:000000000000:snapshot:${name}`,
    });
    expect(snapshot.NodeSnapshots?.map((node) => node.NodeGroupId)).toEqual(['0001', '0002']);
    for (const node of snapshot.NodeSnapshots ?? []) {
      expect(node.SnapshotCreateTime).toBeInstanceOf(Date);
      expect(node.CacheSize).toMatch(/^\d+ MB$/);
      expect(node.CacheClusterId).toMatch(new RegExp(`^${groupId}-000[12]-00[12]$`));
    }
  });

  it('leaves TopicArn out when the cluster has no notification topic, and reports data tiering', async () => {
    // Arrange
    const groupId = unique('tiered');
    await availableGroup(groupId, { dataTiering: true });

    // Act
    const snapshot = await availableSnapshot(unique('tiered-snap'), groupId);

    // Assert
    expect(snapshot.TopicArn).toBeUndefined();
    expect(snapshot.DataTiering).toBe('enabled');
  });

  it('snapshots a single-node cache cluster', async () => {
    // Arrange
    const clusterId = unique('solo');
    await elastiCache.send(
      new CreateCacheClusterCommand({ CacheClusterId: clusterId, Engine: 'redis', NumCacheNodes: 1 }),
    );
    await eventually(async () => {
      const { CacheClusters } = await elastiCache.send(new DescribeCacheClustersCommand({ CacheClusterId: clusterId }));
      return CacheClusters?.[0]?.CacheClusterStatus === 'available' ? true : undefined;
    });
    const name = unique('solo-snap');

    // Act
    await elastiCache.send(new CreateSnapshotCommand({ CacheClusterId: clusterId, SnapshotName: name }));
    const listed = await elastiCache.send(new DescribeSnapshotsCommand({ CacheClusterId: clusterId }));

    // Assert
    expect(
      listed.Snapshots?.map((snapshot) => [snapshot.SnapshotName, snapshot.CacheClusterId, snapshot.NumNodeGroups]),
    ).toEqual([[name, clusterId, 1]]);
  });

  it('refuses to snapshot a Memcached cluster', async () => {
    // Arrange
    const clusterId = unique('mc');
    await elastiCache.send(
      new CreateCacheClusterCommand({ CacheClusterId: clusterId, Engine: 'memcached', NumCacheNodes: 1 }),
    );

    // Act
    const error = await rejectionOf(
      elastiCache.send(new CreateSnapshotCommand({ CacheClusterId: clusterId, SnapshotName: unique('mc-snap') })),
    );

    // Assert
    expect(error.name).toBe('SnapshotFeatureNotSupportedFault');
  });

  it('refuses a snapshot name that exists already', async () => {
    // Arrange
    const groupId = unique('dup-snap-group');
    await availableGroup(groupId);
    const name = unique('dup-snap');
    await availableSnapshot(name, groupId);

    // Act
    const error = await rejectionOf(
      elastiCache.send(new CreateSnapshotCommand({ ReplicationGroupId: groupId, SnapshotName: name })),
    );

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['SnapshotAlreadyExistsFault', 400]);
  });

  it('answers SnapshotNotFoundFault when the named snapshot does not exist', async () => {
    // Act
    const error = await rejectionOf(
      elastiCache.send(new DescribeSnapshotsCommand({ SnapshotName: 'missing-snapshot' })),
    );

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['SnapshotNotFoundFault', 404]);
  });

  it('filters snapshots by replication group and by source', async () => {
    // Arrange
    const groupId = unique('filtered');
    await availableGroup(groupId);
    const manual = unique('manual');
    await availableSnapshot(manual, groupId);
    const automated = unique('automated');
    harness.aws.elastiCache.seedSnapshot({
      snapshotName: automated,
      replicationGroupId: groupId,
      snapshotSource: 'automated',
    });

    // Act
    const all = await elastiCache.send(new DescribeSnapshotsCommand({ ReplicationGroupId: groupId }));
    const system = await elastiCache.send(
      new DescribeSnapshotsCommand({ ReplicationGroupId: groupId, SnapshotSource: 'system' }),
    );
    const user = await elastiCache.send(
      new DescribeSnapshotsCommand({ ReplicationGroupId: groupId, SnapshotSource: 'user' }),
    );

    // Assert
    expect(all.Snapshots?.map((snapshot) => snapshot.SnapshotName)).toEqual([manual, automated]);
    expect(system.Snapshots?.map((snapshot) => snapshot.SnapshotName)).toEqual([automated]);
    expect(user.Snapshots?.map((snapshot) => snapshot.SnapshotName)).toEqual([manual]);
  });

  it('keeps snapshots of each account and Region apart', async () => {
    // Arrange
    const groupId = unique('scoped');
    await availableGroup(groupId);
    const name = unique('scoped-snap');
    await availableSnapshot(name, groupId);

    // Act
    const otherAccount = await rejectionOf(snapshotNamed(name, harness.elastiCache({ accessKeyId: '111111111111' })));
    const otherRegion = await rejectionOf(snapshotNamed(name, harness.elastiCache({ region: 'eu-west-1' })));

    // Assert
    expect(otherAccount.name).toBe('SnapshotNotFoundFault');
    expect(otherRegion.name).toBe('SnapshotNotFoundFault');
  });

  it('pages snapshots with Marker and MaxRecords', async () => {
    // Arrange
    const groupId = unique('many');
    harness.aws.elastiCache.seedReplicationGroup({ replicationGroupId: groupId });
    const names = Array.from({ length: 45 }, (_, index) => `many-${String(index).padStart(2, '0')}`);
    for (const name of names) harness.aws.elastiCache.seedSnapshot({ snapshotName: name, replicationGroupId: groupId });

    // Act
    const pageSizes: number[] = [];
    const listed: string[] = [];
    for await (const page of paginateDescribeSnapshots(
      { client: elastiCache, pageSize: 20 },
      { ReplicationGroupId: groupId },
    )) {
      pageSizes.push(page.Snapshots?.length ?? 0);
      listed.push(...(page.Snapshots ?? []).map((snapshot) => snapshot.SnapshotName ?? ''));
    }
    const firstPage = await elastiCache.send(new DescribeSnapshotsCommand({ ReplicationGroupId: groupId }));

    // Assert
    expect(pageSizes).toEqual([20, 20, 5]);
    expect(listed).toEqual(names);
    expect(firstPage.Snapshots).toHaveLength(45);
    expect(firstPage.Marker).toBeUndefined();
  });

  it('rejects MaxRecords outside 20 to 50', async () => {
    // Act
    const error = await rejectionOf(elastiCache.send(new DescribeSnapshotsCommand({ MaxRecords: 10 })));

    // Assert
    expect(error.name).toBe('InvalidParameterValueException');
  });

  it('rejects a Marker it did not issue instead of starting over', async () => {
    // Act
    const garbage = await rejectionOf(elastiCache.send(new DescribeSnapshotsCommand({ Marker: '!!!' })));
    const empty = await rejectionOf(elastiCache.send(new DescribeSnapshotsCommand({ Marker: 'AA' })));

    // Assert
    expect(garbage.name).toBe('InvalidParameterValueException');
    expect(empty.name).toBe('InvalidParameterValueException');
  });

  it('copies a snapshot inside ElastiCache and refuses to overwrite an existing name', async () => {
    // Arrange
    const groupId = unique('copy-group');
    await availableGroup(groupId);
    const source = unique('copy-source');
    await availableSnapshot(source, groupId);
    const target = unique('copy-target');

    // Act
    const copied = await elastiCache.send(
      new CopySnapshotCommand({ SourceSnapshotName: source, TargetSnapshotName: target }),
    );
    const copy = await eventually(async () => {
      const found = await snapshotNamed(target);
      return found?.SnapshotStatus === 'available' ? found : undefined;
    });
    const again = await rejectionOf(
      elastiCache.send(new CopySnapshotCommand({ SourceSnapshotName: source, TargetSnapshotName: target })),
    );

    // Assert
    expect(copied.Snapshot?.SnapshotName).toBe(target);
    expect(copy).toMatchObject({ ReplicationGroupId: groupId, SnapshotSource: 'manual', NumNodeGroups: 1 });
    expect([again.name, httpStatusOf(again)]).toEqual(['SnapshotAlreadyExistsFault', 400]);
  });

  it('deletes an available snapshot and refuses one that is still being created', async () => {
    // Arrange
    const groupId = unique('delete-group');
    await availableGroup(groupId);
    const done = unique('done');
    await availableSnapshot(done, groupId);
    const slow = await startHarness({ elastiCache: { snapshotSeconds: 3600 } });
    slow.aws.elastiCache.seedReplicationGroup({ replicationGroupId: 'slow-group' });
    await slow
      .elastiCache()
      .send(new CreateSnapshotCommand({ ReplicationGroupId: 'slow-group', SnapshotName: 'in-progress' }));

    // Act
    const deleted = await elastiCache.send(new DeleteSnapshotCommand({ SnapshotName: done }));
    // Listed `deleting` for the emulated delete time (elasticache-delete-snapshot.test.ts), then gone.
    const gone = await eventually(() =>
      snapshotNamed(done).then(
        () => undefined,
        (error: Error) => error,
      ),
    );
    const refused = await rejectionOf(
      slow.elastiCache().send(new DeleteSnapshotCommand({ SnapshotName: 'in-progress' })),
    );
    await slow.stop();

    // Assert
    expect(deleted.Snapshot?.SnapshotStatus).toBe('deleting');
    expect(gone.name).toBe('SnapshotNotFoundFault');
    expect([refused.name, httpStatusOf(refused)]).toEqual(['InvalidSnapshotStateFault', 400]);
  });
});

describe('faults and unknown actions', () => {
  it('fails the next calls of an action with Throttling when staged through the local endpoint', async () => {
    // Arrange
    const staged = await rawRequest(harness.aws.url, {
      method: 'POST',
      path: '/_local/elasticache/faults',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'DescribeSnapshots', count: 1 }),
    });
    const noRetries = harness.elastiCache({}, { maxAttempts: 1 });

    // Act
    const error = await rejectionOf(noRetries.send(new DescribeSnapshotsCommand({})));
    const next = await noRetries.send(new DescribeSnapshotsCommand({}));

    // Assert
    expect(staged.status).toBe(201);
    expect([error.name, error.message, httpStatusOf(error)]).toEqual(['Throttling', 'Rate exceeded', 400]);
    expect(next.$metadata.httpStatusCode).toBe(200);
  });

  it('lets the SDK retry through two throttled calls', async () => {
    // Arrange
    harness.aws.elastiCache.stageFault({ action: 'DescribeSnapshots', count: 2 });

    // Act
    const result = await elastiCache.send(new DescribeSnapshotsCommand({}));

    // Assert
    expect(result.$metadata.attempts).toBe(3);
  });

  it('answers a call after a staged delay, in emulated seconds, and the next call at once', async () => {
    // Arrange: 300 emulated seconds (0.3 s of real time here).
    harness.aws.elastiCache.stageFault({ action: 'DescribeSnapshots', delaySeconds: 300 });
    const delayMs = harness.aws.clock.realMs(300);

    // Act
    const before = Date.now();
    const delayed = await elastiCache.send(new DescribeSnapshotsCommand({}));
    const between = Date.now();
    await elastiCache.send(new DescribeSnapshotsCommand({}));
    const after = Date.now();

    // Assert (a timer may fire a millisecond early; the undelayed call needs far less than the delay)
    expect(delayed.$metadata.httpStatusCode).toBe(200);
    expect(between - before).toBeGreaterThanOrEqual(delayMs - 2);
    expect(after - between).toBeLessThan(delayMs);
    expect(harness.aws.elastiCache.pendingFaults()).toEqual([]);
  });

  it('fails with any staged error code, message and status', async () => {
    // Arrange
    harness.aws.elastiCache.stageFault({
      action: 'DescribeReplicationGroups',
      code: 'APICallRateForCustomerExceeded',
      message: 'Rate exceeded for customer',
    });

    // Act
    const error = await rejectionOf(elastiCache.send(new DescribeReplicationGroupsCommand({})));

    // Assert
    // The SDK models this code as APICallRateForCustomerExceededFault and keeps the wire code.
    expect([error.name, error.Code, error.message]).toEqual([
      'APICallRateForCustomerExceededFault',
      'APICallRateForCustomerExceeded',
      'Rate exceeded for customer',
    ]);
    expect(error.$metadata).toMatchObject({ httpStatusCode: 400, attempts: 1 });
  });

  it('lists and clears staged faults on the local endpoint', async () => {
    // Arrange
    harness.aws.elastiCache.stageFault({ action: 'CopySnapshot', count: 3 });

    // Act
    const listed = await rawRequest(harness.aws.url, { path: '/_local/elasticache/faults' });
    const cleared = await rawRequest(harness.aws.url, { method: 'DELETE', path: '/_local/elasticache/faults' });

    // Assert
    expect(JSON.parse(listed.body)).toEqual([{ action: 'CopySnapshot', count: 3 }]);
    expect(cleared.status).toBe(204);
    expect(harness.aws.elastiCache.pendingFaults()).toEqual([]);
  });

  it('rejects a malformed fault', async () => {
    // Act
    const response = await rawRequest(harness.aws.url, {
      method: 'POST',
      path: '/_local/elasticache/faults',
      body: JSON.stringify({ exportOutcome: 'sideways' }),
    });

    // Assert
    expect(response.status).toBe(400);
  });

  it('answers an action it does not emulate with InvalidAction naming it', async () => {
    // Act
    const error = await rejectionOf(
      elastiCache.send(new RebootCacheClusterCommand({ CacheClusterId: 'x', CacheNodeIdsToReboot: ['0001'] })),
    );

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['InvalidAction', 400]);
    expect(error.message).toContain('RebootCacheCluster');
  });
});
