// ElastiCache Serverless through the real SDK client: serverless caches (create, describe with pagination, delete
// with a final snapshot), their snapshots (create, the cache busy while it backs up, the 24-a-day quota, describe
// filters, delete), the staged faults, and the AWS CLI's view of the same.
import {
  CreateServerlessCacheCommand,
  CreateServerlessCacheSnapshotCommand,
  DeleteServerlessCacheCommand,
  DeleteServerlessCacheSnapshotCommand,
  DescribeServerlessCacheSnapshotsCommand,
  DescribeServerlessCachesCommand,
  type ElastiCacheClient,
  type ServerlessCache,
  type ServerlessCacheSnapshot,
} from '@aws-sdk/client-elasticache';
import { eventually, type Harness, httpStatusOf, rejectionOf, runAwsCli, startHarness } from './emulator-harness';

let harness: Harness;
let elastiCache: ElastiCacheClient;
let counter = 0;
const unique = (label: string): string => `${label}-${process.pid}-${++counter}`;

beforeAll(async () => {
  // Creations take 0.3 s, snapshots 0.5 s and deletions 0.3 s of real time: long enough to see each phase.
  harness = await startHarness({
    elastiCache: {
      serverlessSnapshotsPerCache: 3,
      createSeconds: 300,
      snapshotSeconds: 500,
      snapshotDeleteSeconds: 300,
    },
  });
  elastiCache = harness.elastiCache({ accessKeyId: '123456789012' }, { maxAttempts: 1 });
});

afterEach(() => harness.aws.elastiCache.clearFaults());

afterAll(() => harness.stop());

const ACCOUNT = { accountId: '123456789012' };

const cacheNamed = async (name: string): Promise<ServerlessCache | undefined> =>
  (await elastiCache.send(new DescribeServerlessCachesCommand({ ServerlessCacheName: name }))).ServerlessCaches?.[0];

const snapshotNamed = async (name: string): Promise<ServerlessCacheSnapshot | undefined> =>
  (await elastiCache.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: name })))
    .ServerlessCacheSnapshots?.[0];

const untilSnapshot = (name: string, status: string) =>
  eventually(async () => ((await snapshotNamed(name))?.Status === status ? true : undefined));

/** An available serverless cache, seeded (no API call). */
const seededCache = (engine: 'valkey' | 'redis' | 'memcached' = 'valkey'): string => {
  const name = unique('sessions');
  harness.aws.elastiCache.seedServerlessCache({ serverlessCacheName: name, engine, ...ACCOUNT });
  return name;
};

const expectFault = async (promise: Promise<unknown>, name: string, status: number): Promise<string> => {
  const error = await rejectionOf(promise);
  expect([error.name, httpStatusOf(error)]).toEqual([name, status]);
  return error.message;
};

