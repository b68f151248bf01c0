// The error messages of the CopySnapshot reference (../shared/reference/aws-cli-elasticache-copy-snapshot.rst), each
// staged for real on the local stack with plain S3 and ElastiCache calls, then requested over HTTP: the export fails
// with the catalogue code, the seed message filled in, the seed Solution, and exactly one notification. The eighth,
// "The authenticated user does not have sufficient permissions…", comes from a real missing permission: see
// iam-enforcement.test.ts.
// Also the happy path followed from RUNNING to SUCCEEDED, and throttled CopySnapshot calls that the SDK and then
// the state machine retry.
import {
  type BucketLocationConstraint,
  CreateBucketCommand,
  GetBucketAclCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type ObjectOwnership,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import {
  type Identity,
  type Notification,
  type OutcomeDocument,
  type StackHarness,
  startStackHarness,
} from './stack-harness';

/** ElastiCache's canonical user id, the grantee of the export ACL (every Region but GovCloud US-West). */
const ELASTICACHE_CANONICAL_ID = '540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353';
const SOURCE_SNAPSHOT = 'demo-cache-snapshot';
const OTHER_ACCOUNT: Identity = { accessKeyId: '111111111111' };
const OTHER_REGION = 'eu-west-1';

type ElastiCachePermission = 'READ' | 'WRITE' | 'READ_ACP';
const ALL_PERMISSIONS: readonly ElastiCachePermission[] = ['READ', 'WRITE', 'READ_ACP'];

/** The seed doc's Solutions, RST markup removed (links and ``literals`` to their text, `\:` to `:`). */
const CREATE_BUCKET_SOLUTION =
  'Create an Amazon S3 bucket in the same region as your snapshot. For more information, see Step 1: Create an Amazon S3 Bucket in the ElastiCache User Guide.';
const SEED_SOLUTIONS = {
  createBucket: CREATE_BUCKET_SOLUTION,
  targetName:
    'Give the TargetSnapshotName a new and unique value. If exporting a snapshot, you could alternatively create a new Amazon S3 bucket and use this same value for TargetSnapshotName .',
  read: 'Add List and Read permissions on the bucket. For more information, see Step 2: Grant ElastiCache Access to Your Amazon S3 Bucket in the ElastiCache User Guide.',
  write:
    'Add Upload/Delete permissions on the bucket. For more information, see Step 2: Grant ElastiCache Access to Your Amazon S3 Bucket in the ElastiCache User Guide.',
  readAcp:
    'Add View Permissions on the bucket. For more information, see Step 2: Grant ElastiCache Access to Your Amazon S3 Bucket in the ElastiCache User Guide.',
} as const;

/** Fills the seed's `%s` placeholders in order. */
const fill = (template: string, ...values: string[]): string => {
  const remaining = [...values];
  const filled = template.replace(/%s/g, () => {
    const value = remaining.shift();
    if (value === undefined) throw new Error(`Not enough values for "${template}"`);
    return value;
  });
  if (remaining.length > 0) throw new Error(`Too many values for "${template}"`);
  return filled;
};

interface SeedCase {
  code: string;
  /** The seed's Error Message, `%s` as written there. */
  template: string;
  solution: string;
  bucket: string;
  targetSnapshotName: string;
  /** Stages the condition through S3 and ElastiCache (or the fault endpoint); returns the values for `%s`. */
  stage: () => Promise<string[]>;
  /** Further checks of what the stack did, after the export ended. */
  verify?: (outcome: OutcomeDocument | undefined) => Promise<void>;
}

let harness: StackHarness;

/**
 * A bucket as an operator would make it for exports: ACLs enabled by Object Ownership, and the ACL granting the
 * owner full control and ElastiCache the given permissions (the seed doc's Step 2).
 */
const createBucket = async (
  bucket: string,
  options: { identity?: Identity; ownership?: ObjectOwnership; permissions?: readonly ElastiCachePermission[] } = {},
): Promise<void> => {
  const identity = options.identity ?? {};
  const s3 = harness.s3(identity);
  const region = identity.region ?? 'us-east-1';
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
      OwnershipControls: { Rules: [{ ObjectOwnership: options.ownership ?? 'ObjectWriter' }] },
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
          ...(options.permissions ?? ALL_PERMISSIONS).map((permission) => ({
            Grantee: { Type: 'CanonicalUser' as const, ID: ELASTICACHE_CANONICAL_ID },
            Permission: permission,
          })),
        ],
      },
    }),
  );
};

const allBut = (missing: ElastiCachePermission): ElastiCachePermission[] =>
  ALL_PERMISSIONS.filter((permission) => permission !== missing);

