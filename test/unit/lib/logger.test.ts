// The one Powertools logger, shared by every handler in one process (the local stack), keeps one state per
// invocation: each log line carries its own function name, request id and appended keys, however many
// invocations interleave (local/lambda.ts runs each inside the Lambda InvokeStore, as the Managed Instances runtime
// does).

import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DescribeSnapshotsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { S3Client } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, ExecutionDoesNotExist, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { invokeHandler, type LambdaHandler, lambdaContext } from '../../../local/lambda';
import { exportState, pollState } from '../../support/builders';
import { sleep } from '../../support/waiting';
import { apiEvent } from '../handlers/api-event';

const sfnMock = mockClient(SFNClient);
const snsMock = mockClient(SNSClient);
const elastiCacheMock = mockClient(ElastiCacheClient);
mockClient(S3Client);
const dynamoDbMock = mockClient(DynamoDBClient);

/** A deterministic spread of delays, so the invocations' awaits interleave differently on every call. */
let tick = 0;
const jitter = (): Promise<void> => sleep(1 + ((tick++ * 7) % 11));

// The handlers are imported once the log level is INFO (test/setup-env.ts makes it SILENT): the logger reads it at
// construction and goes back to it at the start of every warm invocation.
let logger: Logger;
const handlers: Record<'requestExport' | 'publishOutcome' | 'checkExport', LambdaHandler> = Object.create(null);

beforeAll(async () => {
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  ({ logger } = await import('../../../handlers/lib/logger.js'));
  handlers.requestExport = (await import('../../../handlers/request-export.js')).handler as LambdaHandler;
  handlers.publishOutcome = (await import('../../../handlers/publish-outcome.js')).handler as LambdaHandler;
  handlers.checkExport = (await import('../../../handlers/check-export.js')).handler as LambdaHandler;
});

interface LogLine {
  message: string;
  function_name?: string;
  function_request_id?: string;
  exportId?: string;
  [key: string]: unknown;
}

/** Captures the JSON lines the logger writes (info to stdout, warn and error to stderr). */
const captureLogs = (): { lines: LogLine[]; restore(): void } => {
  const lines: LogLine[] = [];
  const capture = (chunk: unknown): boolean => {
    for (const text of String(chunk).split('\n')) {
      if (!text.startsWith('{')) continue;
      const parsed = JSON.parse(text) as LogLine;
      if (parsed.service === 'elasticache-snapshot-export') lines.push(parsed);
    }
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  return {
    lines,
    restore: () => {
      out.mockRestore();
      err.mockRestore();
    },
  };
};

interface Invocation {
  functionName: string;
  handler: LambdaHandler;
  event: unknown;
  /** The exportId the invocation appends to its keys. */
  exportId?: string;
  /** The message each invocation logs once, at the end. */
  message: string;
}

/** Three different functions, four invocations each, every one with its own export id. */
const invocations = (): Invocation[] =>
  [0, 1, 2, 3].flatMap((index): Invocation[] => {
    const requested = `requested-${index}`;
    const published = exportState({ targetSnapshotName: `Published-${index}` });
    return [
      {
        functionName: 'requestExport',
        handler: handlers.requestExport,
        event: apiEvent({
          httpMethod: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ sourceSnapshotName: 'nightly', targetSnapshotName: requested }),
        }),
        exportId: undefined,
        message: 'Export requested',
      },
      {
        functionName: 'publishOutcome',
        handler: handlers.publishOutcome,
        event: { ...published, poll: pollState({ status: 'exported' }) },
        exportId: published.exportId,
        message: 'Outcome published',
      },
      {
        functionName: 'checkExport',
        handler: handlers.checkExport,
        event: exportState({ targetSnapshotName: `Checked-${index}`, deadline: '2999-01-01T00:00:00.000Z' }),
        message: 'Export still running',
      },
    ];
  });

