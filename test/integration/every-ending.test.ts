// Exactly one notification, whatever ends an export (issue "Exactly one notification"): through the real ASL, the
// real handlers, the local Step Functions announcing each status change on the local EventBridge bus, and the
// safety net invoked asynchronously from it with its idempotency records in the emulated DynamoDB and its
// dead-letter queue in the emulated SQS. Each case counts the notifications only once the safety net is idle.

import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { BusEvent } from '../../local/aws/events/bus';
import { lambdaContext, setFunctionTimeouts } from '../../local/lambda';
import { loadLocalDefinition } from '../../local/statemachine';
import { eventually } from '../support/waiting';
import { type Notification, type StackHarness, type StackHarnessOptions, startStackHarness } from './stack-harness';

const SNAPSHOT = 'demo-cache-snapshot';

const sfnOf = (harness: StackHarness) =>
  new SFNClient({
    endpoint: harness.stack.awsUrl,
    region: harness.stack.config.region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

const errorCodeOf = (notification: Notification | undefined) => notification?.messageAttributes.errorCode?.StringValue;

/** Ends an export one way or another, then waits for the safety net; the notifications it got, and its status. */
const endingOf = async (harness: StackHarness, exportId: string) => {
  const { final } = await harness.followExport(exportId);
  await harness.safetyNetIdle();
  return { status: final.status, outcome: final.outcome, notifications: await harness.notificationsFor(exportId) };
};

const startDirectly = async (harness: StackHarness, name: string, input: string) => {
  const sfn = sfnOf(harness);
  try {
    await sfn.send(new StartExecutionCommand({ stateMachineArn: harness.stack.stateMachineArn, name, input }));
  } finally {
    sfn.destroy();
  }
  return name;
};

/** The first stack's AWS port: the handlers, once loaded, keep calling it, so every later stack here listens on it. */
let awsPort = 0;

const withHarness = async (options: StackHarnessOptions, run: (harness: StackHarness) => Promise<void>) => {
  const harness = await startStackHarness({ ...options, config: { awsPort } });
  try {
    await run(harness);
  } finally {
    await harness.stop();
  }
};

describe('every way an export ends gives exactly one notification', () => {
  let harness: StackHarness;
  const statusEvents: BusEvent[] = [];
  let cancelledId = '';

  beforeAll(async () => {
    harness = await startStackHarness();
    awsPort = harness.stack.aws.port;
    // A second rule on the bus sees what the safety net sees.
    harness.stack.eventBus.putRule({
      name: 'test-recorder',
      pattern: { source: ['aws.states'] },
      target: (event) => statusEvents.push(event),
    });
  });

  afterAll(async () => {
    await harness.stop();
  });

  const post = async (body: Record<string, unknown>): Promise<string> => {
    const { status, body: accepted } = await harness.postExport(body);
    expect(status).toBe(202);
    return accepted.exportId;
  };

  it("holds each function to its serverless.yml timeout, as Lambda would (publishOutcome's 25 s)", () => {
    // Act: the context the local runner gives an invocation of each (local/lambda.ts).
    const publishing = lambdaContext('publishOutcome').getRemainingTimeInMillis();
    const checking = lambdaContext('checkExport').getRemainingTimeInMillis();

    // Assert
    expect(publishing).toBeGreaterThan(24_000);
    expect(publishing).toBeLessThanOrEqual(25_000);
    expect(checking).toBeGreaterThan(899_000);
    expect(checking).toBeLessThanOrEqual(900_000);
  });

  it('succeeded: the workflow notifies, the safety net is not even asked', async () => {
    // Act
    const ended = await endingOf(harness, await post({ sourceSnapshotName: SNAPSHOT, targetSnapshotName: 'ok-1' }));

    // Assert
    expect(ended.status).toBe('SUCCEEDED');
    expect(ended.notifications.map((n) => n.messageAttributes.status?.StringValue)).toEqual(['SUCCEEDED']);
  });

  it.each([
    ['ValidateExport', { sourceSnapshotName: 'no-such-snapshot' }, undefined, 'SnapshotNotFound'],
    [
      'StartExport',
      { sourceSnapshotName: SNAPSHOT, targetSnapshotName: 'start-fails' },
      { action: 'CopySnapshot', code: 'InvalidParameterValue', message: 'Staged refusal.', status: 400 },
      'InvalidParameterValue',
    ],
    [
      'CheckExport',
      { sourceSnapshotName: SNAPSHOT, targetSnapshotName: 'check-fails' },
      // ('failed' would leave the source snapshot failed for the cases after this one.)
      { exportOutcome: 'no-objects' as const },
      'ExportNoObjects',
    ],
  ])(
    'failed in %s: the workflow notifies, the safety net finds that and sends nothing',
    async (_step, body, fault, code) => {
      // Arrange
      if (fault) await harness.stageFault(fault);

      // Act
      const ended = await endingOf(harness, await post(body));

      // Assert
      expect(ended.status).toBe('FAILED');
      expect(ended.notifications.map(errorCodeOf)).toEqual([code]);
      expect(ended.notifications[0]?.message).not.toContain('safety net');
    },
  );

  it('States.Runtime on a null input: the safety net notifies InvalidRequest on the stack topic', async () => {
    // Act
    const exportId = await startDirectly(harness, 'null-input', 'null');
    const ended = await endingOf(harness, exportId);

    // Assert
    expect(ended.status).toBe('FAILED');
    expect(ended.notifications).toHaveLength(1);
    expect(ended.notifications[0]?.topicArn).toBe(harness.stack.topicArn);
    expect(errorCodeOf(ended.notifications[0])).toBe('InvalidRequest');
    expect(ended.notifications[0]?.message).toContain("this service's safety net sent it");
    expect(ended.outcome?.error?.code).toBe('InvalidRequest');
  });

  it('cancelled: DELETE answers 202, the export ends ABORTED, one notification says cancelled', async () => {
    // Arrange
    const exportId = await post({ sourceSnapshotName: SNAPSHOT, targetSnapshotName: 'cancel-me' });
    cancelledId = exportId;

    // Act
    const cancelled = await harness.cancelExport(exportId);
    const ended = await endingOf(harness, exportId);
    const again = await harness.cancelExport(exportId);
    const unknown = await harness.cancelExport('no-such-export');

    // Assert
    expect(cancelled.status).toBe(202);
    expect(cancelled.body.exportId).toBe(exportId);
    expect(ended.status).toBe('ABORTED');
    expect(ended.notifications.map(errorCodeOf)).toEqual(['ExportCancelled']);
    expect(ended.notifications[0]?.message).toContain('may still finish writing');
    expect(ended.outcome?.error?.code).toBe('ExportCancelled');
    expect(again.status).toBe(409);
    expect(unknown.status).toBe(404);
    await harness.snapshotAvailable(SNAPSHOT);
  });

  it('stopped by hand while PublishSuccess was publishing: the record of its notification keeps it at one', async () => {
    // Arrange: the next Publish takes 100 emulated seconds (1 s here), long enough to stop the execution meanwhile.
    await harness.stageSnsFault({ action: 'Publish', delaySeconds: 100 });
    const exportId = await post({ sourceSnapshotName: SNAPSHOT, targetSnapshotName: 'stopped-publishing' });
    const executionArn = `${harness.stack.stateMachineArn.replace(':stateMachine:', ':execution:')}:${exportId}`;
    const sfn = sfnOf(harness);

    try {
      // Act: a person's StopExecution while the publishing task runs (DELETE refuses that moment with 409).
      await eventually(
        async () => {
          const { events = [] } = await sfn.send(
            new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 3 }),
          );
          const entered = events.find((event) => event.type === 'TaskStateEntered');
          return entered?.stateEnteredEventDetails?.name === 'PublishSuccess' && events[0]?.type !== 'TaskSucceeded'
            ? true
            : undefined;
        },
        10_000,
        'PublishSuccess running',
      );
      expect((await harness.cancelExport(exportId)).status).toBe(409);
      await sfn.send(new StopExecutionCommand({ executionArn, error: 'Manual', cause: 'stopped by a person' }));
      const ended = await endingOf(harness, exportId);

      // Assert: the in-flight publish went out; the safety net found its record and sent nothing.
      expect(ended.status).toBe('ABORTED');
      expect(ended.notifications.map((n) => n.messageAttributes.status?.StringValue)).toEqual(['SUCCEEDED']);
    } finally {
      sfn.destroy();
    }
  });

  it("PublishFailure whose reads outlast its function's timeout: it publishes nothing late, the safety net once", async () => {
    // Arrange: publishOutcome gets 3.5 s; ElastiCache answers its next three DescribeSnapshots after 4 s each
    // (400 emulated seconds): ValidateExport's (within its 50 s), PublishFailure's topic lookup (past the 3.5 s, so
    // middy's early timeout ends that invocation while the lookup is under way) and the safety net's (within 60 s).
    const restoreTimeouts = setFunctionTimeouts({ publishOutcome: 3.5 });
    await harness.stageFault({ action: 'DescribeSnapshots', delaySeconds: 400, count: 3 });

    try {
      // Act
      const exportId = await post({ sourceSnapshotName: 'missing-and-slow' });
      const ended = await endingOf(harness, exportId);
      // The timed-out invocation's lookup is answered 4 s after it began: give what it does next time to show.
      await new Promise((resolve) => setTimeout(resolve, 1000));

      // Assert: the failure was announced once, by the safety net; the late attempt sent nothing.
      expect(ended.status).toBe('FAILED');
      const notifications = await harness.notificationsFor(exportId);
      expect(notifications.map(errorCodeOf)).toEqual(['SnapshotNotFound']);
      expect(notifications[0]?.message).toContain('failed in state PublishFailure');
      expect(await harness.pendingFaults()).toEqual([]);
    } finally {
      restoreTimeouts();
      await harness.clearFaults();
    }
  });

  it('a repeated status-change event (at-least-once delivery) sends nothing twice', async () => {
    // Arrange: the cancelled export's ABORTED event, delivered twice more.
    const detailOf = (event: BusEvent) => (event as BusEvent & { detail: { name: string; status: string } }).detail;
    const aborted = statusEvents.filter(
      (event) => detailOf(event).name === cancelledId && detailOf(event).status === 'ABORTED',
    );
    expect(aborted).toHaveLength(1);

    // Act
    harness.stack.eventBus.put(aborted[0] as BusEvent);
    harness.stack.eventBus.put(aborted[0] as BusEvent);
    await harness.safetyNetIdle();

    // Assert
    expect(await harness.notificationsFor(cancelledId)).toHaveLength(1);
  });

  it('a publish SNS refuses as too long is sent again in its compact form: one notification', async () => {
    // Act
    const exportId = await startDirectly(
      harness,
      'huge-bucket-name',
      JSON.stringify({ sourceSnapshotName: SNAPSHOT, targetBucket: 'b'.repeat(200_000) }),
    );
    const ended = await endingOf(harness, exportId);

    // Assert
    expect(ended.status).toBe('FAILED');
    expect(ended.notifications.map(errorCodeOf)).toEqual(['InvalidRequest']);
  });

  it('PublishFailure crashing: the execution fails, the safety net sends the original failure', async () => {
    // Arrange: the next Publish (PublishFailure's) is refused for good; the safety net's goes through.
    await harness.stageSnsFault({
      action: 'Publish',
      code: 'AuthorizationError',
      message: 'Staged refusal',
      status: 403,
    });

    // Act
    const ended = await endingOf(harness, await post({ sourceSnapshotName: 'missing-for-publish' }));

    // Assert
    expect(ended.status).toBe('FAILED');
    expect(ended.notifications.map(errorCodeOf)).toEqual(['SnapshotNotFound']);
    expect(ended.notifications[0]?.message).toContain('failed in state PublishFailure');
  });

  it('the safety net failing for good: no notification, the event lands in its dead-letter queue', async () => {
    // Arrange: PublishFailure's call and the safety net's three attempts are all refused.
    await harness.stageSnsFault({
      action: 'Publish',
      count: 4,
      code: 'AuthorizationError',
      message: 'Staged refusal',
      status: 403,
    });
    const sqs = new SQSClient({
      endpoint: harness.stack.awsUrl,
      region: harness.stack.config.region,
      credentials: { accessKeyId: harness.stack.config.accountId, secretAccessKey: 'test' },
    });

    try {
      // Act
      const exportId = await post({ sourceSnapshotName: 'missing-for-dlq' });
      const ended = await endingOf(harness, exportId);
      const queueUrl = `${harness.stack.awsUrl}/${harness.stack.config.accountId}/elasticache-export-safety-net-dlq-local`;
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10 }),
      );
      const records = Messages.map((message) => JSON.parse(message.Body ?? '{}'));

      // Assert
      expect(ended.status).toBe('FAILED');
      expect(ended.notifications).toEqual([]);
      expect(records).toEqual([
        expect.objectContaining({
          requestContext: expect.objectContaining({ condition: 'RetriesExhausted', approximateInvokeCount: 3 }),
          requestPayload: expect.objectContaining({ detail: expect.objectContaining({ name: exportId }) }),
        }),
      ]);
    } finally {
      await harness.clearSnsFaults();
      sqs.destroy();
    }
  });
});

