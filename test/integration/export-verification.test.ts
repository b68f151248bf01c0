// Every export proven to be a complete RDB file (issue 9), through the local stack: the emulator stages a truncated or
// a corrupted export (POST /_local/elasticache/faults, exportOutcome `truncated` / `corrupt`), CheckExport reads the
// objects back (ranged GETs through the packaged role's s3:GetObject) and the export ends ExportCorrupt; a valid one
// ends SUCCEEDED with every object verified in full. Each ends with exactly one notification.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CreateBucketCommand,
  GetBucketAclCommand,
  PutBucketAclCommand,
  PutBucketOwnershipControlsCommand,
} from '@aws-sdk/client-s3';
import { crc64, crc64Hex } from '../../handlers/lib/crc64';
import { type StackHarness, startStackHarness } from './stack-harness';

const SNAPSHOT = 'demo-cache-snapshot';
const BUCKET = 'elasticache-exports-local';
const SERVERLESS_SNAPSHOT = 'demo-serverless-snapshot';
const SERVERLESS_BUCKET = 'verify-serverless-corrupt';
const ELASTICACHE_CANONICAL_ID = '540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353';

let harness: StackHarness;

beforeAll(async () => {
  harness = await startStackHarness({ config: { allowedTargetBuckets: [BUCKET, SERVERLESS_BUCKET] } });
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

const exportEnding = async (body: Record<string, unknown>) => {
  const accepted = await harness.postExport(body);
  expect(accepted.status).toBe(202);
  const { final } = await harness.followExport(accepted.body.exportId);
  const notifications = await harness.notificationsFor(accepted.body.exportId);
  return { final, notifications };
};

const fileOf = (bucket: string, key: string): Buffer => readFileSync(path.join(harness.dataDir, 's3', bucket, key));

it('proves a valid export in full: each object carries its RDB facts, the outcome the ARNs to restore from', async () => {
  // Act
  const { final, notifications } = await exportEnding({
    sourceSnapshotName: SNAPSHOT,
    targetSnapshotName: 'verified-ok',
  });

  // Assert
  expect(final.status).toBe('SUCCEEDED');
  const outcome = final.outcome;
  expect(outcome?.objects.map((object) => object.rdb?.verified)).toEqual(['full', 'full']);
  for (const object of outcome?.objects ?? []) {
    const file = fileOf(BUCKET, object.key);
    // The checksum the file records, which is the CRC64 of everything before it.
    expect(object.rdb?.checksum).toBe(crc64Hex(file.readBigUInt64LE(file.length - 8)));
    expect(object.rdb?.checksum).toBe(crc64Hex(crc64(file.subarray(0, file.length - 8))));
    expect(object.rdb?.format).toBe('redis');
    expect(`REDIS${String(object.rdb?.version).padStart(4, '0')}`).toBe(file.subarray(0, 9).toString('latin1'));
  }
  expect(outcome?.restore?.snapshotArns).toEqual([
    `arn:aws:s3:::${BUCKET}/verified-ok-0001.rdb`,
    `arn:aws:s3:::${BUCKET}/verified-ok-0002.rdb`,
  ]);
  expect(outcome?.restore?.notes.join('\n')).toMatch(/cluster-mode-disabled group cannot be seeded/);
  expect(notifications).toHaveLength(1);
  const text = JSON.parse(notifications[0]?.message ?? '{}').default as string;
  expect(text).toMatch(/Verified: 2 objects, [\d.]+ [KMG]i?B, CRC64 ok/);
  expect(text).toContain(`--snapshot-arns arn:aws:s3:::${BUCKET}/verified-ok-0001.rdb`);
});

it.each([
  ['truncated', /verified-truncated-0001\.rdb is not a complete RDB file: it does not end with the EOF opcode/],
  [
    'corrupt',
    /verified-corrupt-0001\.rdb is not a complete RDB file: the CRC64 of its .* bytes is [0-9a-f]{16}, but the file records/,
  ],
] as const)('fails a %s export as ExportCorrupt, with one notification', async (fault, message) => {
  // Arrange
  await harness.stageFault({ exportOutcome: fault });

  // Act
  const { final, notifications } = await exportEnding({
    sourceSnapshotName: SNAPSHOT,
    targetSnapshotName: `verified-${fault}`,
  });

  // Assert
  expect(final.status).toBe('FAILED');
  expect(final.outcome?.error?.code).toBe('ExportCorrupt');
  expect(final.outcome?.error?.message).toMatch(message);
  expect(final.outcome?.restore).toBeUndefined();
  expect(notifications).toHaveLength(1);
  expect(notifications[0]?.messageAttributes.errorCode?.StringValue).toBe('ExportCorrupt');
  expect(JSON.parse(notifications[0]?.message ?? '{}').default).toContain('Do not restore from it');
});

it('verifies a serverless export the same way: a corrupted one fails as ExportCorrupt', async () => {
  // Arrange: a bucket of its own (a serverless export's objects are named after the snapshot), ACLs granting ElastiCache.
  const s3 = harness.s3();
  await s3.send(new CreateBucketCommand({ Bucket: SERVERLESS_BUCKET }));
  await s3.send(
    new PutBucketOwnershipControlsCommand({
      Bucket: SERVERLESS_BUCKET,
      OwnershipControls: { Rules: [{ ObjectOwnership: 'ObjectWriter' }] },
    }),
  );
  const { Owner } = await s3.send(new GetBucketAclCommand({ Bucket: SERVERLESS_BUCKET }));
  await s3.send(
    new PutBucketAclCommand({
      Bucket: SERVERLESS_BUCKET,
      AccessControlPolicy: {
        Owner,
        Grants: [
          { Grantee: { Type: 'CanonicalUser', ID: Owner?.ID }, Permission: 'FULL_CONTROL' },
          ...(['READ', 'WRITE', 'READ_ACP'] as const).map((Permission) => ({
            Grantee: { Type: 'CanonicalUser' as const, ID: ELASTICACHE_CANONICAL_ID },
            Permission,
          })),
        ],
      },
    }),
  );
  await harness.stageFault({ exportOutcome: 'corrupt', serverlessCacheSnapshotName: SERVERLESS_SNAPSHOT });

  // Act
  const { final, notifications } = await exportEnding({
    serverlessCacheSnapshotName: SERVERLESS_SNAPSHOT,
    targetBucket: SERVERLESS_BUCKET,
  });

  // Assert
  expect(final.status).toBe('FAILED');
  expect(final.outcome?.error?.code).toBe('ExportCorrupt');
  expect(notifications).toHaveLength(1);
});
