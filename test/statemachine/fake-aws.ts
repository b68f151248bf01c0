// A small in-memory AWS for state machine tests: ElastiCache snapshots whose exports progress per check, S3
// buckets with ACLs and objects, and an SNS outbox. It answers through aws-sdk-client-mock, so the handlers'
// own module-scope SDK clients are the ones being exercised.
import { Readable } from 'node:stream';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CopySnapshotCommand,
  DescribeServerlessCacheSnapshotsCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  ExportServerlessCacheSnapshotCommand,
  InvalidParameterValueException,
  type ServerlessCacheSnapshot,
  ServerlessCacheSnapshotNotFoundFault,
  type Snapshot,
  SnapshotNotFoundFault,
} from '@aws-sdk/client-elasticache';
import {
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  type Grant,
  HeadBucketCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { PublishCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { writeRdb } from '../../local/aws/elasticache/rdb';

/**
 * A valid RDB file (what CheckExport verifies: header, EOF and CRC64) of exactly `bytes` bytes: one string value
 * whose length makes up the difference.
 */
export const rdbOfSize = (bytes: number): Buffer => {
  const build = (length: number): Buffer =>
    writeRdb({
      engine: 'redis',
      engineVersion: '7.1',
      createdAt: new Date(0),
      keys: [{ key: 'fake-key', type: 'string', value: 'x'.repeat(length) }],
    });
  const base = build(0).length;
  for (let length = Math.max(0, bytes - base - 8); length <= bytes - base; length += 1) {
    const file = build(length);
    if (file.length === bytes) return file;
  }
  throw new Error(`No RDB of exactly ${bytes} bytes`);
};

export const ELASTICACHE_CANONICAL_ID = '540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353';
export const REGION = 'us-east-1';

export interface FakeBucket {
  region: string;
  ownedByUs: boolean;
  grants: Grant[];
  policy?: string;
  objectOwnership?: string;
  objects: Map<string, number>;
  /** The bytes of the objects the fake export wrote (GetObject serves them, with Range). */
  bodies?: Map<string, Buffer>;
}

export interface FakeExportPlan {
  /** Checks that still see the source `copying` before the export ends. */
  checksUntilDone: number;
  /** What the export leaves behind: all shards, none, or only the first. */
  result: 'objects' | 'none' | 'partial' | 'failed';
  /** When set, the export ends once `elapsedSeconds` reaches this instead of after a number of checks. */
  doneAfterSeconds?: number;
}

export const fullGrants = (): Grant[] =>
  ['READ', 'WRITE', 'READ_ACP'].map((permission) => ({
    Grantee: { Type: 'CanonicalUser', ID: ELASTICACHE_CANONICAL_ID },
    Permission: permission as Grant['Permission'],
  }));

export const snapshot = (overrides: Partial<Snapshot> = {}): Snapshot => ({
  SnapshotName: 'nightly',
  SnapshotStatus: 'available',
  Engine: 'redis',
  EngineVersion: '7.1',
  ReplicationGroupId: 'orders',
  NumNodeGroups: 2,
  TopicArn: 'arn:aws:sns:us-east-1:123456789012:orders-events',
  NodeSnapshots: [
    { NodeGroupId: '0001', CacheClusterId: 'orders-0001-001', SnapshotCreateTime: new Date('2026-11-25T03:00:00Z') },
    { NodeGroupId: '0002', CacheClusterId: 'orders-0002-001', SnapshotCreateTime: new Date('2026-11-25T03:00:00Z') },
  ],
  ...overrides,
});

const s3Error = (name: string, status: number): S3ServiceException =>
  new S3ServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode: status, requestId: 'req-s3' },
    message: name,
  });

export class FakeAws {
  public readonly elastiCacheMock = mockClient(ElastiCacheClient);
  public readonly s3Mock = mockClient(S3Client);
  public readonly snsMock = mockClient(SNSClient);
  /** publishOutcome's notification records, kept by key as DynamoDB would. */
  public readonly dynamoDbMock = mockClient(DynamoDBClient);
  public readonly records = new Map<string, Record<string, unknown>>();

