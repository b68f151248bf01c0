import { InvalidToken, ListExecutionsCommand, SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { InvalidRequestError } from '../../../handlers/lib/errors';
import { handler, type ListExportsDeps, listExports } from '../../../handlers/list-exports';
import { apiEvent } from './api-event';

const sfnMock = mockClient(SFNClient);

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-test';

const deps = (): ListExportsDeps => ({ sfn: new SFNClient({}), stateMachineArn: STATE_MACHINE_ARN });

const summary = (name: string, status: 'RUNNING' | 'SUCCEEDED' | 'FAILED', stopped = status !== 'RUNNING') => ({
  executionArn: `arn:aws:states:us-east-1:123456789012:execution:exportSnapshot-test:${name}`,
  stateMachineArn: STATE_MACHINE_ARN,
  name,
  status,
  startDate: new Date('2026-11-25T03:00:00.000Z'),
  ...(stopped && { stopDate: new Date('2026-11-25T03:30:00.000Z') }),
});

const issuesOf = async (promise: Promise<unknown>) => {
  const error: unknown = await promise.catch((caught: unknown) => caught);
  return error instanceof InvalidRequestError ? error.issues : [];
};

beforeEach(() => sfnMock.reset());

describe('listExports', () => {
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
