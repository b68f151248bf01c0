import { DescribeExecutionCommand, InvalidToken, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidRequestError } from '../../../handlers/lib/errors';
import { handler, type ListExportsDeps, listExports } from '../../../handlers/list-exports';
import { apiEvent } from './api-event';

const sfnMock = mockClient(SFNClient);

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-test';

const deps = (): ListExportsDeps => ({ sfn: new SFNClient({}), stateMachineArn: STATE_MACHINE_ARN });

/** Every execution a test lists, by name: DescribeExecution answers with it (and its input, if one was set). */
const listed = new Map<string, Record<string, unknown>>();

const summary = (name: string, status: 'RUNNING' | 'SUCCEEDED' | 'FAILED', stopped = status !== 'RUNNING') => {
  const execution = {
    executionArn: `arn:aws:states:us-east-1:123456789012:execution:exportSnapshot-test:${name}`,
    stateMachineArn: STATE_MACHINE_ARN,
    name,
    status,
    startDate: new Date('2026-11-25T03:00:00.000Z'),
    ...(stopped && { stopDate: new Date('2026-11-25T03:30:00.000Z') }),
  };
  listed.set(name, execution);
  return execution;
};

const issuesOf = async (promise: Promise<unknown>) => {
  const error: unknown = await promise.catch((caught: unknown) => caught);
  return error instanceof InvalidRequestError ? error.issues : [];
};

/** The input each listed execution was started with, by name; DescribeExecution answers from it. */
const inputs = new Map<string, Record<string, unknown>>();

beforeEach(() => {
  sfnMock.reset();
  inputs.clear();
  listed.clear();
  sfnMock.on(DescribeExecutionCommand).callsFake(({ executionArn }: { executionArn: string }) => {
    const name = executionArn.split(':').at(-1) ?? '';
    return { ...listed.get(name), ...(inputs.has(name) && { input: JSON.stringify(inputs.get(name)) }) };
  });
});

