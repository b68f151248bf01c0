// CreateSnapshot through the real SDK v3 client: a manual snapshot `creating`, its replication group or cluster
// `snapshotting` meanwhile, then both `available`; each fault ElastiCache answers it with; the manual-snapshot quota;
// the staged failed snapshot and automatic backup (the local endpoints); and an export of a fresh snapshot.
import {
  CopySnapshotCommand,
  CreateCacheClusterCommand,
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DeleteReplicationGroupCommand,
  DeleteSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  type ElastiCacheClient,
  type Snapshot,
} from '@aws-sdk/client-elasticache';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { eventually, type Harness, httpStatusOf, rawRequest, rejectionOf, startHarness } from './emulator-harness';

let harness: Harness;
let elastiCache: ElastiCacheClient;
let counter = 0;
const unique = (label: string): string => `${label}-${++counter}`;

// 0.5 s per snapshot: long enough to see the group `snapshotting`, short enough to wait for.
beforeAll(async () => {
  harness = await startHarness({ elastiCache: { snapshotSeconds: 500 } });
  elastiCache = harness.elastiCache();
});

afterEach(() => harness.aws.elastiCache.clearFaults());

afterAll(() => harness.stop());

const snapshotNamed = async (name: string, client = elastiCache): Promise<Snapshot | undefined> =>
  (await client.send(new DescribeSnapshotsCommand({ SnapshotName: name }))).Snapshots?.[0];

const groupStatus = async (id: string, client = elastiCache): Promise<string | undefined> =>
  (await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))).ReplicationGroups?.[0]?.Status;

const clusterStatus = async (id: string, client = elastiCache): Promise<string | undefined> =>
  (await client.send(new DescribeCacheClustersCommand({ CacheClusterId: id }))).CacheClusters?.[0]?.CacheClusterStatus;

const untilAvailable = (name: string, client = elastiCache): Promise<Snapshot> =>
  eventually(async () => {
    const snapshot = await snapshotNamed(name, client);
    return snapshot?.SnapshotStatus === 'available' ? snapshot : undefined;
  });

/** A lone cache cluster made through the API, once available. */
const availableCluster = async (engine = 'redis', cacheNodeType = 'cache.t3.small'): Promise<string> => {
  const id = unique(`${engine}-solo`);
  await elastiCache.send(
    new CreateCacheClusterCommand({ CacheClusterId: id, Engine: engine, CacheNodeType: cacheNodeType }),
  );
  await eventually(async () => ((await clusterStatus(id)) === 'available' ? true : undefined));
  return id;
};

const seededGroup = (input: { numNodeGroups?: number; replicasPerNodeGroup?: number } = {}): string => {
  const id = unique('orders');
  harness.aws.elastiCache.seedReplicationGroup({ replicationGroupId: id, ...input });
  return id;
};

const postLocal = (route: string, body: unknown) =>
  rawRequest(harness.aws.url, { method: 'POST', path: route, body: JSON.stringify(body) });

