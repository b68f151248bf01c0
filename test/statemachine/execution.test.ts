// The real state machine definition executed with the real handlers against an in-memory AWS: one test per path.
// Every path must end in exactly one notification, and the execution status must match the outcome.
import { ElastiCacheServiceException, InvalidParameterValueException } from '@aws-sdk/client-elasticache';
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { checkExport } from '../../handlers/check-export';
import { MAX_CHECKS } from '../../handlers/lib/backoff';
import { elastiCache } from '../../handlers/lib/clients/elasticache';
import { s3 } from '../../handlers/lib/clients/s3';
import type { ExportState, Outcome } from '../../handlers/lib/contracts';
import { LambdaFunctionError, lambdaInvokeTask } from '../../local/lambda';
import { FakeAws, snapshot } from './fake-aws';
import { HANDLERS, runExportStateMachine } from './run-asl';

const DEFAULT_TOPIC = process.env.DEFAULT_TOPIC_ARN ?? '';
const SNAPSHOT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:orders-events';
const BUCKET = 'exports-bucket';

const aws = new FakeAws();

beforeEach(() => {
  aws.reset();
  aws.addSnapshot(snapshot());
  aws.addBucket(BUCKET);
});

const request = (overrides: Record<string, unknown> = {}) => ({
  sourceSnapshotName: 'nightly',
  targetSnapshotName: 'Nightly-Export',
  targetBucket: BUCKET,
  ...overrides,
});

const onlyNotification = (): { input: PublishCommandInput; outcome: Outcome; text: string } => {
  expect(aws.published).toHaveLength(1);
  const [input] = aws.published;
  if (!input) throw new Error('no notification');
  const message = JSON.parse(input.Message ?? '{}') as Record<string, string>;
  return { input, outcome: JSON.parse(message.sqs ?? '{}') as Outcome, text: message.default ?? '' };
};

const throttling = (): ElastiCacheServiceException =>
  new ElastiCacheServiceException({
    name: 'APICallRateForCustomerExceeded',
    $fault: 'client',
    $metadata: { httpStatusCode: 400, requestId: 'req-throttle' },
    message: 'Rate exceeded',
  });

describe('export state machine: success', () => {
  it('exports a two-shard snapshot, notifies the snapshot topic once and succeeds with the outcome', async () => {
    // Act
    const run = await runExportStateMachine(request(), { executionName: 'nightly-export-abc' });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    const outcome = run.output as Outcome;
    expect(outcome).toMatchObject({
      version: 1,
      exportId: 'nightly-export-abc',
      status: 'SUCCEEDED',
      sourceSnapshotName: 'nightly',
      targetSnapshotName: 'Nightly-Export',
      targetBucket: BUCKET,
      objects: [
        { key: 'nightly-export-0001.rdb', size: 1024 },
        { key: 'nightly-export-0002.rdb', size: 2048 },
      ],
      snapshot: { engine: 'redis', engineVersion: '7.1', replicationGroupId: 'orders', numNodeGroups: 2 },
    });
    const { input, outcome: notified, text } = onlyNotification();
    expect(input.TopicArn).toBe(SNAPSHOT_TOPIC);
    expect(input.MessageStructure).toBe('json');
    expect(input.Subject).toMatch(/^ElastiCache export SUCCEEDED/);
    expect(input.MessageAttributes?.status?.StringValue).toBe('SUCCEEDED');
    expect(input.MessageAttributes?.errorCode).toBeUndefined();
    expect(notified).toEqual(outcome);
    expect(text).toContain('nightly-export-0002.rdb');
    expect(run.visits.CheckExport).toBe(3);
  });

  it('exports the newest available snapshot of a replication group', async () => {
    // Arrange
    aws.addSnapshot(
      snapshot({
        SnapshotName: 'older',
        NodeSnapshots: [{ NodeGroupId: '0001', SnapshotCreateTime: new Date('2026-11-20T03:00:00Z') }],
      }),
    );
    aws.addSnapshot(snapshot({ SnapshotName: 'newest-but-creating', SnapshotStatus: 'creating', NodeSnapshots: [] }));

    // Act
    const run = await runExportStateMachine({
      replicationGroupId: 'orders',
      targetSnapshotName: 'rg-export',
      targetBucket: BUCKET,
    });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({ sourceSnapshotName: 'nightly', status: 'SUCCEEDED' });
    onlyNotification();
  });

  it("exports a serverless cache's newest snapshot through the same states, named after the snapshot", async () => {
    // Arrange
    const cache = { ServerlessCacheName: 'sessions', Engine: 'valkey', MajorEngineVersion: '8' };
    aws.addServerlessSnapshot({
      ServerlessCacheSnapshotName: 'sessions-older',
      Status: 'available',
      CreateTime: new Date('2026-11-20T03:00:00Z'),
      ServerlessCacheConfiguration: cache,
    });
    aws.addServerlessSnapshot({
      ServerlessCacheSnapshotName: 'sessions-nightly',
      Status: 'available',
      CreateTime: new Date('2026-11-25T03:00:00Z'),
      ServerlessCacheConfiguration: cache,
    });

    // Act
    const run = await runExportStateMachine({ serverlessCacheName: 'sessions', targetBucket: BUCKET });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(run.output).toMatchObject({
      status: 'SUCCEEDED',
      sourceSnapshotName: 'sessions-nightly',
      targetSnapshotName: 'sessions-nightly',
      objects: [{ key: 'sessions-nightly-0001.rdb', size: 1024 }],
      snapshot: { engine: 'valkey', engineVersion: '8', serverlessCacheName: 'sessions', numNodeGroups: 1 },
    });
    expect(aws.copyCalls).toEqual(['sessions-nightly']);
    expect(run.visits.CheckExport).toBe(3);
    const { input } = onlyNotification();
    expect(input.TopicArn).toBe(DEFAULT_TOPIC);
  });

  it('retries a throttled CopySnapshot with backoff and then succeeds', async () => {
    // Arrange
    aws.copyFailures = [throttling(), throttling()];

    // Act
    const run = await runExportStateMachine(request());

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(aws.copyCalls).toHaveLength(3);
    expect(run.events.filter((event) => event.type === 'StateRetried')).toHaveLength(2);
    expect(onlyNotification().outcome.status).toBe('SUCCEEDED');
  });

  it('retries a transient Lambda service error and then succeeds', async () => {
    // Arrange
    let calls = 0;
    const realValidate = lambdaInvokeTask(HANDLERS.validateExport as never, 'validateExport');
    const flaky = async (input: { FunctionName: string; Payload: unknown }) => {
      calls += 1;
      if (calls === 1) throw new LambdaFunctionError('Lambda.ServiceException', 'Service unavailable', []);
      return realValidate(input);
    };

    // Act
    const run = await runExportStateMachine(request(), { taskOverrides: { ValidateExport: flaky } });

    // Assert
    expect(run.status).toBe('SUCCEEDED');
    expect(calls).toBe(2);
    onlyNotification();
  });
});

