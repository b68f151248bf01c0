import { isObjectAlreadyExists } from '../../../handlers/lib/copy-snapshot-messages';
import { catalogueEntryFor } from '../../../handlers/lib/error-catalogue';
import type { DecodedFailure } from '../../../handlers/lib/errors';

const failure = (message: string, details: DecodedFailure['details'] = {}): DecodedFailure => ({
  errorName: 'ExportRejectedError',
  message,
  details,
});

describe('isObjectAlreadyExists', () => {
  it.each([
    [
      'the CopySnapshot message',
      failure('The S3 bucket exports already contains an object with key nightly-0001.rdb.'),
    ],
    [
      'the code this service sets',
      failure('Objects of this export are already there', { code: 'S3ObjectAlreadyExists' }),
    ],
    ['an AWS wire code', failure('Refused', { awsErrorCode: 'S3ObjectAlreadyExists' })],
    ['another refusal', failure('The S3 bucket exports does not exist.')],
    ['a grant missing', failure('ElastiCache has not been granted WRITE permissions exports on the S3 Bucket.')],
    ['an unknown failure', failure('Something else', { awsErrorCode: 'InvalidParameterValue' })],
  ])('agrees with the error catalogue on %s', (_name, decoded) => {
    // Act
    const recognised = isObjectAlreadyExists(decoded);

    // Assert
    expect(recognised).toBe(catalogueEntryFor(decoded).code === 'S3ObjectAlreadyExists');
  });

  it('recognises the CopySnapshot message', () => {
    // Act / Assert
    expect(
      isObjectAlreadyExists(failure('The S3 bucket exports already contains an object with key nightly-0001.rdb.')),
    ).toBe(true);
  });
});
