import {
  CopySnapshotCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
  ElastiCacheServiceException,
  InvalidParameterValueException,
  InvalidSnapshotStateFault,
  type Snapshot,
  SnapshotNotFoundFault,
} from '@aws-sdk/client-elasticache';
import { ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { catalogueEntryFor } from '../../../handlers/lib/error-catalogue';
import { AwsThrottledError, decodeFailureCause, ExportRejectedError } from '../../../handlers/lib/errors';
import { handler, type StartExportDeps, startExport } from '../../../handlers/start-export';
import { exportState as buildExportState } from '../../support/builders';

const elastiCacheMock = mockClient(ElastiCacheClient);
const s3Mock = mockClient(S3Client);

const exportState = buildExportState;

const source = (status: string): Snapshot => ({ SnapshotName: 'nightly', SnapshotStatus: status, Engine: 'redis' });

// maxAttempts 1: the SDK's own retries would only slow the error tests down.
const deps = (): StartExportDeps => ({
  elastiCache: new ElastiCacheClient({ maxAttempts: 1 }),
  s3: new S3Client({ maxAttempts: 1 }),
});

const objectExists = () =>
  new InvalidParameterValueException({
    message: 'The S3 bucket exports-bucket already contains an object with key nightly-export-0001.rdb.',
    $metadata: { httpStatusCode: 400, requestId: 'req-exists' },
  });

const snapshotBusy = () =>
  new InvalidSnapshotStateFault({
    message: 'Cannot copy snapshot nightly because it is not in the available state.',
    $metadata: { httpStatusCode: 400, requestId: 'req-busy' },
  });

const catalogueCodeOf = (error: Error): string => catalogueEntryFor(decodeFailureCause(error.name, error.message)).code;

beforeEach(() => {
  elastiCacheMock.reset();
  s3Mock.reset();
});

describe('starting the export', () => {
  it('asks ElastiCache to copy the source snapshot into the target bucket', async () => {
    // Arrange
    elastiCacheMock.on(CopySnapshotCommand).resolves({ Snapshot: source('copying') });

    // Act
    await startExport(exportState(), deps());

    // Assert
    expect(elastiCacheMock).toHaveReceivedCommandTimes(CopySnapshotCommand, 1);
    expect(elastiCacheMock).toHaveReceivedCommandWith(CopySnapshotCommand, {
      SourceSnapshotName: 'nightly',
      TargetSnapshotName: 'Nightly-Export',
      TargetBucket: 'exports-bucket',
    });
  });

  it('returns the state unchanged as plain JSON', async () => {
    // Arrange
    const state = exportState();
    elastiCacheMock.on(CopySnapshotCommand).resolves({ Snapshot: source('copying') });

    // Act
    const result = await startExport(state, deps());

    // Assert
    expect(result).toStrictEqual(exportState());
    expect(JSON.parse(JSON.stringify(result))).toStrictEqual(result);
  });
});

describe('running twice', () => {
  it('resumes polling when the bucket already holds the object our first attempt wrote', async () => {
    // Arrange
    elastiCacheMock.on(CopySnapshotCommand).rejects(objectExists());
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'nightly-export-0001.rdb', Size: 1024 }] });

    // Act: a retry of the task ($$.State.RetryCount 1)
    const result = await startExport(exportState(), deps(), 1);

    // Assert
    expect(result).toStrictEqual(exportState());
    expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, {
      Bucket: 'exports-bucket',
      Prefix: 'nightly-export',
    });
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 0);
  });

  it('fails with S3ObjectAlreadyExists when the bucket holds no object of this export after all', async () => {
    // Arrange
    elastiCacheMock.on(CopySnapshotCommand).rejects(objectExists());
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'nightly-export-0001.rdb.bak', Size: 1024 }] });

    // Act
    const error: unknown = await startExport(exportState(), deps(), 1).catch((reason: unknown) => reason);

    // Assert
    expect(error).toBeInstanceOf(ExportRejectedError);
    expect(error).toMatchObject({ details: { awsErrorCode: 'InvalidParameterValue', requestId: 'req-exists' } });
    expect(catalogueCodeOf(error as Error)).toBe('S3ObjectAlreadyExists');
  });

  it('resumes polling when the source is busy copying the export our first attempt started', async () => {
    // Arrange
    elastiCacheMock.on(CopySnapshotCommand).rejects(snapshotBusy());
    elastiCacheMock
      .on(DescribeSnapshotsCommand, { SnapshotName: 'nightly' })
      .resolves({ Snapshots: [source('copying')] });

    // Act
    const result = await startExport(exportState(), deps(), 2);

    // Assert
    expect(result).toStrictEqual(exportState());
    expect(elastiCacheMock).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { SnapshotName: 'nightly' });
  });

  it('fails with InvalidSnapshotState when the busy source is not copying', async () => {
    // Arrange
    elastiCacheMock.on(CopySnapshotCommand).rejects(snapshotBusy());
    elastiCacheMock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [source('deleting')] });

    // Act: a retry, so both readings (our own export, another request's) are possible.
    const error: unknown = await startExport(exportState(), deps(), 1).catch((reason: unknown) => reason);

    // Assert
    expect(error).toBeInstanceOf(ExportRejectedError);
    expect(error).toMatchObject({ details: { awsErrorCode: 'InvalidSnapshotState', requestId: 'req-busy' } });
    expect(catalogueCodeOf(error as Error)).toBe('InvalidSnapshotState');
    // The source is looked up once, whatever the refusal turns out to mean.
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 1);
  });

  it('fails with InvalidSnapshotState when the source has disappeared', async () => {
    // Arrange
    elastiCacheMock.on(CopySnapshotCommand).rejects(snapshotBusy());
    elastiCacheMock
      .on(DescribeSnapshotsCommand)
      .rejects(new SnapshotNotFoundFault({ message: 'Snapshot nightly not found.', $metadata: {} }));

    // Act
    const error: unknown = await startExport(exportState(), deps()).catch((reason: unknown) => reason);

    // Assert
    expect(error).toBeInstanceOf(ExportRejectedError);
    expect(catalogueCodeOf(error as Error)).toBe('InvalidSnapshotState');
  });
});

