import type { Outcome, OutcomeError } from '../../../handlers/lib/contracts';
import {
  buildOutcome,
  clip,
  durationSeconds,
  formatDuration,
  formatSize,
  groupDigits,
  MAX_SUBJECT_LENGTH,
  type OutcomeFacts,
  renderNotification,
} from '../../../handlers/lib/outcome';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:orders-cluster-events';

const facts = (overrides: Partial<OutcomeFacts> = {}): OutcomeFacts => ({
  exportId: 'nightly-2026-11-25-exports-bucket-0123456789ab',
  startedAt: '2026-11-25T03:00:00.000Z',
  finishedAt: new Date('2026-11-25T04:02:03.000Z'),
  sourceSnapshotName: 'nightly',
  targetSnapshotName: 'nightly-2026-11-25',
  targetBucket: 'exports-bucket',
  objects: [
    { key: 'nightly-2026-11-25-0002.rdb', size: 3 * 1024 * 1024 },
    { key: 'nightly-2026-11-25-0001.rdb', size: 1536 },
  ],
  snapshot: {
    snapshotName: 'nightly',
    engine: 'valkey',
    engineVersion: '8.0',
    replicationGroupId: 'orders',
    numNodeGroups: 2,
    topicArn: TOPIC,
  },
  ...overrides,
});

const outcomeError = (overrides: Partial<OutcomeError> = {}): OutcomeError => ({
  code: 'S3BucketOutsideRegion',
  message: 'The S3 bucket exports-bucket is outside of the region.',
  solution: 'Create an Amazon S3 bucket in the same region as your snapshot.',
  docsUrl: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/UserGuide/Snapshots.Exporting.html',
  awsErrorCode: 'InvalidParameterValue',
  requestId: 'req-123',
  ...overrides,
});

const success = (overrides: Partial<OutcomeFacts> = {}): Outcome => buildOutcome(facts(overrides));
const failure = (overrides: Partial<OutcomeFacts> = {}): Outcome =>
  buildOutcome(facts({ objects: [], error: outcomeError(), ...overrides }));

describe('buildOutcome', () => {
  it('builds a version 1 success document with sorted objects, timing and the snapshot without its topic', () => {
    // Act
    const outcome = success();

    // Assert
    expect(outcome).toEqual({
      version: 1,
      exportId: 'nightly-2026-11-25-exports-bucket-0123456789ab',
      status: 'SUCCEEDED',
      sourceSnapshotName: 'nightly',
      targetSnapshotName: 'nightly-2026-11-25',
      targetBucket: 'exports-bucket',
      objects: [
        { key: 'nightly-2026-11-25-0001.rdb', size: 1536 },
        { key: 'nightly-2026-11-25-0002.rdb', size: 3 * 1024 * 1024 },
      ],
      snapshot: { engine: 'valkey', engineVersion: '8.0', replicationGroupId: 'orders', numNodeGroups: 2 },
      startedAt: '2026-11-25T03:00:00.000Z',
      finishedAt: '2026-11-25T04:02:03.000Z',
      durationSeconds: 3723,
      // The ARNs to seed a new group with, in shard order (restore-advice.ts).
      restore: {
        snapshotArns: [
          'arn:aws:s3:::exports-bucket/nightly-2026-11-25-0001.rdb',
          'arn:aws:s3:::exports-bucket/nightly-2026-11-25-0002.rdb',
        ],
        notes: [
          '2 objects, one per shard: seed a cluster-mode-enabled replication group (--num-node-groups 2) with the ARNs in this order; a cluster-mode-disabled group cannot be seeded from a multi-shard export.',
        ],
      },
    });
  });

  it('marks the document FAILED when an error is given, and carries the error', () => {
    // Act
    const outcome = failure();

    // Assert
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toEqual(outcomeError());
  });

  it('leaves out unknown fields instead of writing undefined, so the document is plain JSON', () => {
    // Act
    const outcome = buildOutcome({
      exportId: 'e-1',
      startedAt: '2026-11-25T03:00:00.000Z',
      finishedAt: new Date('2026-11-25T03:00:05.000Z'),
      sourceSnapshotName: undefined,
      error: outcomeError(),
    });

    // Assert
    expect(Object.keys(outcome).sort()).toEqual(
      ['durationSeconds', 'error', 'exportId', 'finishedAt', 'objects', 'startedAt', 'status', 'version'].sort(),
    );
    expect(JSON.parse(JSON.stringify(outcome))).toEqual(outcome);
  });
});

