import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeSnapshotsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import {
  AuthorizationErrorException,
  NotFoundException,
  PublishCommand,
  type PublishCommandInput,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import type { ExportState, FailureInput, Outcome, StepError } from '../../../handlers/lib/contracts';
import {
  AwsThrottledError,
  AwsUnavailableError,
  ExportDeadlineError,
  ExportFailedError,
  ExportRejectedError,
} from '../../../handlers/lib/errors';
import { PUBLISH_TIME_NEEDED_MS, publishOutcome } from '../../../handlers/lib/publishing';
import { handler } from '../../../handlers/publish-outcome';
import { exportState as buildExportState, pollState, STARTED_AT } from '../../support/builders';
import { rejectionOf } from '../../support/rejection';

const snsMock = mockClient(SNSClient);
const elastiCacheMock = mockClient(ElastiCacheClient);
const dynamoDbMock = mockClient(DynamoDBClient);

const DEFAULT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:elasticache-export-outcomes-test';
const CLUSTER_TOPIC = 'arn:aws:sns:us-east-1:123456789012:orders-cluster-events';
const NOW = new Date('2026-11-25T03:12:30.000Z');

const exportState = (overrides: Partial<ExportState> = {}): ExportState =>
  buildExportState({
    targetSnapshotName: 'nightly-2026-11-25',
    snapshot: {
      snapshotName: 'nightly',
      engine: 'redis',
      engineVersion: '7.1',
      replicationGroupId: 'orders',
      numNodeGroups: 2,
      topicArn: CLUSTER_TOPIC,
    },
    topicArn: CLUSTER_TOPIC,
    poll: pollState({ attempt: 9, elapsedSeconds: 700, waitSeconds: 0, status: 'exported' }),
    objects: [
      { key: 'nightly-2026-11-25-0001.rdb', size: 1024 },
      { key: 'nightly-2026-11-25-0002.rdb', size: 2048 },
    ],
    ...overrides,
  });

/** `$.error` as Step Functions puts it after a Lambda task threw: Cause is Lambda's JSON error document. */
const lambdaError = (error: Error): StepError => ({
  Error: error.name,
  Cause: JSON.stringify({ errorType: error.name, errorMessage: error.message, trace: [] }),
});

const failedAfterValidation = (error: StepError, overrides: Partial<ExportState> = {}): FailureInput => ({
  ...exportState({ poll: { attempt: 1, elapsedSeconds: 15, waitSeconds: 15, status: 'exporting', missingChecks: 0 } }),
  objects: [],
  ...overrides,
  error,
});

const deps = () => ({
  sns: new SNSClient({}),
  elastiCache: new ElastiCacheClient({}),
  notifications: { dynamoDb: new DynamoDBClient({}), table: 'notifications' },
  defaultTopicArn: DEFAULT_TOPIC,
  now: () => NOW,
});

const publishedInputs = (): PublishCommandInput[] =>
  snsMock.commandCalls(PublishCommand).map((call) => call.args[0].input);

const publishedMessage = (index = 0): Record<string, string> =>
  JSON.parse(publishedInputs()[index]?.Message ?? '{}') as Record<string, string>;

beforeEach(() => {
  snsMock.reset();
  elastiCacheMock.reset();
  dynamoDbMock.reset();
  dynamoDbMock.on(PutItemCommand).resolves({});
  dynamoDbMock.on(GetItemCommand).resolves({});
  snsMock.on(PublishCommand).resolves({ MessageId: 'message-1' });
});

describe('publishOutcome on success', () => {
  it('returns the outcome document with the objects, snapshot and duration', async () => {
    // Act
    const outcome = await publishOutcome(exportState(), deps());

    // Assert
    expect(outcome).toEqual({
      version: 1,
      exportId: 'nightly-2026-11-25-exports-bucket-0123456789ab',
      status: 'SUCCEEDED',
      sourceSnapshotName: 'nightly',
      targetSnapshotName: 'nightly-2026-11-25',
      targetBucket: 'exports-bucket',
      objects: [
        { key: 'nightly-2026-11-25-0001.rdb', size: 1024 },
        { key: 'nightly-2026-11-25-0002.rdb', size: 2048 },
      ],
      snapshot: { engine: 'redis', engineVersion: '7.1', replicationGroupId: 'orders', numNodeGroups: 2 },
      startedAt: STARTED_AT,
      finishedAt: '2026-11-25T03:12:30.000Z',
      durationSeconds: 750,
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

  it("publishes exactly one notification to the snapshot's topic carrying the outcome document", async () => {
    // Act
    const outcome = await publishOutcome(exportState(), deps());

    // Assert
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: CLUSTER_TOPIC,
      Subject: 'ElastiCache export SUCCEEDED: nightly-2026-11-25',
      MessageStructure: 'json',
    });
    const message = publishedMessage();
    expect(JSON.parse(message.sqs ?? '')).toEqual(outcome);
    expect(message.default).toContain('s3://exports-bucket/nightly-2026-11-25-0001.rdb');
  });

  it('publishes to the default topic when the snapshot has no topic of its own', async () => {
    // Arrange
    const state = exportState();
    const { topicArn: _dropped, ...snapshotWithoutTopic } = state.snapshot;

    // Act
    await publishOutcome({ ...state, snapshot: snapshotWithoutTopic, topicArn: DEFAULT_TOPIC }, deps());

    // Assert
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: DEFAULT_TOPIC });
  });

  it('never reports success for a state whose export was not verified', async () => {
    // Arrange
    const state = exportState({
      poll: { attempt: 2, elapsedSeconds: 30, waitSeconds: 15, status: 'settling', missingChecks: 1 },
    });

    // Act
    const outcome = await publishOutcome(state, deps());

    // Assert
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error?.message).toContain('before the export was verified');
  });
});