describe('CreateServerlessCache, DescribeServerlessCaches and DeleteServerlessCache', () => {
  it('creates a cache creating, then available with its endpoints, under the serverlesscache ARN, name lowercased', async () => {
    // Arrange
    const name = unique('Orders');

    // Act
    const { ServerlessCache: created } = await elastiCache.send(
      new CreateServerlessCacheCommand({
        ServerlessCacheName: name,
        Engine: 'valkey',
        MajorEngineVersion: '8',
        Description: 'orders cache',
        KmsKeyId: 'arn:aws:kms:us-east-1:123456789012:key/abc',
        SecurityGroupIds: ['sg-1'],
        SubnetIds: ['subnet-1', 'subnet-2'],
        SnapshotRetentionLimit: 3,
        DailySnapshotTime: '04:30',
        CacheUsageLimits: { DataStorage: { Maximum: 10, Unit: 'GB' }, ECPUPerSecond: { Maximum: 5000 } },
      }),
    );
    await eventually(async () => ((await cacheNamed(name))?.Status === 'available' ? true : undefined));
    const available = await cacheNamed(name);

    // Assert
    const lower = name.toLowerCase();
    expect(created).toMatchObject({
      ServerlessCacheName: lower,
      Status: 'creating',
      Engine: 'valkey',
      MajorEngineVersion: '8',
      FullEngineVersion: '8.0',
      Description: 'orders cache',
      ARN: `arn:aws:elasticache:us-east-1:123456789012:serverlesscache:${lower}`,
      SecurityGroupIds: ['sg-1'],
      SubnetIds: ['subnet-1', 'subnet-2'],
      SnapshotRetentionLimit: 3,
      DailySnapshotTime: '04:30',
      CacheUsageLimits: { DataStorage: { Maximum: 10, Unit: 'GB' }, ECPUPerSecond: { Maximum: 5000 } },
    });
    expect(created?.Endpoint).toBeUndefined();
    expect(created?.CreateTime).toBeInstanceOf(Date);
    expect(available?.Endpoint).toEqual({ Address: expect.stringContaining(lower), Port: 6379 });
    expect(available?.ReaderEndpoint?.Port).toBe(6380);
  });

  it('refuses a name taken, an unknown engine and an unknown major version', async () => {
    // Arrange
    const name = seededCache();

    // Act
    await expectFault(
      elastiCache.send(new CreateServerlessCacheCommand({ ServerlessCacheName: name, Engine: 'valkey' })),
      'ServerlessCacheAlreadyExistsFault',
      400,
    );
    await expectFault(
      elastiCache.send(new CreateServerlessCacheCommand({ ServerlessCacheName: unique('c'), Engine: 'mysql' })),
      'InvalidParameterValueException',
      400,
    );
    await expectFault(
      elastiCache.send(
        new CreateServerlessCacheCommand({
          ServerlessCacheName: unique('c'),
          Engine: 'redis',
          MajorEngineVersion: '5',
        }),
      ),
      'InvalidParameterValueException',
      400,
    );
  });

  it('accepts SnapshotArnsToRestore naming an available serverless snapshot, and refuses one that names none', async () => {
    // Arrange
    const source = seededCache();
    const snapshot = unique('seed');
    harness.aws.elastiCache.seedServerlessSnapshot({ snapshotName: snapshot, serverlessCacheName: source, ...ACCOUNT });
    const arn = (await snapshotNamed(snapshot))?.ARN ?? '';

    // Act
    const restored = await elastiCache.send(
      new CreateServerlessCacheCommand({
        ServerlessCacheName: unique('restored'),
        Engine: 'valkey',
        SnapshotArnsToRestore: [arn],
      }),
    );
    const missing = await expectFault(
      elastiCache.send(
        new CreateServerlessCacheCommand({
          ServerlessCacheName: unique('restored'),
          Engine: 'valkey',
          SnapshotArnsToRestore: [`${arn}-gone`],
        }),
      ),
      'InvalidParameterValueException',
      400,
    );

    // Assert
    expect(restored.ServerlessCache?.Status).toBe('creating');
    expect(missing).toContain(`${arn}-gone`);
  });

  it('answers ServerlessCacheNotFoundFault (404) for a cache that does not exist', async () => {
    // Act / Assert
    await expectFault(cacheNamed('no-such-cache'), 'ServerlessCacheNotFoundFault', 404);
    await expectFault(
      elastiCache.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: 'no-such-cache' })),
      'ServerlessCacheNotFoundFault',
      404,
    );
  });

  it('pages DescribeServerlessCaches by MaxResults and NextToken, in creation order, and refuses MaxResults over 50', async () => {
    // Arrange: a Region of its own.
    const region = 'ap-southeast-2';
    const client = harness.elastiCache({ accessKeyId: '123456789012', region }, { maxAttempts: 1 });
    const names = ['p-a', 'p-b', 'p-c'];
    for (const name of names)
      harness.aws.elastiCache.seedServerlessCache({ serverlessCacheName: name, region, ...ACCOUNT });

    // Act
    const first = await client.send(new DescribeServerlessCachesCommand({ MaxResults: 2 }));
    const second = await client.send(
      new DescribeServerlessCachesCommand({ MaxResults: 2, NextToken: first.NextToken }),
    );
    const tooMany = client.send(new DescribeServerlessCachesCommand({ MaxResults: 51 }));

    // Assert
    expect(first.ServerlessCaches?.map((cache) => cache.ServerlessCacheName)).toEqual(['p-a', 'p-b']);
    expect(first.NextToken).toEqual(expect.any(String));
    expect(second.ServerlessCaches?.map((cache) => cache.ServerlessCacheName)).toEqual(['p-c']);
    expect(second.NextToken).toBeUndefined();
    await expectFault(tooMany, 'InvalidParameterValueException', 400);
  });

  it('deletes a cache: deleting, then gone, its final snapshot taken and kept', async () => {
    // Arrange
    const name = seededCache();
    const finalName = unique('Final');

    // Act
    const { ServerlessCache: deleting } = await elastiCache.send(
      new DeleteServerlessCacheCommand({ ServerlessCacheName: name, FinalSnapshotName: finalName }),
    );
    const again = elastiCache.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: name }));
    await eventually(async () => {
      const error = await rejectionOf(cacheNamed(name)).catch(() => undefined);
      return error?.name === 'ServerlessCacheNotFoundFault' ? true : undefined;
    });
    await untilSnapshot(finalName, 'available');

    // Assert
    expect(deleting?.Status).toBe('deleting');
    await expectFault(again, 'InvalidServerlessCacheStateFault', 400);
    expect(await snapshotNamed(finalName)).toMatchObject({
      ServerlessCacheSnapshotName: finalName.toLowerCase(),
      SnapshotType: 'manual',
      ServerlessCacheConfiguration: { ServerlessCacheName: name, Engine: 'valkey', MajorEngineVersion: '8' },
    });
  });

  it('refuses a final snapshot name already taken with ServerlessCacheSnapshotAlreadyExistsFault', async () => {
    // Arrange
    const name = seededCache();
    const taken = unique('taken');
    harness.aws.elastiCache.seedServerlessSnapshot({ snapshotName: taken, serverlessCacheName: name, ...ACCOUNT });

    // Act / Assert
    await expectFault(
      elastiCache.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: name, FinalSnapshotName: taken })),
      'ServerlessCacheSnapshotAlreadyExistsFault',
      400,
    );
    expect((await cacheNamed(name))?.Status).toBe('available');
  });
});

