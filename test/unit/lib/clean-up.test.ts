import {
  DeleteSnapshotCommand,
  ElastiCacheClient,
  ElastiCacheServiceException,
  InvalidSnapshotStateFault,
  SnapshotNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { type CleanUpDeps, type CleanUpInput, cleanUpExport } from '../../../handlers/lib/clean-up';
import type { ExportRequest, FreshSnapshotState } from '../../../handlers/lib/contracts';
import { AwsThrottledError } from '../../../handlers/lib/errors';
import { removeFreshSnapshot } from '../../../handlers/lib/fresh-snapshot';
import { planPruning } from '../../../handlers/lib/retention';
import { exportState, pollState } from '../../support/builders';
import { rejectionOf } from '../../support/rejection';

const elastiCacheMock = mockClient(ElastiCacheClient);
const s3Mock = mockClient(S3Client);

const NOW = new Date('2026-11-25T02:45:00.000Z');
const CURRENT = 'nightly-20261125-023000';
const FRESH_NAME = 'export-nightly-20261125-023000-exports-bucket-0123456789ab';

// maxAttempts 1: the SDK's own retries would only slow the error tests down.
const deps = (): CleanUpDeps => ({
  elastiCache: new ElastiCacheClient({ maxAttempts: 1 }),
  s3: new S3Client({ maxAttempts: 1 }),
  now: () => NOW,
});

const fresh = (overrides: Partial<FreshSnapshotState> = {}): FreshSnapshotState => ({
  snapshotName: FRESH_NAME,
  keep: false,
  created: true,
  ...overrides,
});

/** A manual export that ended (no schedule), verified. */
const verified = (overrides: Partial<CleanUpInput> = {}): CleanUpInput =>
  exportState({ poll: pollState({ status: 'exported' }), ...overrides });

/** A verified run of schedule `nightly` at 02:30 UTC, with a retention policy, that took a fresh snapshot. */
const scheduledRun = (retention: { keepLast?: number; maxAgeDays?: number } = { keepLast: 2 }): CleanUpInput => {
  const request: ExportRequest = {
    replicationGroupId: 'orders',
    targetSnapshotName: CURRENT,
    targetBucket: 'exports-bucket',
    freshSnapshot: true,
    schedule: { name: 'nightly', scheduledTime: '2026-11-25T02:30:00.000Z', retention },
  };
  return exportState({
    targetSnapshotName: CURRENT,
    sourceSnapshotName: FRESH_NAME,
    request,
    input: request,
    poll: pollState({ status: 'exported' }),
    objects: [
      { key: `${CURRENT}-0001.rdb`, size: 100 },
      { key: `${CURRENT}-0002.rdb`, size: 100 },
    ],
    fresh: fresh(),
  });
};

/** The bucket under `nightly-`: four runs of two shards, plus keys that are not this schedule's runs. */
const LISTING = [
  ...['20261122', '20261123', '20261124', '20261125'].flatMap((day) => [
    { Key: `nightly-${day}-023000-0001.rdb`, Size: 100 },
    { Key: `nightly-${day}-023000-0002.rdb`, Size: 100 },
  ]),
  { Key: 'nightly-eu-20261101-023000-0001.rdb', Size: 100 },
  { Key: 'nightly-20261101-0230-0001.rdb', Size: 100 },
  { Key: 'nightly-20261101-023000-0001.rdb.bak', Size: 100 },
];

const PRUNED_KEYS = [
  'nightly-20261122-023000-0001.rdb',
  'nightly-20261122-023000-0002.rdb',
  'nightly-20261123-023000-0001.rdb',
  'nightly-20261123-023000-0002.rdb',
];

const throttled = () =>
  new ElastiCacheServiceException({
    name: 'Throttling',
    $fault: 'client',
    message: 'Rate exceeded',
    $metadata: { httpStatusCode: 400 },
  });

const snapshotBusy = () =>
  new InvalidSnapshotStateFault({
    message: `Snapshot ${FRESH_NAME} is currently being exported.`,
    $metadata: { httpStatusCode: 400, requestId: 'req-busy' },
  });

beforeEach(() => {
  elastiCacheMock.reset();
  s3Mock.reset();
  elastiCacheMock.on(DeleteSnapshotCommand).resolves({});
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: LISTING, IsTruncated: false });
  s3Mock.on(DeleteObjectsCommand).resolves({});
});

