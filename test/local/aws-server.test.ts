// The emulator's HTTP server: routing by the SigV4 scope, local endpoints, and errors that never crash or hang.
import { DescribeSnapshotsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { DescribeExecutionCommand, SFNClient } from '@aws-sdk/client-sfn';
import { ListTopicsCommand } from '@aws-sdk/client-sns';
import type { EmulatedService } from '../../local/aws/types';
import { type Harness, httpStatusOf, rawRequest, rejectionOf, startHarness } from './emulator-harness';

let harness: Harness;
const seen: Array<{ service: string; accountId: string; region: string; target?: string }> = [];

/** A stand-in JSON service, as the Step Functions service plugs in: records what the server routed to it. */
const echoStates: EmulatedService = {
  name: 'states',
  handle: async (request) => {
    seen.push({ service: request.service, ...request.caller, target: request.headers['x-amz-target'] });
    if (request.headers['x-amz-target'] === 'AWSStepFunctions.DescribeExecution') throw new Error('boom');
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: '{}' };
  },
};

const stuck: EmulatedService = { name: 'stuck', handle: () => new Promise(() => {}) };

/** A service whose answer Node cannot write: a control character in a header value. */
const unwritable: EmulatedService = {
  name: 'unwritable',
  handle: async () => ({ status: 200, headers: { 'x-amz-checksum-crc32c': 'ab\u0001cd' }, body: '' }),
};

beforeAll(async () => {
  harness = await startHarness({ services: [echoStates, stuck, unwritable], requestTimeoutMs: 300 });
});

afterAll(() => harness.stop());

describe('routing', () => {
  it('treats a 12-digit access key id as the account and takes the Region from the signature', async () => {
    // Arrange
    const sfn = new SFNClient({
      endpoint: harness.aws.url,
      region: 'eu-west-1',
      credentials: { accessKeyId: '111111111111', secretAccessKey: 'test' },
    });

    // Act
    await sfn
      .send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:eu-west-1:111111111111:execution:x:y' }))
      .catch(() => undefined);
    sfn.destroy();

    // Assert
    expect(seen.at(-1)).toEqual({
      service: 'states',
      accessKeyId: '111111111111',
      accountId: '111111111111',
      region: 'eu-west-1',
      target: 'AWSStepFunctions.DescribeExecution',
    });
  });

  it('treats any other access key id as account 000000000000', async () => {
    // Arrange
    const sfn = new SFNClient({
      endpoint: harness.aws.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'test' },
    });

    // Act
    await sfn
      .send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:0:execution:x:y' }))
      .catch(() => undefined);
    sfn.destroy();

    // Assert
    expect(seen.at(-1)).toMatchObject({ accountId: '000000000000', region: 'us-east-1' });
  });

  it('keeps the state of each account apart', async () => {
    // Arrange
    const mine = harness.s3({ accessKeyId: '111111111111' });
    const theirs = harness.s3({ accessKeyId: '222222222222' });
    await harness.aws.s3.seedBucket({ name: 'only-for-111', accountId: '111111111111' });

    // Act
    const mineList = await mine.send(new ListBucketsCommand({}));
    const theirList = await theirs.send(new ListBucketsCommand({}));

    // Assert
    expect(mineList.Buckets?.map((bucket) => bucket.Name)).toContain('only-for-111');
    expect(theirList.Buckets?.map((bucket) => bucket.Name) ?? []).not.toContain('only-for-111');
  });

  it('reads the account and Region of a presigned URL from X-Amz-Credential', async () => {
    // Arrange
    harness.aws.s3.seedBucket({ name: 'presigned-bucket', accountId: '111111111111', region: 'eu-west-1' });
    harness.aws.s3.putObject('presigned-bucket', 'report.txt', 'for 111111111111 only');
    const presigned = (accessKeyId: string, region: string): string =>
      `/presigned-bucket/report.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent(
        `${accessKeyId}/20260101/${region}/s3/aws4_request`,
      )}&X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host&X-Amz-Signature=abc`;

    // Act
    const owner = await rawRequest(harness.aws.url, { path: presigned('111111111111', 'eu-west-1') });
    const stranger = await rawRequest(harness.aws.url, { path: presigned('AKIDEXAMPLE', 'eu-west-1') });

    // Assert
    expect([owner.status, owner.body]).toEqual([200, 'for 111111111111 only']);
    expect(stranger.status).toBe(403);
    expect(stranger.body).toContain('<Code>AccessDenied</Code>');
  });

  it('refuses an unsigned query request in the shape of the service its API version names', async () => {
    // Act
    const response = await fetch(`${harness.aws.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListTopics&Version=2010-03-31',
    });
    const text = await response.text();

    // Assert
    expect(response.status).toBe(403);
    expect(text).toMatch(/^<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code>/);
  });

  it('treats an unsigned query request with an unknown API version as an unknown service', async () => {
    // Act
    const response = await fetch(`${harness.aws.url}/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=ListTopics&Version=constructor',
    });

    // Assert
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('does not serve the service &quot;unknown&quot;');
  });
});

describe('local endpoints', () => {
  it('reports health with the services it serves', async () => {
    // Act
    const response = await fetch(`${harness.aws.url}/_local/health`);

    // Assert
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      status: 'ok',
      project: 'elasticache-snapshot-export',
      services: expect.arrayContaining(['elasticache', 's3', 'sns', 'states']),
    });
  });

  it('refuses a local endpoint body over 1 MiB with a JSON 413', async () => {
    // Act
    const response = await rawRequest(harness.aws.url, {
      method: 'POST',
      path: '/_local/elasticache/faults',
      body: JSON.stringify({ action: 'x'.repeat(2 * 1024 * 1024) }),
    });

    // Assert
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toEqual({ error: 'The request body was larger than 1048576 bytes' });
  });

  it('answers 404 for an unknown local endpoint', async () => {
    // Act
    const response = await fetch(`${harness.aws.url}/_local/nothing-here`);

    // Assert
    expect(response.status).toBe(404);
  });
});