describe('other failures propagate', () => {
  it('rejects with ElastiCache message when another seed error comes back', async () => {
    // Arrange
    elastiCacheMock.on(CopySnapshotCommand).rejects(
      new InvalidParameterValueException({
        message: 'ElastiCache has not been granted WRITE permissions exports-bucket on the S3 Bucket.',
        $metadata: { httpStatusCode: 400, requestId: 'req-write' },
      }),
    );

    // Act
    const error: unknown = await startExport(exportState(), deps()).catch((reason: unknown) => reason);

    // Assert
    expect(error).toBeInstanceOf(ExportRejectedError);
    expect(error).toMatchObject({ details: { awsErrorCode: 'InvalidParameterValue', requestId: 'req-write' } });
    expect(catalogueCodeOf(error as Error)).toBe('S3WritePermissionMissing');
    expect(elastiCacheMock).toHaveReceivedCommandTimes(DescribeSnapshotsCommand, 0);
    expect(s3Mock).toHaveReceivedCommandTimes(ListObjectsV2Command, 0);
  });

  it('rejects with SnapshotNotFound when the source was deleted after validation', async () => {
    // Arrange
    elastiCacheMock
      .on(CopySnapshotCommand)
      .rejects(
        new SnapshotNotFoundFault({ message: 'Snapshot nightly not found.', $metadata: { httpStatusCode: 404 } }),
      );

    // Act
    const error: unknown = await startExport(exportState(), deps()).catch((reason: unknown) => reason);

    // Assert
    expect(error).toBeInstanceOf(ExportRejectedError);
    expect(catalogueCodeOf(error as Error)).toBe('SnapshotNotFound');
  });

  it('turns throttling into AwsThrottledError so the state machine retries the task', async () => {
    // Arrange
    elastiCacheMock.on(CopySnapshotCommand).rejects(
      new ElastiCacheServiceException({
        name: 'Throttling',
        $fault: 'client',
        message: 'Rate exceeded',
        $metadata: { httpStatusCode: 400 },
      }),
    );

    // Act
    const result = startExport(exportState(), deps());

    // Assert
    await expect(result).rejects.toBeInstanceOf(AwsThrottledError);
  });
});