describe('publishOutcome on failure', () => {
  it('explains an ElastiCache rejection through the catalogue, keeping the AWS code and request id', async () => {
    // Arrange
    const rejected = new ExportRejectedError('The S3 bucket exports-bucket is outside of the region.', {
      awsErrorCode: 'InvalidParameterValue',
      requestId: 'req-123',
    });

    // Act
    const outcome = await publishOutcome(failedAfterValidation(lambdaError(rejected)), deps());

    // Assert
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toEqual({
      code: 'S3BucketOutsideRegion',
      message: 'The S3 bucket exports-bucket is outside of the region.',
      solution:
        'Create an Amazon S3 bucket in the same region as your snapshot. For more information, see Step 1: Create an Amazon S3 Bucket in the ElastiCache User Guide.',
      docsUrl:
        'https://docs.aws.amazon.com/AmazonElastiCache/latest/UserGuide/Snapshots.Exporting.html#Snapshots.Exporting.CreateBucket',
      awsErrorCode: 'InvalidParameterValue',
      requestId: 'req-123',
    });
  });

  it('publishes one failure notification with the error code attribute and the solution in the text', async () => {
    // Arrange
    const failed = new ExportFailedError('ElastiCache finished exporting snapshot nightly, but the bucket is empty.', {
      code: 'ExportNoObjects',
    });

    // Act
    await publishOutcome(failedAfterValidation(lambdaError(failed)), deps());

    // Assert
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = publishedInputs()[0];
    expect(input?.Subject).toBe('ElastiCache export FAILED: nightly-2026-11-25');
    expect(input?.MessageAttributes?.errorCode).toEqual({ DataType: 'String', StringValue: 'ExportNoObjects' });
    expect(input?.MessageAttributes?.status).toEqual({ DataType: 'String', StringValue: 'FAILED' });
    expect(publishedMessage().default).toContain('Solution: ElastiCache finished the export but wrote no .rdb object');
  });

  it('maps the polling cap, a plain-text cause, to DeadlinePassed', async () => {
    // Arrange
    const error: StepError = {
      Error: 'ExportDeadlineError',
      Cause: 'Polling stopped after 1000 checks without the export finishing.',
    };

    // Act
    const outcome = await publishOutcome(failedAfterValidation(error), deps());

    // Assert
    expect(outcome.error).toMatchObject({
      code: 'DeadlinePassed',
      message: 'Polling stopped after 1000 checks without the export finishing.',
    });
  });

  it('keeps the objects found in the bucket when the export ended incomplete', async () => {
    // Arrange
    const failed = new ExportFailedError('incomplete', { code: 'ExportIncomplete' });
    const input = failedAfterValidation(lambdaError(failed), {
      objects: [{ key: 'nightly-2026-11-25-0001.rdb', size: 1024 }],
    });

    // Act
    const outcome = await publishOutcome(input, deps());

    // Assert
    expect(outcome.error?.code).toBe('ExportIncomplete');
    expect(outcome.objects).toEqual([{ key: 'nightly-2026-11-25-0001.rdb', size: 1024 }]);
  });

  it('reports a verified export as the success it is when only its first announcement failed, saying so', async () => {
    // Arrange: PublishSuccess was throttled for good; PublishFailure gets the verified state and that error.
    const throttled = new AwsThrottledError('Publish was throttled: Rate exceeded', { awsErrorCode: 'Throttling' });
    const input: FailureInput = { ...exportState(), error: lambdaError(throttled) };

    // Act
    const outcome = await publishOutcome(input, deps());

    // Assert
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome).not.toHaveProperty('error');
    const [published] = snsMock.commandCalls(PublishCommand).map((call) => call.args[0].input);
    const text = (JSON.parse(published?.Message ?? '{}') as { default: string }).default;
    expect(text).toMatch(
      /^The export succeeded; the first attempt to send this notification failed \(AwsThrottledError: Publish was throttled/,
    );
  });

  it('sends nothing when the notification record says it was sent already', async () => {
    // Arrange
    dynamoDbMock.on(GetItemCommand).resolves({ Item: { id: { S: 'notification#x' }, messageId: { S: 'm-0' } } });

    // Act
    const outcome = await publishOutcome(exportState(), deps());

    // Assert
    expect(outcome.status).toBe('SUCCEEDED');
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });
});