const SEED_CASES: SeedCase[] = [
  {
    code: 'S3BucketOutsideRegion',
    template: 'The S3 bucket %s is outside of the region.',
    solution: SEED_SOLUTIONS.createBucket,
    bucket: 'seed-outside-region',
    targetSnapshotName: 'seed-outside-region',
    stage: async () => {
      await createBucket('seed-outside-region', { identity: { region: OTHER_REGION } });
      return ['seed-outside-region'];
    },
  },
  {
    code: 'S3BucketNotFound',
    template: 'The S3 bucket %s does not exist.',
    solution: SEED_SOLUTIONS.createBucket,
    bucket: 'seed-missing-bucket',
    targetSnapshotName: 'seed-missing-bucket',
    stage: async () => ['seed-missing-bucket'],
  },
  {
    code: 'S3BucketNotOwned',
    template: 'The S3 bucket %s is not owned by the authenticated user.',
    solution: SEED_SOLUTIONS.createBucket,
    bucket: 'seed-not-owned',
    targetSnapshotName: 'seed-not-owned',
    stage: async () => {
      await createBucket('seed-not-owned', { identity: OTHER_ACCOUNT });
      return ['seed-not-owned'];
    },
  },
  {
    code: 'S3ObjectAlreadyExists',
    template: 'The S3 bucket %s already contains an object with key %s.',
    solution: SEED_SOLUTIONS.targetName,
    bucket: 'seed-key-taken',
    targetSnapshotName: 'Seed-Key-Taken',
    stage: async () => {
      await createBucket('seed-key-taken');
      await harness
        .s3()
        .send(new PutObjectCommand({ Bucket: 'seed-key-taken', Key: 'seed-key-taken-0001.rdb', Body: 'kept' }));
      return ['seed-key-taken', 'seed-key-taken-0001.rdb'];
    },
    verify: async () => {
      // Nothing was exported over or beside the object that was there.
      const s3 = harness.s3();
      const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'seed-key-taken' }));
      const kept = await s3.send(new GetObjectCommand({ Bucket: 'seed-key-taken', Key: 'seed-key-taken-0001.rdb' }));
      expect(listed.Contents?.map((object) => object.Key)).toEqual(['seed-key-taken-0001.rdb']);
      expect(await kept.Body?.transformToString()).toBe('kept');
    },
  },
  {
    code: 'S3ReadPermissionMissing',
    template: 'ElastiCache has not been granted READ permissions %s on the S3 Bucket.',
    solution: SEED_SOLUTIONS.read,
    bucket: 'seed-no-read',
    targetSnapshotName: 'seed-no-read',
    stage: async () => {
      await createBucket('seed-no-read', { ownership: 'BucketOwnerPreferred', permissions: allBut('READ') });
      return ['seed-no-read'];
    },
  },
  {
    code: 'S3WritePermissionMissing',
    template: 'ElastiCache has not been granted WRITE permissions %s on the S3 Bucket.',
    solution: SEED_SOLUTIONS.write,
    bucket: 'seed-no-write',
    targetSnapshotName: 'seed-no-write',
    stage: async () => {
      await createBucket('seed-no-write', { ownership: 'ObjectWriter', permissions: allBut('WRITE') });
      return ['seed-no-write'];
    },
  },
  {
    code: 'S3ReadAcpPermissionMissing',
    template: 'ElastiCache has not been granted READ_ACP permissions %s on the S3 Bucket.',
    solution: SEED_SOLUTIONS.readAcp,
    bucket: 'seed-no-read-acp',
    targetSnapshotName: 'seed-no-read-acp',
    stage: async () => {
      await createBucket('seed-no-read-acp', { ownership: 'BucketOwnerPreferred', permissions: allBut('READ_ACP') });
      return ['seed-no-read-acp'];
    },
  },
];

const GOOD_BUCKET = 'seed-good-bucket';

beforeAll(async () => {
  harness = await startStackHarness({
    config: { allowedTargetBuckets: [GOOD_BUCKET, ...SEED_CASES.map((seedCase) => seedCase.bucket)] },
  });
}, 60_000);

afterEach(async () => {
  // A fault a test staged but did not use must not leak into the next one.
  await harness?.clearFaults();
});

afterAll(async () => {
  await harness?.stop();
});

/** The `default` (e-mail) text and the `sqs` outcome document of a `MessageStructure: json` notification. */
const structuredMessage = (notification: Notification | undefined): { default?: string; sqs?: string } =>
  JSON.parse(notification?.message ?? '{}') as { default?: string; sqs?: string };