describe('CreateServerlessCacheSnapshot, DescribeServerlessCacheSnapshots and DeleteServerlessCacheSnapshot', () => {
  it('takes a snapshot creating, then available, named in lowercase under the serverlesscachesnapshot ARN', async () => {
    // Arrange
    const cache = seededCache();
    const name = unique('Nightly');

    // Act
    const { ServerlessCacheSnapshot: created } = await elastiCache.send(
      new CreateServerlessCacheSnapshotCommand({
        ServerlessCacheName: cache,
        ServerlessCacheSnapshotName: name,
        KmsKeyId: 'key-1',
        Tags: [{ Key: 'team', Value: 'cache' }],
      }),
    );
    await untilSnapshot(name, 'available');

    // Assert
    const lower = name.toLowerCase();
    expect(created).toMatchObject({
      ServerlessCacheSnapshotName: lower,
      ARN: `arn:aws:elasticache:us-east-1:123456789012:serverlesscachesnapshot:${lower}`,
      Status: 'creating',
      SnapshotType: 'manual',
      KmsKeyId: 'key-1',
      BytesUsedForCache: expect.any(String),
      ServerlessCacheConfiguration: { ServerlessCacheName: cache, Engine: 'valkey', MajorEngineVersion: '8' },
    });
    expect(created?.CreateTime).toBeInstanceOf(Date);
  });

  it('keeps the cache busy while it backs up: a second snapshot and its deletion are refused, the cache stays available', async () => {
    // Arrange
    const cache = seededCache();
    const first = unique('first');
    await elastiCache.send(
      new CreateServerlessCacheSnapshotCommand({ ServerlessCacheName: cache, ServerlessCacheSnapshotName: first }),
    );

    // Act
    const second = elastiCache.send(
      new CreateServerlessCacheSnapshotCommand({
        ServerlessCacheName: cache,
        ServerlessCacheSnapshotName: unique('s'),
      }),
    );
    const deletion = elastiCache.send(new DeleteServerlessCacheCommand({ ServerlessCacheName: cache }));
    const deleteSnapshot = elastiCache.send(
      new DeleteServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: first }),
    );
    const status = (await cacheNamed(cache))?.Status;

    // Assert
    await expectFault(second, 'InvalidServerlessCacheStateFault', 400);
    await expectFault(deletion, 'InvalidServerlessCacheStateFault', 400);
    await expectFault(deleteSnapshot, 'InvalidServerlessCacheSnapshotStateFault', 400);
    expect(status).toBe('available');
    await untilSnapshot(first, 'available');
    await expect(
      elastiCache.send(
        new CreateServerlessCacheSnapshotCommand({
          ServerlessCacheName: cache,
          ServerlessCacheSnapshotName: unique('s'),
        }),
      ),
    ).resolves.toBeDefined();
  });

  it('refuses a name taken, a cache that does not exist and one still creating', async () => {
    // Arrange
    const cache = seededCache();
    const taken = unique('taken');
    harness.aws.elastiCache.seedServerlessSnapshot({ snapshotName: taken, serverlessCacheName: cache, ...ACCOUNT });
    const creating = unique('creating');
    await harness
      .elastiCache({ accessKeyId: '123456789012' }, { maxAttempts: 1 })
      .send(new CreateServerlessCacheCommand({ ServerlessCacheName: creating, Engine: 'redis' }));

    // Act / Assert
    await expectFault(
      elastiCache.send(
        new CreateServerlessCacheSnapshotCommand({ ServerlessCacheName: cache, ServerlessCacheSnapshotName: taken }),
      ),
      'ServerlessCacheSnapshotAlreadyExistsFault',
      400,
    );
    await expectFault(
      elastiCache.send(
        new CreateServerlessCacheSnapshotCommand({
          ServerlessCacheName: 'no-such-cache',
          ServerlessCacheSnapshotName: unique('s'),
        }),
      ),
      'ServerlessCacheNotFoundFault',
      404,
    );
    await expectFault(
      elastiCache.send(
        new CreateServerlessCacheSnapshotCommand({
          ServerlessCacheName: creating,
          ServerlessCacheSnapshotName: unique('s'),
        }),
      ),
      'InvalidServerlessCacheStateFault',
      400,
    );
  });

  it('holds a cache to its daily quota of manual snapshots, counting deleted ones (setting lowered to 3)', async () => {
    // Arrange: three snapshots taken, one of them deleted since.
    const cache = seededCache();
    const names = [unique('q'), unique('q'), unique('q')];
    for (const name of names) {
      await elastiCache.send(
        new CreateServerlessCacheSnapshotCommand({ ServerlessCacheName: cache, ServerlessCacheSnapshotName: name }),
      );
      await untilSnapshot(name, 'available');
    }
    await elastiCache.send(new DeleteServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: names[0] }));

    // Act
    const message = await expectFault(
      elastiCache.send(
        new CreateServerlessCacheSnapshotCommand({
          ServerlessCacheName: cache,
          ServerlessCacheSnapshotName: unique('q'),
        }),
      ),
      'ServerlessCacheSnapshotQuotaExceededFault',
      400,
    );

    // Assert
    expect(message).toBe('The number of serverless cache snapshots exceeds the customer snapshot quota.');
  });

  it('takes snapshots of Serverless Memcached too, as the reference offers them', async () => {
    // Arrange
    const cache = seededCache('memcached');
    const name = unique('memcached');

    // Act
    const { ServerlessCacheSnapshot: created } = await elastiCache.send(
      new CreateServerlessCacheSnapshotCommand({ ServerlessCacheName: cache, ServerlessCacheSnapshotName: name }),
    );

    // Assert
    expect(created?.ServerlessCacheConfiguration).toMatchObject({ Engine: 'memcached', MajorEngineVersion: '1.6' });
  });

  it('filters DescribeServerlessCacheSnapshots by cache, by name and by type, and pages them', async () => {
    // Arrange
    const cache = seededCache();
    const [manual, automated] = [unique('m'), unique('a')];
    harness.aws.elastiCache.seedServerlessSnapshot({ snapshotName: manual, serverlessCacheName: cache, ...ACCOUNT });
    harness.aws.elastiCache.seedServerlessSnapshot({
      snapshotName: automated,
      serverlessCacheName: cache,
      snapshotType: 'automated',
      ...ACCOUNT,
    });
    const names = (snapshots: ServerlessCacheSnapshot[] | undefined) =>
      snapshots?.map((snapshot) => snapshot.ServerlessCacheSnapshotName);

    // Act
    const byCache = await elastiCache.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheName: cache }));
    const byType = await elastiCache.send(
      new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheName: cache, SnapshotType: 'automated' }),
    );
    const page = await elastiCache.send(
      new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheName: cache, MaxResults: 1 }),
    );
    const rest = await elastiCache.send(
      new DescribeServerlessCacheSnapshotsCommand({
        ServerlessCacheName: cache,
        MaxResults: 1,
        NextToken: page.NextToken,
      }),
    );

    // Assert
    expect(names(byCache.ServerlessCacheSnapshots)).toEqual([manual, automated]);
    expect(names(byType.ServerlessCacheSnapshots)).toEqual([automated]);
    expect(byType.ServerlessCacheSnapshots?.[0]?.ExpiryTime).toBeInstanceOf(Date);
    expect([names(page.ServerlessCacheSnapshots), names(rest.ServerlessCacheSnapshots)]).toEqual([
      [manual],
      [automated],
    ]);
    await expectFault(snapshotNamed('no-such-snapshot'), 'ServerlessCacheSnapshotNotFoundFault', 404);
    await expectFault(
      elastiCache.send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheName: 'no-such-cache' })),
      'ServerlessCacheNotFoundFault',
      404,
    );
    await expectFault(
      elastiCache.send(new DescribeServerlessCacheSnapshotsCommand({ SnapshotType: 'weekly' })),
      'InvalidParameterValueException',
      400,
    );
  });

  it('deletes a snapshot: deleting, then gone; a second delete meanwhile is refused', async () => {
    // Arrange
    const cache = seededCache();
    const name = unique('old');
    harness.aws.elastiCache.seedServerlessSnapshot({ snapshotName: name, serverlessCacheName: cache, ...ACCOUNT });

    // Act
    const { ServerlessCacheSnapshot: deleting } = await elastiCache.send(
      new DeleteServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: name }),
    );
    const again = elastiCache.send(new DeleteServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: name }));

    // Assert
    expect(deleting?.Status).toBe('deleting');
    await expectFault(again, 'InvalidServerlessCacheSnapshotStateFault', 400);
    await eventually(async () =>
      (await rejectionOf(snapshotNamed(name)).catch(() => undefined))?.name === 'ServerlessCacheSnapshotNotFoundFault'
        ? true
        : undefined,
    );
    await expectFault(
      elastiCache.send(new DeleteServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: name })),
      'ServerlessCacheSnapshotNotFoundFault',
      404,
    );
  });
});

