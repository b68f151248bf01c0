import { DescribeSnapshotsCommand, ElastiCacheClient, SnapshotNotFoundFault } from '@aws-sdk/client-elasticache';
import { HeadBucketCommand, ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DescribeExecutionCommand,
  type DescribeExecutionOutput,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  ExecutionLimitExceeded,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AwsThrottledError,
  ExportConflictError,
  InvalidRequestError,
  TargetBucketNotAllowedError,
} from '../../../handlers/lib/errors';
import { exportIdFor } from '../../../handlers/lib/naming';
import {
  handler,
  type PostExportsDeps,
  postExports,
  type RequestExportDeps,
  requestExport,
} from '../../../handlers/request-export';
import { postExportsEvent } from './api-event';

const sfnMock = mockClient(SFNClient);
const elastiCacheMock = mockClient(ElastiCacheClient);
const s3Mock = mockClient(S3Client);

const STATE_MACHINE_ARN = 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-test';
const EXPORT_ID = exportIdFor('exports-bucket', 'nightly-copy');
const EXECUTION_ARN = `arn:aws:states:us-east-1:123456789012:execution:exportSnapshot-test:${EXPORT_ID}`;
const CANONICAL_INPUT =
  '{"replicationGroupId":"orders","targetSnapshotName":"nightly-copy","targetBucket":"exports-bucket"}';

const deps = (overrides: Partial<RequestExportDeps> = {}): RequestExportDeps => ({
  sfn: new SFNClient({}),
  stateMachineArn: STATE_MACHINE_ARN,
  allowedTargetBuckets: ['exports-bucket', 'other-allowed-bucket'],
  defaultTargetBucket: 'exports-bucket',
  now: () => new Date('2026-11-25T03:04:05Z'),
  ...overrides,
});

const body = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  replicationGroupId: 'orders',
  targetSnapshotName: 'nightly-copy',
  targetBucket: 'exports-bucket',
  ...overrides,
});

const execution = (overrides: Partial<DescribeExecutionOutput> = {}): DescribeExecutionOutput => ({
  executionArn: EXECUTION_ARN,
  stateMachineArn: STATE_MACHINE_ARN,
  name: EXPORT_ID,
  status: 'RUNNING',
  startDate: new Date('2026-11-25T03:00:00Z'),
  input: CANONICAL_INPUT,
  ...overrides,
});

const notFound = () => new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });

/** The route's deps: the real request's, and the dry run's clients and Region. */
const postDeps = (): PostExportsDeps => ({
  ...deps(),
  elastiCache: new ElastiCacheClient({ maxAttempts: 1 }),
  s3: new S3Client({ maxAttempts: 1 }),
  region: 'us-east-1',
});

/** A dry run's AWS: no such snapshot, and a bucket this account does not own (each check answers). */
const givenNothingToExport = (): void => {
  elastiCacheMock
    .on(DescribeSnapshotsCommand)
    .rejects(new SnapshotNotFoundFault({ message: 'Snapshot nightly not found.', $metadata: {} }));
  s3Mock.on(ListBucketsCommand).resolves({ Buckets: [] });
  s3Mock.on(HeadBucketCommand).resolves({});
};

beforeEach(() => {
  sfnMock.reset();
  elastiCacheMock.reset();
  s3Mock.reset();
});

