import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  type ExecutionStatus,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsUnavailableError, ExportConflictError, InvalidRequestError } from '../../../handlers/lib/errors';
import { exportIdFor } from '../../../handlers/lib/naming';
import { type RunScheduleDeps, runSchedule } from '../../../handlers/lib/schedule-run';
import { rejectionOf } from '../../support/rejection';

const sfnMock = mockClient(SFNClient);

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-test';
const executionArnOf = (exportId: string): string =>
  `arn:aws:states:us-east-1:123456789012:execution:exportSnapshot-test:${exportId}`;

/** The run of schedule `nightly` at 02:30:00 UTC on 25 November 2026. */
const NIGHTLY_TARGET = 'nightly-20261125-023000';
const NIGHTLY_ID = exportIdFor('exports-bucket', NIGHTLY_TARGET);

// maxAttempts 1: the SDK's own retries would only slow the error tests down.
const deps = (overrides: Partial<RunScheduleDeps> = {}): RunScheduleDeps => ({
  sfn: new SFNClient({ maxAttempts: 1 }),
  stateMachineArn: STATE_MACHINE_ARN,
  defaultTargetBucket: 'exports-bucket',
  ...overrides,
});

/** What EventBridge Scheduler sends for one schedule's target. */
const scheduledEvent = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  schedule: 'nightly',
  scheduledTime: '2026-11-25T02:30:00Z',
  input: { replicationGroupId: 'orders', targetBucket: 'exports-bucket', freshSnapshot: true },
  retention: { keepLast: 2 },
  ...overrides,
});

/** The canonical execution input of the nightly run above, as a JSON string (key order included). */
const nightlyInput = (): string =>
  JSON.stringify({
    replicationGroupId: 'orders',
    targetSnapshotName: NIGHTLY_TARGET,
    targetBucket: 'exports-bucket',
    freshSnapshot: true,
    schedule: { name: 'nightly', scheduledTime: '2026-11-25T02:30:00.000Z', retention: { keepLast: 2 } },
  });

const sentInputs = (): string[] =>
  sfnMock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.input ?? '');

const alreadyExists = () => new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} });

const existingExecution = (input: string, status: ExecutionStatus = 'SUCCEEDED') => ({
  executionArn: executionArnOf(NIGHTLY_ID),
  stateMachineArn: STATE_MACHINE_ARN,
  name: NIGHTLY_ID,
  status,
  startDate: new Date('2026-11-25T02:30:02.000Z'),
  input,
});

beforeEach(() => {
  sfnMock.reset();
  sfnMock.on(StartExecutionCommand).resolves({
    executionArn: executionArnOf(NIGHTLY_ID),
    startDate: new Date('2026-11-25T02:30:02.000Z'),
  });
});