describe('a manual snapshot', () => {
  it('is creating with the group and its snapshotted nodes snapshotting, then all are available', async () => {
    // Arrange
    const groupId = seededGroup({ numNodeGroups: 2, replicasPerNodeGroup: 1 });
    const name = unique('Nightly');

    // Act
    const created = await elastiCache.send(
      new CreateSnapshotCommand({ ReplicationGroupId: groupId, SnapshotName: name, KmsKeyId: 'alias/exports' }),
    );
    const during = {
      group: await groupStatus(groupId),
      // One node per shard is snapshotted (the replica); the primaries stay available.
      replica: await clusterStatus(`${groupId}-0001-002`),
      primary: await clusterStatus(`${groupId}-0001-001`),
      listed: (await snapshotNamed(name))?.SnapshotStatus,
    };
    const done = await untilAvailable(name);
    const after = { group: await groupStatus(groupId), replica: await clusterStatus(`${groupId}-0001-002`) };

    // Assert
    expect(created.Snapshot).toMatchObject({
      SnapshotName: name,
      SnapshotStatus: 'creating',
      SnapshotSource: 'manual',
      ReplicationGroupId: groupId,
      Engine: 'redis',
      EngineVersion: '7.1',
      CacheNodeType: 'cache.r7g.large',
      NumNodeGroups: 2,
      KmsKeyId: 'alias/exports',
      ARN: `arn:aws:elasticache:us-east-1:000000000000:snapshot:${name}`,
    });
    expect(created.Snapshot?.NodeSnapshots?.map((node) => [node.NodeGroupId, node.SnapshotCreateTime])).toEqual([
      ['0001', undefined],
      ['0002', undefined],
    ]);
    expect(during).toEqual({
      group: 'snapshotting',
      replica: 'snapshotting',
      primary: 'available',
      listed: 'creating',
    });
    expect(done.NodeSnapshots?.every((node) => node.SnapshotCreateTime instanceof Date)).toBe(true);
    expect(after).toEqual({ group: 'available', replica: 'available' });
  });

  it('snapshots a lone cache cluster, which is snapshotting meanwhile', async () => {
    // Arrange
    const clusterId = await availableCluster();
    const name = unique('solo-snap');

    // Act
    const created = await elastiCache.send(
      new CreateSnapshotCommand({ CacheClusterId: clusterId, SnapshotName: name }),
    );
    const during = await clusterStatus(clusterId);
    const done = await untilAvailable(name);

    // Assert
    expect(created.Snapshot).toMatchObject({ CacheClusterId: clusterId, SnapshotSource: 'manual', NumNodeGroups: 1 });
    expect(during).toBe('snapshotting');
    expect(done).toMatchObject({ CacheClusterId: clusterId, NumCacheNodes: 1, Engine: 'redis' });
    expect(await clusterStatus(clusterId)).toBe('available');
  });

  it('snapshots one node of a cluster-mode-disabled group by CacheClusterId, the group snapshotting too', async () => {
    // Arrange
    const groupId = seededGroup({ replicasPerNodeGroup: 2 });
    const node = `${groupId}-002`;
    const name = unique('node-snap');

    // Act
    const created = await elastiCache.send(new CreateSnapshotCommand({ CacheClusterId: node, SnapshotName: name }));
    const during = [await groupStatus(groupId), await clusterStatus(node), await clusterStatus(`${groupId}-003`)];
    await untilAvailable(name);

    // Assert
    expect(created.Snapshot).toMatchObject({ CacheClusterId: node, ReplicationGroupId: groupId });
    expect(created.Snapshot?.NodeSnapshots?.map((snapshot) => snapshot.CacheClusterId)).toEqual([node]);
    expect(during).toEqual(['snapshotting', 'snapshotting', 'available']);
    expect(await groupStatus(groupId)).toBe('available');
  });

  it('accepts Tags with the request', async () => {
    // Arrange
    const groupId = seededGroup();
    const name = unique('tagged');

    // Act
    const created = await elastiCache.send(
      new CreateSnapshotCommand({
        ReplicationGroupId: groupId,
        SnapshotName: name,
        Tags: [
          { Key: 'purpose', Value: 'export' },
          { Key: 'owner', Value: 'snapshot-export' },
        ],
      }),
    );

    // Assert
    expect(created.Snapshot?.SnapshotStatus).toBe('creating');
    await untilAvailable(name);
  });

  it('is exported by CopySnapshot exactly like a seeded one', async () => {
    // Arrange
    const groupId = seededGroup({ numNodeGroups: 2 });
    const fresh = unique('fresh');
    await elastiCache.send(new CreateSnapshotCommand({ ReplicationGroupId: groupId, SnapshotName: fresh }));
    const freshSnapshot = await untilAvailable(fresh);
    const seeded = unique('seeded');
    harness.aws.elastiCache.seedSnapshot({ snapshotName: seeded, replicationGroupId: groupId });
    const seededSnapshot = await snapshotNamed(seeded);
    const bucket = unique('fresh-exports');
    harness.aws.s3.seedBucket({ name: bucket, grantElastiCache: true });

    // Act
    const started = await elastiCache.send(
      new CopySnapshotCommand({ SourceSnapshotName: fresh, TargetSnapshotName: 'Fresh-Export', TargetBucket: bucket }),
    );
    await eventually(async () => ((await snapshotNamed(fresh))?.SnapshotStatus === 'available' ? true : undefined));
    const listed = await harness.s3().send(new ListObjectsV2Command({ Bucket: bucket }));

    // Assert
    expect(Object.keys(freshSnapshot).sort()).toEqual(Object.keys(seededSnapshot ?? {}).sort());
    expect(started.Snapshot?.SnapshotStatus).toBe('copying');
    expect(listed.Contents?.map((object) => object.Key)).toEqual(['fresh-export-0001.rdb', 'fresh-export-0002.rdb']);
  });
});