  public readonly snapshots = new Map<string, Snapshot>();
  /** ElastiCache Serverless snapshots: exported with ExportServerlessCacheSnapshot, one object each. */
  public readonly serverlessSnapshots = new Map<string, ServerlessCacheSnapshot>();
  public readonly buckets = new Map<string, FakeBucket>();
  public readonly published: PublishCommandInput[] = [];
  public readonly copyCalls: string[] = [];
  public exportPlan: FakeExportPlan = { checksUntilDone: 2, result: 'objects' };
  /** Errors CopySnapshot throws, one per call, before it succeeds. */
  public copyFailures: Error[] = [];
  /** Errors DescribeSnapshots of the source throws while it is exported (CheckExport's look), one per call. */
  public checkFailures: Error[] = [];
  /** Simulated seconds since the export started, for time-based export plans. */
  public elapsedSeconds = 0;
  private checksLeft = 0;
  private exporting: { source: string; target: string; bucket: string } | undefined;

  public constructor() {
    this.reset();
  }

  public reset(): void {
    this.dynamoDbMock.reset();
    this.records.clear();
    this.dynamoDbMock.on(PutItemCommand).callsFake((input: { Item: Record<string, { S?: string }> }) => {
      this.records.set(input.Item.id?.S ?? '', input.Item);
      return {};
    });
    this.dynamoDbMock.on(GetItemCommand).callsFake((input: { Key: Record<string, { S?: string }> }) => {
      const item = this.records.get(input.Key.id?.S ?? '');
      return item ? { Item: item } : {};
    });
    this.elastiCacheMock.reset();
    this.s3Mock.reset();
    this.snsMock.reset();
    this.snapshots.clear();
    this.serverlessSnapshots.clear();
    this.buckets.clear();
    this.published.length = 0;
    this.copyCalls.length = 0;
    this.copyFailures = [];
    this.checkFailures = [];
    this.exportPlan = { checksUntilDone: 2, result: 'objects' };
    this.exporting = undefined;
    this.elapsedSeconds = 0;
    this.wire();
  }

  public addSnapshot(value: Snapshot): void {
    this.snapshots.set(value.SnapshotName ?? '', value);
  }

  public addServerlessSnapshot(value: ServerlessCacheSnapshot): void {
    this.serverlessSnapshots.set(value.ServerlessCacheSnapshotName ?? '', value);
  }

  public addBucket(name: string, overrides: Partial<FakeBucket> = {}): FakeBucket {
    const bucket: FakeBucket = {
      region: REGION,
      ownedByUs: true,
      grants: fullGrants(),
      objects: new Map(),
      ...overrides,
    };
    this.buckets.set(name, bucket);
    return bucket;
  }