describe('publishOutcome near the end of its invocation', () => {
  it('does not publish with too little time left, and fails retryably so the retry publishes once', async () => {
    // Arrange: the reads before the publish took the invocation's time (PUBLISH_TIME_NEEDED_MS is 3 s).
    const almostOver = { ...deps(), remainingMs: () => PUBLISH_TIME_NEEDED_MS - 1 };

    // Act
    const failure = await rejectionOf(publishOutcome(exportState(), almostOver));

    // Assert
    expect(failure).toBeInstanceOf(AwsUnavailableError);
    expect((failure as Error).message).toMatch(/^Only 2999 ms of this invocation were left/);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
    expect(dynamoDbMock.commandCalls(PutItemCommand)).toHaveLength(0);
  });

  it('publishes and records with the time a publish needs left', async () => {
    // Act
    await publishOutcome(exportState(), { ...deps(), remainingMs: () => PUBLISH_TIME_NEEDED_MS });

    // Assert
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
    expect(dynamoDbMock.commandCalls(PutItemCommand)).toHaveLength(1);
  });

  it('checks the time again before publishing the compact form', async () => {
    // Arrange: the first publish is refused as too long after a slow answer that used up the time.
    let remaining = PUBLISH_TIME_NEEDED_MS;
    snsMock.on(PublishCommand).callsFakeOnce(async () => {
      remaining = 10;
      throw Object.assign(new Error('Invalid parameter: Message too long'), {
        name: 'InvalidParameterException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400 },
      });
    });

    // Act
    const failure = await rejectionOf(publishOutcome(exportState(), { ...deps(), remainingMs: () => remaining }));

    // Assert
    expect(failure).toBeInstanceOf(AwsUnavailableError);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
  });
});

describe('publishOutcome when SNS refuses the message as too long', () => {
  it('publishes the compact form once instead of dropping the notification', async () => {
    // Arrange: SNS's answer to a message over 256 KiB (Publish, InvalidParameter).
    snsMock
      .on(PublishCommand)
      .rejectsOnce(
        Object.assign(new Error('Invalid parameter: Message too long'), {
          name: 'InvalidParameterException',
          $fault: 'client',
          $metadata: { httpStatusCode: 400 },
        }),
      )
      .resolves({ MessageId: 'message-2' });
    const failed = new ExportFailedError('ElastiCache finished exporting snapshot nightly, but the bucket is empty.', {
      code: 'ExportNoObjects',
    });

    // Act
    const objects = [{ key: 'nightly-2026-11-25-0001.rdb', size: 0 }];
    const outcome = await publishOutcome(failedAfterValidation(lambdaError(failed), { objects }), deps());

    // Assert
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 2);
    const [first, second] = publishedInputs();
    expect(second?.TopicArn).toBe(first?.TopicArn);
    expect((second?.Message ?? '').length).toBeLessThan((first?.Message ?? '').length);
    expect(outcome.error?.code).toBe('ExportNoObjects');
  });
});