describe('requestExport', () => {
  it('starts an execution named by the export id and answers 202 with the normalized request', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });

    // Act
    const result = await requestExport(body(), deps());

    // Assert
    expect(result).toEqual({
      statusCode: 202,
      body: {
        exportId: EXPORT_ID,
        executionArn: EXECUTION_ARN,
        status: 'RUNNING',
        request: { replicationGroupId: 'orders', targetSnapshotName: 'nightly-copy', targetBucket: 'exports-bucket' },
        links: { self: `/exports/${EXPORT_ID}` },
      },
    });
    expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: EXECUTION_ARN });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, {
      stateMachineArn: STATE_MACHINE_ARN,
      name: EXPORT_ID,
      input: CANONICAL_INPUT,
    });
  });

  it('sends the same input bytes whatever the order of the fields in the body', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });
    const reordered = {
      targetBucket: 'exports-bucket',
      targetSnapshotName: 'nightly-copy',
      replicationGroupId: 'orders',
    };

    // Act
    await requestExport(reordered, deps());

    // Assert
    expect(sfnMock.commandCalls(StartExecutionCommand)[0]?.args[0].input.input).toBe(CANONICAL_INPUT);
  });

  it('fills in the default bucket and a target name from the clock', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:started', startDate: new Date() });

    // Act
    const result = await requestExport({ sourceSnapshotName: 'nightly' }, deps());

    // Assert
    expect(result.body.request).toEqual({
      sourceSnapshotName: 'nightly',
      targetSnapshotName: 'nightly-20261125-0304',
      targetBucket: 'exports-bucket',
    });
    expect(result.body.exportId).toBe(exportIdFor('exports-bucket', 'nightly-20261125-0304'));
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { name: result.body.exportId });
  });

  it('answers 200 with the existing execution and its status when the same export was already requested', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).resolves(execution({ status: 'SUCCEEDED', stopDate: new Date() }));

    // Act
    const result = await requestExport(body(), deps());

    // Assert
    expect(result).toEqual({
      statusCode: 200,
      body: {
        exportId: EXPORT_ID,
        executionArn: EXECUTION_ARN,
        status: 'SUCCEEDED',
        request: { replicationGroupId: 'orders', targetSnapshotName: 'nightly-copy', targetBucket: 'exports-bucket' },
        links: { self: `/exports/${EXPORT_ID}` },
      },
    });
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });

  it('treats a stored input with other spacing and key order as the same request', async () => {
    // Arrange
    const stored = JSON.stringify(
      { targetBucket: 'exports-bucket', replicationGroupId: 'orders', targetSnapshotName: 'nightly-copy' },
      null,
      2,
    );
    sfnMock.on(DescribeExecutionCommand).resolves(execution({ input: stored }));

    // Act
    const result = await requestExport(body(), deps());

    // Assert
    expect(result.statusCode).toBe(200);
    expect(result.body.status).toBe('RUNNING');
  });

  it('rejects with ExportConflictError when the export id was used by a different request', async () => {
    // Arrange: same bucket and target name (the export id), but another source.
    sfnMock
      .on(DescribeExecutionCommand)
      .resolves(
        execution({ input: CANONICAL_INPUT.replace('"replicationGroupId":"orders"', '"cacheClusterId":"c1"') }),
      );

    // Act
    const act = requestExport(body(), deps());

    // Assert
    await expect(act).rejects.toThrow(ExportConflictError);
    await expect(act).rejects.toThrow(`/exports/${EXPORT_ID}`);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 0);
  });

  it('sees a target name differing only in case as the same export id and a conflicting request', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).resolves(execution());

    // Act
    const act = requestExport(body({ targetSnapshotName: 'Nightly-Copy' }), deps());

    // Assert
    await expect(act).rejects.toThrow(ExportConflictError);
    expect(sfnMock).toHaveReceivedCommandWith(DescribeExecutionCommand, { executionArn: EXECUTION_ARN });
  });

  it('answers 200 when a concurrent identical request started the execution first', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).rejectsOnce(notFound()).resolves(execution());
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // Act
    const result = await requestExport(body(), deps());

    // Assert
    expect(result.statusCode).toBe(200);
    expect(result.body.executionArn).toBe(EXECUTION_ARN);
    expect(sfnMock).toHaveReceivedCommandTimes(DescribeExecutionCommand, 2);
  });

  it('rejects with ExportConflictError when a concurrent different request started the execution first', async () => {
    // Arrange
    sfnMock
      .on(DescribeExecutionCommand)
      .rejectsOnce(notFound())
      .resolves(execution({ input: CANONICAL_INPUT.replace('orders', 'payments') }));
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));

    // Act
    const act = requestExport(body(), deps());

    // Assert
    await expect(act).rejects.toThrow(ExportConflictError);
  });

  it('rejects a body that breaks the schema with InvalidRequestError listing each path', async () => {
    // Arrange
    const bad = { sourceSnapshotName: 'nightly', targetBucket: 'Bad_Bucket', colour: 'red' };

    // Act
    const act = requestExport(bad, deps());

    // Assert
    await expect(act).rejects.toThrow(InvalidRequestError);
    const error: unknown = await act.catch((caught: unknown) => caught);
    const paths = error instanceof InvalidRequestError ? error.issues.map((issue) => issue.path) : [];
    expect(paths).toEqual(expect.arrayContaining(['targetBucket', 'colour']));
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('rejects a body with two sources', async () => {
    // Act
    const act = requestExport(body({ sourceSnapshotName: 'nightly' }), deps());

    // Assert
    await expect(act).rejects.toThrow('exactly one of sourceSnapshotName, replicationGroupId, cacheClusterId');
  });

  it('rejects a bucket that is not on the allow-list before calling Step Functions', async () => {
    // Act
    const act = requestExport(body({ targetBucket: 'someone-elses-bucket' }), deps());

    // Assert
    await expect(act).rejects.toThrow(TargetBucketNotAllowedError);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('allows no bucket at all when the allow-list is empty', async () => {
    // Act
    const act = requestExport(body(), deps({ allowedTargetBuckets: [] }));

    // Assert
    await expect(act).rejects.toThrow(TargetBucketNotAllowedError);
  });

  it('reports Step Functions throttling as AwsThrottledError', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).rejects(
      new SFNServiceException({
        name: 'ThrottlingException',
        $fault: 'client',
        $metadata: { httpStatusCode: 400, requestId: 'req-1' },
        message: 'Rate exceeded',
      }),
    );

    // Act
    const act = requestExport(body(), deps());

    // Assert
    await expect(act).rejects.toThrow(AwsThrottledError);
  });

  it('reports the open-executions quota as AwsThrottledError, since asking later can succeed', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    sfnMock
      .on(StartExecutionCommand)
      .rejects(new ExecutionLimitExceeded({ message: 'Execution Limit Exceeded', $metadata: {} }));

    // Act
    const act = requestExport(body(), deps());

    // Assert
    await expect(act).rejects.toThrow(AwsThrottledError);
  });
});

