import { inspect } from 'node:util';
import {
  DescribeExecutionCommand,
  ExecutionDoesNotExist,
  SFNClient,
  SFNServiceException,
  StartExecutionCommand,
  StateMachineDoesNotExist,
} from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AwsThrottledError,
  AwsUnavailableError,
  ExportConflictError,
  ExportNotFoundError,
  InvalidRequestError,
  TargetBucketNotAllowedError,
} from '../../../handlers/lib/errors';
import { toErrorResponse } from '../../../handlers/lib/http';
import { logger } from '../../../handlers/lib/logger';
import { handler as requestExportHandler } from '../../../handlers/request-export';
import { postExportsEvent } from '../handlers/api-event';

// The POST /exports handler is the route that exercises every middleware (size limit, JSON parser), so these tests
// send raw API Gateway events through it and read the HTTP response a client would get.
const sfnMock = mockClient(SFNClient);

const LAMBDA_REQUEST_ID = 'lambda-request-0001';
const context = { awsRequestId: LAMBDA_REQUEST_ID } as Context;
const VALID_BODY = { replicationGroupId: 'orders', targetSnapshotName: 'nightly-copy', targetBucket: 'exports-bucket' };

const send = (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => requestExportHandler(event, context);

const parsedBody = (response: APIGatewayProxyResult): unknown => JSON.parse(response.body);

const throttling = () =>
  new SFNServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400, requestId: 'aws-req-1' },
    message: 'Rate exceeded',
  });

beforeEach(() => sfnMock.reset());

