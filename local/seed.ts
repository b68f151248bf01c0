// Seeds the local stack's demo data through the emulator's public AWS interface, with the real SDK clients, the way
// an operator would prepare an account: an outcomes topic, an allowed bucket that grants ElastiCache access by ACL,
// a two-shard Redis OSS replication group notifying the topic (it holds the demo shop's keys, see
// local/aws/elasticache/demo-data.ts), and an available manual snapshot of it; and a Valkey
// serverless cache with an available snapshot.
// Idempotent: what already exists (the bucket persists in the data folder) is reused and brought to the right state.
import {
  CreateReplicationGroupCommand,
  CreateServerlessCacheCommand,
  CreateServerlessCacheSnapshotCommand,
  CreateSnapshotCommand,
  DescribeReplicationGroupsCommand,
  DescribeServerlessCacheSnapshotsCommand,
  DescribeServerlessCachesCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  ReplicationGroupNotFoundFault,
  ServerlessCacheNotFoundFault,
  ServerlessCacheSnapshotNotFoundFault,
  type Snapshot,
  SnapshotNotFoundFault,
} from '@aws-sdk/client-elasticache';
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  GetBucketAclCommand,
  HeadBucketCommand,
  NotFound,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';

/** ElastiCache's canonical user id in the default Regions (the grantee of the export ACL). */
export const ELASTICACHE_CANONICAL_ID = '540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353';

/** The demo serverless cache and its snapshot (Valkey). */
export const DEMO_SERVERLESS = {
  serverlessCacheName: 'demo-serverless',
  serverlessSnapshotName: 'demo-serverless-snapshot',
} as const;