describe('each error message of the CopySnapshot reference, staged on the local stack', () => {
  it.each(SEED_CASES)('fails with $code, the seed message and its Solution, notified once', async (seedCase) => {
    // Arrange
    const values = await seedCase.stage();
    const message = fill(seedCase.template, ...values);

    // Act
    const accepted = await harness.postExport({
      sourceSnapshotName: SOURCE_SNAPSHOT,
      targetSnapshotName: seedCase.targetSnapshotName,
      targetBucket: seedCase.bucket,
    });
    const { final } = await harness.followExport(accepted.body.exportId);
    const notifications = await harness.notificationsFor(accepted.body.exportId);

    // Assert
    expect(accepted.status).toBe(202);
    expect(final.status).toBe('FAILED');
    expect(final.outcome?.status).toBe('FAILED');
    const error = final.outcome?.error;
    expect(error?.code).toBe(seedCase.code);
    // The seed message word for word on the first line; every problem of the bucket may follow it.
    expect(error?.message.split('\n')[0]).toBe(message);
    expect(error?.solution.slice(0, seedCase.solution.length)).toBe(seedCase.solution);

    expect(notifications).toHaveLength(1);
    const [notification] = notifications;
    const structured = structuredMessage(notification);
    expect(structured.default).toContain(message);
    expect(structured.default).toContain(seedCase.solution);
    expect(JSON.parse(structured.sqs ?? '{}')).toEqual(final.outcome);
    expect(notification?.messageAttributes.status?.StringValue).toBe('FAILED');
    expect(notification?.messageAttributes.errorCode?.StringValue).toBe(seedCase.code);
    await seedCase.verify?.(final.outcome);
  });
});

describe('exports that succeed', () => {
  beforeAll(async () => {
    await createBucket(GOOD_BUCKET);
  });

  it('is followed from RUNNING to SUCCEEDED, and its outcome is the notification document', async () => {
    // Act
    const accepted = await harness.postExport({
      sourceSnapshotName: SOURCE_SNAPSHOT,
      targetSnapshotName: 'Seed-Success',
      targetBucket: GOOD_BUCKET,
    });
    const { final, statuses } = await harness.followExport(accepted.body.exportId);
    const notifications = await harness.notificationsFor(accepted.body.exportId);
    const listed = await harness.s3().send(new ListObjectsV2Command({ Bucket: GOOD_BUCKET, Prefix: 'seed-success' }));

    // Assert
    expect(accepted.status).toBe(202);
    expect(statuses).toEqual(['RUNNING', 'SUCCEEDED']);
    expect(final.outcome?.status).toBe('SUCCEEDED');
    expect(final.outcome?.error).toBeUndefined();
    expect(final.outcome?.objects.map((object) => object.key)).toEqual([
      'seed-success-0001.rdb',
      'seed-success-0002.rdb',
    ]);
    expect(listed.Contents?.map((object) => ({ key: object.Key, size: object.Size }))).toEqual(
      final.outcome?.objects.map(({ key, size }) => ({ key, size })),
    );
    // Each object was verified in full (header, trailer and CRC64) before the export counted as a success.
    expect(final.outcome?.objects.map((object) => object.rdb?.verified)).toEqual(['full', 'full']);

    expect(notifications).toHaveLength(1);
    const [notification] = notifications;
    expect(JSON.parse(structuredMessage(notification).sqs ?? '{}')).toEqual(final.outcome);
    expect(notification?.messageAttributes.status?.StringValue).toBe('SUCCEEDED');
    expect(notification?.messageAttributes.errorCode).toBeUndefined();
  });

  it('still succeeds, with one notification, when the next five CopySnapshot calls are throttled', async () => {
    // Arrange: more throttles than the SDK's own three attempts absorb, so the state machine's retry of
    // AwsThrottledError (with backoff and jitter) has to carry the export through.
    await harness.stageFault({ action: 'CopySnapshot', count: 5 });

    // Act
    const accepted = await harness.postExport({
      sourceSnapshotName: SOURCE_SNAPSHOT,
      targetSnapshotName: 'Seed-Throttled',
      targetBucket: GOOD_BUCKET,
    });
    const { final } = await harness.followExport(accepted.body.exportId);
    const notifications = await harness.notificationsFor(accepted.body.exportId);

    // Assert
    expect(await harness.pendingFaults()).toEqual([]);
    expect(final.status).toBe('SUCCEEDED');
    expect(final.outcome?.objects.map((object) => object.key)).toEqual([
      'seed-throttled-0001.rdb',
      'seed-throttled-0002.rdb',
    ]);
    expect(notifications).toHaveLength(1);
    expect(notifications[0]?.messageAttributes.status?.StringValue).toBe('SUCCEEDED');
  });
});
