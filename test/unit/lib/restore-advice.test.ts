import type { ExportedObject } from '../../../handlers/lib/contracts';
import { buildOutcome, renderNotification, verificationLine } from '../../../handlers/lib/outcome';
import { partitionOfArn, restoreAdvice } from '../../../handlers/lib/restore-advice';

const rdb = (verified: 'full' | 'header', version = 10) => ({
  format: 'redis' as const,
  version,
  checksum: '0123456789abcdef',
  verified,
});

const objects: ExportedObject[] = [
  { key: 'orders-0002.rdb', size: 2 * 1024 ** 3, rdb: rdb('full') },
  { key: 'orders-0001.rdb', size: 1024 ** 3, rdb: rdb('full') },
];

describe('restoreAdvice', () => {
  it('gives the S3 ARNs in shard order, in the partition the service runs in', () => {
    const advice = restoreAdvice({
      partition: 'aws-cn',
      bucket: 'exports',
      objects,
      numNodeGroups: 2,
      serverless: false,
    });
    expect(advice.snapshotArns).toEqual([
      'arn:aws-cn:s3:::exports/orders-0001.rdb',
      'arn:aws-cn:s3:::exports/orders-0002.rdb',
    ]);
  });

  it('says a multi-shard export seeds only a cluster-mode-enabled group, and which engines read its RDB version', () => {
    const { notes } = restoreAdvice({
      partition: 'aws',
      bucket: 'exports',
      objects,
      numNodeGroups: 2,
      serverless: false,
    });
    expect(notes[0]).toMatch(
      /cluster-mode-enabled replication group \(--num-node-groups 2\).*cluster-mode-disabled group cannot be seeded/,
    );
    expect(notes[1]).toBe(
      'RDB version 10 (REDIS0010) loads into ElastiCache Redis OSS 7.0, 7.1; Valkey 7.2, 8.0, 8.1; Valkey 9.0, 9.1; Valkey 9.2 and later; older engines refuse it ("Can\'t handle RDB format version 10"). Source: RDB_VERSION in redis and valkey src/rdb.h.',
    );
  });

  it('warns about SSE-KMS objects, and points a serverless export to SnapshotArnsToRestore', () => {
    const { notes } = restoreAdvice({
      partition: 'aws',
      bucket: 'exports',
      objects,
      serverless: true,
      verification: { mode: 'full', notes: [], kmsEncryptedKeys: ['orders-0001.rdb', 'orders-0002.rdb'] },
    });
    expect(notes[0]).toMatch(/SnapshotArnsToRestore/);
    expect(notes.some((note) => /the objects encrypted with SSE-KMS.*refuses to seed/.test(note))).toBe(true);
  });

  it('reads the partition from an ARN', () => {
    expect(partitionOfArn('arn:aws-us-gov:sns:us-gov-west-1:123456789012:t')).toBe('aws-us-gov');
    expect(partitionOfArn(undefined)).toBe('aws');
  });
});

describe('the notification of a verified export', () => {
  const outcome = buildOutcome({
    exportId: 'e-1',
    startedAt: '2026-11-25T03:00:00.000Z',
    finishedAt: new Date('2026-11-25T03:10:00.000Z'),
    sourceSnapshotName: 'orders-snap',
    targetSnapshotName: 'orders',
    targetBucket: 'exports',
    objects,
    snapshot: { snapshotName: 'orders-snap', engine: 'redis', engineVersion: '7.0', numNodeGroups: 2 },
    verification: { mode: 'full', notes: [] },
  });

  it('says what was verified in one line', () => {
    expect(verificationLine(outcome.objects)).toBe('Verified: 2 objects, 3.00 GiB, CRC64 ok');
    expect(
      verificationLine([
        { key: 'a', size: 10, rdb: rdb('full') },
        { key: 'b', size: 10, rdb: rdb('header') },
      ]),
    ).toMatch(/CRC64 ok for 1, header and trailer only for 1/);
    expect(verificationLine([{ key: 'a', size: 10 }])).toMatch(/^Not verified/);
  });

  it('shows the restore command with the ARNs from the outcome', () => {
    const text = renderNotification(outcome, 'arn:aws:sns:us-east-1:123456789012:t').message.default;
    expect(text).toContain('Verified: 2 objects, 3.00 GiB, CRC64 ok');
    expect(text).toContain(
      '--num-node-groups 2 --snapshot-arns arn:aws:s3:::exports/orders-0001.rdb arn:aws:s3:::exports/orders-0002.rdb',
    );
  });

  it('carries no restore advice for a failed export', () => {
    const failed = buildOutcome({
      exportId: 'e-2',
      startedAt: '2026-11-25T03:00:00.000Z',
      finishedAt: new Date('2026-11-25T03:10:00.000Z'),
      targetBucket: 'exports',
      objects,
      error: { code: 'ExportCorrupt', message: 'm', solution: 's', docsUrl: 'https://example.com' },
    });
    expect(failed.restore).toBeUndefined();
  });
});