describe('staged faults of serverless snapshots', () => {
  it('makes the next snapshot of a named serverless cache end failed, and it can then be deleted', async () => {
    // Arrange
    const cache = seededCache();
    const name = unique('doomed');
    harness.aws.elastiCache.stageFault({ snapshotOutcome: 'failed', serverlessCacheName: cache });

    // Act
    await elastiCache.send(
      new CreateServerlessCacheSnapshotCommand({ ServerlessCacheName: cache, ServerlessCacheSnapshotName: name }),
    );
    await untilSnapshot(name, 'failed');

    // Assert
    await expect(
      elastiCache.send(new DeleteServerlessCacheSnapshotCommand({ ServerlessCacheSnapshotName: name })),
    ).resolves.toMatchObject({ ServerlessCacheSnapshot: { Status: 'deleting' } });
  });

  it('stages ServiceLinkedRoleNotFoundFault for the next serverless call that models it', async () => {
    // Arrange
    const cache = seededCache();
    harness.aws.elastiCache.stageFault({ serviceLinkedRoleMissing: true });

    // Act
    const described = await cacheNamed(cache);
    const message = await expectFault(
      elastiCache.send(
        new CreateServerlessCacheSnapshotCommand({
          ServerlessCacheName: cache,
          ServerlessCacheSnapshotName: unique('s'),
        }),
      ),
      'ServiceLinkedRoleNotFoundFault',
      400,
    );

    // Assert: DescribeServerlessCaches models no such fault and is answered.
    expect(described?.ServerlessCacheName).toBe(cache);
    expect(message).toBe('The specified service linked role (SLR) was not found.');
    expect(harness.aws.elastiCache.pendingFaults()).toEqual([]);
  });

  it('refuses a malformed serverless fault', () => {
    // Act / Assert
    expect(() => harness.aws.elastiCache.stageFault({ serverlessCacheName: 'x' })).toThrow(/snapshotOutcome/);
    expect(() => harness.aws.elastiCache.stageFault({ serviceLinkedRoleMissing: true, code: 'Throttling' })).toThrow(
      /serviceLinkedRoleMissing/,
    );
    expect(() =>
      harness.aws.elastiCache.stageFault({ exportOutcome: 'failed', serverlessCacheSnapshotName: '' }),
    ).toThrow(/name/);
  });
});

