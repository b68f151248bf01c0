// POST /exports?dryRun=true on the local stack: the checks ValidateExport runs, against buckets and snapshots made
// with plain S3 and ElastiCache calls, every problem answered at once, and no execution started.
import { type BucketLocationConstraint, CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { CATALOGUE } from '../../handlers/lib/error-catalogue';
import { type StackHarness, startStackHarness } from './stack-harness';

const SOURCE_SNAPSHOT = 'demo-cache-snapshot';
const DEMO_BUCKET = 'elasticache-exports-local';
const UNPREPARED_BUCKET = 'dry-run-unprepared';
const OTHER_REGION_BUCKET = 'dry-run-other-region';
const NOT_OWNED_BUCKET = 'dry-run-not-owned';

let harness: StackHarness;

beforeAll(async () => {
  harness = await startStackHarness({
    config: { allowedTargetBuckets: [DEMO_BUCKET, UNPREPARED_BUCKET, OTHER_REGION_BUCKET, NOT_OWNED_BUCKET] },
  });
  // A bucket made as `aws s3api create-bucket` makes it, nothing granted to ElastiCache; an object of the export
  // to come is already there.
  const s3 = harness.s3();
  await s3.send(new CreateBucketCommand({ Bucket: UNPREPARED_BUCKET }));
  await s3.send(new PutObjectCommand({ Bucket: UNPREPARED_BUCKET, Key: 'dry-run-taken-0002.rdb', Body: 'x' }));
  await harness.s3({ region: 'eu-west-1' }).send(
    new CreateBucketCommand({
      Bucket: OTHER_REGION_BUCKET,
      CreateBucketConfiguration: { LocationConstraint: 'eu-west-1' as BucketLocationConstraint },
    }),
  );
  await harness.s3({ accessKeyId: '111111111111' }).send(new CreateBucketCommand({ Bucket: NOT_OWNED_BUCKET }));
}, 120_000);

afterAll(async () => {
  await harness.stop();
});

describe('POST /exports?dryRun=true', () => {
  it('answers every problem of a bucket made without grants at once, and starts no execution', async () => {
    // Act
    const answer = await harness.dryRun({
      sourceSnapshotName: SOURCE_SNAPSHOT,
      targetBucket: UNPREPARED_BUCKET,
      targetSnapshotName: 'dry-run-taken',
    });
    const exports = await harness.listExports();

    // Assert
    expect(answer.status).toBe(200);
    expect(answer.body.ok).toBe(false);
    expect(answer.body.request).toEqual({
      sourceSnapshotName: SOURCE_SNAPSHOT,
      targetSnapshotName: 'dry-run-taken',
      targetBucket: UNPREPARED_BUCKET,
    });
    expect(answer.body.problems.map((problem) => problem.code)).toEqual([
      'S3ReadPermissionMissing',
      'S3WritePermissionMissing',
      'S3ReadAcpPermissionMissing',
      'S3ObjectAlreadyExists',
    ]);
    expect(answer.body.problems[0]?.message).toMatch(
      /^ElastiCache has not been granted READ permissions dry-run-unprepared on the S3 Bucket\. READ: /,
    );
    expect(answer.body.problems[3]?.message).toContain('dry-run-taken-0002.rdb');
    for (const { code, solution, docsUrl } of answer.body.problems) {
      const entry = CATALOGUE.find((candidate) => candidate.code === code);
      expect({ solution, docsUrl }).toEqual({ solution: entry?.solution, docsUrl: entry?.docsUrl });
    }
    expect(exports).toEqual([]);
  });

  it('answers ok for a request that would pass, and still starts nothing', async () => {
    // Act
    const answer = await harness.dryRun({ sourceSnapshotName: SOURCE_SNAPSHOT, targetSnapshotName: 'dry-run-good' });

    // Assert
    expect(answer).toEqual({
      status: 200,
      body: {
        ok: true,
        request: { sourceSnapshotName: SOURCE_SNAPSHOT, targetSnapshotName: 'dry-run-good', targetBucket: DEMO_BUCKET },
        problems: [],
      },
    });
    expect(await harness.listExports()).toEqual([]);
  });

  it("reports the source's problem and the bucket's together: an unknown snapshot and another account's bucket", async () => {
    // Act
    const answer = await harness.dryRun({
      sourceSnapshotName: 'dry-run-no-such-snapshot',
      targetBucket: NOT_OWNED_BUCKET,
    });

    // Assert
    expect(answer.body.problems.map((problem) => problem.code)).toEqual(['SnapshotNotFound', 'S3BucketNotOwned']);
  });

  it('reports a bucket in another Region alone, as ElastiCache would', async () => {
    // Act
    const answer = await harness.dryRun({ replicationGroupId: 'demo-cache', targetBucket: OTHER_REGION_BUCKET });

    // Assert
    expect(answer.body.problems.map((problem) => problem.code)).toEqual(['S3BucketOutsideRegion']);
    expect(answer.body.problems[0]?.message).toContain('The bucket is in eu-west-1');
  });

  it("reports a bucket off the allow-list as a problem, not a 403, and checks a fresh snapshot's group", async () => {
    // Act
    const answer = await harness.dryRun({
      replicationGroupId: 'dry-run-no-such-group',
      freshSnapshot: true,
      targetBucket: 'someone-elses-bucket',
    });

    // Assert
    expect(answer.status).toBe(200);
    expect(answer.body.problems.map((problem) => problem.code)).toEqual(['TargetBucketNotAllowed', 'ClusterNotFound']);
  });

  it('answers 400 for a body that breaks the schema and for a dryRun that is neither true nor false', async () => {
    // Act
    const badBody = await harness.dryRun({ sourceSnapshotName: SOURCE_SNAPSHOT, colour: 'red' });
    const badQuery = await fetch(`${harness.stack.apiUrl}/exports?dryRun=maybe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sourceSnapshotName: SOURCE_SNAPSHOT }),
    });

    // Assert
    expect({ status: badBody.status, code: badBody.body.error?.code }).toEqual({ status: 400, code: 'InvalidRequest' });
    expect(badQuery.status).toBe(400);
    expect(await badQuery.json()).toMatchObject({ error: { code: 'InvalidRequest', details: [{ path: 'dryRun' }] } });
    expect(await harness.listExports()).toEqual([]);
  });
});