describe('publishOutcome before ValidateExport finished', () => {
  const earlyFailure = (input: unknown, error: StepError): FailureInput => ({
    exportId: 'nightly-exports-bucket-0123456789ab',
    startedAt: STARTED_AT,
    input,
    error,
  });
  const notAllowed: StepError = {
    Error: 'TargetBucketNotAllowedError',
    Cause: JSON.stringify({
      errorType: 'TargetBucketNotAllowedError',
      errorMessage: 'Target bucket someone-elses-bucket is not on the allow-list (ALLOWED_TARGET_BUCKETS).',
      trace: [],
    }),
  };

  it('takes the names from the raw execution input and the ids from the context', async () => {
    // Arrange
    elastiCacheMock.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
    const input = earlyFailure(
      { sourceSnapshotName: 'nightly', targetSnapshotName: 'nightly-copy', targetBucket: 'someone-elses-bucket' },
      notAllowed,
    );

    // Act
    const outcome = await publishOutcome(input, deps());

    // Assert
    expect(outcome).toMatchObject({
      exportId: 'nightly-exports-bucket-0123456789ab',
      status: 'FAILED',
      sourceSnapshotName: 'nightly',
      targetSnapshotName: 'nightly-copy',
      targetBucket: 'someone-elses-bucket',
      objects: [],
      startedAt: STARTED_AT,
      durationSeconds: 750,
      error: { code: 'TargetBucketNotAllowed' },
    });
    expect(outcome.snapshot).toBeUndefined();
  });

  it("looks up the named snapshot's topic and notifies it", async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeSnapshotsCommand, { SnapshotName: 'nightly' })
      .resolves({ Snapshots: [{ SnapshotName: 'nightly', SnapshotStatus: 'available', TopicArn: CLUSTER_TOPIC }] });

    // Act
    await publishOutcome(earlyFailure({ sourceSnapshotName: 'nightly', targetBucket: 'x-bucket' }, notAllowed), deps());

    // Assert
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: CLUSTER_TOPIC });
  });

  it("looks up the topic of a replication group's snapshots when the request names the group", async () => {
    // Arrange
    elastiCacheMock.on(DescribeSnapshotsCommand, { ReplicationGroupId: 'orders' }).resolves({
      Snapshots: [
        { SnapshotName: 'creating-one', SnapshotStatus: 'creating' },
        { SnapshotName: 'nightly', SnapshotStatus: 'available', TopicArn: CLUSTER_TOPIC },
      ],
    });

    // Act
    await publishOutcome(earlyFailure({ replicationGroupId: 'orders', targetBucket: 'x-bucket' }, notAllowed), deps());

    // Assert
    expect(elastiCacheMock).toHaveReceivedCommandWith(DescribeSnapshotsCommand, { ReplicationGroupId: 'orders' });
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: CLUSTER_TOPIC });
  });

  it('does not send a malformed cluster id to ElastiCache', async () => {
    // Act
    await publishOutcome(earlyFailure({ cacheClusterId: '--not-an-id' }, notAllowed), deps());

    // Assert
    expect(elastiCacheMock).not.toHaveReceivedCommand(DescribeSnapshotsCommand);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: DEFAULT_TOPIC });
  });

  it('falls back to the default topic when the snapshot lookup fails', async () => {
    // Arrange
    elastiCacheMock
      .on(DescribeSnapshotsCommand)
      .rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $metadata: { httpStatusCode: 400 } }));

    // Act
    await publishOutcome(earlyFailure({ sourceSnapshotName: 'nightly' }, notAllowed), deps());

    // Assert
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: DEFAULT_TOPIC });
  });

  it('ignores input that is not an object with string fields and does not look anything up', async () => {
    // Arrange
    const invalid: StepError = { Error: 'InvalidRequestError', Cause: 'Invalid export request: $: expected object' };

    // Act
    const fromString = await publishOutcome(earlyFailure('nightly', invalid), deps());
    const fromNumbers = await publishOutcome(
      earlyFailure({ sourceSnapshotName: 42, targetBucket: ['b'] }, invalid),
      deps(),
    );

    // Assert
    for (const outcome of [fromString, fromNumbers]) {
      expect(outcome.sourceSnapshotName).toBeUndefined();
      expect(outcome.targetBucket).toBeUndefined();
      expect(outcome.error?.code).toBe('InvalidRequest');
    }
    expect(elastiCacheMock).not.toHaveReceivedCommand(DescribeSnapshotsCommand);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: DEFAULT_TOPIC });
  });

  it('does not send a malformed snapshot name to ElastiCache', async () => {
    // Act
    await publishOutcome(earlyFailure({ sourceSnapshotName: 'bad name/with slash' }, notAllowed), deps());

    // Assert
    expect(elastiCacheMock).not.toHaveReceivedCommand(DescribeSnapshotsCommand);
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: DEFAULT_TOPIC });
  });
});