describe('API error responses', () => {
  it('answers 400 InvalidRequest with details for each schema problem', async () => {
    // Act
    const response = await send(postExportsEvent({ sourceSnapshotName: 'nightly', targetBucket: 'Bad_Bucket' }));

    // Assert
    expect(response.statusCode).toBe(400);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(parsedBody(response)).toEqual({
      error: {
        code: 'InvalidRequest',
        message: expect.stringContaining('targetBucket: S3 bucket name'),
        details: expect.arrayContaining([
          { path: 'targetBucket', message: "S3 bucket name may contain only lowercase letters, digits, '.' and '-'" },
        ]),
      },
    });
  });

  it('answers 400 InvalidRequest naming the JSON problem for a body that does not parse', async () => {
    // Act
    const response = await send(postExportsEvent('{"replicationGroupId": "orders",}'));

    // Assert
    expect(response.statusCode).toBe(400);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(parsedBody(response)).toEqual({
      error: {
        code: 'InvalidRequest',
        message: expect.stringMatching(
          /^The request body is not valid JSON \(.*position 32.*\)\. Send one JSON object/,
        ),
        details: [{ path: '$', message: expect.stringContaining('not valid JSON') }],
      },
    });
    expect(sfnMock.calls()).toHaveLength(0);
  });

  it('answers 400 InvalidRequest for an empty JSON body', async () => {
    // Act
    const response = await send(postExportsEvent(''));

    // Assert
    expect(response.statusCode).toBe(400);
    expect(parsedBody(response)).toMatchObject({ error: { code: 'InvalidRequest' } });
  });

  it('answers 400 InvalidRequest when there is no body at all', async () => {
    // Act
    const response = await send({ ...postExportsEvent(''), body: null });

    // Assert
    expect(response.statusCode).toBe(400);
    expect(parsedBody(response)).toMatchObject({ error: { code: 'InvalidRequest', details: [{ path: '$' }] } });
  });

  it.each([
    ['text/plain', { 'Content-Type': 'text/plain' }],
    ['form-encoded', { 'content-type': 'application/x-www-form-urlencoded' }],
  ])('answers 415 UnsupportedMediaType for a %s body', async (_, headers) => {
    // Arrange
    const event = { ...postExportsEvent(VALID_BODY), headers };

    // Act
    const response = await send(event);

    // Assert
    expect(response.statusCode).toBe(415);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(parsedBody(response)).toEqual({
      error: {
        code: 'UnsupportedMediaType',
        message: 'Send the request body as JSON with the header Content-Type: application/json.',
      },
    });
  });

  it('answers 415 when the Content-Type header is missing', async () => {
    // Act
    const response = await send({ ...postExportsEvent(VALID_BODY), headers: {} });

    // Assert
    expect(response.statusCode).toBe(415);
  });

  it('accepts a JSON media type with parameters and a header name in any case', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'gone', $metadata: {} }));
    sfnMock.on(StartExecutionCommand).resolves({ executionArn: 'arn:started', startDate: new Date() });
    const event = { ...postExportsEvent(VALID_BODY), headers: { 'CONTENT-TYPE': 'application/json; charset=utf-8' } };

    // Act
    const response = await send(event);

    // Assert
    expect(response.statusCode).toBe(202);
  });

  it('answers 413 for a body over 16 KiB before parsing it', async () => {
    // Arrange: valid JSON, just too big.
    const event = postExportsEvent({ ...VALID_BODY, padding: 'x'.repeat(16 * 1024) });

    // Act
    const response = await send(event);

    // Assert
    expect(response.statusCode).toBe(413);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(parsedBody(response)).toEqual({
      error: { code: 'RequestTooLarge', message: 'The request body must be at most 16384 bytes.' },
    });
  });

  it('counts bytes, not characters, and decodes base64 bodies before measuring', async () => {
    // Arrange: 6,000 three-byte characters is 18,000 bytes; base64 inflates 16,000 bytes past 16 KiB of text.
    const multibyte = postExportsEvent({ ...VALID_BODY, note: '€'.repeat(6000) });
    const small = Buffer.from(JSON.stringify({ ...VALID_BODY, note: 'x'.repeat(15_000) }));
    const base64 = { ...postExportsEvent(''), body: small.toString('base64'), isBase64Encoded: true };

    // Act
    const multibyteResponse = await send(multibyte);
    const base64Response = await send(base64);

    // Assert
    expect(multibyteResponse.statusCode).toBe(413);
    expect(base64Response.statusCode).toBe(400); // within the limit once decoded; rejected only for `note`
    expect(parsedBody(base64Response)).toMatchObject({ error: { code: 'InvalidRequest' } });
  });

  it('answers 403 TargetBucketNotAllowed for a bucket off the allow-list', async () => {
    // Act
    const response = await send(postExportsEvent({ ...VALID_BODY, targetBucket: 'someone-elses-bucket' }));

    // Assert
    expect(response.statusCode).toBe(403);
    expect(parsedBody(response)).toEqual({
      error: {
        code: 'TargetBucketNotAllowed',
        message: 'Target bucket someone-elses-bucket is not on the allow-list (ALLOWED_TARGET_BUCKETS).',
      },
    });
  });

  it('answers 409 ExportConflict when the export id belongs to a different request', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn: 'arn:existing',
      name: 'nightly-copy-exports-bucket',
      status: 'RUNNING',
      startDate: new Date(),
      input: JSON.stringify({ ...VALID_BODY, replicationGroupId: 'payments' }),
    });

    // Act
    const response = await send(postExportsEvent(VALID_BODY));

    // Assert
    expect(response.statusCode).toBe(409);
    expect(parsedBody(response)).toMatchObject({ error: { code: 'ExportConflict' } });
  });

  it('answers 429 with Retry-After when Step Functions throttles, without the AWS message', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).rejects(throttling());

    // Act
    const response = await send(postExportsEvent(VALID_BODY));

    // Assert
    expect(response.statusCode).toBe(429);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json', 'Retry-After': '2' });
    expect(parsedBody(response)).toEqual({
      error: { code: 'Throttled', message: 'AWS is throttling requests; retry after 2 seconds.' },
    });
  });

  it('answers 503 with Retry-After when Step Functions has a server-side fault', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).rejects(
      new SFNServiceException({
        name: 'InternalFailure',
        $fault: 'server',
        $metadata: { httpStatusCode: 500 },
        message: 'We encountered an internal error',
      }),
    );

    // Act
    const response = await send(postExportsEvent(VALID_BODY));

    // Assert
    expect(response.statusCode).toBe(503);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json', 'Retry-After': '5' });
  });

  it('answers 500 InternalError with the Lambda request id and no internals', async () => {
    // Arrange: a misconfigured state machine ARN; its message names the ARN and the account.
    sfnMock.on(DescribeExecutionCommand).rejects(new ExecutionDoesNotExist({ message: 'gone', $metadata: {} }));
    sfnMock.on(StartExecutionCommand).rejects(
      new StateMachineDoesNotExist({
        message: 'State Machine Does Not Exist: arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-test',
        $metadata: { httpStatusCode: 400, requestId: 'aws-req-2' },
      }),
    );

    // Act
    const response = await send(postExportsEvent(VALID_BODY));

    // Assert
    expect(response.statusCode).toBe(500);
    expect(response.headers).toEqual({ 'Content-Type': 'application/json' });
    expect(parsedBody(response)).toEqual({
      error: {
        code: 'InternalError',
        message: 'The service could not complete the request. Quote the requestId when reporting it.',
        requestId: LAMBDA_REQUEST_ID,
      },
    });
    expect(response.body).not.toMatch(/123456789012|StateMachineDoesNotExist|aws-req-2|at .*\.ts/);
  });
});

