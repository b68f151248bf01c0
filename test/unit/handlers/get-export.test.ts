import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  SFNClient,
} from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type GetExportDeps, getExport, handler } from '../../../handlers/get-export';
import type { Outcome } from '../../../handlers/lib/contracts';
import { ExportNotFoundError } from '../../../handlers/lib/errors';
import { toHttpResponse } from '../../../handlers/lib/http';
import { apiEvent } from './api-event';

const sfnMock = mockClient(SFNClient);

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-test';
const EXPORT_ID = 'nightly-copy-exports-bucket-0123456789ab';
const EXECUTION_ARN = `arn:aws:states:us-east-1:123456789012:execution:exportSnapshot-test:${EXPORT_ID}`;
const REQUEST = { replicationGroupId: 'orders', targetSnapshotName: 'nightly-copy', targetBucket: 'exports-bucket' };

const deps = (): GetExportDeps => ({ sfn: new SFNClient({}), stateMachineArn: STATE_MACHINE_ARN });

const execution = (overrides: Partial<DescribeExecutionOutput> = {}): DescribeExecutionOutput => ({
  executionArn: EXECUTION_ARN,
  stateMachineArn: STATE_MACHINE_ARN,
  name: EXPORT_ID,
  status: 'RUNNING',
  startDate: new Date('2026-11-25T03:00:00.000Z'),
  input: JSON.stringify(REQUEST),
  ...overrides,
});

const outcome = (overrides: Partial<Outcome> = {}): Outcome => ({
  version: 1,
  exportId: EXPORT_ID,
  status: 'SUCCEEDED',
  sourceSnapshotName: 'automatic.orders-2026-11-25-03-00',
  targetSnapshotName: 'nightly-copy',
  targetBucket: 'exports-bucket',
  objects: [{ key: 'nightly-copy-0001.rdb', size: 123 }],
  startedAt: '2026-11-25T03:00:00.000Z',
  finishedAt: '2026-11-25T03:20:00.000Z',
  durationSeconds: 1200,
  ...overrides,
});

beforeEach(() => sfnMock.reset());