// The eight error messages of the CopySnapshot reference, as ElastiCache returns them, with their Solutions.
const SEED_ERRORS: Array<{ message: string; code: string; solution: string }> = [
  {
    message: `The S3 bucket ${BUCKET} is outside of the region.`,
    code: 'S3BucketOutsideRegion',
    solution: 'Create an Amazon S3 bucket in the same region as your snapshot.',
  },
  {
    message: `The S3 bucket ${BUCKET} does not exist.`,
    code: 'S3BucketNotFound',
    solution: 'Create an Amazon S3 bucket in the same region as your snapshot.',
  },
  {
    message: `The S3 bucket ${BUCKET} is not owned by the authenticated user.`,
    code: 'S3BucketNotOwned',
    solution: 'Create an Amazon S3 bucket in the same region as your snapshot.',
  },
  {
    message: 'The authenticated user does not have sufficient permissions to perform the desired activity.',
    code: 'InsufficientPermissions',
    solution: 'Contact your system administrator to get the needed permissions.',
  },
  {
    message: `The S3 bucket ${BUCKET} already contains an object with key nightly-export-0001.rdb.`,
    code: 'S3ObjectAlreadyExists',
    solution: 'Give the TargetSnapshotName a new and unique value.',
  },
  {
    message: `ElastiCache has not been granted READ permissions ${BUCKET} on the S3 Bucket.`,
    code: 'S3ReadPermissionMissing',
    solution: 'Add List and Read permissions on the bucket.',
  },
  {
    message: `ElastiCache has not been granted WRITE permissions ${BUCKET} on the S3 Bucket.`,
    code: 'S3WritePermissionMissing',
    solution: 'Add Upload/Delete permissions on the bucket.',
  },
  {
    message: `ElastiCache has not been granted READ_ACP permissions ${BUCKET} on the S3 Bucket.`,
    code: 'S3ReadAcpPermissionMissing',
    solution: 'Add View Permissions on the bucket.',
  },
];

const expectFailureNotified = (run: Awaited<ReturnType<typeof runExportStateMachine>>, code: string) => {
  expect(run.status).toBe('FAILED');
  expect(run.error).toBe(code);
  const { input, outcome, text } = onlyNotification();
  expect(outcome.status).toBe('FAILED');
  expect(outcome.error?.code).toBe(code);
  expect(run.cause).toBe(outcome.error?.message);
  const published = run.events.find((event) => event.type === 'StateExited' && event.state?.name === 'PublishFailure');
  expect(published?.state?.output).toEqual(outcome);
  expect(input.Subject).toMatch(/^ElastiCache export FAILED/);
  expect(input.MessageAttributes?.errorCode?.StringValue).toBe(code);
  return { input, outcome, text };
};