  private wire(): void {
    this.elastiCacheMock.on(DescribeSnapshotsCommand).callsFake((input: Record<string, string | undefined>) => {
      if (input.SnapshotName) {
        const failure = this.exporting?.source === input.SnapshotName ? this.checkFailures.shift() : undefined;
        if (failure) throw failure;
        const found = this.snapshots.get(input.SnapshotName);
        if (!found) {
          throw new SnapshotNotFoundFault({ message: `Snapshot ${input.SnapshotName} not found.`, $metadata: {} });
        }
        this.advanceExport(input.SnapshotName);
        return { Snapshots: [this.snapshots.get(input.SnapshotName)] };
      }
      const matching = [...this.snapshots.values()].filter(
        (candidate) =>
          (input.ReplicationGroupId && candidate.ReplicationGroupId === input.ReplicationGroupId) ||
          (input.CacheClusterId && candidate.CacheClusterId === input.CacheClusterId),
      );
      return { Snapshots: matching };
    });

    this.elastiCacheMock.on(CopySnapshotCommand).callsFake((input: Record<string, string>) => {
      this.copyCalls.push(input.TargetSnapshotName ?? '');
      const failure = this.copyFailures.shift();
      if (failure) throw failure;
      const source = this.snapshots.get(input.SourceSnapshotName ?? '');
      if (!source) throw new SnapshotNotFoundFault({ message: 'Snapshot not found.', $metadata: {} });
      const bucket = this.buckets.get(input.TargetBucket ?? '');
      if (!bucket) {
        throw new InvalidParameterValueException({
          message: `The S3 bucket ${input.TargetBucket} does not exist.`,
          $metadata: { requestId: 'req-copy' },
        });
      }
      this.snapshots.set(source.SnapshotName ?? '', { ...source, SnapshotStatus: 'copying' });
      this.exporting = {
        source: input.SourceSnapshotName ?? '',
        target: input.TargetSnapshotName ?? '',
        bucket: input.TargetBucket ?? '',
      };
      this.checksLeft = this.exportPlan.checksUntilDone;
      return { Snapshot: source };
    });

    this.elastiCacheMock
      .on(DescribeServerlessCacheSnapshotsCommand)
      .callsFake((input: Record<string, string | undefined>) => {
        if (input.ServerlessCacheSnapshotName) {
          const name = input.ServerlessCacheSnapshotName;
          if (!this.serverlessSnapshots.has(name)) {
            throw new ServerlessCacheSnapshotNotFoundFault({ message: `${name} not found.`, $metadata: {} });
          }
          this.advanceExport(name);
          return { ServerlessCacheSnapshots: [this.serverlessSnapshots.get(name)] };
        }
        return {
          ServerlessCacheSnapshots: [...this.serverlessSnapshots.values()].filter(
            (candidate) => candidate.ServerlessCacheConfiguration?.ServerlessCacheName === input.ServerlessCacheName,
          ),
        };
      });

    this.elastiCacheMock.on(ExportServerlessCacheSnapshotCommand).callsFake((input: Record<string, string>) => {
      const name = input.ServerlessCacheSnapshotName ?? '';
      this.copyCalls.push(name);
      const source = this.serverlessSnapshots.get(name);
      if (!source) throw new ServerlessCacheSnapshotNotFoundFault({ message: `${name} not found.`, $metadata: {} });
      this.serverlessSnapshots.set(name, { ...source, Status: 'exporting' });
      this.exporting = { source: name, target: name, bucket: input.S3BucketName ?? '' };
      this.checksLeft = this.exportPlan.checksUntilDone;
      return { ServerlessCacheSnapshot: source };
    });

    this.s3Mock.on(ListBucketsCommand).callsFake(() => ({
      Buckets: [...this.buckets.entries()].filter(([, bucket]) => bucket.ownedByUs).map(([Name]) => ({ Name })),
    }));
    this.s3Mock.on(HeadBucketCommand).callsFake((input: { Bucket: string }) => {
      const bucket = this.buckets.get(input.Bucket);
      if (!bucket) throw s3Error('NotFound', 404);
      if (!bucket.ownedByUs) throw s3Error('Forbidden', 403);
      return {};
    });
    this.s3Mock.on(GetBucketLocationCommand).callsFake((input: { Bucket: string }) => {
      const bucket = this.ownBucket(input.Bucket);
      return { LocationConstraint: bucket.region === 'us-east-1' ? undefined : bucket.region };
    });
    this.s3Mock.on(GetBucketAclCommand).callsFake((input: { Bucket: string }) => ({
      Owner: { ID: 'owner' },
      Grants: this.ownBucket(input.Bucket).grants,
    }));
    this.s3Mock.on(GetBucketPolicyCommand).callsFake((input: { Bucket: string }) => {
      const bucket = this.ownBucket(input.Bucket);
      if (!bucket.policy) throw s3Error('NoSuchBucketPolicy', 404);
      return { Policy: bucket.policy };
    });
    this.s3Mock.on(GetBucketOwnershipControlsCommand).callsFake((input: { Bucket: string }) => {
      const bucket = this.ownBucket(input.Bucket);
      if (!bucket.objectOwnership) throw s3Error('OwnershipControlsNotFoundError', 404);
      return { OwnershipControls: { Rules: [{ ObjectOwnership: bucket.objectOwnership }] } };
    });
    this.s3Mock.on(ListObjectsV2Command).callsFake((input: { Bucket: string; Prefix?: string }) => {
      const bucket = this.ownBucket(input.Bucket);
      const contents = [...bucket.objects.entries()]
        .filter(([key]) => key.startsWith(input.Prefix ?? ''))
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([Key, Size]) => ({ Key, Size }));
      return { Contents: contents, KeyCount: contents.length, IsTruncated: false };
    });