describe('endings no Catch sees, through the real definition', () => {
  it('timed out: the execution ends TIMED_OUT and the safety net notifies ExecutionTimedOut', async () => {
    // Arrange: the real ASL with a TimeoutSeconds shorter than an export (20 emulated seconds of copying).
    const definition = { ...loadLocalDefinition(), TimeoutSeconds: 8 };

    await withHarness({ stepFunctions: { definition } }, async (harness) => {
      // Act
      const { body } = await harness.postExport({ sourceSnapshotName: SNAPSHOT, targetSnapshotName: 'slow' });
      const ended = await endingOf(harness, body.exportId);

      // Assert
      expect(ended.status).toBe('TIMED_OUT');
      expect(ended.notifications.map(errorCodeOf)).toEqual(['ExecutionTimedOut']);
    });
  });

  it('the history quota: the execution fails States.Runtime and the safety net notifies WorkflowFailed', async () => {
    // Arrange: a quota the real ASL reaches as it enters its first CheckExport, whatever the machine's speed: the
    // 16 events before it do not depend on timing (25,000 events would take minutes here).
    await withHarness({ stepFunctions: { historyEventLimit: 17 } }, async (harness) => {
      // Act
      const { body } = await harness.postExport({ sourceSnapshotName: SNAPSHOT, targetSnapshotName: 'long' });
      const ended = await endingOf(harness, body.exportId);
      const sfn = sfnOf(harness);
      const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: body.executionArn ?? '' }));
      sfn.destroy();

      // Assert
      expect(ended.status).toBe('FAILED');
      expect(execution.error).toBe('States.Runtime');
      expect(ended.notifications.map(errorCodeOf)).toEqual(['WorkflowFailed']);
      expect(ended.notifications[0]?.message).toContain('maximum of 17 events');
    });
  });
});