describe('starting a scheduled run', () => {
  it('starts an execution named after the bucket and the schedule’s name and time, with the canonical input', async () => {
    // Act
    await runSchedule(scheduledEvent(), deps());

    // Assert
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE_ARN,
      name: NIGHTLY_ID,
      input: nightlyInput(),
    });
  });

  it('returns the export id and the new execution as started and running', async () => {
    // Act
    const result = await runSchedule(scheduledEvent(), deps());

    // Assert
    expect(result).toStrictEqual({
      exportId: NIGHTLY_ID,
      executionArn: executionArnOf(NIGHTLY_ID),
      started: true,
      status: 'RUNNING',
    });
  });

  it('writes the scheduled time in UTC with milliseconds whatever offset Scheduler sent', async () => {
    // Arrange
    const event = scheduledEvent({ scheduledTime: '2026-11-25T03:30:00+01:00' });

    // Act
    await runSchedule(event, deps());

    // Assert
    expect(sentInputs()).toEqual([nightlyInput()]);
  });

  it('leaves retention out of the input when the schedule has none', async () => {
    // Arrange
    const event = scheduledEvent({ retention: undefined });

    // Act
    await runSchedule(event, deps());

    // Assert
    const input = JSON.parse(sentInputs()[0] ?? '{}');
    expect(input.schedule).toStrictEqual({ name: 'nightly', scheduledTime: '2026-11-25T02:30:00.000Z' });
  });

  it('uses the default bucket when the schedule’s input names none', async () => {
    // Arrange
    const event = scheduledEvent({ input: { sourceSnapshotName: 'automatic.orders-2026-11-25-02-00' } });

    // Act
    const result = await runSchedule(event, deps({ defaultTargetBucket: 'default-bucket' }));

    // Assert
    expect(result.exportId).toBe(exportIdFor('default-bucket', NIGHTLY_TARGET));
    expect(JSON.parse(sentInputs()[0] ?? '{}')).toMatchObject({
      targetSnapshotName: NIGHTLY_TARGET,
      targetBucket: 'default-bucket',
    });
  });

  it('keeps the target name a one-time schedule set for itself', async () => {
    // Arrange
    const event = scheduledEvent({
      schedule: 'pre-migration',
      input: { replicationGroupId: 'orders', targetSnapshotName: 'orders-before-migration' },
      retention: undefined,
    });

    // Act
    const result = await runSchedule(event, deps());

    // Assert
    expect(result.exportId).toBe(exportIdFor('exports-bucket', 'orders-before-migration'));
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      name: exportIdFor('exports-bucket', 'orders-before-migration'),
      input: JSON.stringify({
        replicationGroupId: 'orders',
        targetSnapshotName: 'orders-before-migration',
        targetBucket: 'exports-bucket',
        schedule: { name: 'pre-migration', scheduledTime: '2026-11-25T02:30:00.000Z' },
      }),
    });
  });

  it('sends byte-identical input for two deliveries of the same scheduled time', async () => {
    // Act
    await runSchedule(scheduledEvent(), deps());
    await runSchedule(scheduledEvent(), deps());

    // Assert
    const [first, second] = sentInputs();
    expect(first).toBeDefined();
    expect(second).toBe(first);
    expect(sfnMock.commandCalls(StartExecutionCommand).map((call) => call.args[0].input.name)).toEqual([
      NIGHTLY_ID,
      NIGHTLY_ID,
    ]);
  });

  it('gives two scheduled times of one schedule two different executions', async () => {
    // Act
    const first = await runSchedule(scheduledEvent(), deps());
    const second = await runSchedule(scheduledEvent({ scheduledTime: '2026-11-26T02:30:00Z' }), deps());

    // Assert
    expect(second.exportId).toBe(exportIdFor('exports-bucket', 'nightly-20261126-023000'));
    expect(second.exportId).not.toBe(first.exportId);
  });
});

describe('a repeated delivery', () => {
  it('reports the execution an earlier delivery started, with its status, and starts nothing new', async () => {
    // Arrange
    sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
    sfnMock
      .on(DescribeExecutionCommand, { executionArn: executionArnOf(NIGHTLY_ID) })
      .resolves(existingExecution(nightlyInput(), 'SUCCEEDED'));

    // Act
    const result = await runSchedule(scheduledEvent(), deps());

    // Assert
    expect(result).toStrictEqual({
      exportId: NIGHTLY_ID,
      executionArn: executionArnOf(NIGHTLY_ID),
      started: false,
      status: 'SUCCEEDED',
    });
  });

  it('recognises the earlier input whatever the order of its keys', async () => {
    // Arrange
    const reordered = JSON.stringify({
      schedule: { retention: { keepLast: 2 }, scheduledTime: '2026-11-25T02:30:00.000Z', name: 'nightly' },
      freshSnapshot: true,
      targetBucket: 'exports-bucket',
      targetSnapshotName: NIGHTLY_TARGET,
      replicationGroupId: 'orders',
    });
    sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
    sfnMock.on(DescribeExecutionCommand).resolves(existingExecution(reordered, 'FAILED'));

    // Act
    const result = await runSchedule(scheduledEvent(), deps());

    // Assert
    expect(result).toMatchObject({ started: false, status: 'FAILED' });
  });

  it('shows a redrive about to run the execution again as RUNNING', async () => {
    // Arrange
    sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
    sfnMock.on(DescribeExecutionCommand).resolves(existingExecution(nightlyInput(), 'PENDING_REDRIVE'));

    // Act
    const result = await runSchedule(scheduledEvent(), deps());

    // Assert
    expect(result).toMatchObject({ started: false, status: 'RUNNING' });
  });

  it('throws ExportConflictError when the execution of that name has another input', async () => {
    // Arrange
    const other = JSON.stringify({
      replicationGroupId: 'billing',
      targetSnapshotName: NIGHTLY_TARGET,
      targetBucket: 'exports-bucket',
    });
    sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
    sfnMock.on(DescribeExecutionCommand).resolves(existingExecution(other));

    // Act
    const error = await rejectionOf(runSchedule(scheduledEvent(), deps()));

    // Assert
    expect(error).toBeInstanceOf(ExportConflictError);
    expect((error as Error).message).toContain(NIGHTLY_ID);
  });

  it('throws ExportConflictError when the existing execution’s input is not JSON', async () => {
    // Arrange
    sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
    sfnMock.on(DescribeExecutionCommand).resolves(existingExecution('not json'));

    // Act
    const result = runSchedule(scheduledEvent(), deps());

    // Assert
    await expect(result).rejects.toBeInstanceOf(ExportConflictError);
  });

  it('throws AwsUnavailableError when DescribeExecution cannot find the execution StartExecution said exists', async () => {
    // Arrange
    sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
    sfnMock.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'gone', $metadata: {} }));

    // Act
    const result = runSchedule(scheduledEvent(), deps());

    // Assert
    await expect(result).rejects.toBeInstanceOf(AwsUnavailableError);
  });
});