describe('postExports', () => {
  it('runs the checks for ?dryRun=true, answers 200 with every problem and starts nothing', async () => {
    // Arrange
    givenNothingToExport();
    const dryRun = {
      sourceSnapshotName: 'nightly',
      targetSnapshotName: 'nightly-copy',
      targetBucket: 'exports-bucket',
    };

    // Act
    const result = await postExports(dryRun, { dryRun: 'true' }, postDeps());

    // Assert
    expect(result.statusCode).toBe(200);
    expect(result.body).toMatchObject({
      ok: false,
      request: { sourceSnapshotName: 'nightly', targetSnapshotName: 'nightly-copy', targetBucket: 'exports-bucket' },
    });
    expect('problems' in result.body && result.body.problems.map((problem) => problem.code)).toEqual([
      'SnapshotNotFound',
      'S3BucketNotOwned',
    ]);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it.each([
    ['dryRun=false', { dryRun: 'false' }],
    ['no query', null],
  ])('requests the export with %s', async (_case, query) => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });

    // Act
    const result = await postExports(body(), query, postDeps());

    // Assert
    expect(result.statusCode).toBe(202);
    expect(sfnMock).toHaveReceivedCommandTimes(StartExecutionCommand, 1);
    expect(elastiCacheMock.calls()).toHaveLength(0);
  });

  it.each(['yes', 'TRUE', '1', ''])('rejects dryRun=%s naming the parameter, before anything else', async (value) => {
    // Act
    const act = postExports(body(), { dryRun: value }, postDeps());

    // Assert
    const error: unknown = await act.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error instanceof InvalidRequestError && error.issues).toEqual([
      { path: 'dryRun', message: 'dryRun must be true or false' },
    ]);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('rejects an unknown query parameter, so a misspelt dryRun never starts an export', async () => {
    // Act
    const act = postExports(body(), { dryrun: 'true' }, postDeps());

    // Assert
    await expect(act).rejects.toThrow('Unknown query parameter(s): dryrun');
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('still rejects a body that breaks the schema in a dry run', async () => {
    // Act
    const act = postExports({ colour: 'red' }, { dryRun: 'true' }, postDeps());

    // Assert
    await expect(act).rejects.toThrow(InvalidRequestError);
    expect(elastiCacheMock.calls()).toHaveLength(0);
  });
});

describe('handler', () => {
  it('answers POST /exports with 202 and a JSON body', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).rejects(notFound());
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });

    // Act
    const response = await handler(postExportsEvent(body()), {} as Context);

    // Assert
    expect(response.statusCode).toBe(202);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(JSON.parse(response.body)).toMatchObject({ exportId: EXPORT_ID, status: 'RUNNING' });
    expect(sfnMock).toHaveReceivedCommandWith(StartExecutionCommand, { input: CANONICAL_INPUT });
  });

  it.each(['Application/JSON', 'APPLICATION/JSON; charset=UTF-8', 'application/vnd.api+JSON'])(
    'accepts the media type %s: types are case-insensitive',
    async (contentType) => {
      // Arrange
      sfnMock.on(DescribeExecutionCommand).rejects(notFound());
      sfnMock.on(StartExecutionCommand).resolves({ executionArn: EXECUTION_ARN, startDate: new Date() });

      // Act
      const response = await handler(postExportsEvent(body(), { 'Content-Type': contentType }), {} as Context);

      // Assert
      expect(response.statusCode).toBe(202);
    },
  );

  it('answers POST /exports?dryRun=true with 200 and the problems, and starts nothing', async () => {
    // Arrange
    givenNothingToExport();
    const event = {
      ...postExportsEvent({ sourceSnapshotName: 'nightly' }),
      queryStringParameters: { dryRun: 'true' },
    };

    // Act
    const response = await handler(event, {} as Context);

    // Assert
    expect(response.statusCode).toBe(200);
    const answer = JSON.parse(response.body) as { ok: boolean; problems: Array<{ code: string }> };
    expect(answer.ok).toBe(false);
    expect(answer.problems.map((problem) => problem.code)).toEqual(['SnapshotNotFound', 'S3BucketNotOwned']);
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('answers 400 InvalidRequest naming dryRun for any other value', async () => {
    // Act
    const response = await handler(
      { ...postExportsEvent(body()), queryStringParameters: { dryRun: 'maybe' } },
      {} as Context,
    );

    // Assert
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'InvalidRequest',
        message: 'Invalid query: dryRun: dryRun must be true or false',
        details: [{ path: 'dryRun', message: 'dryRun must be true or false' }],
      },
    });
  });

  it('still answers 415 for a body that is not JSON', async () => {
    // Act
    const response = await handler(postExportsEvent(body(), { 'Content-Type': 'Text/Plain' }), {} as Context);

    // Assert
    expect(response.statusCode).toBe(415);
  });
});