describe('export state machine: each seed error message reaches the notification with its Solution', () => {
  it.each(SEED_ERRORS)('when CopySnapshot answers "$message"', async ({ message, code, solution }) => {
    // Arrange
    aws.copyFailures = [new InvalidParameterValueException({ message, $metadata: { requestId: 'req-seed' } })];

    // Act
    const run = await runExportStateMachine(request());

    // Assert
    const { outcome, text } = expectFailureNotified(run, code);
    expect(outcome.error).toMatchObject({ message, awsErrorCode: 'InvalidParameterValue', requestId: 'req-seed' });
    expect(outcome.error?.solution).toContain(solution);
    expect(text).toContain(message);
    expect(text).toContain(solution);
  });
});

describe('export state machine: ValidateExport stops bad exports before CopySnapshot', () => {
  const staged: Array<[string, () => void]> = [
    ['S3BucketNotFound', () => aws.buckets.delete(BUCKET)],
    ['S3BucketNotOwned', () => aws.addBucket(BUCKET, { ownedByUs: false })],
    ['S3BucketOutsideRegion', () => aws.addBucket(BUCKET, { region: 'eu-west-1' })],
    ['S3ReadPermissionMissing', () => aws.addBucket(BUCKET, { grants: [] })],
    [
      'S3WritePermissionMissing',
      () => {
        const bucket = aws.addBucket(BUCKET);
        bucket.grants = bucket.grants.filter((grant) => grant.Permission !== 'WRITE');
      },
    ],
    [
      'S3ReadAcpPermissionMissing',
      () => {
        const bucket = aws.addBucket(BUCKET);
        bucket.grants = bucket.grants.filter((grant) => grant.Permission !== 'READ_ACP');
      },
    ],
    ['S3ObjectAlreadyExists', () => aws.buckets.get(BUCKET)?.objects.set('nightly-export-0001.rdb', 10)],
  ];

  it.each(staged)('fails with %s and notifies its solution', async (code, stage) => {
    // Arrange
    stage();

    // Act
    const run = await runExportStateMachine(request());

    // Assert
    const { input, outcome, text } = expectFailureNotified(run, code);
    expect(aws.copyCalls).toHaveLength(0);
    expect(text).toContain(outcome.error?.solution ?? 'no solution');
    // The snapshot was found before the bucket check failed, so its own topic is told.
    expect(input.TopicArn).toBe(SNAPSHOT_TOPIC);
  });

  it('fails with SnapshotNotFound on the default topic when the source snapshot does not exist', async () => {
    // Act
    const run = await runExportStateMachine(request({ sourceSnapshotName: 'missing' }));

    // Assert
    const { input, outcome } = expectFailureNotified(run, 'SnapshotNotFound');
    expect(input.TopicArn).toBe(DEFAULT_TOPIC);
    expect(outcome.error?.message).toContain('missing');
  });

  it('fails with InvalidRequest when a scheduled input does not match the schema', async () => {
    // Act
    const run = await runExportStateMachine({ replicationGroupId: 'orders', targetBucket: BUCKET, extra: true });

    // Assert
    const { input, outcome } = expectFailureNotified(run, 'InvalidRequest');
    // The input still names a replication group, so its snapshots' topic hears about the broken schedule.
    expect(input.TopicArn).toBe(SNAPSHOT_TOPIC);
    expect(outcome.error?.message).toContain('extra');
  });

  it('fails with TargetBucketNotAllowed when a scheduled input names a bucket off the allow-list', async () => {
    // Act
    const run = await runExportStateMachine(request({ targetBucket: 'not-allowed-bucket' }));

    // Assert
    expectFailureNotified(run, 'TargetBucketNotAllowed');
    expect(aws.copyCalls).toHaveLength(0);
  });

  it('fails with DataTieringNotSupported for a data-tiering snapshot', async () => {
    // Arrange
    aws.addSnapshot(snapshot({ DataTiering: 'enabled' }));

    // Act
    const run = await runExportStateMachine(request());

    // Assert
    expectFailureNotified(run, 'DataTieringNotSupported');
  });
});