describe('an input the request schema refuses', () => {
  it('is started as it is, with the run’s target name and schedule, so that ValidateExport fails it with a notification', async () => {
    // Arrange
    const event = scheduledEvent({
      input: { replicationGroupId: 'orders', targetBucket: 'exports-bucket', colour: 'blue' },
      retention: undefined,
    });

    // Act
    const result = await runSchedule(event, deps());

    // Assert
    expect(result).toMatchObject({ exportId: NIGHTLY_ID, started: true });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      name: NIGHTLY_ID,
      input: JSON.stringify({
        replicationGroupId: 'orders',
        targetBucket: 'exports-bucket',
        colour: 'blue',
        targetSnapshotName: NIGHTLY_TARGET,
        schedule: { name: 'nightly', scheduledTime: '2026-11-25T02:30:00.000Z' },
      }),
    });
  });

  it('is started under the default bucket when it names no bucket', async () => {
    // Arrange
    const event = scheduledEvent({ input: { replicationGroupId: 'orders', sourceSnapshotName: 'nightly' } });

    // Act
    const result = await runSchedule(event, deps({ defaultTargetBucket: 'default-bucket' }));

    // Assert
    expect(result.exportId).toBe(exportIdFor('default-bucket', NIGHTLY_TARGET));
    expect(JSON.parse(sentInputs()[0] ?? '{}')).not.toHaveProperty('targetBucket');
  });

  it('is found again, not refused as a conflict, on a repeated delivery', async () => {
    // Arrange
    const event = scheduledEvent({ input: { replicationGroupId: 'orders', colour: 'blue' } });
    await runSchedule(event, deps());
    const firstInput = sentInputs()[0] ?? '';
    sfnMock.on(StartExecutionCommand).rejects(alreadyExists());
    sfnMock.on(DescribeExecutionCommand).resolves(existingExecution(firstInput, 'FAILED'));

    // Act
    const result = await runSchedule(event, deps());

    // Assert
    expect(result).toMatchObject({ started: false, status: 'FAILED' });
  });
});

describe('a malformed event', () => {
  it.each([
    ['no schedule name', scheduledEvent({ schedule: undefined })],
    ['a schedule name that is not one', scheduledEvent({ schedule: 'nightly backup' })],
    ['a scheduled time that is not a time', scheduledEvent({ scheduledTime: 'yesterday' })],
    ['no scheduled time', scheduledEvent({ scheduledTime: undefined })],
    ['an unknown field', scheduledEvent({ priority: 'high' })],
    ['a retention policy with neither rule', scheduledEvent({ retention: {} })],
    ['not an object at all', 'nightly'],
  ])('throws InvalidRequestError and starts nothing for %s', async (_what, event) => {
    // Act
    const error = await rejectionOf(runSchedule(event, deps()));

    // Assert
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });

  it('names the field that is wrong', async () => {
    // Act
    const error = await rejectionOf(runSchedule(scheduledEvent({ scheduledTime: 'yesterday' }), deps()));

    // Assert
    expect((error as Error).message).toContain('scheduledTime');
  });
});