describe("CreateSnapshot's faults", () => {
  it.each([
    ['both ReplicationGroupId and CacheClusterId', { ReplicationGroupId: 'a', CacheClusterId: 'b' }],
    ['neither ReplicationGroupId nor CacheClusterId', {}],
  ])('answers InvalidParameterCombination for %s', async (_case, source) => {
    // Act
    const error = await rejectionOf(
      elastiCache.send(new CreateSnapshotCommand({ SnapshotName: unique('x'), ...source })),
    );

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['InvalidParameterCombinationException', 400]);
  });

  it('answers ReplicationGroupNotFoundFault and CacheClusterNotFoundFault for unknown sources', async () => {
    // Act
    const group = await rejectionOf(
      elastiCache.send(new CreateSnapshotCommand({ ReplicationGroupId: 'no-such-group', SnapshotName: unique('x') })),
    );
    const cluster = await rejectionOf(
      elastiCache.send(new CreateSnapshotCommand({ CacheClusterId: 'no-such-cluster', SnapshotName: unique('x') })),
    );

    // Assert
    expect([group.name, httpStatusOf(group)]).toEqual(['ReplicationGroupNotFoundFault', 404]);
    expect([cluster.name, httpStatusOf(cluster)]).toEqual(['CacheClusterNotFoundFault', 404]);
  });

  it('answers SnapshotAlreadyExistsFault for a name in use', async () => {
    // Arrange
    const groupId = seededGroup();
    const name = unique('taken');
    harness.aws.elastiCache.seedSnapshot({ snapshotName: name, replicationGroupId: groupId });

    // Act
    const error = await rejectionOf(
      elastiCache.send(new CreateSnapshotCommand({ ReplicationGroupId: groupId, SnapshotName: name })),
    );

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['SnapshotAlreadyExistsFault', 400]);
    expect(await groupStatus(groupId)).toBe('available');
  });

  it('refuses a second snapshot while the group or the cluster is snapshotting', async () => {
    // Arrange
    const groupId = seededGroup();
    const clusterId = await availableCluster();
    await elastiCache.send(new CreateSnapshotCommand({ ReplicationGroupId: groupId, SnapshotName: unique('first') }));
    await elastiCache.send(new CreateSnapshotCommand({ CacheClusterId: clusterId, SnapshotName: unique('first') }));

    // Act
    const group = await rejectionOf(
      elastiCache.send(new CreateSnapshotCommand({ ReplicationGroupId: groupId, SnapshotName: unique('second') })),
    );
    const member = await rejectionOf(
      elastiCache.send(new CreateSnapshotCommand({ CacheClusterId: `${groupId}-001`, SnapshotName: unique('second') })),
    );
    const cluster = await rejectionOf(
      elastiCache.send(new CreateSnapshotCommand({ CacheClusterId: clusterId, SnapshotName: unique('second') })),
    );

    // Assert
    expect([group.name, httpStatusOf(group)]).toEqual(['InvalidReplicationGroupStateFault', 400]);
    expect(member.name).toBe('InvalidReplicationGroupStateFault');
    expect([cluster.name, httpStatusOf(cluster)]).toEqual(['InvalidCacheClusterStateFault', 400]);
  });

  it('refuses a group or cluster that is being created or deleted', async () => {
    // Arrange
    const slow = await startHarness({ elastiCache: { createSeconds: 3600 } });
    const client = slow.elastiCache();
    await client.send(
      new CreateReplicationGroupCommand({ ReplicationGroupId: 'young', ReplicationGroupDescription: 'young' }),
    );
    await client.send(new CreateCacheClusterCommand({ CacheClusterId: 'young-solo', Engine: 'redis' }));
    slow.aws.elastiCache.seedReplicationGroup({ replicationGroupId: 'old' });
    await client.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: 'old' }));

    // Act
    const errors = await Promise.all(
      [
        { ReplicationGroupId: 'young' },
        { CacheClusterId: 'young-solo' },
        { ReplicationGroupId: 'old' },
        { CacheClusterId: 'old-001' },
      ].map(async (source) => {
        const error = await rejectionOf(
          client.send(new CreateSnapshotCommand({ SnapshotName: unique('x'), ...source })),
        );
        return error.name;
      }),
    );
    await slow.stop();

    // Assert
    expect(errors).toEqual([
      'InvalidReplicationGroupStateFault',
      'InvalidCacheClusterStateFault',
      'InvalidReplicationGroupStateFault',
      'InvalidCacheClusterStateFault',
    ]);
  });

  it('answers SnapshotFeatureNotSupportedFault for Memcached and cache.t1 nodes', async () => {
    // Arrange
    const memcached = await availableCluster('memcached');
    const t1 = await availableCluster('redis', 'cache.t1.micro');

    // Act
    const errors = await Promise.all(
      [memcached, t1].map(async (clusterId) => {
        const error = await rejectionOf(
          elastiCache.send(new CreateSnapshotCommand({ CacheClusterId: clusterId, SnapshotName: unique('x') })),
        );
        return [error.name, httpStatusOf(error)];
      }),
    );

    // Assert
    expect(errors).toEqual([
      ['SnapshotFeatureNotSupportedFault', 400],
      ['SnapshotFeatureNotSupportedFault', 400],
    ]);
  });

  it('refuses a node of a cluster-mode-enabled group, which is snapshotted by ReplicationGroupId', async () => {
    // Arrange
    const groupId = seededGroup({ numNodeGroups: 2 });

    // Act
    const error = await rejectionOf(
      elastiCache.send(new CreateSnapshotCommand({ CacheClusterId: `${groupId}-0001-001`, SnapshotName: unique('x') })),
    );

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['InvalidParameterCombinationException', 400]);
    expect(error.message).toContain('ReplicationGroupId');
    expect(await groupStatus(groupId)).toBe('available');
  });
});