describe('errors', () => {
  it('answers an unknown ElastiCache action with InvalidAction naming it', async () => {
    // Act
    const response = await fetch(`${harness.aws.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/elasticache/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: 'Action=RebootCacheCluster&Version=2015-02-02',
    });
    const text = await response.text();

    // Assert
    expect(response.status).toBe(400);
    expect(text).toContain('<Code>InvalidAction</Code>');
    expect(text).toContain('RebootCacheCluster');
    expect(text).toMatch(/<ErrorResponse[^>]*><Error><Type>Sender<\/Type>/);
  });

  it.each([
    ['elasticache', '2015-02-02', 'toString'],
    ['elasticache', '2015-02-02', 'constructor'],
    ['sns', '2010-03-31', 'toString'],
    ['sns', '2010-03-31', 'hasOwnProperty'],
  ])(
    'answers an Action named like an object property with InvalidAction (%s %s, %s)',
    async (service, version, action) => {
      // Act
      const response = await fetch(`${harness.aws.url}/`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/${service}/aws4_request, SignedHeaders=host, Signature=x`,
        },
        body: `Action=${action}&Version=${version}`,
      });
      const text = await response.text();

      // Assert
      expect(response.status).toBe(400);
      expect(text).toContain('<Code>InvalidAction</Code>');
      expect(text).toContain(`The action ${action} is not valid for this web service.`);
    },
  );

  it('answers a service that is not emulated with a query-style error', async () => {
    // Act
    const response = await fetch(`${harness.aws.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/rds/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: 'Action=DescribeDBInstances&Version=2014-10-31',
    });

    // Assert
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('rds');
  });

  it("refuses a body over Step Functions' 1 MB request size with a JSON error, without calling the service", async () => {
    // Arrange
    const before = seen.length;

    // Act
    const response = await rawRequest(harness.aws.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.StartExecution' },
      body: JSON.stringify({ input: 'x'.repeat(1024 * 1024) }),
      sign: { service: 'states' },
    });

    // Assert
    expect(response.status).toBe(413);
    expect(JSON.parse(response.body)).toMatchObject({ __type: 'RequestEntityTooLarge' });
    expect(seen.length).toBe(before);
  });

  it('turns an exception inside a JSON service into a 500 InternalFailure the SDK parses', async () => {
    // Arrange
    const sfn = new SFNClient({
      endpoint: harness.aws.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });

    // Act
    const error = await rejectionOf(
      sfn.send(new DescribeExecutionCommand({ executionArn: 'arn:aws:states:us-east-1:0:execution:x:y' })),
    );
    sfn.destroy();

    // Assert
    expect(error.name).toBe('InternalFailure');
    expect(httpStatusOf(error)).toBe(500);
  });

  it('answers 500 instead of hanging when a service never answers', async () => {
    // Act
    const response = await fetch(`${harness.aws.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/stuck/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: 'Action=Anything&Version=1',
    });

    // Assert
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('<Code>InternalFailure</Code>');
  });

  it('answers 500 InternalFailure instead of crashing when a service returns an answer that cannot be written', async () => {
    // Act
    const response = await fetch(`${harness.aws.url}/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/unwritable/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: 'Action=Anything&Version=1',
    });
    const health = await fetch(`${harness.aws.url}/_local/health`);

    // Assert
    expect(response.status).toBe(500);
    expect(await response.text()).toContain('<Code>InternalFailure</Code>');
    expect(health.status).toBe(200);
  });

  it('keeps serving after a failure', async () => {
    // Arrange
    const elastiCache = harness.elastiCache();
    const s3 = harness.s3();
    const sns = harness.sns();

    // Act
    const snapshots = await elastiCache.send(new DescribeSnapshotsCommand({}));
    const buckets = await s3.send(new ListBucketsCommand({}));
    const topics = await sns.send(new ListTopicsCommand({}));

    // Assert
    expect(snapshots.Snapshots).toEqual([]);
    expect(buckets.$metadata.httpStatusCode).toBe(200);
    expect(topics.Topics).toEqual([]);
  });
});

describe('lifecycle', () => {
  it('stops listening when stopped', async () => {
    // Arrange
    const other = await startHarness();
    const client = new ElastiCacheClient({
      endpoint: other.aws.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });

    // Act
    await other.stop();
    const error = await rejectionOf(client.send(new DescribeSnapshotsCommand({})));
    client.destroy();

    // Assert
    expect(String((error as { code?: unknown }).code ?? error.message)).toMatch(/ECONNREFUSED/);
  });

  it('serves S3 clients that use virtual-hosted style through a bucket.localhost Host', async () => {
    // Arrange
    await harness.aws.s3.seedBucket({ name: 'virtual-hosted-bucket' });
    harness.aws.s3.putObject('virtual-hosted-bucket', 'greeting.txt', 'hello');

    // Act
    const response = await rawRequest(harness.aws.url, {
      path: '/greeting.txt',
      headers: {
        host: `virtual-hosted-bucket.localhost:${harness.aws.port}`,
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=x',
      },
    });

    // Assert
    expect(response.status).toBe(200);
    expect(response.body).toBe('hello');
  });
});