describe('getExport', () => {
  it('shows a running export with its request and no outcome', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand, { executionArn: EXECUTION_ARN }).resolves(execution());

    // Act
    const result = await getExport(EXPORT_ID, deps());

    // Assert
    expect(result).toEqual({
      statusCode: 200,
      body: { exportId: EXPORT_ID, status: 'RUNNING', request: REQUEST, startedAt: '2026-11-25T03:00:00.000Z' },
    });
  });

  it('answers for an execution started with input nested thousands deep, showing the request flat', async () => {
    // Arrange: StartExecution accepts any JSON; JSON.stringify of this value would overflow the stack.
    const deep = `{"sourceSnapshotName":"nightly","targetBucket":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    sfnMock.on(DescribeExecutionCommand).resolves(execution({ input: deep }));

    // Act
    const response = toHttpResponse(await getExport(EXPORT_ID, deps()));

    // Assert
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body).request).toEqual({
      sourceSnapshotName: 'nightly',
      targetBucket: '(nested value not shown; see the execution input)',
    });
  });

  it('shows a succeeded export with the outcome document from the execution output', async () => {
    // Arrange
    const document = outcome();
    sfnMock.on(DescribeExecutionCommand).resolves(
      execution({
        status: 'SUCCEEDED',
        stopDate: new Date('2026-11-25T03:20:01.000Z'),
        output: JSON.stringify(document),
      }),
    );

    // Act
    const result = await getExport(EXPORT_ID, deps());

    // Assert
    expect(result.body).toEqual({
      exportId: EXPORT_ID,
      status: 'SUCCEEDED',
      request: REQUEST,
      startedAt: '2026-11-25T03:00:00.000Z',
      stoppedAt: '2026-11-25T03:20:01.000Z',
      outcome: document,
    });
  });

  it('shows a failed export with the outcome document PublishFailure left in the execution history', async () => {
    // Arrange
    const document = outcome({
      status: 'FAILED',
      objects: [],
      error: {
        code: 'S3BucketOutsideRegion',
        message: 'The S3 bucket exports-bucket is outside of the region.',
        solution: 'Create an Amazon S3 bucket in the same region as your snapshot.',
        docsUrl: 'https://docs.aws.amazon.com/',
        awsErrorCode: 'InvalidParameterValue',
      },
    });
    sfnMock.on(DescribeExecutionCommand).resolves(
      execution({
        status: 'FAILED',
        stopDate: new Date('2026-11-25T03:01:00.000Z'),
        error: 'S3BucketOutsideRegion',
        cause: 'The S3 bucket exports-bucket is outside of the region.',
      }),
    );
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        { id: 40, timestamp: new Date(), type: 'FailStateEntered', stateEnteredEventDetails: { name: 'ExportFailed' } },
        {
          id: 39,
          timestamp: new Date(),
          type: 'TaskStateExited',
          stateExitedEventDetails: { name: 'PublishFailure', output: JSON.stringify(document) },
        },
      ],
    });

    // Act
    const result = await getExport(EXPORT_ID, deps());

    // Assert
    expect(result.body.status).toBe('FAILED');
    expect(result.body.outcome).toEqual(document);
  });

  it('shows the failure PublishFailure could not publish, as the safety net reported it', async () => {
    // Arrange: PublishFailure itself failed, so Cause carries the function's error and stack trace.
    const lambdaError = {
      errorType: 'Error',
      errorMessage: 'boom',
      trace: ['Error: boom', '    at publish (x.js:1:1)'],
    };
    const stopDate = new Date('2026-11-25T03:20:00.000Z');
    const failure = {
      exportId: EXPORT_ID,
      startedAt: '2026-11-25T03:00:00.000Z',
      input: REQUEST,
      targetSnapshotName: 'nightly-copy',
      targetBucket: 'exports-bucket',
      error: { Error: 'SnapshotNotFound', Cause: 'Snapshot nightly not found.' },
    };
    sfnMock
      .on(DescribeExecutionCommand)
      .resolves(execution({ status: 'FAILED', stopDate, error: 'Error', cause: JSON.stringify(lambdaError) }));
    sfnMock.on(GetExecutionHistoryCommand).resolves({
      events: [
        {
          id: 12,
          timestamp: new Date(),
          type: 'TaskStateEntered',
          stateEnteredEventDetails: { name: 'PublishFailure', input: JSON.stringify(failure) },
        },
        { id: 13, timestamp: new Date(), type: 'TaskFailed' },
      ],
    });

    // Act
    const result = await getExport(EXPORT_ID, deps());

    // Assert
    expect(result.body.status).toBe('FAILED');
    expect(result.body.outcome).toMatchObject({
      status: 'FAILED',
      finishedAt: stopDate.toISOString(),
      error: { code: 'SnapshotNotFound', message: 'Snapshot nightly not found.' },
    });
    expect(JSON.stringify(result.body)).not.toContain('x.js');
  });

  it('leaves out the outcome when the output is not JSON', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).resolves(execution({ status: 'SUCCEEDED', output: 'not json' }));

    // Act
    const result = await getExport(EXPORT_ID, deps());

    // Assert
    expect(result.body).not.toHaveProperty('outcome');
  });

  it.each([
    ['TIMED_OUT', 'ExecutionTimedOut'],
    ['ABORTED', 'ExportCancelled'],
  ] as const)('shows a %s export with the outcome the safety net sent (%s)', async (status, code) => {
    // Arrange
    const stopDate = new Date('2026-11-25T03:20:00.000Z');
    sfnMock.on(DescribeExecutionCommand).resolves(execution({ status, stopDate, output: undefined }));
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [] });

    // Act
    const result = await getExport(EXPORT_ID, deps());

    // Assert
    expect(result.body.status).toBe(status);
    expect(result.body.outcome).toMatchObject({
      exportId: EXPORT_ID,
      status: 'FAILED',
      targetBucket: 'exports-bucket',
      finishedAt: stopDate.toISOString(),
      error: { code },
    });
  });

  it('shows an execution waiting for a redrive as RUNNING', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).resolves(execution({ status: 'PENDING_REDRIVE' }));

    // Act
    const result = await getExport(EXPORT_ID, deps());

    // Assert
    expect(result.body.status).toBe('RUNNING');
  });

  it('rejects an unknown export id with ExportNotFoundError', async () => {
    // Arrange
    sfnMock
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));

    // Act
    const act = getExport(EXPORT_ID, deps());

    // Assert
    await expect(act).rejects.toThrow(ExportNotFoundError);
    await expect(act).rejects.toThrow(`No export with id ${EXPORT_ID}.`);
  });

  it.each([
    ['too long', 'a'.repeat(81)],
    ['containing a colon', 'export:other'],
    ['empty', ''],
    ['missing', undefined],
  ])('rejects an export id that is %s without calling Step Functions', async (_, exportId) => {
    // Act
    const act = getExport(exportId, deps());

    // Assert
    await expect(act).rejects.toThrow("an export id is 1 to 80 letters, digits, '-' or '_'");
    expect(sfnMock.calls()).toHaveLength(0);
  });
});

describe('handler', () => {
  it('answers GET /exports/{exportId} with 404 and an ExportNotFound body for an unknown id', async () => {
    // Arrange
    sfnMock
      .on(DescribeExecutionCommand)
      .rejects(new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} }));
    const event = apiEvent({ pathParameters: { exportId: EXPORT_ID }, resource: '/exports/{exportId}' });

    // Act
    const response = await handler(event, {} as Context);

    // Assert
    expect(response.statusCode).toBe(404);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(JSON.parse(response.body)).toEqual({
      error: { code: 'ExportNotFound', message: `No export with id ${EXPORT_ID}.` },
    });
  });
});