describe('the manual-snapshot quota', () => {
  it('allows the configured number per node in 24 hours, counting deleted snapshots, then SnapshotQuotaExceededFault', async () => {
    // Arrange: one snapshot per node; the group has two nodes (a primary and a replica).
    const limited = await startHarness({ elastiCache: { manualSnapshotsPerNode: 1, snapshotSeconds: 1 } });
    const client = limited.elastiCache();
    limited.aws.elastiCache.seedReplicationGroup({ replicationGroupId: 'quota', replicasPerNodeGroup: 1 });
    const take = async (name: string) => {
      await client.send(new CreateSnapshotCommand({ ReplicationGroupId: 'quota', SnapshotName: name }));
      await untilAvailable(name, client);
    };
    await take('quota-1');
    await client.send(new DeleteSnapshotCommand({ SnapshotName: 'quota-1' }));
    await take('quota-2');

    // Act
    const error = await rejectionOf(
      client.send(new CreateSnapshotCommand({ ReplicationGroupId: 'quota', SnapshotName: 'quota-3' })),
    );
    const status = await groupStatus('quota', client);
    await limited.stop();

    // Assert
    expect([error.name, error.message, httpStatusOf(error)]).toEqual([
      'SnapshotQuotaExceededFault',
      'The request cannot be processed because it would exceed the maximum number of snapshots.',
      400,
    ]);
    expect(status).toBe('available');
  });

  it('allows snapshots again once 24 hours of emulated time have passed', async () => {
    // Arrange: 24 emulated hours take 0.86 real seconds at this scale.
    const fast = await startHarness({ timeScale: 0.00001, elastiCache: { manualSnapshotsPerNode: 1 } });
    const client = fast.elastiCache();
    fast.aws.elastiCache.seedReplicationGroup({ replicationGroupId: 'daily', replicasPerNodeGroup: 0 });
    await client.send(new CreateSnapshotCommand({ ReplicationGroupId: 'daily', SnapshotName: 'day-1' }));
    await untilAvailable('day-1', client);
    const refused = await rejectionOf(
      client.send(new CreateSnapshotCommand({ ReplicationGroupId: 'daily', SnapshotName: 'day-1b' })),
    );

    // Act
    const next = await eventually(
      () =>
        client.send(new CreateSnapshotCommand({ ReplicationGroupId: 'daily', SnapshotName: 'day-2' })).then(
          (answer) => answer,
          () => undefined,
        ),
      5000,
    );
    await fast.stop();

    // Assert
    expect(refused.name).toBe('SnapshotQuotaExceededFault');
    expect(next.Snapshot?.SnapshotName).toBe('day-2');
  });
});