describe('publishOutcome when the topic misbehaves', () => {
  it("falls back to the default topic when the snapshot's topic was deleted, and says so", async () => {
    // Arrange
    snsMock
      .on(PublishCommand, { TopicArn: CLUSTER_TOPIC })
      .rejects(new NotFoundException({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } }));

    // Act
    const outcome = await publishOutcome(exportState(), deps());

    // Assert
    expect(outcome.status).toBe('SUCCEEDED');
    expect(publishedInputs().map((input) => input.TopicArn)).toEqual([CLUSTER_TOPIC, DEFAULT_TOPIC]);
    expect(publishedMessage(1).default).toMatch(
      /^This notification went to this service's default topic because publishing to the snapshot's topic arn:aws:sns:us-east-1:123456789012:orders-cluster-events failed: Topic does not exist/,
    );
  });

  it('falls back to the default topic when the service may not publish to the snapshot topic', async () => {
    // Arrange
    snsMock
      .on(PublishCommand, { TopicArn: CLUSTER_TOPIC })
      .rejects(new AuthorizationErrorException({ message: 'not authorized', $metadata: { httpStatusCode: 403 } }));

    // Act
    await publishOutcome(exportState(), deps());

    // Assert
    expect(publishedInputs().map((input) => input.TopicArn)).toEqual([CLUSTER_TOPIC, DEFAULT_TOPIC]);
  });

  it('lets throttling propagate after a single publish so the state machine retries', async () => {
    // Arrange
    snsMock
      .on(PublishCommand)
      .rejects(new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }));

    // Act
    const error = await rejectionOf(publishOutcome(exportState(), deps()));

    // Assert
    expect(error).toBeInstanceOf(AwsThrottledError);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('lets a refusal of the default topic itself propagate', async () => {
    // Arrange
    snsMock
      .on(PublishCommand)
      .rejects(new NotFoundException({ message: 'Topic does not exist', $metadata: { httpStatusCode: 404 } }));
    const state = exportState({ topicArn: DEFAULT_TOPIC });
    const { topicArn: _dropped, ...snapshotWithoutTopic } = state.snapshot;

    // Act
    const error = await rejectionOf(publishOutcome({ ...state, snapshot: snapshotWithoutTopic }, deps()));

    // Assert
    expect(error).toBeInstanceOf(ExportRejectedError);
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });
});

describe('handler', () => {
  it("does not publish once its invocation's remaining time is under what a publish needs", async () => {
    // Arrange
    const deadline = new ExportDeadlineError('did not finish by its deadline');
    const input: FailureInput = { exportId: 'e-1', startedAt: STARTED_AT, input: {}, error: lambdaError(deadline) };
    // Above middy's 5 ms early timeout, below the publish's need.
    const context = { getRemainingTimeInMillis: () => 2000 } as unknown as Context;

    // Act
    const failure = await rejectionOf(handler(input, context));

    // Assert
    expect(failure).toBeInstanceOf(AwsUnavailableError);
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(0);
  });

  it('publishes with the module clients and the DEFAULT_TOPIC_ARN setting', async () => {
    // Arrange
    const deadline = new ExportDeadlineError('did not finish by its deadline');
    const input: FailureInput = { exportId: 'e-1', startedAt: STARTED_AT, input: {}, error: lambdaError(deadline) };

    // Act
    const outcome: Outcome = await handler(input, {} as Context);

    // Assert
    expect(outcome.error?.code).toBe('DeadlinePassed');
    expect(snsMock).toHaveReceivedCommandWith(PublishCommand, { TopicArn: DEFAULT_TOPIC });
  });
});