beforeEach(() => {
  tick = 0;
  sfnMock.reset();
  snsMock.reset();
  elastiCacheMock.reset();
  dynamoDbMock.reset();
  dynamoDbMock.on(PutItemCommand).resolves({});
  dynamoDbMock.on(GetItemCommand).resolves({});
  sfnMock.on(DescribeExecutionCommand).callsFake(async () => {
    await jitter();
    throw new ExecutionDoesNotExist({ message: 'Execution does not exist', $metadata: {} });
  });
  sfnMock.on(StartExecutionCommand).callsFake(async (input: { stateMachineArn: string; name: string }) => {
    await jitter();
    return {
      executionArn: `${input.stateMachineArn.replace(':stateMachine:', ':execution:')}:${input.name}`,
      startDate: new Date(),
    };
  });
  snsMock.on(PublishCommand).callsFake(async () => {
    await jitter();
    return { MessageId: `message-${tick}` };
  });
  elastiCacheMock.on(DescribeSnapshotsCommand).callsFake(async () => {
    await jitter();
    return { Snapshots: [{ SnapshotName: 'nightly', SnapshotStatus: 'copying' }] };
  });
});

/** Runs every invocation at once; returns each one's context and the log lines written meanwhile. */
const runConcurrently = async (call: (invocation: Invocation, context: Context) => Promise<unknown>) => {
  const runs = invocations().map((invocation) => ({
    invocation,
    context: lambdaContext(invocation.functionName),
  }));
  const capture = captureLogs();
  try {
    await Promise.all(runs.map(({ invocation, context }) => call(invocation, context)));
  } finally {
    capture.restore();
  }
  return { runs, lines: capture.lines };
};

it('gives every concurrent invocation log lines with its own function name, request id and keys', async () => {
  // Arrange
  const invoke = (invocation: Invocation, context: Context) =>
    invokeHandler(invocation.handler, invocation.event as never, context);

  // Act
  const { runs, lines } = await runConcurrently(invoke);

  // Assert
  expect(lines).toHaveLength(runs.length);
  for (const line of lines) {
    const run = runs.find(({ context }) => context.awsRequestId === line.function_request_id);
    expect(run).toBeDefined();
    expect(line).toMatchObject({ function_name: run?.invocation.functionName, message: run?.invocation.message });
    if (run?.invocation.exportId) expect(line.exportId).toBe(run.invocation.exportId);
    if (run?.invocation.functionName === 'requestExport') expect(line.exportId).toMatch(/^requested-\d-/);
    if (run?.invocation.functionName === 'checkExport') expect(line).not.toHaveProperty('exportId');
  }
  const requestedIds = lines.filter((line) => line.function_name === 'requestExport').map((line) => line.exportId);
  expect(new Set(requestedIds).size).toBe(4);
});

it('clears each invocation’s keys when it ends, without touching the others still running', async () => {
  // Arrange
  const invoke = (invocation: Invocation, context: Context) =>
    invokeHandler(invocation.handler, invocation.event as never, context);
  await runConcurrently(invoke);
  const capture = captureLogs();

  // Act
  logger.info('After the invocations');
  capture.restore();

  // Assert
  expect(capture.lines).toHaveLength(1);
  expect(capture.lines[0]).not.toHaveProperty('exportId');
  expect(capture.lines[0]).not.toHaveProperty('function_request_id');
});

it('mixes up the invocations when they are not run inside the invoke store (why the local runner uses it)', async () => {
  // Arrange: the handlers called directly, as the local stack did before
  const invoke = (invocation: Invocation, context: Context) =>
    (invocation.handler as (event: unknown, context: Context) => Promise<unknown>)(invocation.event, context);

  // Act
  const { runs, lines } = await runConcurrently(invoke);

  // Assert
  const misattributed = lines.filter((line) => {
    const run = runs.find(({ context }) => context.awsRequestId === line.function_request_id);
    return run?.invocation.message !== line.message;
  });
  expect(misattributed.length).toBeGreaterThan(0);
});