    this.s3Mock.on(GetObjectCommand).callsFake((input: { Bucket: string; Key: string; Range?: string }) => {
      const bucket = this.ownBucket(input.Bucket);
      const body = bucket.bodies?.get(input.Key);
      if (!body) throw s3Error('NoSuchKey', 404);
      const match = /^bytes=(\d+)-(\d*)$/.exec(input.Range ?? '');
      const start = match ? Number(match[1]) : 0;
      const end = match?.[2] ? Math.min(Number(match[2]), body.length - 1) : body.length - 1;
      return {
        Body: Readable.from([body.subarray(start, end + 1)]),
        ContentRange: `bytes ${start}-${end}/${body.length}`,
        ETag: '"fake-etag"',
        ServerSideEncryption: 'AES256',
      };
    });

    this.snsMock.on(PublishCommand).callsFake((input: PublishCommandInput) => {
      this.published.push(input);
      return { MessageId: `msg-${this.published.length}` };
    });
  }

  private ownBucket(name: string): FakeBucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw s3Error('NoSuchBucket', 404);
    if (!bucket.ownedByUs) throw s3Error('AccessDenied', 403);
    return bucket;
  }

  /** Each look at the exporting source brings the export one check closer to its end. */
  private advanceExport(snapshotName: string): void {
    const running = this.exporting;
    if (!running || running.source !== snapshotName) return;
    const { doneAfterSeconds } = this.exportPlan;
    if (doneAfterSeconds !== undefined && this.elapsedSeconds < doneAfterSeconds) return;
    if (doneAfterSeconds === undefined && this.checksLeft > 0) {
      this.checksLeft -= 1;
      return;
    }
    const serverless = this.serverlessSnapshots.get(snapshotName);
    const bucket = this.buckets.get(running.bucket);
    if (serverless && bucket) {
      if (this.exportPlan.result !== 'none' && this.exportPlan.result !== 'failed') {
        const key = `${running.target.toLowerCase()}-0001.rdb`;
        bucket.objects.set(key, 1024);
        bucket.bodies ??= new Map();
        bucket.bodies.set(key, rdbOfSize(1024));
      }
      const status = this.exportPlan.result === 'failed' ? 'failed' : 'available';
      this.serverlessSnapshots.set(snapshotName, { ...serverless, Status: status });
      this.exporting = undefined;
      return;
    }
    const source = this.snapshots.get(snapshotName);
    if (!source || !bucket) return;
    const shards = this.exportPlan.result === 'partial' ? 1 : (source.NumNodeGroups ?? 1);
    if (this.exportPlan.result === 'objects' || this.exportPlan.result === 'partial') {
      for (let shard = 1; shard <= shards; shard += 1) {
        const key = `${running.target.toLowerCase()}-${shard.toString().padStart(4, '0')}.rdb`;
        bucket.objects.set(key, 1024 * shard);
        bucket.bodies ??= new Map();
        bucket.bodies.set(key, rdbOfSize(1024 * shard));
      }
    }
    this.snapshots.set(snapshotName, {
      ...source,
      SnapshotStatus: this.exportPlan.result === 'failed' ? 'failed' : 'available',
    });
    this.exporting = undefined;
  }
}