describe('listExports', () => {
  it('says what each export was: its source, target name and bucket, from the execution input', async () => {
    // Arrange
    inputs.set('by-group', { replicationGroupId: 'sessions', targetSnapshotName: 'nightly-1', targetBucket: 'b1' });
    inputs.set('by-snapshot', { sourceSnapshotName: 'snap', targetBucket: 'b2' });
    inputs.set('direct', { anything: 1 });
    sfnMock.on(ListExecutionsCommand).resolves({
      executions: [summary('by-group', 'SUCCEEDED'), summary('by-snapshot', 'FAILED'), summary('direct', 'FAILED')],
    });

    // Act
    const result = await listExports(null, deps());

    // Assert
    expect(
      result.body.exports.map(({ exportId, source, targetSnapshotName, targetBucket }) => ({
        exportId,
        source,
        targetSnapshotName,
        targetBucket,
      })),
    ).toEqual([
      {
        exportId: 'by-group',
        source: { kind: 'replicationGroup', name: 'sessions' },
        targetSnapshotName: 'nightly-1',
        targetBucket: 'b1',
      },
      {
        exportId: 'by-snapshot',
        source: { kind: 'snapshot', name: 'snap' },
        targetSnapshotName: undefined,
        targetBucket: 'b2',
      },
      { exportId: 'direct', source: undefined, targetSnapshotName: undefined, targetBucket: undefined },
    ]);
  });

  it('filters by source and bucket, reading on past pages without a match, up to a bound', async () => {
    // Arrange: the first page holds no match, the second one does.
    inputs.set('a', { replicationGroupId: 'other', targetBucket: 'b1' });
    inputs.set('b', { replicationGroupId: 'sessions', targetBucket: 'b2' });
    inputs.set('c', { replicationGroupId: 'sessions', targetBucket: 'b1' });
    sfnMock
      .on(ListExecutionsCommand)
      .resolvesOnce({ executions: [summary('a', 'SUCCEEDED')], nextToken: 'page-2' })
      .resolvesOnce({ executions: [summary('b', 'SUCCEEDED'), summary('c', 'SUCCEEDED')], nextToken: 'page-3' });

    // Act
    const result = await listExports({ source: 'sessions', bucket: 'b1', limit: '2' }, deps());

    // Assert
    expect(result.body.exports.map((item) => item.exportId)).toEqual(['c']);
    expect(result.body.nextToken).toBe('page-3');
    expect(sfnMock.commandCalls(ListExecutionsCommand).map((call) => call.args[0].input.nextToken)).toEqual([
      undefined,
      'page-2',
    ]);
  });

  it('lists the newest 20 executions of the state machine by default, in the order Step Functions gives', async () => {
    // Arrange
    sfnMock
      .on(ListExecutionsCommand)
      .resolves({ executions: [summary('newer', 'RUNNING'), summary('older', 'SUCCEEDED')] });

    // Act
    const result = await listExports(null, deps());

    // Assert
    expect(result).toEqual({
      statusCode: 200,
      body: {
        exports: [
          {
            exportId: 'newer',
            status: 'RUNNING',
            startedAt: '2026-11-25T03:00:00.000Z',
            links: { self: '/exports/newer' },
          },
          {
            exportId: 'older',
            status: 'SUCCEEDED',
            startedAt: '2026-11-25T03:00:00.000Z',
            stoppedAt: '2026-11-25T03:30:00.000Z',
            links: { self: '/exports/older' },
          },
        ],
      },
    });
    expect(sfnMock).toHaveReceivedCommandWith(ListExecutionsCommand, {
      stateMachineArn: STATE_MACHINE_ARN,
      maxResults: 20,
    });
    expect(sfnMock.commandCalls(ListExecutionsCommand)[0]?.args[0].input).not.toHaveProperty('statusFilter');
  });

  it('filters by status and passes limit and nextToken through', async () => {
    // Arrange
    sfnMock.on(ListExecutionsCommand).resolves({ executions: [summary('failed-one', 'FAILED')], nextToken: 'page-3' });

    // Act
    const result = await listExports({ status: 'FAILED', limit: '5', nextToken: 'page-2' }, deps());

    // Assert
    expect(sfnMock).toHaveReceivedCommandWith(ListExecutionsCommand, {
      stateMachineArn: STATE_MACHINE_ARN,
      statusFilter: 'FAILED',
      maxResults: 5,
      nextToken: 'page-2',
    });
    expect(result.body.nextToken).toBe('page-3');
    expect(result.body.exports.map((item) => item.exportId)).toEqual(['failed-one']);
  });

  it('leaves out nextToken on the last page', async () => {
    // Arrange
    sfnMock.on(ListExecutionsCommand).resolves({ executions: [] });

    // Act
    const result = await listExports({}, deps());

    // Assert
    expect(result.body).toEqual({ exports: [] });
  });

  it.each(['0', '101', '-1', '2.5', 'ten', ''])('rejects limit=%s', async (limit) => {
    // Act
    const issues = await issuesOf(listExports({ limit }, deps()));

    // Assert
    expect(issues).toEqual([{ path: 'limit', message: 'limit must be a whole number from 1 to 100' }]);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it.each(['1', '100'])('accepts limit=%s', async (limit) => {
    // Arrange
    sfnMock.on(ListExecutionsCommand).resolves({ executions: [] });

    // Act
    await listExports({ limit }, deps());

    // Assert
    expect(sfnMock).toHaveReceivedCommandWith(ListExecutionsCommand, { maxResults: Number(limit) });
  });

  it('rejects a status that is not one of the five export statuses', async () => {
    // Act
    const issues = await issuesOf(listExports({ status: 'PENDING_REDRIVE' }, deps()));

    // Assert
    expect(issues).toEqual([
      { path: 'status', message: 'status must be one of RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED' },
    ]);
  });

  it('rejects unknown query parameters by name', async () => {
    // Act
    const issues = await issuesOf(listExports({ limt: '5' }, deps()));

    // Assert
    expect(issues).toEqual([{ path: '$', message: 'Unknown query parameter(s): limt' }]);
  });

  it('rejects a nextToken that Step Functions does not accept', async () => {
    // Arrange
    sfnMock.on(ListExecutionsCommand).rejects(new InvalidToken({ message: 'Invalid Token', $metadata: {} }));

    // Act
    const issues = await issuesOf(listExports({ nextToken: 'stale' }, deps()));

    // Assert
    expect(issues).toEqual([
      { path: 'nextToken', message: 'nextToken is invalid or has expired; list again without it' },
    ]);
  });
});

describe('handler', () => {
  it('answers GET /exports?limit=500 with 400 and the offending parameter', async () => {
    // Arrange
    const event = apiEvent({ queryStringParameters: { limit: '500' } });

    // Act
    const response = await handler(event, {} as Context);

    // Assert
    expect(response.statusCode).toBe(400);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'InvalidRequest',
        message: 'Invalid query: limit: limit must be a whole number from 1 to 100',
        details: [{ path: 'limit', message: 'limit must be a whole number from 1 to 100' }],
      },
    });
    expect(sfnMock.calls()).toHaveLength(0);
  });
});
