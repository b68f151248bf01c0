import { DeleteObjectsCommand, ListObjectsV2Command, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { deleteObjects, listObjects, listObjectsByPrefix } from '../../../../handlers/lib/aws/s3';
import { AwsThrottledError, ExportRejectedError } from '../../../../handlers/lib/errors';
import { rejectionOf } from '../../../support/rejection';

const s3Mock = mockClient(S3Client);
const s3 = new S3Client({});

const serviceError = (name: string, httpStatusCode: number): S3ServiceException =>
  new S3ServiceException({
    name,
    message: `${name} happened`,
    $fault: 'client',
    $metadata: { httpStatusCode, requestId: 'req-1' },
  });

const keys = (count: number, from = 0): string[] =>
  Array.from(
    { length: count },
    (_, index) => `nightly-20261125-023000-${(from + index + 1).toString().padStart(4, '0')}.rdb`,
  );

beforeEach(() => s3Mock.reset());

describe('listObjectsByPrefix', () => {
  it('reads every page under the prefix, with sizes and LastModified as ISO strings', async () => {
    // Arrange
    s3Mock
      .on(ListObjectsV2Command, { Bucket: 'exports-bucket', Prefix: 'nightly-' })
      .resolvesOnce({
        Contents: [{ Key: 'nightly-1.rdb', Size: 10, LastModified: new Date('2026-11-25T02:31:00Z') }],
        IsTruncated: true,
        NextContinuationToken: 'page-2',
      })
      .resolvesOnce({ Contents: [{ Key: 'nightly-2.rdb', Size: 20 }], IsTruncated: false });

    // Act
    const objects = await listObjectsByPrefix(s3, 'exports-bucket', 'nightly-');

    // Assert
    expect(objects).toEqual([
      { key: 'nightly-1.rdb', size: 10, lastModified: '2026-11-25T02:31:00.000Z' },
      { key: 'nightly-2.rdb', size: 20 },
    ]);
    expect(s3Mock).toHaveReceivedCommandWith(ListObjectsV2Command, { ContinuationToken: 'page-2', Prefix: 'nightly-' });
  });

  it('returns nothing for an empty prefix listing', async () => {
    // Arrange
    s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0 });

    // Act
    const objects = await listObjectsByPrefix(s3, 'exports-bucket', 'nightly-');

    // Assert
    expect(objects).toEqual([]);
  });

  it('throws AccessDenied as a rejection that keeps the wire code and request id', async () => {
    // Arrange
    s3Mock.on(ListObjectsV2Command).rejects(serviceError('AccessDenied', 403));

    // Act
    const error = await rejectionOf(listObjectsByPrefix(s3, 'exports-bucket', 'nightly-'));

    // Assert
    expect(error).toBeInstanceOf(ExportRejectedError);
    expect((error as ExportRejectedError).details).toEqual({ awsErrorCode: 'AccessDenied', requestId: 'req-1' });
  });

  it('leaves listObjects answering keys and sizes only', async () => {
    // Arrange
    s3Mock
      .on(ListObjectsV2Command)
      .resolves({ Contents: [{ Key: 'nightly-1.rdb', Size: 10, LastModified: new Date('2026-11-25T02:31:00Z') }] });

    // Act
    const objects = await listObjects(s3, 'exports-bucket', 'nightly');

    // Assert
    expect(objects).toEqual([{ key: 'nightly-1.rdb', size: 10 }]);
  });
});

describe('deleteObjects', () => {
  it('deletes in Quiet mode and reports every key as deleted when S3 names no failure', async () => {
    // Arrange
    s3Mock.on(DeleteObjectsCommand).resolves({});

    // Act
    const result = await deleteObjects(s3, 'exports-bucket', keys(2));

    // Assert
    expect(result).toEqual({ deleted: keys(2), errors: [] });
    expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectsCommand, {
      Bucket: 'exports-bucket',
      Delete: { Objects: keys(2).map((Key) => ({ Key })), Quiet: true },
    });
  });

  it('sends 1000 keys per request', async () => {
    // Arrange
    s3Mock.on(DeleteObjectsCommand).resolves({});

    // Act
    const result = await deleteObjects(s3, 'exports-bucket', keys(2001));

    // Assert
    const sizes = s3Mock.commandCalls(DeleteObjectsCommand).map((call) => call.args[0].input.Delete?.Objects?.length);
    expect(sizes).toEqual([1000, 1000, 1]);
    expect(result.deleted).toEqual(keys(2001));
  });

  it('returns the keys S3 refused with their codes instead of throwing', async () => {
    // Arrange
    const [locked, ...rest] = keys(3);
    s3Mock
      .on(DeleteObjectsCommand)
      .resolves({ Errors: [{ Key: locked, Code: 'AccessDenied', Message: 'Access Denied' }] });

    // Act
    const result = await deleteObjects(s3, 'exports-bucket', keys(3));

    // Assert
    expect(result).toEqual({
      deleted: rest,
      errors: [{ key: locked, code: 'AccessDenied', message: 'Access Denied' }],
    });
  });

  it('sends nothing when there is nothing to delete', async () => {
    // Act
    const result = await deleteObjects(s3, 'exports-bucket', []);

    // Assert
    expect(result).toEqual({ deleted: [], errors: [] });
    expect(s3Mock).toHaveReceivedCommandTimes(DeleteObjectsCommand, 0);
  });

  it('asks once for a key listed twice', async () => {
    // Arrange
    s3Mock.on(DeleteObjectsCommand).resolves({});

    // Act
    const result = await deleteObjects(s3, 'exports-bucket', [...keys(1), ...keys(1)]);

    // Assert
    expect(result.deleted).toEqual(keys(1));
    expect(s3Mock).toHaveReceivedCommandWith(DeleteObjectsCommand, {
      Delete: { Objects: [{ Key: keys(1)[0] }], Quiet: true },
    });
  });

  it('throws a refused request as the mapped rejection', async () => {
    // Arrange
    s3Mock.on(DeleteObjectsCommand).rejects(serviceError('AccessDenied', 403));

    // Act
    const error = await rejectionOf(deleteObjects(s3, 'exports-bucket', keys(1)));

    // Assert
    expect(error).toBeInstanceOf(ExportRejectedError);
    expect((error as ExportRejectedError).details.awsErrorCode).toBe('AccessDenied');
  });

  it('throws throttling as AwsThrottledError, after the batches before it were sent', async () => {
    // Arrange
    s3Mock.on(DeleteObjectsCommand).resolvesOnce({}).rejects(serviceError('SlowDown', 503));

    // Act
    const error = await rejectionOf(deleteObjects(s3, 'exports-bucket', keys(1500)));

    // Assert
    expect(error).toBeInstanceOf(AwsThrottledError);
    expect((error as AwsThrottledError).message).toMatch(/^DeleteObjects was throttled/);
    expect(s3Mock).toHaveReceivedCommandTimes(DeleteObjectsCommand, 2);
  });
});
