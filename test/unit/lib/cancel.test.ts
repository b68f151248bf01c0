import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  SFNClient,
  StopExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { type CancelExportDeps, cancelExport } from '../../../handlers/lib/cancel';
import { ExportConflictError, ExportNotFoundError } from '../../../handlers/lib/errors';

const sfnMock = mockClient(SFNClient);

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-test';
const EXPORT_ID = 'nightly-copy-exports-bucket-0123456789ab';
const EXECUTION_ARN = `arn:aws:states:us-east-1:123456789012:execution:exportSnapshot-test:${EXPORT_ID}`;

const deps = (): CancelExportDeps => ({
  sfn: new SFNClient({}),
  stateMachineArn: STATE_MACHINE_ARN,
  caller: 'arn:aws:iam::123456789012:user/ops',
  now: () => new Date('2026-11-25T03:10:00.000Z'),
});

const execution = (overrides: Partial<DescribeExecutionOutput> = {}): DescribeExecutionOutput => ({
  executionArn: EXECUTION_ARN,
  stateMachineArn: STATE_MACHINE_ARN,
  name: EXPORT_ID,
  status: 'RUNNING',
  startDate: new Date('2026-11-25T03:00:00.000Z'),
  input: '{"sourceSnapshotName":"nightly","targetBucket":"exports-bucket"}',
  ...overrides,
});

const inState = (name: string) =>
  sfnMock.on(GetExecutionHistoryCommand).resolves({
    events: [
      { id: 9, timestamp: new Date(), type: 'TaskScheduled' },
      { id: 8, timestamp: new Date(), type: 'TaskStateEntered', stateEnteredEventDetails: { name } },
    ],
  });

beforeEach(() => sfnMock.reset());

describe('cancelExport', () => {
  it('stops a running export with ExportCancelled, naming who cancelled it, and answers 202 with the export', async () => {
    // Arrange
    sfnMock
      .on(DescribeExecutionCommand)
      .resolvesOnce(execution())
      .resolves(execution({ status: 'ABORTED' }));
    inState('WaitForExport');
    sfnMock.on(StopExecutionCommand).resolves({ stopDate: new Date() });

    // Act
    const result = await cancelExport(EXPORT_ID, deps());

    // Assert
    expect(result).toMatchObject({ statusCode: 202, body: { exportId: EXPORT_ID, status: 'ABORTED' } });
    expect(sfnMock.commandCalls(StopExecutionCommand).map((call) => call.args[0].input)).toEqual([
      {
        executionArn: EXECUTION_ARN,
        error: 'ExportCancelled',
        cause:
          'The export was cancelled through DELETE /exports/nightly-copy-exports-bucket-0123456789ab by arn:aws:iam::123456789012:user/ops at 2026-11-25T03:10:00.000Z.',
      },
    ]);
  });

  it.each(['PublishSuccess', 'PublishFailure'])(
    'refuses with 409 while the export is in %s, sending its notification',
    async (state) => {
      // Arrange
      sfnMock.on(DescribeExecutionCommand).resolves(execution());
      inState(state);

      // Act / Assert
      await expect(cancelExport(EXPORT_ID, deps())).rejects.toThrow(ExportConflictError);
      expect(sfnMock.commandCalls(StopExecutionCommand)).toHaveLength(0);
    },
  );

  it.each(['SUCCEEDED', 'FAILED', 'ABORTED', 'TIMED_OUT'])(
    'refuses with 409 an export that already ended %s',
    async (status) => {
      // Arrange
      sfnMock.on(DescribeExecutionCommand).resolves(execution({ status: status as never, stopDate: new Date() }));

      // Act / Assert
      await expect(cancelExport(EXPORT_ID, deps())).rejects.toThrow(`has already ended (${status}`);
      expect(sfnMock.commandCalls(StopExecutionCommand)).toHaveLength(0);
    },
  );

  it('answers 404 for an export that does not exist, or an id that cannot be one', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'no', $metadata: {} }));

    // Act / Assert
    await expect(cancelExport(EXPORT_ID, deps())).rejects.toThrow(ExportNotFoundError);
    await expect(cancelExport('../etc', deps())).rejects.toThrow(ExportNotFoundError);
  });
});