describe('the AWS CLI', () => {
  it('creates and describes a serverless cache and its snapshots', async () => {
    // Arrange
    const name = unique('cli');
    const cli = async (...args: string[]): Promise<Record<string, unknown>> => {
      const result = await runAwsCli(harness.aws.url, ['elasticache', ...args], { accessKeyId: '123456789012' });
      if (result.code !== 0) throw new Error(`aws elasticache ${args.join(' ')}: ${result.stderr}`);
      return JSON.parse(result.stdout) as Record<string, unknown>;
    };

    // Act
    const created = await cli('create-serverless-cache', '--serverless-cache-name', name, '--engine', 'valkey');
    await eventually(async () => ((await cacheNamed(name))?.Status === 'available' ? true : undefined));
    await cli(
      'create-serverless-cache-snapshot',
      '--serverless-cache-name',
      name,
      '--serverless-cache-snapshot-name',
      `${name}-snap`,
    );
    const caches = await cli('describe-serverless-caches', '--serverless-cache-name', name);
    const snapshots = await cli('describe-serverless-cache-snapshots', '--serverless-cache-name', name);

    // Assert
    expect(created).toMatchObject({ ServerlessCache: { ServerlessCacheName: name, Status: 'creating' } });
    expect(caches).toMatchObject({ ServerlessCaches: [{ ServerlessCacheName: name, Status: 'available' }] });
    expect(snapshots).toMatchObject({
      ServerlessCacheSnapshots: [{ ServerlessCacheSnapshotName: `${name}-snap`, SnapshotType: 'manual' }],
    });
  });
});
