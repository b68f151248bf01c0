// Exports of an ElastiCache Serverless snapshot (issue 10, `serverlessCacheSnapshotName`) through the local stack: the
// same states as a node-based export, with ExportServerlessCacheSnapshot and DescribeServerlessCacheSnapshots behind
// the adapter. The demo data's Valkey cache `demo-serverless` has the available snapshot `demo-serverless-snapshot`.
// The export's id is made of the bucket and the snapshot's name (its objects are named after it), so each case below
// exports to a bucket of its own.
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  GetBucketAclCommand,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
} from '@aws-sdk/client-s3';
import { type StackHarness, startStackHarness } from './stack-harness';

const SNAPSHOT = 'demo-serverless-snapshot';
const DEMO_BUCKET = 'elasticache-exports-local';
const MISSING_BUCKET = 'sls-missing-bucket';
const UNPREPARED_BUCKET = 'sls-unprepared-bucket';
const OUTSIDE_REGION_BUCKET = 'sls-outside-region';
const NO_ROLE_BUCKET = 'sls-no-role';
const ELASTICACHE_CANONICAL_ID = '540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353';
const CREATE_BUCKET_SOLUTION =
  'Create an Amazon S3 bucket in the same region as your snapshot. For more information, see Step 1: Create an Amazon S3 Bucket in the ElastiCache User Guide.';

let harness: StackHarness;

/** A bucket with ACLs on, granting ElastiCache the given permissions (the User Guide's Step 2). */
const createBucket = async (
  bucket: string,
  options: { region?: string; permissions?: Array<'READ' | 'WRITE' | 'READ_ACP'> } = {},
): Promise<void> => {
  const region = options.region ?? 'us-east-1';
  const s3 = harness.s3({ region });
  await s3.send(
    new CreateBucketCommand({
      Bucket: bucket,
      ...(region !== 'us-east-1' && {
        CreateBucketConfiguration: { LocationConstraint: region as BucketLocationConstraint },
      }),
    }),
  );
  await s3.send(
    new PutBucketOwnershipControlsCommand({
      Bucket: bucket,
      OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
    }),
  );
  const { Owner } = await s3.send(new GetBucketAclCommand({ Bucket: bucket }));
  if (!Owner?.ID) throw new Error(`GetBucketAcl on ${bucket} returned no owner`);
  await s3.send(
    new PutBucketAclCommand({
      Bucket: bucket,
      AccessControlPolicy: {
        Owner,
        Grants: [
          { Grantee: { Type: 'CanonicalUser', ID: Owner.ID }, Permission: 'FULL_CONTROL' },
          ...(options.permissions ?? ['READ', 'WRITE', 'READ_ACP']).map((permission) => ({
            Grantee: { Type: 'CanonicalUser' as const, ID: ELASTICACHE_CANONICAL_ID },
            Permission: permission,
          })),
        ],
      },
    }),
  );
};

/** Requests the export of the demo serverless snapshot (or `snapshot`) to `bucket` and follows it to its end. */
const exportTo = async (bucket: string, snapshot = SNAPSHOT) => {
  const accepted = await harness.postExport({ serverlessCacheSnapshotName: snapshot, targetBucket: bucket });
  expect(accepted.status).toBe(202);
  const { final } = await harness.followExport(accepted.body.exportId);
  const notifications = await harness.notificationsFor(accepted.body.exportId);
  return { accepted, final, notifications };
};

beforeAll(async () => {
  harness = await startStackHarness({
    config: {
      allowedTargetBuckets: [DEMO_BUCKET, MISSING_BUCKET, UNPREPARED_BUCKET, OUTSIDE_REGION_BUCKET, NO_ROLE_BUCKET],
    },
  });
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

it('exports the demo serverless snapshot with ExportServerlessCacheSnapshot, verifies its object and notifies once', async () => {
  // Act
  const { accepted, final, notifications } = await exportTo(DEMO_BUCKET);

  // Assert
  expect(final.status).toBe('SUCCEEDED');
  expect(final.outcome?.status).toBe('SUCCEEDED');
  expect(final.outcome?.sourceSnapshotName).toBe(SNAPSHOT);
  expect(final.outcome?.objects.map((object) => object.key)).toEqual([`${SNAPSHOT}-0001.rdb`]);
  expect(final.outcome?.objects.every((object) => object.size > 0)).toBe(true);
  expect(notifications).toHaveLength(1);
  expect(notifications[0]?.messageAttributes.status?.StringValue).toBe('SUCCEEDED');
  const listed = (await harness.listExports()).find((item) => item.exportId === accepted.body.exportId);
  expect((listed as unknown as { source?: unknown } | undefined)?.source).toEqual({
    kind: 'serverlessCacheSnapshot',
    name: SNAPSHOT,
  });
});

it.each([
  ['a missing bucket', MISSING_BUCKET, 'S3BucketNotFound', async () => {}, CREATE_BUCKET_SOLUTION],
  [
    'a bucket in another Region',
    OUTSIDE_REGION_BUCKET,
    'S3BucketOutsideRegion',
    () => createBucket(OUTSIDE_REGION_BUCKET, { region: 'eu-west-1' }),
    CREATE_BUCKET_SOLUTION,
  ],
  [
    'a bucket without the READ grant',
    UNPREPARED_BUCKET,
    'S3ReadPermissionMissing',
    () => createBucket(UNPREPARED_BUCKET, { permissions: ['WRITE', 'READ_ACP'] }),
    'Add List and Read permissions on the bucket.',
  ],
])(
  'fails an export to %s with the seed error and its solution in the one notification',
  async (_what, bucket, code, stage, solution) => {
    // Arrange
    await stage();

    // Act
    const { final, notifications } = await exportTo(bucket);

    // Assert
    expect(final.status).toBe('FAILED');
    expect(final.outcome?.error?.code).toBe(code);
    expect(final.outcome?.error?.solution.startsWith(solution)).toBe(true);
    expect(notifications).toHaveLength(1);
    const notified = JSON.parse(JSON.parse(notifications[0]?.message ?? '{}').sqs ?? '{}') as {
      error?: { code: string; solution: string };
    };
    expect(notified.error?.code).toBe(code);
    expect(notified.error?.solution).toBe(final.outcome?.error?.solution);
  },
);

it('fails an unknown serverless snapshot with ServerlessSnapshotNotFound and its solution', async () => {
  // Act
  const { final, notifications } = await exportTo(DEMO_BUCKET, 'no-such-serverless-snapshot');

  // Assert
  expect(final.status).toBe('FAILED');
  expect(final.outcome?.error?.code).toBe('ServerlessSnapshotNotFound');
  expect(final.outcome?.error?.solution).toContain('describe-serverless-cache-snapshots');
  expect(notifications).toHaveLength(1);
});

it("fails with ServiceLinkedRoleNotFound when ElastiCache's service-linked role is missing", async () => {
  // Arrange
  await createBucket(NO_ROLE_BUCKET);
  await harness.stageFault({ action: 'ExportServerlessCacheSnapshot', serviceLinkedRoleMissing: true });

  // Act
  const { final, notifications } = await exportTo(NO_ROLE_BUCKET);

  // Assert
  expect(final.status).toBe('FAILED');
  expect(final.outcome?.error?.code).toBe('ServiceLinkedRoleNotFound');
  expect(final.outcome?.error?.solution).toContain('create-service-linked-role');
  expect(notifications).toHaveLength(1);
});