describe('a snapshot staged to fail', () => {
  it('ends failed for the group it was staged for, and the group returns to available', async () => {
    // Arrange
    const doomed = seededGroup();
    const other = seededGroup();
    const staged = await postLocal('/_local/elasticache/faults', {
      snapshotOutcome: 'failed',
      replicationGroupId: doomed,
    });
    const failing = unique('failing');
    const fine = unique('fine');

    // Act
    await elastiCache.send(new CreateSnapshotCommand({ ReplicationGroupId: other, SnapshotName: fine }));
    const created = await elastiCache.send(
      new CreateSnapshotCommand({ ReplicationGroupId: doomed, SnapshotName: failing }),
    );
    const ended = await eventually(async () => {
      const status = (await snapshotNamed(failing))?.SnapshotStatus;
      return status === 'creating' ? undefined : status;
    });
    await untilAvailable(fine);
    const again = unique('again');
    await elastiCache.send(new CreateSnapshotCommand({ ReplicationGroupId: doomed, SnapshotName: again }));

    // Assert
    expect(staged.status).toBe(201);
    expect(created.Snapshot?.SnapshotStatus).toBe('creating');
    expect(ended).toBe('failed');
    expect((await untilAvailable(again)).SnapshotStatus).toBe('available');
    expect(harness.aws.elastiCache.pendingFaults()).toEqual([]);
  });

  it('applies to a cache cluster it names', async () => {
    // Arrange
    const clusterId = await availableCluster();
    harness.aws.elastiCache.stageFault({ snapshotOutcome: 'failed', cacheClusterId: clusterId });
    const name = unique('cluster-fails');

    // Act
    await elastiCache.send(new CreateSnapshotCommand({ CacheClusterId: clusterId, SnapshotName: name }));
    const ended = await eventually(async () => {
      const status = (await snapshotNamed(name))?.SnapshotStatus;
      return status === 'creating' ? undefined : status;
    });

    // Assert
    expect(ended).toBe('failed');
    expect(await eventually(async () => ((await clusterStatus(clusterId)) === 'available' ? true : undefined))).toBe(
      true,
    );
  });

  it.each([
    [{ snapshotOutcome: 'sideways' }],
    [{ snapshotOutcome: 'failed', replicationGroupId: 'a', cacheClusterId: 'b' }],
    [{ snapshotOutcome: 'failed', action: 'CreateSnapshot' }],
    [{ action: 'CreateSnapshot', replicationGroupId: 'a' }],
  ])('refuses the malformed fault %j', async (fault) => {
    // Act
    const response = await postLocal('/_local/elasticache/faults', fault);

    // Assert
    expect(response.status).toBe(400);
    expect(harness.aws.elastiCache.pendingFaults()).toEqual([]);
  });
});

describe('an automatic backup started on the local endpoint', () => {
  it('keeps the group snapshotting for the time asked, refusing CreateSnapshot, and makes an automated snapshot', async () => {
    // Arrange
    const groupId = seededGroup();

    // Act
    const started = await postLocal('/_local/elasticache/automatic-backup', {
      replicationGroupId: groupId,
      seconds: 1000,
    });
    const body = JSON.parse(started.body) as { snapshotName: string; endsAt: string };
    const during = await groupStatus(groupId);
    const refused = await rejectionOf(
      elastiCache.send(new CreateSnapshotCommand({ ReplicationGroupId: groupId, SnapshotName: unique('manual') })),
    );
    const system = await elastiCache.send(
      new DescribeSnapshotsCommand({ ReplicationGroupId: groupId, SnapshotSource: 'system' }),
    );
    const automated = await untilAvailable(body.snapshotName);

    // Assert
    expect(started.status).toBe(201);
    expect(body.snapshotName).toMatch(new RegExp(`^automatic\\.${groupId}-\\d{4}-\\d{2}-\\d{2}-\\d{2}-\\d{2}$`));
    expect(Date.parse(body.endsAt)).toBeGreaterThan(Date.now() - 1000);
    expect(during).toBe('snapshotting');
    expect(refused.name).toBe('InvalidReplicationGroupStateFault');
    expect(system.Snapshots?.map((snapshot) => [snapshot.SnapshotName, snapshot.SnapshotStatus])).toEqual([
      [body.snapshotName, 'creating'],
    ]);
    expect(automated).toMatchObject({ SnapshotSource: 'automated', ReplicationGroupId: groupId });
    expect(await groupStatus(groupId)).toBe('available');
  });

  it("answers ElastiCache's fault for a group that does not exist or is busy, and a malformed request with 400", async () => {
    // Arrange
    const groupId = seededGroup();
    await elastiCache.send(new CreateSnapshotCommand({ ReplicationGroupId: groupId, SnapshotName: unique('busy') }));

    // Act
    const missing = await postLocal('/_local/elasticache/automatic-backup', { replicationGroupId: 'no-such-group' });
    const busy = await postLocal('/_local/elasticache/automatic-backup', { replicationGroupId: groupId });
    const both = await postLocal('/_local/elasticache/automatic-backup', {
      replicationGroupId: 'a',
      cacheClusterId: 'b',
    });
    const notJson = await rawRequest(harness.aws.url, {
      method: 'POST',
      path: '/_local/elasticache/automatic-backup',
      body: 'nope',
    });

    // Assert
    expect([missing.status, JSON.parse(missing.body).code]).toEqual([404, 'ReplicationGroupNotFoundFault']);
    expect([busy.status, JSON.parse(busy.body).code]).toEqual([400, 'InvalidReplicationGroupState']);
    expect(both.status).toBe(400);
    expect(notJson.status).toBe(400);
  });
});
