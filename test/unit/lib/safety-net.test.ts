import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { reportIfUnnotified, type SafetyNetDeps, type StatusChangeEvent } from '../../../handlers/lib/safety-net';

const sfnMock = mockClient(SFNClient);
const snsMock = mockClient(SNSClient);
const dynamoDbMock = mockClient(DynamoDBClient);
mockClient(ElastiCacheClient);

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-test';
const EXECUTION_ARN = 'arn:aws:states:us-east-1:123456789012:execution:exportSnapshot-test:e-1';
const DEFAULT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:elasticache-export-outcomes-test';
const STOPPED = new Date('2026-11-25T03:10:00.000Z');

const deps = (): SafetyNetDeps => ({
  sfn: new SFNClient({}),
  sns: new SNSClient({}),
  elastiCache: new ElastiCacheClient({}),
  defaultTopicArn: DEFAULT_TOPIC,
  stateMachineArn: STATE_MACHINE_ARN,
  notifications: { dynamoDb: new DynamoDBClient({}), table: 'notifications' },
});

const statusChange = (status: string, stateMachineArn = STATE_MACHINE_ARN): StatusChangeEvent => ({
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: { executionArn: EXECUTION_ARN, stateMachineArn, name: 'e-1', status },
});

const closed = (status: 'FAILED' | 'ABORTED' | 'TIMED_OUT', events: Array<Record<string, unknown>>) => {
  sfnMock.on(DescribeExecutionCommand).resolves({
    executionArn: EXECUTION_ARN,
    stateMachineArn: STATE_MACHINE_ARN,
    name: 'e-1',
    status,
    startDate: new Date('2026-11-25T03:00:00.000Z'),
    stopDate: STOPPED,
    input: JSON.stringify({ sourceSnapshotName: 'nightly', targetBucket: 'exports-bucket' }),
    error: status === 'ABORTED' ? 'ExportCancelled' : 'States.Runtime',
    cause: 'stopped',
  });
  sfnMock.on(GetExecutionHistoryCommand).resolves({ events: events as never });
};

beforeEach(() => {
  sfnMock.reset();
  snsMock.reset();
  dynamoDbMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  dynamoDbMock.on(PutItemCommand).resolves({});
  dynamoDbMock.on(GetItemCommand).resolves({});
});

/** A history whose PublishSuccess task was scheduled at `since` and had no result when the execution ended. */
const publishingWhenStopped = (since: Date) => [
  {
    id: 30,
    type: 'TaskStateEntered',
    stateEnteredEventDetails: {
      name: 'PublishSuccess',
      input: JSON.stringify({
        exportId: 'e-1',
        startedAt: '2026-11-25T03:00:00.000Z',
        input: {},
        poll: { status: 'exported' },
        objects: [],
      }),
    },
  },
  { id: 31, type: 'TaskScheduled', timestamp: since },
  { id: 32, type: 'TaskStarted', timestamp: since },
  { id: 33, type: 'ExecutionAborted', timestamp: STOPPED },
];

describe('reportIfUnnotified', () => {
  it.each([
    ['another state machine', statusChange('FAILED', `${STATE_MACHINE_ARN}-other`)],
    ['a SUCCEEDED execution', statusChange('SUCCEEDED')],
    ['a RUNNING execution', statusChange('RUNNING')],
  ])('ignores %s without reading anything', async (_what, event) => {
    // Act
    const result = await reportIfUnnotified(event, deps());

    // Assert
    expect(result.action).toBe('ignored');
    expect(sfnMock.calls()).toHaveLength(0);
    expect(snsMock.calls()).toHaveLength(0);
  });

  it('sends nothing when a publishing task of the execution succeeded', async () => {
    // Arrange
    closed('FAILED', [
      { id: 20, type: 'TaskStateEntered', stateEnteredEventDetails: { name: 'PublishFailure', input: '{}' } },
      { id: 21, type: 'TaskSucceeded' },
    ]);

    // Act
    const result = await reportIfUnnotified(statusChange('FAILED'), deps());

    // Assert
    expect(result).toEqual({ action: 'none', executionArn: EXECUTION_ARN, notifiedBy: 'PublishFailure' });
    expect(snsMock.calls()).toHaveLength(0);
  });

  it('publishes one failure notification, timed at the stop, when none was sent', async () => {
    // Arrange
    closed('ABORTED', [{ id: 1, type: 'ExecutionStarted' }]);

    // Act
    const result = await reportIfUnnotified(statusChange('ABORTED'), deps());

    // Assert
    expect(result).toEqual({
      action: 'published',
      executionArn: EXECUTION_ARN,
      exportId: 'e-1',
      outcome: 'FAILED',
      errorCode: 'ExportCancelled',
    });
    const published = snsMock.commandCalls(PublishCommand).map((call) => call.args[0].input);
    expect(published).toHaveLength(1);
    expect(published[0]?.TopicArn).toBe(DEFAULT_TOPIC);
    const document = JSON.parse(JSON.parse(published[0]?.Message ?? '{}').sqs);
    expect(document).toMatchObject({
      status: 'FAILED',
      finishedAt: STOPPED.toISOString(),
      error: { code: 'ExportCancelled' },
    });
  });

  it('trusts the notification record of a publishing task that was still running when the execution ended', async () => {
    // Arrange: the record appears on the second look.
    closed('ABORTED', publishingWhenStopped(STOPPED));
    dynamoDbMock
      .on(GetItemCommand)
      .resolvesOnce({})
      .resolves({ Item: { id: { S: 'notification#e-1' }, messageId: { S: 'm-0' }, topicArn: { S: DEFAULT_TOPIC } } });
    const slept: number[] = [];

    // Act
    const result = await reportIfUnnotified(statusChange('ABORTED'), {
      ...deps(),
      now: () => STOPPED,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });

    // Assert
    expect(result).toEqual({
      action: 'none',
      executionArn: EXECUTION_ARN,
      notifiedBy: 'PublishSuccess (its notification record)',
    });
    expect(slept).toEqual([1000]);
    expect(snsMock.calls()).toHaveLength(0);
  });

  it('publishes once the in-flight task cannot be running any more and left no record', async () => {
    // Arrange: the task was scheduled 40 s before now, past its 30 s limit and the margin.
    closed('ABORTED', publishingWhenStopped(new Date(STOPPED.getTime() - 40_000)));

    // Act
    const result = await reportIfUnnotified(statusChange('ABORTED'), {
      ...deps(),
      now: () => STOPPED,
      sleep: async () => {
        throw new Error('must not wait');
      },
    });

    // Assert: the verified export is reported as the success it was.
    expect(result).toMatchObject({ action: 'published', outcome: 'SUCCEEDED' });
    expect(snsMock.commandCalls(PublishCommand)).toHaveLength(1);
    expect(dynamoDbMock.commandCalls(PutItemCommand).map((call) => call.args[0].input.Item?.id)).toEqual([
      { S: 'notification#e-1' },
    ]);
  });

  it('fails (so Lambda retries) while the execution still reads as RUNNING', async () => {
    // Arrange
    sfnMock
      .on(DescribeExecutionCommand)
      .resolves({ executionArn: EXECUTION_ARN, status: 'RUNNING', startDate: new Date() });
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });

    // Act / Assert
    await expect(reportIfUnnotified(statusChange('FAILED'), deps())).rejects.toThrow('still RUNNING');
    expect(snsMock.calls()).toHaveLength(0);
  });
});
