// Authentication as AWS does it: an AWS API request must carry a SigV4 signature (header or presigned query), or it
// is refused in the service's own shape; S3 treats it as anonymous. Signatures themselves are not verified.
import { ListTopicsCommand } from '@aws-sdk/client-sns';
import type { EmulatedService } from '../../local/aws/types';
import { type Harness, rawRequest, startHarness } from './emulator-harness';

let harness: Harness;
let served = 0;

/** Stands in for Step Functions (JSON 1.0), counting what reaches it. */
const states: EmulatedService = {
  name: 'states',
  handle: async () => {
    served += 1;
    return { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: '{}' };
  },
};

beforeAll(async () => {
  harness = await startHarness({ services: [states] });
  harness.aws.s3.seedBucket({ name: 'private-bucket' });
  harness.aws.s3.putObject('private-bucket', 'secret.txt', 'not for everyone');
});

afterAll(() => harness.stop());

const form = (body: string) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body,
});

describe('unsigned requests', () => {
  it.each([
    ['ElastiCache', 'Action=DescribeSnapshots&Version=2015-02-02'],
    ['SNS', 'Action=ListTopics&Version=2010-03-31'],
  ])('refuses an unsigned %s request with MissingAuthenticationToken (403, query protocol)', async (_name, body) => {
    // Act
    const response = await rawRequest(harness.aws.url, form(body));

    // Assert
    expect(response.status).toBe(403);
    expect(response.body).toMatch(
      /^<ErrorResponse[^>]*><Error><Type>Sender<\/Type><Code>MissingAuthenticationToken<\/Code><Message>Request is missing Authentication Token<\/Message><\/Error><RequestId>[0-9a-f-]+<\/RequestId><\/ErrorResponse>$/,
    );
  });

  it('refuses an unsigned Step Functions StartExecution with MissingAuthenticationToken (403, JSON 1.0)', async () => {
    // Arrange
    const before = served;

    // Act
    const response = await rawRequest(harness.aws.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AWSStepFunctions.StartExecution' },
      body: JSON.stringify({ stateMachineArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:x' }),
    });

    // Assert
    expect(response.status).toBe(403);
    expect(response.headers['x-amzn-errortype']).toBe('MissingAuthenticationToken');
    expect(JSON.parse(response.body)).toEqual({
      __type: 'MissingAuthenticationToken',
      message: 'Request is missing Authentication Token',
    });
    expect(served).toBe(before);
  });

  it('answers an anonymous S3 request for a private bucket with AccessDenied', async () => {
    // Act
    const object = await rawRequest(harness.aws.url, { path: '/private-bucket/secret.txt' });
    const listing = await rawRequest(harness.aws.url, { path: '/private-bucket?list-type=2' });
    const upload = await rawRequest(harness.aws.url, { method: 'PUT', path: '/private-bucket/new.txt', body: 'x' });

    // Assert
    for (const response of [object, listing, upload]) {
      expect(response.status).toBe(403);
      expect(response.body).toContain('<Code>AccessDenied</Code><Message>Access Denied</Message>');
    }
    expect(harness.aws.s3.store.headObject('private-bucket', 'new.txt')).toBeUndefined();
  });

  it('answers an anonymous S3 request for a bucket that does not exist with NoSuchBucket, as S3 does', async () => {
    // Act
    const response = await rawRequest(harness.aws.url, { path: '/no-such-bucket-here/x' });

    // Assert
    expect(response.status).toBe(404);
    expect(response.body).toContain('<Code>NoSuchBucket</Code>');
  });

  it('answers anonymous ListBuckets and CreateBucket with AccessDenied', async () => {
    // Act
    const list = await rawRequest(harness.aws.url, { path: '/' });
    const create = await rawRequest(harness.aws.url, { method: 'PUT', path: '/anonymous-bucket' });

    // Assert
    expect([list.status, create.status]).toEqual([403, 403]);
    expect(harness.aws.s3.store.getBucket('anonymous-bucket')).toBeUndefined();
  });

  it('serves the local endpoints without a signature', async () => {
    // Act
    const response = await rawRequest(harness.aws.url, { path: '/_local/health' });

    // Assert
    expect(response.status).toBe(200);
  });
});

describe('malformed signatures', () => {
  it('refuses a SigV4 header without its Signature with IncompleteSignature (400, query protocol)', async () => {
    // Act
    const response = await rawRequest(harness.aws.url, {
      ...form('Action=ListTopics&Version=2010-03-31'),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sns/aws4_request, SignedHeaders=host',
      },
    });

    // Assert
    expect(response.status).toBe(400);
    expect(response.body).toContain(
      '<Code>IncompleteSignature</Code><Message>Authorization header requires &apos;Signature&apos; parameter.</Message>',
    );
  });

  it('refuses a malformed SigV4 header to S3 with AuthorizationHeaderMalformed', async () => {
    // Act
    const response = await rawRequest(harness.aws.url, {
      path: '/private-bucket/secret.txt',
      headers: { authorization: 'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request' },
    });

    // Assert
    expect(response.status).toBe(400);
    expect(response.body).toContain('<Code>AuthorizationHeaderMalformed</Code>');
  });

  it('refuses a SigV2 signature to S3 with InvalidRequest asking for AWS4-HMAC-SHA256', async () => {
    // Act
    const response = await rawRequest(harness.aws.url, {
      path: '/private-bucket/secret.txt',
      headers: { authorization: 'AWS test:c2lnbmF0dXJl' },
    });

    // Assert
    expect(response.status).toBe(400);
    expect(response.body).toContain(
      '<Code>InvalidRequest</Code><Message>The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.</Message>',
    );
  });

  it('refuses a presigned URL without X-Amz-Signature with AuthorizationQueryParametersError', async () => {
    // Act
    const response = await rawRequest(harness.aws.url, {
      path: `/private-bucket/secret.txt?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=${encodeURIComponent('test/20260101/us-east-1/s3/aws4_request')}`,
    });

    // Assert
    expect(response.status).toBe(400);
    expect(response.body).toContain('<Code>AuthorizationQueryParametersError</Code>');
  });
});

describe('signed requests', () => {
  it('accepts any SigV4 credentials without verifying the signature', async () => {
    // Act
    const response = await rawRequest(harness.aws.url, {
      path: '/private-bucket/secret.txt',
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=not-checked',
      },
    });

    // Assert
    expect([response.status, response.body]).toEqual([200, 'not for everyone']);
  });

  it('serves requests the SDK signs and ones the harness signs', async () => {
    // Act
    const topics = await harness.sns().send(new ListTopicsCommand({}));
    const object = await rawRequest(harness.aws.url, { path: '/private-bucket/secret.txt', sign: { service: 's3' } });

    // Assert
    expect(topics.$metadata.httpStatusCode).toBe(200);
    expect(object.body).toBe('not for everyone');
  });
});