describe('the first attempt, when the source is held by another request', () => {
  it('fails as SnapshotBusy when the source is copying for another export', async () => {
    // Arrange
    elastiCacheMock.on(CopySnapshotCommand).rejects(snapshotBusy());
    elastiCacheMock
      .on(DescribeSnapshotsCommand, { SnapshotName: 'nightly' })
      .resolves({ Snapshots: [source('copying')] });

    // Act
    const error: unknown = await startExport(exportState(), deps(), 0).catch((reason: unknown) => reason);

    // Assert
    expect(error).toBeInstanceOf(ExportRejectedError);
    expect(error).toMatchObject({ details: { code: 'SnapshotBusy', awsErrorCode: 'InvalidSnapshotState' } });
    expect(catalogueCodeOf(error as Error)).toBe('SnapshotBusy');
    expect((error as Error).message).toContain('being exported or copied by another request');
  });

  it('fails as SnapshotBusy when the other export has already finished by the time the source is looked at', async () => {
    // Arrange: refused for the source's state, which is available again a moment later.
    elastiCacheMock.on(CopySnapshotCommand).rejects(snapshotBusy());
    elastiCacheMock
      .on(DescribeSnapshotsCommand, { SnapshotName: 'nightly' })
      .resolves({ Snapshots: [source('available')] });

    // Act
    const error: unknown = await startExport(exportState(), deps(), 0).catch((reason: unknown) => reason);

    // Assert
    expect(catalogueCodeOf(error as Error)).toBe('SnapshotBusy');
    expect((error as Error).message).toContain('available again, that request just finished');
  });

  it('takes the source copying as its own export when the SDK sent the call twice (a lost response)', async () => {
    // Arrange
    const afterRetry = Object.assign(snapshotBusy(), { $metadata: { httpStatusCode: 400, attempts: 2 } });
    elastiCacheMock.on(CopySnapshotCommand).rejects(afterRetry);
    elastiCacheMock
      .on(DescribeSnapshotsCommand, { SnapshotName: 'nightly' })
      .resolves({ Snapshots: [source('copying')] });

    // Act
    const result = await startExport(exportState(), deps(), 0);

    // Assert
    expect(result).toStrictEqual(exportState());
  });

  it('reports an object of this name already in the bucket as it is, never as its own', async () => {
    // Arrange
    elastiCacheMock.on(CopySnapshotCommand).rejects(objectExists());
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: 'nightly-export-0001.rdb', Size: 1024 }] });

    // Act
    const error: unknown = await startExport(exportState(), deps(), 0).catch((reason: unknown) => reason);

    // Assert
    expect(catalogueCodeOf(error as Error)).toBe('S3ObjectAlreadyExists');
    expect(s3Mock).toHaveReceivedCommandTimes(ListObjectsV2Command, 0);
  });
});

describe('handler', () => {
  it('starts the export with the module clients', async () => {
    // Arrange
    elastiCacheMock.on(CopySnapshotCommand).resolves({ Snapshot: source('copying') });

    // Act
    const result = await handler({ state: exportState(), retryCount: 0 }, {} as Context);

    // Assert
    expect(result).toStrictEqual(exportState());
    expect(elastiCacheMock).toHaveReceivedCommandWith(CopySnapshotCommand, { TargetBucket: 'exports-bucket' });
  });
});
