// A restore from an export's outcome (issue 9), through the whole local stack: the demo group's snapshot is exported,
// a new replication group is seeded with the outcome's `restore.snapshotArns` as they are (CreateReplicationGroup
// with SnapshotArns, as the README's restore command does), and an export of that restored group, a fresh snapshot
// of it, holds the same keys with the same values.
import { CreateReplicationGroupCommand, DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { type KeyRecord, readRdb } from '../../local/aws/elasticache/rdb';
import { eventually } from '../support/waiting';
import { type StackHarness, startStackHarness } from './stack-harness';

const BUCKET = 'elasticache-exports-local';

let harness: StackHarness;

beforeAll(async () => {
  harness = await startStackHarness();
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

const exportOf = async (body: Record<string, unknown>) => {
  const accepted = await harness.postExport({ targetBucket: BUCKET, ...body });
  expect(accepted.status).toBe(202);
  const { final } = await harness.followExport(accepted.body.exportId);
  expect(final.outcome?.error).toBeUndefined();
  expect(final.status).toBe('SUCCEEDED');
  return final.outcome as NonNullable<typeof final.outcome>;
};

/** Every key the objects hold, with sets, hashes and sorted sets in a fixed order (a server saves them in its own). */
const keysOf = async (arns: readonly string[]): Promise<Map<string, KeyRecord>> => {
  const records: KeyRecord[] = [];
  for (const arn of arns) {
    const [, bucket = '', key = ''] = /^arn:aws:s3:::([^/]+)\/(.+)$/.exec(arn) ?? [];
    const object = await harness.s3().send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    records.push(...readRdb(Buffer.from(await (object.Body?.transformToByteArray() ?? new Uint8Array()))).keys);
  }
  const sorted = (record: KeyRecord): KeyRecord => {
    const order = <T>(items: T[]): T[] => [...items].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
    if (record.type === 'set') return { ...record, members: order(record.members) };
    if (record.type === 'hash') return { ...record, fields: order(record.fields) };
    if (record.type === 'zset') return { ...record, members: order(record.members) };
    return record;
  };
  return new Map(records.map((record) => [record.key, sorted(record)]));
};

it("seeds a new group from an outcome's restore.snapshotArns whose own export holds the same keys", async () => {
  // Arrange: the demo group's snapshot exported; its outcome says how to restore it.
  const exported = await exportOf({ replicationGroupId: 'demo-cache', targetSnapshotName: 'before-restore' });
  const arns = exported.restore?.snapshotArns ?? [];
  expect(arns).toEqual(exported.objects.map((object) => `arn:aws:s3:::${BUCKET}/${object.key}`));
  expect(exported.objects.every((object) => object.rdb?.verified === 'full')).toBe(true);

  // Act: the restore, with the ARNs as given, then an export of the restored group.
  await harness.elastiCache().send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: 'restored-cache',
      ReplicationGroupDescription: 'restored from an export',
      Engine: exported.snapshot?.engine ?? 'redis',
      EngineVersion: exported.snapshot?.engineVersion,
      CacheNodeType: 'cache.r7g.large',
      NumNodeGroups: arns.length,
      SnapshotArns: arns,
    }),
  );
  await eventually(
    async () => {
      const { ReplicationGroups = [] } = await harness
        .elastiCache()
        .send(new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'restored-cache' }));
      const status = ReplicationGroups[0]?.Status;
      if (status === 'create-failed') throw new Error('The restore failed');
      return status === 'available' ? true : undefined;
    },
    20_000,
    'the restored group available',
  );
  const again = await exportOf({
    replicationGroupId: 'restored-cache',
    freshSnapshot: true,
    targetSnapshotName: 'after-restore',
  });

  // Assert: the same keys and values; a key whose expiry passed in between may be gone, never added or changed.
  const before = await keysOf(arns);
  const after = await keysOf(again.restore?.snapshotArns ?? []);
  expect(before.size).toBeGreaterThan(0);
  for (const [key, record] of after) expect(before.get(key)).toEqual(record);
  const lasting = [...before.values()].filter((record) => record.expiresAt === undefined);
  expect(lasting.length).toBeGreaterThan(0);
  for (const record of lasting) expect(after.get(record.key)).toEqual(record);
});