describe('cleanUpExport: the fresh snapshot', () => {
  it('records an empty clean-up and calls nothing when there is no fresh snapshot and no retention', async () => {
    // Act
    const result = await cleanUpExport(verified(), deps());

    // Assert
    expect(result.cleanup).toStrictEqual({});
    expect(elastiCacheMock.calls()).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('keeps the rest of the state as it was', async () => {
    // Arrange
    const input = verified({ fresh: fresh() });

    // Act
    const result = await cleanUpExport(input, deps());

    // Assert
    const { cleanup, ...rest } = result;
    expect(rest).toStrictEqual(input);
    expect(cleanup).toBeDefined();
  });

  it('deletes the fresh snapshot and says so', async () => {
    // Act
    const result = await cleanUpExport(verified({ fresh: fresh() }), deps());

    // Assert
    expect(result.cleanup).toStrictEqual({ freshSnapshot: { snapshotName: FRESH_NAME, deleted: true } });
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 1);
    expect(elastiCacheMock).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotName: FRESH_NAME });
  });

  it('deletes the fresh snapshot after a failed export too', async () => {
    // Arrange
    const input = verified({
      fresh: fresh(),
      poll: pollState({ status: 'exporting' }),
      error: { Error: 'ExportFailedError', Cause: 'the export failed' },
    });

    // Act
    const result = await cleanUpExport(input, deps());

    // Assert
    expect(result.cleanup?.freshSnapshot).toStrictEqual({ snapshotName: FRESH_NAME, deleted: true });
  });

  it('keeps the fresh snapshot when keepSnapshot was set, without calling DeleteSnapshot', async () => {
    // Act
    const result = await cleanUpExport(verified({ fresh: fresh({ keep: true }) }), deps());

    // Assert
    expect(result.cleanup).toStrictEqual({
      freshSnapshot: { snapshotName: FRESH_NAME, deleted: false, reason: 'keepSnapshot was set' },
    });
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 0);
  });

  it('reports ElastiCache’s reason when the snapshot cannot be deleted yet', async () => {
    // Arrange
    elastiCacheMock.on(DeleteSnapshotCommand).rejects(snapshotBusy());

    // Act
    const result = await cleanUpExport(verified({ fresh: fresh() }), deps());

    // Assert
    expect(result.cleanup).toStrictEqual({
      freshSnapshot: {
        snapshotName: FRESH_NAME,
        deleted: false,
        reason: `Snapshot ${FRESH_NAME} is currently being exported.`,
      },
    });
  });

  it('reports no fresh snapshot when the export failed before creating one and ElastiCache has none', async () => {
    // Arrange
    elastiCacheMock.on(DeleteSnapshotCommand).rejects(new SnapshotNotFoundFault({ message: 'gone', $metadata: {} }));
    const input = verified({
      fresh: fresh({ created: undefined }),
      poll: pollState({ status: 'snapshotting' }),
      error: { Error: 'ExportRejectedError', Cause: 'source busy' },
    });

    // Act
    const result = await cleanUpExport(input, deps());

    // Assert
    expect(result.cleanup).toStrictEqual({});
  });

  it('counts a created snapshot that ElastiCache no longer has as deleted', async () => {
    // Arrange
    elastiCacheMock.on(DeleteSnapshotCommand).rejects(new SnapshotNotFoundFault({ message: 'gone', $metadata: {} }));

    // Act
    const result = await cleanUpExport(verified({ fresh: fresh() }), deps());

    // Assert
    expect(result.cleanup).toStrictEqual({ freshSnapshot: { snapshotName: FRESH_NAME, deleted: true } });
  });

  it('rethrows throttling so that the state machine retries the task', async () => {
    // Arrange
    elastiCacheMock.on(DeleteSnapshotCommand).rejects(throttled());

    // Act
    const error = await rejectionOf(cleanUpExport(verified({ fresh: fresh() }), deps()));

    // Assert
    expect(error).toBeInstanceOf(AwsThrottledError);
  });

  it('says, rather than throws, that a refused DeleteSnapshot left the snapshot', async () => {
    // Arrange
    elastiCacheMock.on(DeleteSnapshotCommand).rejects(
      new ElastiCacheServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: 'User is not authorized to perform elasticache:DeleteSnapshot',
        $metadata: { httpStatusCode: 403 },
      }),
    );

    // Act
    const result = await cleanUpExport(verified({ fresh: fresh() }), deps());

    // Assert
    expect(result.cleanup?.freshSnapshot).toStrictEqual({
      snapshotName: FRESH_NAME,
      deleted: false,
      reason: 'User is not authorized to perform elasticache:DeleteSnapshot',
    });
  });

  it('carries the leftovers CreateSnapshot deleted into the outcome', async () => {
    // Arrange
    const input = verified({ fresh: fresh({ leftoversDeleted: ['export-old-run-exports-bucket-0123456789ab'] }) });

    // Act
    const result = await cleanUpExport(input, deps());

    // Assert
    expect(result.cleanup?.freshSnapshot).toStrictEqual({
      snapshotName: FRESH_NAME,
      deleted: true,
      leftoversDeleted: ['export-old-run-exports-bucket-0123456789ab'],
    });
  });

  it('returns a state that already has its clean-up unchanged, without calling AWS', async () => {
    // Arrange
    const input = { ...scheduledRun(), cleanup: { freshSnapshot: { snapshotName: FRESH_NAME, deleted: true } } };

    // Act
    const result = await cleanUpExport(input, deps());

    // Assert
    expect(result).toBe(input);
    expect(elastiCacheMock.calls()).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});