describe('export state machine: exports that do not land', () => {
  it('fails with ExportNoObjects when the source is available again but the bucket is empty', async () => {
    // Arrange
    aws.exportPlan = { checksUntilDone: 1, result: 'none' };

    // Act
    const run = await runExportStateMachine(request());

    // Assert
    const { text } = expectFailureNotified(run, 'ExportNoObjects');
    expect(text).not.toMatch(/SUCCEEDED/);
  });

  it('fails with ExportIncomplete when fewer objects than shards landed', async () => {
    // Arrange
    aws.exportPlan = { checksUntilDone: 1, result: 'partial' };

    // Act
    const run = await runExportStateMachine(request());

    // Assert
    expectFailureNotified(run, 'ExportIncomplete');
  });

  it('fails with ExportFailed when the source snapshot ends up failed', async () => {
    // Arrange
    aws.exportPlan = { checksUntilDone: 1, result: 'failed' };

    // Act
    const run = await runExportStateMachine(request());

    // Assert
    expectFailureNotified(run, 'ExportFailed');
  });

  it('fails with Throttled when AWS keeps throttling after every retry', async () => {
    // Arrange
    aws.copyFailures = Array.from({ length: 20 }, throttling);

    // Act
    const run = await runExportStateMachine(request());

    // Assert
    const { outcome } = expectFailureNotified(run, 'Throttled');
    expect(aws.copyCalls).toHaveLength(7);
    expect(outcome.error).toMatchObject({ awsErrorCode: 'APICallRateForCustomerExceeded', requestId: 'req-throttle' });
  });

  it('fails with DeadlinePassed when the export outlives its deadline', async () => {
    // Arrange: CheckExport runs with a clock a day ahead.
    aws.exportPlan = { checksUntilDone: 100, result: 'objects' };
    const tomorrow = () => new Date(Date.now() + 24 * 3600 * 1000);
    const lateCheck = lambdaInvokeTask(
      ((state: ExportState) => checkExport(state, { elastiCache, s3, now: tomorrow })) as never,
      'checkExport',
    );

    // Act
    const run = await runExportStateMachine(request(), { taskOverrides: { CheckExport: lateCheck } });

    // Assert
    expectFailureNotified(run, 'DeadlinePassed');
    expect(run.visits.CheckExport).toBe(1);
  });

  it('stops polling at the attempt cap and reports the deadline as passed', async () => {
    // Arrange: an export that never ends.
    aws.exportPlan = { checksUntilDone: Number.POSITIVE_INFINITY, result: 'objects' };

    // Act
    const run = await runExportStateMachine(request());

    // Assert
    expectFailureNotified(run, 'DeadlinePassed');
    expect(run.visits.CheckExport).toBe(MAX_CHECKS);
    expect(run.visits.StopPolling).toBe(1);
  });

  it('ends in one failure notification when a step crashes', async () => {
    // Arrange
    const crash = async () => {
      throw new LambdaFunctionError(
        'Runtime.ExitError',
        'RequestId: 1 Error: Runtime exited with error: signal: killed',
        [],
      );
    };

    // Act
    const run = await runExportStateMachine(request(), { taskOverrides: { StartExport: crash } });

    // Assert
    const { outcome } = expectFailureNotified(run, 'Unknown');
    expect(outcome.error?.message).toContain('Runtime exited with error');
  });

  it('sends nothing twice when PublishSuccess published and then crashed: PublishFailure finds the record', async () => {
    // Arrange: the real publishOutcome runs (and records the notification), then the invocation is lost.
    const publishThenCrash = async (input: { FunctionName: string; Payload: unknown }) => {
      await lambdaInvokeTask(HANDLERS.publishOutcome as never, 'publishOutcome')(input);
      throw new LambdaFunctionError('Runtime.ExitError', 'Runtime exited with error: signal: killed', []);
    };

    // Act
    const run = await runExportStateMachine(request(), { taskOverrides: { PublishSuccess: publishThenCrash } });

    // Assert: one message, the success; the execution ends as the record and PublishFailure's outcome say.
    const { outcome } = onlyNotification();
    expect(outcome.status).toBe('SUCCEEDED');
    expect(run.status).toBe('SUCCEEDED');
  });

  it("announces a verified export's success through PublishFailure when PublishSuccess could not, and succeeds", async () => {
    // Arrange: PublishSuccess's invocation fails before it publishes.
    const lost = async () => {
      throw new LambdaFunctionError('Runtime.ExitError', 'Runtime exited with error: signal: killed', []);
    };

    // Act
    const run = await runExportStateMachine(request(), { taskOverrides: { PublishSuccess: lost } });

    // Assert
    const { outcome, text } = onlyNotification();
    expect(run.status).toBe('SUCCEEDED');
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', objects: expect.arrayContaining([expect.anything()]) });
    expect(outcome).not.toHaveProperty('error');
    expect(text).toMatch(
      /^The export succeeded; the first attempt to send this notification failed \(Runtime\.ExitError/,
    );
  });

  it('ends in one failure notification when a handler throws an unexpected error', async () => {
    // Arrange
    aws.elastiCacheMock.rejects(new TypeError('Cannot read properties of undefined'));

    // Act
    const run = await runExportStateMachine(request());

    // Assert
    expect(run.status).toBe('FAILED');
    expect(aws.published).toHaveLength(1);
    expect(aws.published[0]?.TopicArn).toBe(DEFAULT_TOPIC);
  });
});