describe('API logging', () => {
  // Everything handed to the logger, rendered deeply (errors with their causes and metadata included).
  const captureLogs = () => {
    const spies = (['debug', 'info', 'warn', 'error'] as const).map((level) => jest.spyOn(logger, level));
    // Read before restoring: mockRestore also forgets the calls.
    return {
      stop: (): string => {
        const text = spies
          .flatMap((spy) => spy.mock.calls)
          .map((args) => inspect(args, { depth: 10 }))
          .join('\n');
        for (const spy of spies) spy.mockRestore();
        return text;
      },
    };
  };

  it('never hands request headers to the logger, for rejected or failed requests', async () => {
    // Arrange
    sfnMock.on(DescribeExecutionCommand).rejects(new Error('boom'));
    const secretHeaders = {
      Authorization: 'AWS4-HMAC-SHA256 Credential=AKIASECRET/sig',
      'X-Amz-Security-Token': 'tok3n',
    };
    const logs = captureLogs();

    // Act
    let text = '';
    try {
      await send(postExportsEvent(VALID_BODY, secretHeaders));
      await send(postExportsEvent({ ...VALID_BODY, targetBucket: 'nope-bucket' }, secretHeaders));
    } finally {
      text = logs.stop();
    }

    // Assert
    expect(text).toContain('Request failed');
    expect(text).toContain('boom');
    expect(text).toContain('Request rejected');
    expect(text).not.toMatch(/AKIASECRET|tok3n|authorization/i);
  });
});

describe('toErrorResponse', () => {
  it.each([
    [new InvalidRequestError('bad', []), 400, 'InvalidRequest'],
    [new TargetBucketNotAllowedError('b'), 403, 'TargetBucketNotAllowed'],
    [new ExportNotFoundError('none'), 404, 'ExportNotFound'],
    [new ExportConflictError('clash'), 409, 'ExportConflict'],
    [new AwsThrottledError('slow'), 429, 'Throttled'],
    [new AwsUnavailableError('down'), 503, 'ServiceUnavailable'],
    [new TypeError('x is undefined'), 500, 'InternalError'],
    ['a thrown string', 500, 'InternalError'],
  ])('maps %p to %i %s', (error, statusCode, code) => {
    // Act
    const response = toErrorResponse(error, 'req-1');

    // Assert
    expect(response.statusCode).toBe(statusCode);
    expect(JSON.parse(response.body)).toMatchObject({ error: { code } });
  });

  it('leaves details out of a 400 that has no issues', () => {
    // Act
    const response = toErrorResponse(new InvalidRequestError('bad'), 'req-1');

    // Assert
    expect(JSON.parse(response.body)).toEqual({ error: { code: 'InvalidRequest', message: 'bad' } });
  });

  it('leaves requestId out of a 500 when the Lambda context has none', () => {
    // Act
    const response = toErrorResponse(new Error('secret internals'), undefined);

    // Assert
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'InternalError',
        message: 'The service could not complete the request. Quote the requestId when reporting it.',
      },
    });
  });
});
