// The whole service on the local stack: the HTTP API, Step Functions running the real ASL with the real handlers,
// and the emulated ElastiCache, S3 and SNS, seeded with the demo data. Free ports and a temporary data folder.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { type StackHarness, startStackHarness } from './stack-harness';

let harness: StackHarness;

beforeAll(async () => {
  harness = await startStackHarness();
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

it('exports the two-shard demo snapshot, notifies once and writes one .rdb file per shard', async () => {
  // Arrange
  const request = {
    sourceSnapshotName: 'demo-cache-snapshot',
    targetSnapshotName: 'Flow-Export',
    targetBucket: 'elasticache-exports-local',
  };

  // Act
  const accepted = await harness.postExport(request);
  const { final: finished } = await harness.followExport(accepted.body.exportId);
  const notifications = await harness.notificationsFor(accepted.body.exportId);

  // Assert
  expect(accepted.status).toBe(202);
  expect(accepted.body.status).toBe('RUNNING');
  expect(finished.status).toBe('SUCCEEDED');
  expect(finished.outcome?.status).toBe('SUCCEEDED');
  const keys = finished.outcome?.objects.map((object) => object.key);
  expect(keys).toEqual(['flow-export-0001.rdb', 'flow-export-0002.rdb']);

  expect(notifications).toHaveLength(1);
  const [notification] = notifications;
  expect(notification?.topicArn).toBe(harness.stack.topicArn);
  expect(notification?.subject).toContain('SUCCEEDED');
  expect(notification?.messageAttributes.status?.StringValue).toBe('SUCCEEDED');
  expect(notification?.messageStructure).toBe('json');
  const structured = JSON.parse(notification?.message ?? '{}') as Record<string, string>;
  expect(JSON.parse(structured.sqs ?? '{}')).toEqual(finished.outcome);

  for (const object of finished.outcome?.objects ?? []) {
    const file = path.join(harness.dataDir, 's3', 'elasticache-exports-local', object.key);
    expect(existsSync(file)).toBe(true);
    expect(statSync(file).size).toBe(object.size);
    expect(readFileSync(file).subarray(0, 5).toString('latin1')).toBe('REDIS');
  }
});

it('answers the same request again with 200 and the same export, starting nothing new', async () => {
  // Arrange
  const request = {
    sourceSnapshotName: 'demo-cache-snapshot',
    targetSnapshotName: 'flow-replay',
    targetBucket: 'elasticache-exports-local',
  };
  const first = await harness.postExport(request);
  await harness.followExport(first.body.exportId);

  // Act
  const again = await harness.postExport(request);

  // Assert
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({ exportId: first.body.exportId, status: 'SUCCEEDED' });
  expect(await harness.notificationsFor(first.body.exportId)).toHaveLength(1);
});

it('fails an export that left no objects, with the catalogue code in the outcome and the notification', async () => {
  // Arrange: the next export "succeeds" in ElastiCache but writes nothing (the classic empty-bucket case).
  await harness.stageFault({ exportOutcome: 'no-objects' });

  // Act
  const accepted = await harness.postExport({
    sourceSnapshotName: 'demo-cache-snapshot',
    targetSnapshotName: 'flow-empty',
    targetBucket: 'elasticache-exports-local',
  });
  const { final: finished } = await harness.followExport(accepted.body.exportId);
  const notifications = await harness.notificationsFor(accepted.body.exportId);

  // Assert
  expect(finished.status).toBe('FAILED');
  expect(finished.outcome?.error?.code).toBe('ExportNoObjects');
  expect(notifications).toHaveLength(1);
  expect(notifications[0]?.messageAttributes.errorCode?.StringValue).toBe('ExportNoObjects');
  expect(existsSync(path.join(harness.dataDir, 's3', 'elasticache-exports-local', 'flow-empty-0001.rdb'))).toBe(false);
});

it('refuses a bucket outside the allow-list at the API without starting an execution', async () => {
  // Arrange
  const request = { sourceSnapshotName: 'demo-cache-snapshot', targetBucket: 'someone-elses-bucket' };

  // Act
  const refused = await harness.postExport(request);
  const listed = await harness.listExports('?limit=100');

  // Assert
  expect(refused.status).toBe(403);
  expect(refused.body.error?.code).toBe('TargetBucketNotAllowed');
  expect(listed.map((entry) => entry.exportId)).not.toContainEqual(expect.stringContaining('someone-elses'));
});

it('lists what each export was, and filters the list by source and bucket', async () => {
  // Arrange: the exports of the cases above, all of demo-cache-snapshot to the demo bucket.
  const all = await harness.listExports('?limit=100');

  // Act
  const bySource = await harness.listExports('?source=demo-cache-snapshot&limit=100');
  const byOtherSource = await harness.listExports('?source=no-such-source');
  const byBucket = await harness.listExports('?bucket=elasticache-exports-local&limit=100');

  // Assert
  expect(all.length).toBeGreaterThan(0);
  expect(all[0]).toMatchObject({
    source: { kind: 'snapshot', name: 'demo-cache-snapshot' },
    targetBucket: 'elasticache-exports-local',
    targetSnapshotName: expect.any(String),
  });
  expect(bySource.map((entry) => entry.exportId)).toEqual(all.map((entry) => entry.exportId));
  expect(byBucket.map((entry) => entry.exportId)).toEqual(all.map((entry) => entry.exportId));
  expect(byOtherSource).toEqual([]);
});
