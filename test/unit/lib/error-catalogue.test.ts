import {
  CacheClusterNotFoundFault,
  InvalidParameterCombinationException,
  InvalidParameterValueException,
  InvalidSnapshotStateFault,
  ReplicationGroupNotFoundFault,
  SnapshotAlreadyExistsFault,
  SnapshotNotFoundFault,
  SnapshotQuotaExceededFault,
  TagQuotaPerResourceExceeded,
} from '@aws-sdk/client-elasticache';
import { toAwsFailure } from '../../../handlers/lib/aws/failures';
import { CATALOGUE, catalogueEntryFor, explainFailure, UNKNOWN_ENTRY } from '../../../handlers/lib/error-catalogue';
import {
  type DecodedFailure,
  decodeFailureCause,
  ExportDeadlineError,
  ExportRejectedError,
  type FailureDetails,
} from '../../../handlers/lib/errors';

const failure = (errorName: string, message: string, details: FailureDetails = {}): DecodedFailure => ({
  errorName,
  message,
  details,
});

/**
 * The seed doc's Solutions as written in ../shared/reference/aws-cli-elasticache-copy-snapshot.rst, markup and all,
 * so they can be compared with the file by eye; stripRst() turns them into the text a person reads.
 */
const CREATE_BUCKET_RST =
  'Create an Amazon S3 bucket in the same region as your snapshot. For more information, see `Step 1\\: Create an Amazon S3 Bucket <http://docs.aws.amazon.com/AmazonElastiCache/latest/UserGuide/Snapshots.Exporting.html#Snapshots.Exporting.CreateBucket>`_ in the ElastiCache User Guide.';
const SEED: ReadonlyArray<{ message: string; code: string; solutionRst: string }> = [
  {
    message: 'The S3 bucket exports-bucket is outside of the region.',
    code: 'S3BucketOutsideRegion',
    solutionRst: CREATE_BUCKET_RST,
  },
  { message: 'The S3 bucket exports-bucket does not exist.', code: 'S3BucketNotFound', solutionRst: CREATE_BUCKET_RST },
  {
    message: 'The S3 bucket exports-bucket is not owned by the authenticated user.',
    code: 'S3BucketNotOwned',
    solutionRst: CREATE_BUCKET_RST,
  },
  {
    message: 'The authenticated user does not have sufficient permissions to perform the desired activity.',
    code: 'InsufficientPermissions',
    solutionRst: 'Contact your system administrator to get the needed permissions.',
  },
  {
    message: 'The S3 bucket exports-bucket already contains an object with key nightly-2026-11-25-0001.rdb.',
    code: 'S3ObjectAlreadyExists',
    solutionRst:
      'Give the ``TargetSnapshotName`` a new and unique value. If exporting a snapshot, you could alternatively create a new Amazon S3 bucket and use this same value for ``TargetSnapshotName`` .',
  },
  {
    message: 'ElastiCache has not been granted READ permissions exports-bucket on the S3 Bucket.',
    code: 'S3ReadPermissionMissing',
    solutionRst:
      'Add List and Read permissions on the bucket. For more information, see `Step 2\\: Grant ElastiCache Access to Your Amazon S3 Bucket <http://docs.aws.amazon.com/AmazonElastiCache/latest/UserGuide/Snapshots.Exporting.html#Snapshots.Exporting.GrantAccess>`_ in the ElastiCache User Guide.',
  },
  {
    message: 'ElastiCache has not been granted WRITE permissions exports-bucket on the S3 Bucket.',
    code: 'S3WritePermissionMissing',
    solutionRst:
      'Add Upload/Delete permissions on the bucket. For more information, see `Step 2\\: Grant ElastiCache Access to Your Amazon S3 Bucket <http://docs.aws.amazon.com/AmazonElastiCache/latest/UserGuide/Snapshots.Exporting.html#Snapshots.Exporting.GrantAccess>`_ in the ElastiCache User Guide.',
  },
  {
    message: 'ElastiCache has not been granted READ_ACP permissions exports-bucket on the S3 Bucket.',
    code: 'S3ReadAcpPermissionMissing',
    solutionRst:
      'Add View Permissions on the bucket. For more information, see `Step 2\\: Grant ElastiCache Access to Your Amazon S3 Bucket <http://docs.aws.amazon.com/AmazonElastiCache/latest/UserGuide/Snapshots.Exporting.html#Snapshots.Exporting.GrantAccess>`_ in the ElastiCache User Guide.',
  },
];