describe('cleanUpExport: retention', () => {
  it('lists the bucket under the schedule’s prefix after a verified scheduled run', async () => {
    // Act
    await cleanUpExport(scheduledRun(), deps());

    // Assert
    expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, { Bucket: 'exports-bucket', Prefix: 'nightly-' });
  });

  it('deletes exactly the keys the retention plan chose, in one DeleteObjects request', async () => {
    // Act
    await cleanUpExport(scheduledRun(), deps());

    // Assert
    expect(s3Mock).toHaveReceivedCommandTimes(DeleteObjectsCommand, 1);
    expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectsCommand, {
      Bucket: 'exports-bucket',
      Delete: { Objects: PRUNED_KEYS.map((key) => ({ Key: key })), Quiet: true },
    });
  });

  it('agrees with planPruning on what to delete', async () => {
    // Arrange
    const plan = planPruning({
      scheduleName: 'nightly',
      policy: { keepLast: 2 },
      current: CURRENT,
      objects: LISTING.map(({ Key, Size }) => ({ key: Key, size: Size })),
      now: NOW,
    });

    // Act
    await cleanUpExport(scheduledRun(), deps());

    // Assert
    const sent = s3Mock.commandCalls(DeleteObjectsCommand)[0]?.args[0].input.Delete?.Objects?.map((o) => o.Key);
    expect(sent).toEqual(plan.prune.map((object) => object.key));
  });

  it('lists what it pruned, and deletes the fresh snapshot besides', async () => {
    // Act
    const result = await cleanUpExport(scheduledRun(), deps());

    // Assert
    expect(result.cleanup).toStrictEqual({
      freshSnapshot: { snapshotName: FRESH_NAME, deleted: true },
      pruned: PRUNED_KEYS.map((key) => ({ key, size: 100 })),
    });
  });

  it('sends no DeleteObjects when the plan keeps everything', async () => {
    // Act
    const result = await cleanUpExport(scheduledRun({ keepLast: 10 }), deps());

    // Assert
    expect(s3Mock).toHaveReceivedCommandTimes(DeleteObjectsCommand, 0);
    expect(result.cleanup).not.toHaveProperty('pruned');
  });

  it('prunes nothing after a failed export, not even listing the bucket', async () => {
    // Arrange
    const input = {
      ...scheduledRun(),
      poll: pollState({ status: 'exporting' }),
      error: { Error: 'ExportFailedError', Cause: 'the export failed' },
    };

    // Act
    const result = await cleanUpExport(input, deps());

    // Assert
    expect(s3Mock.calls()).toHaveLength(0);
    expect(result.cleanup).toStrictEqual({ freshSnapshot: { snapshotName: FRESH_NAME, deleted: true } });
  });

  it('prunes nothing when an error came after the export was verified', async () => {
    // Arrange
    const input = { ...scheduledRun(), error: { Error: 'States.Timeout', Cause: 'PublishSuccess timed out' } };

    // Act
    await cleanUpExport(input, deps());

    // Assert
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('prunes nothing when the export is not verified yet', async () => {
    // Arrange
    const input = { ...scheduledRun(), poll: pollState({ status: 'settling' }) };

    // Act
    await cleanUpExport(input, deps());

    // Assert
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('prunes nothing for a scheduled run without a retention policy', async () => {
    // Arrange
    const run = scheduledRun();
    const request: ExportRequest = {
      ...run.request,
      targetSnapshotName: CURRENT,
      targetBucket: 'exports-bucket',
      schedule: { name: 'nightly', scheduledTime: '2026-11-25T02:30:00.000Z' },
    };

    // Act
    await cleanUpExport({ ...run, request }, deps());

    // Assert
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it('puts the keys S3 refused in problems and only the deleted ones in pruned', async () => {
    // Arrange
    s3Mock.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'nightly-20261122-023000-0002.rdb', Code: 'AccessDenied', Message: 'Access Denied' }],
    });

    // Act
    const result = await cleanUpExport(scheduledRun(), deps());

    // Assert
    expect(result.cleanup?.pruned).toStrictEqual(
      PRUNED_KEYS.filter((key) => key !== 'nightly-20261122-023000-0002.rdb').map((key) => ({ key, size: 100 })),
    );
    expect(result.cleanup?.problems).toStrictEqual([
      's3://exports-bucket/nightly-20261122-023000-0002.rdb was not deleted: AccessDenied Access Denied',
    ]);
  });

  it('says, rather than throws, that the bucket could not be listed', async () => {
    // Arrange
    s3Mock.on(ListObjectsV2Command).rejects(
      new S3ServiceException({
        name: 'AccessDenied',
        $fault: 'client',
        message: 'Access Denied',
        $metadata: { httpStatusCode: 403 },
      }),
    );

    // Act
    const result = await cleanUpExport(scheduledRun(), deps());

    // Assert
    expect(result.cleanup?.problems).toStrictEqual(['Older exports were not pruned: Access Denied']);
    expect(result.cleanup?.freshSnapshot).toStrictEqual({ snapshotName: FRESH_NAME, deleted: true });
  });

  it('rethrows a throttled DeleteObjects so that the state machine retries the task', async () => {
    // Arrange
    s3Mock.on(DeleteObjectsCommand).rejects(
      new S3ServiceException({
        name: 'SlowDown',
        $fault: 'client',
        message: 'Please reduce your request rate.',
        $metadata: { httpStatusCode: 503 },
      }),
    );

    // Act
    const error = await rejectionOf(cleanUpExport(scheduledRun(), deps()));

    // Assert
    expect(error).toBeInstanceOf(AwsThrottledError);
  });
});