describe('durationSeconds', () => {
  it('rounds to whole seconds and never goes negative or NaN', () => {
    // Arrange
    const finishedAt = new Date('2026-11-25T03:00:10.600Z');

    // Act
    const results = [
      durationSeconds('2026-11-25T03:00:00.000Z', finishedAt),
      durationSeconds('2026-11-25T04:00:00.000Z', finishedAt),
      durationSeconds('not a date', finishedAt),
    ];

    // Assert
    expect(results).toEqual([11, 0, 0]);
  });
});

describe('formatDuration and formatSize', () => {
  it('writes durations the way people read them', () => {
    // Act
    const written = [formatDuration(45), formatDuration(150), formatDuration(3723), formatDuration(43201)];

    // Assert
    expect(written).toEqual(['45s', '2m 30s', '1h 02m 03s', '12h 00m 01s']);
  });

  it('writes sizes in binary units and keeps the exact byte count', () => {
    // Act
    const written = [formatSize(0), formatSize(1023), formatSize(1536), formatSize(3 * 1024 ** 3)];

    // Assert
    expect(written).toEqual(['0 bytes', '1,023 bytes', '1.5 KiB (1,536 bytes)', '3.0 GiB (3,221,225,472 bytes)']);
  });
  it.each([0, 7, 999, 1000, 65_536, 1_234_567, 5_497_558_138_880, Number.MAX_SAFE_INTEGER, -1_234_567, 1234.5])(
    'groups the digits of %d as en-US does',
    (value) => {
      // Act / Assert
      expect(groupDigits(value)).toBe(value.toLocaleString('en-US', { maximumFractionDigits: 20 }));
    },
  );
});

