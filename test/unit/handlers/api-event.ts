// Builds API Gateway (REST, proxy integration) events for the API handlers' tests.
import type { APIGatewayProxyEvent } from 'aws-lambda';

export const apiEvent = (overrides: Partial<APIGatewayProxyEvent> = {}): APIGatewayProxyEvent => ({
  body: null,
  headers: {},
  multiValueHeaders: {},
  httpMethod: 'GET',
  isBase64Encoded: false,
  path: '/exports',
  pathParameters: null,
  queryStringParameters: null,
  multiValueQueryStringParameters: null,
  stageVariables: null,
  resource: '/exports',
  requestContext: {
    accountId: '123456789012',
    apiId: 'api',
    authorizer: undefined,
    protocol: 'HTTP/1.1',
    httpMethod: overrides.httpMethod ?? 'GET',
    identity: {
      accessKey: null,
      accountId: null,
      apiKey: null,
      apiKeyId: null,
      caller: null,
      clientCert: null,
      cognitoAuthenticationProvider: null,
      cognitoAuthenticationType: null,
      cognitoIdentityId: null,
      cognitoIdentityPoolId: null,
      principalOrgId: null,
      sourceIp: '127.0.0.1',
      user: null,
      userAgent: 'jest',
      userArn: null,
    },
    path: overrides.path ?? '/exports',
    stage: 'test',
    requestId: 'api-request-id',
    requestTimeEpoch: 0,
    resourceId: 'resource',
    resourcePath: overrides.resource ?? '/exports',
  },
  ...overrides,
});

/** A POST /exports with a JSON body. */
export const postExportsEvent = (body: unknown, headers: Record<string, string> = {}): APIGatewayProxyEvent =>
  apiEvent({
    httpMethod: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'Content-Type': 'application/json', ...headers },
  });