export interface SeedOptions {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  bucket: string;
  topicName: string;
  replicationGroupId: string;
  snapshotName: string;
  numNodeGroups: number;
  /** Default DEMO_SERVERLESS.serverlessCacheName. */
  serverlessCacheName?: string;
  /** Default DEMO_SERVERLESS.serverlessSnapshotName. */
  serverlessSnapshotName?: string;
  /** Real milliseconds between two looks at a resource that is still being created. */
  pollIntervalMs?: number;
  /** Real milliseconds to wait for the replication group and the snapshot to become available. */
  timeoutMs?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

export interface SeedResult {
  topicArn: string;
  bucket: string;
  replicationGroupId: string;
  snapshotName: string;
  serverlessCacheName: string;
  serverlessSnapshotName: string;
  /** What this run had to create (empty when everything was there already). */
  created: string[];
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const isThrottling = (error: unknown): boolean =>
  error instanceof Error &&
  (error.name === 'Throttling' || (error as { $retryable?: { throttling?: boolean } }).$retryable?.throttling === true);

/** Polls `look` until it returns a value; throws after `timeoutMs` with `what` in the message. */
const waitFor = async <T>(
  what: string,
  look: () => Promise<T | undefined>,
  options: { pollIntervalMs: number; timeoutMs: number },
): Promise<T> => {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    // Throttled (LOCAL_ELASTICACHE_RATE) past the SDK's own retries: not an answer yet, so look again later.
    const value = await look().catch((error: unknown) => {
      if (isThrottling(error)) return undefined;
      throw error;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${options.timeoutMs} ms waiting for ${what}`);
    await sleep(options.pollIntervalMs);
  }
};

export const seedDemoData = async (options: SeedOptions): Promise<SeedResult> => {
  const config = { endpoint: options.endpoint, region: options.region, credentials: options.credentials };
  const sns = new SNSClient(config);
  const s3 = new S3Client({ ...config, forcePathStyle: true });
  // Every seed call rides out the emulated rate limit (LOCAL_ELASTICACHE_RATE) the same way: the SDK's standard
  // retries, throttling backoff from 1 s doubling to 20 s, with attempts enough for a bucket refilled slowly (the
  // throttled-exports test: one call per 2 emulated seconds). Before, only the waits below did, and a throttled first
  // look (DescribeServerlessCaches) failed the stack's start.
  const elastiCache = new ElastiCacheClient({ ...config, retryMode: 'standard', maxAttempts: 10 });
  const log = options.log ?? (() => {});
  const polling = { pollIntervalMs: options.pollIntervalMs ?? 100, timeoutMs: options.timeoutMs ?? 120_000 };
  const created: string[] = [];

  try {
    // CreateTopic is idempotent for the same name and attributes.
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: options.topicName }));
    if (!TopicArn) throw new Error('CreateTopic returned no TopicArn');

    await ensureBucket(s3, options, created);

    const group = await describeReplicationGroup(elastiCache, options.replicationGroupId);
    if (!group) {
      log(`Creating replication group ${options.replicationGroupId}`);
      await elastiCache.send(
        new CreateReplicationGroupCommand({
          ReplicationGroupId: options.replicationGroupId,
          ReplicationGroupDescription: 'Local demo cache for the snapshot export service',
          Engine: 'redis',
          EngineVersion: '7.1',
          CacheNodeType: 'cache.t3.micro',
          CacheParameterGroupName: 'default.redis7.cluster.on',
          NumNodeGroups: options.numNodeGroups,
          ReplicasPerNodeGroup: 1,
          AutomaticFailoverEnabled: true,
          NotificationTopicArn: TopicArn,
        }),
      );
      created.push(`replication group ${options.replicationGroupId}`);
    }
    await waitFor(
      `replication group ${options.replicationGroupId} to become available`,
      async () => {
        const status = (await describeReplicationGroup(elastiCache, options.replicationGroupId))?.Status;
        return status === 'available' ? status : undefined;
      },
      polling,
    );

    const snapshot = await describeSnapshot(elastiCache, options.snapshotName);
    if (!snapshot) {
      log(`Creating snapshot ${options.snapshotName}`);
      await elastiCache.send(
        new CreateSnapshotCommand({
          ReplicationGroupId: options.replicationGroupId,
          SnapshotName: options.snapshotName,
        }),
      );
      created.push(`snapshot ${options.snapshotName}`);
    } else if (snapshot.SnapshotStatus === 'failed') {
      throw new Error(`Snapshot ${options.snapshotName} exists but failed; delete it (or the data folder) and restart`);
    }
    // A snapshot still `copying` (an export running when the stack stopped) also comes back to available.
    await waitFor(
      `snapshot ${options.snapshotName} to become available`,
      async () => {
        const status = (await describeSnapshot(elastiCache, options.snapshotName))?.SnapshotStatus;
        if (status === 'failed') throw new Error(`Snapshot ${options.snapshotName} failed`);
        return status === 'available' ? status : undefined;
      },
      polling,
    );

    const serverless = await ensureServerless(elastiCache, options, created, polling, log);

    return {
      topicArn: TopicArn,
      bucket: options.bucket,
      replicationGroupId: options.replicationGroupId,
      snapshotName: options.snapshotName,
      ...serverless,
      created,
    };
  } finally {
    sns.destroy();
    s3.destroy();
    elastiCache.destroy();
  }
};

/** The serverless cache (Valkey) and an available snapshot of it, made through the API when missing. */
const ensureServerless = async (
  elastiCache: ElastiCacheClient,
  options: SeedOptions,
  created: string[],
  polling: { pollIntervalMs: number; timeoutMs: number },
  log: (line: string) => void,
): Promise<{ serverlessCacheName: string; serverlessSnapshotName: string }> => {
  const serverlessCacheName = options.serverlessCacheName ?? DEMO_SERVERLESS.serverlessCacheName;
  const serverlessSnapshotName = options.serverlessSnapshotName ?? DEMO_SERVERLESS.serverlessSnapshotName;
  const cacheStatus = async () => {
    try {
      const { ServerlessCaches } = await elastiCache.send(
        new DescribeServerlessCachesCommand({ ServerlessCacheName: serverlessCacheName }),
      );
      return ServerlessCaches?.[0]?.Status;
    } catch (error) {
      if (error instanceof ServerlessCacheNotFoundFault) return undefined;
      throw error;
    }
  };
  const snapshotStatus = async () => {
    try {
      const { ServerlessCacheSnapshots } = await elastiCache.send(
        new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: serverlessSnapshotName }),
      );
      return ServerlessCacheSnapshots?.[0]?.Status;
    } catch (error) {
      if (error instanceof ServerlessCacheSnapshotNotFoundFault) return undefined;
      throw error;
    }
  };
  if ((await cacheStatus()) === undefined) {
    log(`Creating serverless cache ${serverlessCacheName}`);
    await elastiCache.send(
      new CreateServerlessCacheCommand({
        ServerlessCacheName: serverlessCacheName,
        Engine: 'valkey',
        MajorEngineVersion: '8',
        Description: 'Local demo serverless cache for the snapshot export service',
      }),
    );
    created.push(`serverless cache ${serverlessCacheName}`);
  }
  await waitFor(
    `serverless cache ${serverlessCacheName} to become available`,
    async () => ((await cacheStatus()) === 'available' ? true : undefined),
    polling,
  );
  const existing = await snapshotStatus();
  if (existing === undefined) {
    log(`Creating serverless cache snapshot ${serverlessSnapshotName}`);
    await elastiCache.send(
      new CreateServerlessCacheSnapshotCommand({
        ServerlessCacheName: serverlessCacheName,
        ServerlessCacheSnapshotName: serverlessSnapshotName,
      }),
    );
    created.push(`serverless cache snapshot ${serverlessSnapshotName}`);
  } else if (existing === 'failed') {
    throw new Error(
      `Serverless cache snapshot ${serverlessSnapshotName} exists but failed; delete it (or the data folder) and restart`,
    );
  }
  // A snapshot still being exported when the stack stopped also comes back to available.
  await waitFor(
    `serverless cache snapshot ${serverlessSnapshotName} to become available`,
    async () => {
      const status = await snapshotStatus();
      if (status === 'failed') throw new Error(`Serverless cache snapshot ${serverlessSnapshotName} failed`);
      return status === 'available' ? status : undefined;
    },
    polling,
  );
  return { serverlessCacheName, serverlessSnapshotName };
};

/** The bucket, with ACLs enabled and the ACL granting ElastiCache READ, WRITE and READ_ACP besides the owner. */
const ensureBucket = async (s3: S3Client, options: SeedOptions, created: string[]): Promise<void> => {
  let exists = true;
  try {
    await s3.send(new HeadBucketCommand({ Bucket: options.bucket }));
  } catch (error) {
    if (!(error instanceof NotFound)) throw error;
    exists = false;
  }
  if (!exists) {
    await s3.send(
      new CreateBucketCommand({
        Bucket: options.bucket,
        // New buckets have ACLs disabled (BucketOwnerEnforced); the ElastiCache grant needs them enabled.
        ObjectOwnership: 'ObjectWriter',
        ...(options.region !== 'us-east-1' && {
          CreateBucketConfiguration: { LocationConstraint: options.region as BucketLocationConstraint },
        }),
      }),
    );
    created.push(`bucket ${options.bucket}`);
  }
  // Also for a bucket kept from an earlier run: set ownership and grants again, so both are as documented.
  await s3.send(
    new PutBucketOwnershipControlsCommand({
      Bucket: options.bucket,
      OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
    }),
  );
  const { Owner } = await s3.send(new GetBucketAclCommand({ Bucket: options.bucket }));
  if (!Owner?.ID) throw new Error(`GetBucketAcl on ${options.bucket} returned no owner`);
  const elastiCache = { Type: 'CanonicalUser' as const, ID: ELASTICACHE_CANONICAL_ID };
  await s3.send(
    new PutBucketAclCommand({
      Bucket: options.bucket,
      AccessControlPolicy: {
        Owner,
        Grants: [
          { Grantee: { Type: 'CanonicalUser', ID: Owner.ID }, Permission: 'FULL_CONTROL' },
          { Grantee: elastiCache, Permission: 'READ' },
          { Grantee: elastiCache, Permission: 'WRITE' },
          { Grantee: elastiCache, Permission: 'READ_ACP' },
        ],
      },
    }),
  );
};

const describeReplicationGroup = async (client: ElastiCacheClient, id: string) => {
  try {
    const { ReplicationGroups } = await client.send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: id }));
    return ReplicationGroups?.[0];
  } catch (error) {
    if (error instanceof ReplicationGroupNotFoundFault) return undefined;
    throw error;
  }
};

const describeSnapshot = async (client: ElastiCacheClient, name: string): Promise<Snapshot | undefined> => {
  try {
    const { Snapshots } = await client.send(new DescribeSnapshotsCommand({ SnapshotName: name }));
    return Snapshots?.[0];
  } catch (error) {
    if (error instanceof SnapshotNotFoundFault) return undefined;
    throw error;
  }
};
