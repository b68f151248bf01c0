import {
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  type Snapshot,
  SnapshotNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { checkExport, handler } from '../../../handlers/check-export';
import type { ExportState } from '../../../handlers/lib/contracts';
import {
  AwsThrottledError,
  decodeFailureCause,
  ExportDeadlineError,
  ExportFailedError,
} from '../../../handlers/lib/errors';
import { logger } from '../../../handlers/lib/logger';
import { exportState as buildExportState, pollState } from '../../support/builders';
import { rejectionOf } from '../../support/rejection';

const elastiCacheMock = mockClient(ElastiCacheClient);
const s3Mock = mockClient(S3Client);

const NOW = new Date('2026-11-25T03:10:00.000Z');

const poll = pollState;

const exportState = (overrides: Partial<ExportState> = {}): ExportState =>
  buildExportState({ targetSnapshotName: 'Nightly-2026-11-25', ...overrides });

const sourceIs = (status: string): void => {
  const snapshot: Snapshot = { SnapshotName: 'nightly', SnapshotStatus: status, Engine: 'redis', NumNodeGroups: 2 };
  elastiCacheMock.on(DescribeSnapshotsCommand, { SnapshotName: 'nightly' }).resolves({ Snapshots: [snapshot] });
};

const bucketHolds = (objects: Array<{ key: string; size: number }>): void => {
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: objects.map(({ key, size }) => ({ Key: key, Size: size })) });
};

// Verification of the objects' bytes is tested in test/unit/lib/export-verification.test.ts and test/integration/export-verification.test.ts.
const deps = () => ({
  elastiCache: new ElastiCacheClient({}),
  s3: new S3Client({}),
  now: () => NOW,
  verifyMode: 'off' as const,
});

beforeEach(() => {
  elastiCacheMock.reset();
  s3Mock.reset();
});