describe('removeFreshSnapshot', () => {
  const elastiCache = () => new ElastiCacheClient({ maxAttempts: 1 });

  it('does nothing for an export without a fresh snapshot', async () => {
    // Act
    const outcome = await removeFreshSnapshot({}, elastiCache());

    // Assert
    expect(outcome).toBeUndefined();
    expect(elastiCacheMock.calls()).toHaveLength(0);
  });

  it('deletes the snapshot by its name', async () => {
    // Act
    const outcome = await removeFreshSnapshot({ fresh: fresh() }, elastiCache());

    // Assert
    expect(outcome).toStrictEqual({ snapshotName: FRESH_NAME, deleted: true });
    expect(elastiCacheMock).toHaveReceivedCommandWith(DeleteSnapshotCommand, { SnapshotName: FRESH_NAME });
  });

  it('keeps a snapshot asked to be kept, with the leftovers deleted earlier', async () => {
    // Act
    const outcome = await removeFreshSnapshot(
      { fresh: fresh({ keep: true, leftoversDeleted: ['export-old'] }) },
      elastiCache(),
    );

    // Assert
    expect(outcome).toStrictEqual({
      snapshotName: FRESH_NAME,
      deleted: false,
      reason: 'keepSnapshot was set',
      leftoversDeleted: ['export-old'],
    });
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DeleteSnapshotCommand, 0);
  });

  it('reports a refused delete with the leftovers deleted earlier', async () => {
    // Arrange
    elastiCacheMock.on(DeleteSnapshotCommand).rejects(snapshotBusy());

    // Act
    const outcome = await removeFreshSnapshot({ fresh: fresh({ leftoversDeleted: ['export-old'] }) }, elastiCache());

    // Assert
    expect(outcome).toStrictEqual({
      snapshotName: FRESH_NAME,
      deleted: false,
      reason: `Snapshot ${FRESH_NAME} is currently being exported.`,
      leftoversDeleted: ['export-old'],
    });
  });

  it('is undefined for a snapshot that was never created and does not exist', async () => {
    // Arrange
    elastiCacheMock.on(DeleteSnapshotCommand).rejects(new SnapshotNotFoundFault({ message: 'gone', $metadata: {} }));

    // Act
    const outcome = await removeFreshSnapshot({ fresh: fresh({ created: undefined }) }, elastiCache());

    // Assert
    expect(outcome).toBeUndefined();
  });

  it('reports a snapshot that was never marked created but did exist as deleted', async () => {
    // Act: CreateSnapshot was accepted but the task failed before it returned its state.
    const outcome = await removeFreshSnapshot({ fresh: fresh({ created: undefined }) }, elastiCache());

    // Assert
    expect(outcome).toStrictEqual({ snapshotName: FRESH_NAME, deleted: true });
  });

  it('throws throttling as AwsThrottledError', async () => {
    // Arrange
    elastiCacheMock.on(DeleteSnapshotCommand).rejects(throttled());

    // Act
    const result = removeFreshSnapshot({ fresh: fresh() }, elastiCache());

    // Assert
    await expect(result).rejects.toBeInstanceOf(AwsThrottledError);
  });
});