describe('renderNotification', () => {
  it('gives a success the subject from DESIGN, on the given topic', () => {
    // Act
    const notification = renderNotification(success(), TOPIC);

    // Assert
    expect(notification.topicArn).toBe(TOPIC);
    expect(notification.subject).toBe('ElastiCache export SUCCEEDED: nightly-2026-11-25');
  });

  it('gives a failure the FAILED subject', () => {
    // Act
    const { subject } = renderNotification(failure(), TOPIC);

    // Assert
    expect(subject).toBe('ElastiCache export FAILED: nightly-2026-11-25');
  });

  it('falls back to the source name, then the export id, when the target name is unknown', () => {
    // Act
    const bySource = renderNotification(failure({ targetSnapshotName: undefined }), TOPIC);
    const byId = renderNotification(failure({ targetSnapshotName: undefined, sourceSnapshotName: undefined }), TOPIC);

    // Assert
    expect(bySource.subject).toBe('ElastiCache export FAILED: nightly');
    expect(byId.subject).toBe('ElastiCache export FAILED: nightly-2026-11-25-exports-bucket-0123456789ab');
  });

  it('keeps the subject printable ASCII: accents dropped, other characters and line breaks replaced', () => {
    // Arrange: names from a request that failed validation are untrusted text.
    const outcome = failure({ targetSnapshotName: 'café-日本\nnext\tline' });

    // Act
    const { subject } = renderNotification(outcome, TOPIC);

    // Assert
    expect(subject).toBe('ElastiCache export FAILED: cafe-?? next line');
    expect(subject).toMatch(/^[\x20-\x7e]+$/);
  });

  it('cuts a long subject to the SNS limit with an ellipsis', () => {
    // Arrange
    const outcome = success({ targetSnapshotName: `n${'x'.repeat(199)}` });

    // Act
    const { subject } = renderNotification(outcome, TOPIC);

    // Assert
    expect(MAX_SUBJECT_LENGTH).toBeLessThanOrEqual(100);
    expect(subject).toHaveLength(MAX_SUBJECT_LENGTH);
    expect(subject.startsWith('ElastiCache export SUCCEEDED: nxxx')).toBe(true);
    expect(subject.endsWith('...')).toBe(true);
  });

  it('sends the outcome document to every machine protocol and plain text as the default', () => {
    // Arrange
    const outcome = success();

    // Act
    const { message } = renderNotification(outcome, TOPIC);

    // Assert
    expect(Object.keys(message).sort()).toEqual(['default', 'email-json', 'http', 'https', 'lambda', 'sqs']);
    for (const protocol of ['sqs', 'lambda', 'http', 'https', 'email-json']) {
      expect(JSON.parse(message[protocol] ?? '')).toEqual(outcome);
    }
    expect(() => JSON.parse(message.default ?? '')).toThrow();
  });

  it('tells a person where the objects are and how big they are on success', () => {
    // Act
    const text = renderNotification(success(), TOPIC).message.default ?? '';

    // Assert
    expect(text).toContain('The ElastiCache snapshot export nightly-2026-11-25 SUCCEEDED.');
    expect(text).toContain('Source snapshot: nightly (valkey 8.0, replication group orders, 2 shards)');
    expect(text).toContain('s3://exports-bucket/nightly-2026-11-25-0001.rdb  1.5 KiB (1,536 bytes)');
    expect(text).toContain('s3://exports-bucket/nightly-2026-11-25-0002.rdb  3.0 MiB (3,145,728 bytes)');
    expect(text).toContain('took 1h 02m 03s');
  });

  it('puts the error message first, then the solution, then the docs link, then the codes on failure', () => {
    // Act
    const text = renderNotification(failure(), TOPIC).message.default ?? '';

    // Assert
    const positions = [
      'FAILED.',
      'The S3 bucket exports-bucket is outside of the region.',
      'Solution: Create an Amazon S3 bucket in the same region as your snapshot.',
      'Documentation: https://docs.aws.amazon.com/AmazonElastiCache/latest/UserGuide/Snapshots.Exporting.html',
      'Error code: S3BucketOutsideRegion',
      'AWS error code: InvalidParameterValue',
      'AWS request id: req-123',
    ].map((part) => text.indexOf(part));
    expect(positions.every((position) => position >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  });

  it('lists at most fifty objects in the text and counts the rest', () => {
    // Arrange
    const objects = Array.from({ length: 60 }, (_, index) => ({
      key: `big-${(index + 1).toString().padStart(4, '0')}.rdb`,
      size: 10,
    }));

    // Act
    const text = renderNotification(success({ objects }), TOPIC).message.default ?? '';

    // Assert
    expect(text).toContain('big-0050.rdb');
    expect(text).not.toContain('big-0051.rdb');
    expect(text).toContain('... and 10 more');
  });

  it('keeps a 500-shard notification under the SNS limit by cutting the objects of the JSON copies', () => {
    // Arrange: 500 shards with a long target name would make five JSON copies of about 60 KiB each.
    const name = `${'very-long-target-snapshot-name-'.repeat(4)}2026-11-25`;
    const objects = Array.from({ length: 500 }, (_, index) => ({
      key: `${name}-${(index + 1).toString().padStart(4, '0')}.rdb`,
      size: 123_456_789_012,
    }));
    const outcome = success({ objects, targetSnapshotName: name });

    // Act
    const notification = renderNotification(outcome, TOPIC);

    // Assert
    const size = Buffer.byteLength(JSON.stringify(notification.message));
    expect(size).toBeLessThanOrEqual(256 * 1024 - 8 * 1024);
    const sent = JSON.parse(notification.message.sqs ?? '{}') as Outcome;
    expect(sent.objects.length + (sent.objectsOmitted ?? 0)).toBe(500);
    expect(sent.objectsOmitted).toBeGreaterThan(0);
    expect(sent.objects[0]).toEqual(outcome.objects[0]);
    expect(outcome.objects).toHaveLength(500);
  });

  it('sends every object when the notification fits', () => {
    // Act
    const sent = JSON.parse(renderNotification(success(), TOPIC).message.sqs ?? '{}') as Outcome;

    // Assert
    expect(sent.objects).toHaveLength(2);
    expect(sent).not.toHaveProperty('objectsOmitted');
  });

  it('puts a note paragraph before the text when given one', () => {
    // Act
    const text = renderNotification(success(), TOPIC, { note: 'Sent to the default topic.' }).message.default ?? '';

    // Assert
    expect(text.startsWith('Sent to the default topic.\n\nThe ElastiCache snapshot export')).toBe(true);
  });

  it('sets the filterable attributes, with errorCode only on failure', () => {
    // Act
    const ok = renderNotification(success(), TOPIC).attributes;
    const failed = renderNotification(failure(), TOPIC).attributes;

    // Assert
    expect(ok).toEqual({
      status: 'SUCCEEDED',
      exportId: 'nightly-2026-11-25-exports-bucket-0123456789ab',
      sourceSnapshotName: 'nightly',
      targetBucket: 'exports-bucket',
    });
    expect(failed).toMatchObject({ status: 'FAILED', errorCode: 'S3BucketOutsideRegion' });
  });
});

describe('renderNotification with untrusted strings from the request', () => {
  const huge = failure({
    sourceSnapshotName: 's'.repeat(60_000),
    targetSnapshotName: 't'.repeat(100_000),
    targetBucket: 'b'.repeat(200_000),
    snapshot: undefined,
    objects: [],
    error: outcomeError({ message: `Snapshot ${'s'.repeat(60_000)} not found.` }),
  });
  const sizeOf = (notification: ReturnType<typeof renderNotification>): number =>
    Buffer.byteLength(JSON.stringify(notification.message)) +
    Buffer.byteLength(notification.subject) +
    Object.entries(notification.attributes).reduce((sum, [name, value]) => sum + name.length + value.length, 0);

  it('bounds every copied string, so the message fits the 256 KiB of SNS with its subject and attributes', () => {
    // Act
    const notification = renderNotification(huge, TOPIC);

    // Assert
    expect(sizeOf(notification)).toBeLessThan(128 * 1024);
    expect(notification.subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    for (const value of Object.values(notification.attributes)) expect(value.length).toBeLessThan(1200);
    const sent = JSON.parse(notification.message.sqs ?? '{}') as Outcome;
    expect(sent.targetBucket).toMatch(
      /^b{1024}\.\.\. \(198976 more characters; the full value is in the execution's record\)$/,
    );
    expect(sent.error?.message.length).toBeLessThan(8 * 1024 + 100);
    expect(notification.message.default).toContain('more characters; the full value is in the execution');
  });

  it('keeps ordinary names whole', () => {
    const sent = JSON.parse(renderNotification(success(), TOPIC).message.sqs ?? '{}') as Outcome;
    expect(sent).toEqual(success());
  });

  it('has a compact form with tighter bounds and the objects counted instead of listed', () => {
    // Act
    const compact = renderNotification(success(), TOPIC, { compact: true });
    const compactHuge = renderNotification(huge, TOPIC, { compact: true });

    // Assert
    const sent = JSON.parse(compact.message.sqs ?? '{}') as Outcome;
    expect(sent.objects).toEqual([]);
    expect(sent.objectsOmitted).toBe(2);
    expect(compact.message.default).toContain("(2, listed in the execution's record)");
    expect(compact.message.default).not.toContain('-0001.rdb');
    expect(sizeOf(compactHuge)).toBeLessThan(sizeOf(renderNotification(huge, TOPIC)) / 4);
  });

  it('clip leaves short text alone and says how much it cut', () => {
    expect(clip('abc', 3)).toBe('abc');
    expect(clip('abcdef', 2)).toBe("ab... (4 more characters; the full value is in the execution's record)");
  });
});