describe('checkExport', () => {
  it('keeps polling while the source is copying, adding the wait just done to the elapsed time', async () => {
    // Arrange
    sourceIs('copying');

    // Act
    const result = await checkExport(
      exportState({ poll: poll({ attempt: 4, elapsedSeconds: 380, waitSeconds: 45 }) }),
      deps(),
    );

    // Assert: 380 + 45 = 425 s elapsed; the next wait is 12 % of it, rounded down (51).
    expect(result.poll).toEqual({
      attempt: 5,
      elapsedSeconds: 425,
      waitSeconds: 51,
      status: 'exporting',
      missingChecks: 0,
      failedChecks: 0,
    });
    expect(s3Mock).not.toHaveReceivedCommand(ListObjectsV2Command);
  });

  it('caps the wait of a long export at the policy maximum', async () => {
    // Arrange
    sourceIs('copying');

    // Act
    const result = await checkExport(
      exportState({ poll: poll({ attempt: 40, elapsedSeconds: 7000, waitSeconds: 180 }) }),
      deps(),
    );

    // Assert
    expect(result.poll).toMatchObject({ attempt: 41, elapsedSeconds: 7180, waitSeconds: 180, status: 'exporting' });
  });

  it('carries the failed checks the state machine counted, and drops the last failure it recorded', async () => {
    // Arrange: two checks failed earlier in this execution (CountFailedExportCheck wrote them).
    sourceIs('copying');
    const earlier = poll({
      attempt: 9,
      elapsedSeconds: 600,
      waitSeconds: 72,
      failedChecks: 2,
      lastFailure: { Error: 'Lambda.ServiceException', Cause: 'Service unavailable' },
      failedAt: '2026-11-25T03:05:00.000Z',
    });

    // Act
    const result = await checkExport(exportState({ poll: earlier }), deps());

    // Assert: the budget is per execution, so the count survives a check that worked.
    expect(result.poll).toEqual({
      attempt: 10,
      elapsedSeconds: 672,
      waitSeconds: 80,
      status: 'exporting',
      missingChecks: 0,
      failedChecks: 2,
    });
  });

  it('treats a source that is still creating as an export in progress', async () => {
    // Arrange
    sourceIs('creating');

    // Act
    const result = await checkExport(exportState(), deps());

    // Assert
    expect(result.poll).toMatchObject({ attempt: 1, status: 'exporting' });
  });

  it('returns exported with the objects sorted by key once every shard has landed', async () => {
    // Arrange
    sourceIs('available');
    bucketHolds([
      { key: 'nightly-2026-11-25-0002.rdb', size: 2048 },
      { key: 'nightly-2026-11-25-0001.rdb', size: 1024 },
    ]);

    // Act
    const result = await checkExport(exportState({ poll: poll({ attempt: 3 }) }), deps());

    // Assert
    expect(result.poll).toMatchObject({ status: 'exported', attempt: 4 });
    expect(result.objects).toEqual([
      { key: 'nightly-2026-11-25-0001.rdb', size: 1024 },
      { key: 'nightly-2026-11-25-0002.rdb', size: 2048 },
    ]);
  });

  it('lists the bucket under the lowercased target name and ignores keys that are not this export', async () => {
    // Arrange
    sourceIs('available');
    bucketHolds([
      { key: 'nightly-2026-11-25-0001.rdb', size: 1024 },
      { key: 'nightly-2026-11-25-0002.rdb', size: 2048 },
      { key: 'nightly-2026-11-25-restored-0001.rdb', size: 5 },
      { key: 'nightly-2026-11-25-0003.rdb.tmp', size: 5 },
    ]);

    // Act
    const result = await checkExport(exportState(), deps());

    // Assert
    expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, {
      Bucket: 'exports-bucket',
      Prefix: 'nightly-2026-11-25',
    });
    expect(result.objects.map((object) => object.key)).toEqual([
      'nightly-2026-11-25-0001.rdb',
      'nightly-2026-11-25-0002.rdb',
    ]);
  });

  it('gives an available source with an empty bucket one more short check before judging', async () => {
    // Arrange
    sourceIs('available');
    bucketHolds([]);

    // Act
    const result = await checkExport(
      exportState({ poll: poll({ attempt: 6, elapsedSeconds: 300, waitSeconds: 45 }) }),
      deps(),
    );

    // Assert
    expect(result.poll).toEqual({
      attempt: 7,
      elapsedSeconds: 345,
      waitSeconds: 30,
      status: 'settling',
      missingChecks: 1,
      failedChecks: 0,
    });
  });

  it('reports success when the objects appear during the grace check', async () => {
    // Arrange
    sourceIs('available');
    bucketHolds([
      { key: 'nightly-2026-11-25-0001.rdb', size: 1024 },
      { key: 'nightly-2026-11-25-0002.rdb', size: 2048 },
    ]);

    // Act
    const result = await checkExport(exportState({ poll: poll({ status: 'settling', missingChecks: 1 }) }), deps());

    // Assert
    expect(result.poll.status).toBe('exported');
    expect(result.objects).toHaveLength(2);
  });

  it('fails with ExportNoObjects when the bucket is still empty after the grace check', async () => {
    // Arrange
    sourceIs('available');
    bucketHolds([]);

    // Act
    const error = await rejectionOf(
      checkExport(exportState({ poll: poll({ status: 'settling', missingChecks: 1 }) }), deps()),
    );

    // Assert
    expect(error).toBeInstanceOf(ExportFailedError);
    expect(error).toMatchObject({ details: { code: 'ExportNoObjects' } });
    expect((error as Error).message).toContain('s3://exports-bucket has no object nightly-2026-11-25');
  });

  it('fails with ExportIncomplete listing expected and found keys when a shard is missing after the grace check', async () => {
    // Arrange
    sourceIs('available');
    bucketHolds([{ key: 'nightly-2026-11-25-0001.rdb', size: 1024 }]);

    // Act
    const error = await rejectionOf(
      checkExport(exportState({ poll: poll({ status: 'settling', missingChecks: 1 }) }), deps()),
    );

    // Assert
    expect(error).toBeInstanceOf(ExportFailedError);
    expect(error).toMatchObject({ details: { code: 'ExportIncomplete' } });
    const { message } = decodeFailureCause('ExportFailedError', (error as Error).message);
    expect(message).toContain('expected 2 non-empty objects, found 1; missing: nightly-2026-11-25-0002.rdb.');
  });

  it('names only the first ten missing keys of a large export, so the notification stays small', async () => {
    // Arrange: a 500-shard snapshot of which one object landed.
    sourceIs('available');
    bucketHolds([{ key: 'nightly-2026-11-25-0001.rdb', size: 1024 }]);
    const state = exportState({ poll: poll({ status: 'settling', missingChecks: 1 }) });

    // Act
    const error = await rejectionOf(
      checkExport({ ...state, snapshot: { ...state.snapshot, numNodeGroups: 500 } }, deps()),
    );

    // Assert
    const { message } = decodeFailureCause('ExportFailedError', (error as Error).message);
    expect(message).toContain('expected 500 non-empty objects, found 1; missing: nightly-2026-11-25-0002.rdb, ');
    expect(message).toContain('nightly-2026-11-25-0011.rdb and 489 more.');
    expect(message.length).toBeLessThan(1000);
  });

  it('first grants the grace check when a shard is missing', async () => {
    // Arrange
    sourceIs('available');
    bucketHolds([{ key: 'nightly-2026-11-25-0001.rdb', size: 1024 }]);

    // Act
    const result = await checkExport(exportState(), deps());

    // Assert
    expect(result.poll).toMatchObject({ status: 'settling', missingChecks: 1 });
    expect(result.objects).toEqual([{ key: 'nightly-2026-11-25-0001.rdb', size: 1024 }]);
  });

  it('fails with ExportIncomplete naming the empty object when a shard landed with zero bytes', async () => {
    // Arrange
    sourceIs('available');
    bucketHolds([
      { key: 'nightly-2026-11-25-0001.rdb', size: 1024 },
      { key: 'nightly-2026-11-25-0002.rdb', size: 0 },
    ]);

    // Act
    const error = await rejectionOf(
      checkExport(exportState({ poll: poll({ status: 'settling', missingChecks: 1 }) }), deps()),
    );

    // Assert
    expect(error).toMatchObject({ name: 'ExportFailedError', details: { code: 'ExportIncomplete' } });
    expect((error as Error).message).toContain('empty: nightly-2026-11-25-0002.rdb');
  });

  it('fails with ExportFailed when the source snapshot vanished during the export', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeSnapshotsCommand)
      .rejects(new SnapshotNotFoundFault({ message: 'Snapshot nightly not found.', $metadata: {} }));

    // Act
    const error = await rejectionOf(checkExport(exportState(), deps()));

    // Assert
    expect(error).toBeInstanceOf(ExportFailedError);
    expect(error).toMatchObject({ details: { code: 'ExportFailed' } });
    expect((error as Error).message).toContain('nightly disappeared');
  });

  it.each(['restoring', 'exporting', 'some-status-aws-adds-later'])(
    'counts a source status it does not know (%s) as still exporting, with a warning',
    async (status) => {
      // Arrange
      sourceIs(status);
      const warn = jest.spyOn(logger, 'warn').mockImplementation(() => {});

      // Act
      const result = await checkExport(exportState(), deps());

      // Assert
      expect(result.poll).toMatchObject({ attempt: 1, status: 'exporting' });
      expect(warn).toHaveBeenCalledWith(
        expect.stringContaining('does not know'),
        expect.objectContaining({ snapshotStatus: status }),
      );
      expect(s3Mock).not.toHaveReceivedCommand(ListObjectsV2Command);
      warn.mockRestore();
    },
  );

  it('fails an unknown source status at the deadline like a source still copying', async () => {
    // Arrange
    sourceIs('some-status-aws-adds-later');

    // Act
    const error = await rejectionOf(
      checkExport(exportState(), { ...deps(), now: () => new Date('2026-11-25T15:00:01.000Z') }),
    );

    // Assert
    expect(error).toBeInstanceOf(ExportDeadlineError);
  });

  it.each(['failed', 'deleting'])('fails with ExportFailed when the source turns %s', async (status) => {
    // Arrange
    sourceIs(status);

    // Act
    const error = await rejectionOf(checkExport(exportState(), deps()));

    // Assert
    expect(error).toBeInstanceOf(ExportFailedError);
    expect(error).toMatchObject({ details: { code: 'ExportFailed' } });
    expect((error as Error).message).toContain(`'${status}'`);
    expect(s3Mock).not.toHaveReceivedCommand(ListObjectsV2Command);
  });

  it('throws ExportDeadlineError giving the deadline and the time spent when the source is still copying', async () => {
    // Arrange
    sourceIs('copying');
    const late = new Date('2026-11-25T15:00:01.000Z');

    // Act
    const error = await rejectionOf(checkExport(exportState(), { ...deps(), now: () => late }));

    // Assert
    expect(error).toBeInstanceOf(ExportDeadlineError);
    expect(error).toMatchObject({ details: { code: 'DeadlinePassed' } });
    expect((error as Error).message).toContain('deadline 2026-11-25T15:00:00.000Z');
    expect((error as Error).message).toContain('running for 12h 00m 01s');
  });

  it('reports an export that landed during the last wait as exported, even past the deadline', async () => {
    // Arrange
    sourceIs('available');
    bucketHolds([
      { key: 'nightly-2026-11-25-0001.rdb', size: 1024 },
      { key: 'nightly-2026-11-25-0002.rdb', size: 2048 },
    ]);
    const late = new Date('2026-11-25T15:00:01.000Z');

    // Act
    const result = await checkExport(exportState(), { ...deps(), now: () => late });

    // Assert
    expect(result.poll.status).toBe('exported');
    expect(result.objects).toHaveLength(2);
  });

  it('ends with ExportDeadlineError, not a retry, when AWS fails on the last look past the deadline', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeSnapshotsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));
    const late = new Date('2026-11-25T15:00:01.000Z');

    // Act
    const error = await rejectionOf(checkExport(exportState(), { ...deps(), now: () => late }));

    // Assert
    expect(error).toBeInstanceOf(ExportDeadlineError);
  });

  it('gives no grace check past the deadline', async () => {
    // Arrange
    sourceIs('available');
    bucketHolds([]);
    const late = new Date('2026-11-25T15:00:01.000Z');

    // Act
    const error = await rejectionOf(checkExport(exportState(), { ...deps(), now: () => late }));

    // Assert
    expect(error).toMatchObject({ details: { code: 'ExportNoObjects' } });
  });

  it('lets AWS throttling through for the state machine to count as a failed check', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeSnapshotsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));

    // Act
    const error = await rejectionOf(checkExport(exportState(), deps()));

    // Assert
    expect(error).toBeInstanceOf(AwsThrottledError);
  });

  it('returns plain JSON that survives a round trip unchanged', async () => {
    // Arrange
    sourceIs('available');
    bucketHolds([
      { key: 'nightly-2026-11-25-0001.rdb', size: 1024 },
      { key: 'nightly-2026-11-25-0002.rdb', size: 2048 },
    ]);

    // Act
    const result = await checkExport(exportState(), deps());

    // Assert
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });
});

describe('handler', () => {
  it('runs checkExport with the module clients and the real clock', async () => {
    // Arrange
    sourceIs('copying');
    const state = exportState({ deadline: '2999-01-01T00:00:00.000Z' });

    // Act
    const result = await handler(state, {} as Context);

    // Assert
    expect(result.poll).toMatchObject({ attempt: 1, status: 'exporting' });
    expect(elastiCacheMock).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { SnapshotName: 'nightly' });
  });
});