/** RST inline markup to plain text: `Title <url>`_ -> Title, ``x`` -> x, `\:` -> `:`. */
const stripRst = (text: string): string =>
  text
    .replace(/`([^`<]+?)\s*<[^>]+>`_/g, '$1')
    .replace(/``([^`]+)``/g, '$1')
    .replace(/\\(.)/g, '$1');

const linkOf = (text: string): string | undefined => /<(https?:\/\/[^>]+)>`_/.exec(text)?.[1];

/**
 * The three grant entries carry the seed Solution word for word and then one addition the facts file asks for:
 * ACLs are disabled on buckets with "Bucket owner enforced", the S3 default since April 2023.
 */
const GRANT_CODES = new Set(['S3ReadPermissionMissing', 'S3WritePermissionMissing', 'S3ReadAcpPermissionMissing']);

describe('the seed error messages', () => {
  it('strips RST markup the way the catalogue carries the text', () => {
    // Act
    const plain = stripRst(CREATE_BUCKET_RST);

    // Assert
    expect(plain).toBe(
      'Create an Amazon S3 bucket in the same region as your snapshot. For more information, see Step 1: Create an Amazon S3 Bucket in the ElastiCache User Guide.',
    );
  });

  it.each(SEED)('maps "$message" to $code', ({ message, code }) => {
    // Act
    const entry = catalogueEntryFor(failure('ExportRejectedError', message, { awsErrorCode: 'InvalidParameterValue' }));

    // Assert
    expect(entry.code).toBe(code);
  });

  it.each(SEED)('matches "$message" by exactly one message pattern', ({ message }) => {
    // Act
    const matching = CATALOGUE.filter((entry) => entry.messagePattern?.test(message)).map((entry) => entry.code);

    // Assert
    expect(matching).toHaveLength(1);
  });

  it.each(SEED.filter(({ code }) => !GRANT_CODES.has(code)))(
    'carries the seed Solution of $code word for word',
    ({ message, solutionRst }) => {
      // Act
      const { solution } = explainFailure(failure('ExportRejectedError', message));

      // Assert
      expect(solution).toBe(stripRst(solutionRst));
    },
  );

  it.each(SEED.filter(({ code }) => GRANT_CODES.has(code)))(
    'carries the seed Solution of $code word for word, then the note on disabled ACLs',
    ({ message, solutionRst }) => {
      // Arrange
      const seed = stripRst(solutionRst);

      // Act
      const { solution } = explainFailure(failure('ExportRejectedError', message));

      // Assert
      expect(solution.slice(0, seed.length)).toBe(seed);
      expect(solution.slice(seed.length)).toMatch(/^ If the bucket's Object Ownership is "Bucket owner enforced"/);
      expect(solution).toContain('<region>.elasticache-snapshot.amazonaws.com');
    },
  );

  it.each(SEED.filter(({ solutionRst }) => linkOf(solutionRst)))(
    'links $code to the page its seed Solution names',
    ({ message, solutionRst }) => {
      // Act
      const { docsUrl } = explainFailure(failure('ExportRejectedError', message));

      // Assert
      expect(docsUrl).toBe(linkOf(solutionRst)?.replace(/^http:/, 'https:'));
    },
  );

  it('recognises a seed message thrown by the adapter and decoded from the Lambda cause', () => {
    // Arrange
    const thrown = new ExportRejectedError('The S3 bucket exports-bucket does not exist.', {
      awsErrorCode: 'InvalidParameterValue',
      requestId: 'req-1',
    });
    const cause = JSON.stringify({ errorType: thrown.name, errorMessage: thrown.message, trace: [] });

    // Act
    const explained = explainFailure(decodeFailureCause(thrown.name, cause));

    // Assert
    expect(explained).toMatchObject({
      code: 'S3BucketNotFound',
      message: 'The S3 bucket exports-bucket does not exist.',
      awsErrorCode: 'InvalidParameterValue',
      requestId: 'req-1',
    });
  });
});

describe("the caller's own S3 access (ElastiCache User Guide, Exporting a backup)", () => {
  it('explains "unable to validate the authenticated user has access" with the permissions the caller needs', () => {
    // Act
    const explained = explainFailure(
      failure(
        'ExportRejectedError',
        'Elasticache was unable to validate the authenticated user has access on the S3 bucket.',
        { awsErrorCode: 'InvalidParameterValue' },
      ),
    );

    // Assert
    expect(explained.code).toBe('CallerS3AccessNotValidated');
    for (const action of ['s3:PutObject', 's3:GetObject', 's3:DeleteObject', 's3:ListBucket', 's3:GetBucketLocation']) {
      expect(explained.solution).toContain(action);
    }
    expect(explained.solution).toContain('s3:ListAllMyBuckets on *');
    expect(explained.solution).toContain('startExport');
  });
});

describe("CopySnapshot's modeled faults", () => {
  const MODELED: ReadonlyArray<{ sdkName: string; wireCode: string; code: string }> = [
    {
      sdkName: 'InvalidParameterCombinationException',
      wireCode: 'InvalidParameterCombination',
      code: 'InvalidParameterCombination',
    },
    { sdkName: 'InvalidParameterValueException', wireCode: 'InvalidParameterValue', code: 'InvalidParameterValue' },
    { sdkName: 'InvalidSnapshotStateFault', wireCode: 'InvalidSnapshotState', code: 'InvalidSnapshotState' },
    { sdkName: 'SnapshotAlreadyExistsFault', wireCode: 'SnapshotAlreadyExistsFault', code: 'SnapshotAlreadyExists' },
    { sdkName: 'SnapshotNotFoundFault', wireCode: 'SnapshotNotFoundFault', code: 'SnapshotNotFound' },
    { sdkName: 'SnapshotQuotaExceededFault', wireCode: 'SnapshotQuotaExceededFault', code: 'SnapshotQuotaExceeded' },
    {
      sdkName: 'TagQuotaPerResourceExceeded',
      wireCode: 'TagQuotaPerResourceExceeded',
      code: 'TagQuotaPerResourceExceeded',
    },
  ];

  it.each(MODELED)('maps the SDK name $sdkName to $code', ({ sdkName, code }) => {
    // Act
    const entry = catalogueEntryFor(failure('ExportRejectedError', 'rejected', { awsErrorCode: sdkName }));

    // Assert
    expect(entry.code).toBe(code);
  });

  it.each(MODELED)('maps the wire code $wireCode to $code', ({ wireCode, code }) => {
    // Act
    const entry = catalogueEntryFor(failure('ExportRejectedError', 'rejected', { awsErrorCode: wireCode }));

    // Assert
    expect(entry.code).toBe(code);
  });

  it.each([
    [
      new InvalidParameterCombinationException({ message: 'bad combination', $metadata: {} }),
      'InvalidParameterCombination',
    ],
    [new InvalidParameterValueException({ message: 'bad value', $metadata: {} }), 'InvalidParameterValue'],
    [new InvalidSnapshotStateFault({ message: 'busy', $metadata: {} }), 'InvalidSnapshotState'],
    [new SnapshotAlreadyExistsFault({ message: 'exists', $metadata: {} }), 'SnapshotAlreadyExists'],
    [new SnapshotNotFoundFault({ message: 'missing', $metadata: {} }), 'SnapshotNotFound'],
    [new SnapshotQuotaExceededFault({ message: 'quota', $metadata: {} }), 'SnapshotQuotaExceeded'],
    [new TagQuotaPerResourceExceeded({ message: 'tags', $metadata: {} }), 'TagQuotaPerResourceExceeded'],
  ])('explains a real %p from the SDK after the adapter mapped it', (sdkError, code) => {
    // Arrange
    const thrown = toAwsFailure(sdkError, 'CopySnapshot');

    // Act
    const explained = explainFailure(decodeFailureCause(thrown.name, thrown.message));

    // Assert
    expect(explained.code).toBe(code);
    expect(explained.message).toBe(sdkError.message);
  });
});

describe('a source cluster or replication group that does not exist', () => {
  it.each([
    [
      new CacheClusterNotFoundFault({ message: 'CacheCluster not found: typo-cluster', $metadata: {} }),
      'CacheClusterNotFound',
    ],
    [
      new ReplicationGroupNotFoundFault({ message: 'ReplicationGroup typo-group not found.', $metadata: {} }),
      'ReplicationGroupNotFoundFault',
    ],
  ])('explains a real %p from DescribeSnapshots as ClusterNotFound with its wire code', (sdkError, wireCode) => {
    // Arrange
    const thrown = toAwsFailure(sdkError, 'DescribeSnapshots');

    // Act
    const explained = explainFailure(decodeFailureCause(thrown.name, thrown.message));

    // Assert
    expect(explained).toMatchObject({ code: 'ClusterNotFound', message: sdkError.message, awsErrorCode: wireCode });
  });
});

describe('lookup order', () => {
  it('prefers the message text over every code', () => {
    // Act
    const entry = catalogueEntryFor(
      failure('ExportFailedError', 'The S3 bucket exports-bucket does not exist.', {
        code: 'ExportFailed',
        awsErrorCode: 'InvalidParameterValue',
      }),
    );

    // Assert
    expect(entry.code).toBe('S3BucketNotFound');
  });

  it('prefers our own code over the AWS code', () => {
    // Act
    const entry = catalogueEntryFor(
      failure('ExportRejectedError', 'Data tiering', {
        code: 'DataTieringNotSupported',
        awsErrorCode: 'InvalidParameterValue',
      }),
    );

    // Assert
    expect(entry.code).toBe('DataTieringNotSupported');
  });

  it('prefers a code over the error name', () => {
    // Act
    const entry = catalogueEntryFor(failure('ExportFailedError', 'nothing landed', { code: 'ExportNoObjects' }));

    // Assert
    expect(entry.code).toBe('ExportNoObjects');
  });

  it('falls back to the error name when no code is known', () => {
    // Act
    const entry = catalogueEntryFor(
      failure('AwsThrottledError', 'CopySnapshot was throttled: Rate exceeded', {
        awsErrorCode: 'APICallRateForCustomerExceeded',
      }),
    );

    // Assert
    expect(entry.code).toBe('Throttled');
  });

  it.each([
    ['ExportDeadlineError', new ExportDeadlineError('late').details, 'DeadlinePassed'],
    ['AwsUnavailableError', { awsErrorCode: 'InternalFailure' }, 'AwsUnavailable'],
    ['TargetBucketNotAllowedError', {}, 'TargetBucketNotAllowed'],
    ['InvalidRequestError', {}, 'InvalidRequest'],
    ['States.Timeout', {}, 'TaskTimedOut'],
    ['Sandbox.Timedout', {}, 'TaskTimedOut'],
    ['Lambda.Unknown', {}, 'FunctionFailed'],
    ['ExportRejectedError', { code: 'UnsupportedEngine' }, 'UnsupportedEngine'],
    ['ExportRejectedError', { code: 'NoAvailableSnapshot' }, 'NoAvailableSnapshot'],
    ['ExportFailedError', { code: 'ExportIncomplete' }, 'ExportIncomplete'],
    ['ExportFailedError', { code: 'ExportFailed' }, 'ExportFailed'],
    ['ExportRejectedError', { awsErrorCode: 'AccessDenied' }, 'AccessDenied'],
    ['ExportRejectedError', { awsErrorCode: 'InvalidKMSKeyFault' }, 'InvalidKMSKey'],
  ] as Array<[string, FailureDetails, string]>)('maps %s with %j to %s', (errorName, details, code) => {
    // Act
    const entry = catalogueEntryFor(failure(errorName, 'some message', details));

    // Assert
    expect(entry.code).toBe(code);
  });
});

describe('the Unknown fallback', () => {
  it('keeps the raw message, the AWS code and the request id', () => {
    // Act
    const explained = explainFailure(
      failure('ExportRejectedError', 'Something nobody has seen before.', {
        awsErrorCode: 'BrandNewFault',
        requestId: 'req-9',
      }),
    );

    // Assert
    expect(explained).toEqual({
      code: 'Unknown',
      message: 'Something nobody has seen before.',
      solution: UNKNOWN_ENTRY.solution,
      docsUrl: UNKNOWN_ENTRY.docsUrl,
      awsErrorCode: 'BrandNewFault',
      requestId: 'req-9',
    });
  });

  it('names the error when there is no message at all', () => {
    // Act
    const explained = explainFailure(failure('Lambda.SomethingNew', ''));

    // Assert
    expect(explained.code).toBe('Unknown');
    expect(explained.message).toBe('The export failed with Lambda.SomethingNew and no message.');
  });
});

describe('the catalogue itself', () => {
  it('has unique codes, a way to be selected, an https docs link and a solution in every entry', () => {
    // Act
    const codes = CATALOGUE.map((entry) => entry.code);

    // Assert
    expect(new Set(codes).size).toBe(codes.length);
    for (const entry of [...CATALOGUE, UNKNOWN_ENTRY]) {
      expect({ code: entry.code, docs: entry.docsUrl.startsWith('https://') }).toEqual({
        code: entry.code,
        docs: true,
      });
      expect(entry.solution.length).toBeGreaterThan(20);
    }
    for (const entry of CATALOGUE) expect(entry.messagePattern ?? entry.codes).toBeDefined();
  });

  it('selects each lookup key from one entry only', () => {
    // Act
    const keys = CATALOGUE.flatMap((entry) => entry.codes ?? []);

    // Assert
    expect(new Set(keys).size).toBe(keys.length);
  });
});
