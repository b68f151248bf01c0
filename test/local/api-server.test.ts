import http from 'node:http';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { type ApiHandlers, type ApiServer, matchRoute, startApiServer } from '../../local/api-server';
import type { LambdaHandler } from '../../local/lambda';

interface Call {
  functionKey: string;
  event: APIGatewayProxyEvent;
  context: Context;
}

const recorder = (calls: Call[], functionKey: string, response: unknown): LambdaHandler =>
  (async (event: APIGatewayProxyEvent, context: Context) => {
    calls.push({ functionKey, event, context });
    if (response instanceof Error) throw response;
    return response;
  }) as unknown as LambdaHandler;

const ok = (statusCode: number, body: unknown, headers: Record<string, string> = {}) => ({
  statusCode,
  headers: { 'Content-Type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

let server: ApiServer | undefined;
let calls: Call[] = [];

const startWith = async (overrides: Partial<ApiHandlers> = {}): Promise<ApiServer> => {
  const handlers: ApiHandlers = {
    requestExport: recorder(calls, 'requestExport', ok(202, { exportId: 'e-1' }, { 'X-Custom': 'yes' })),
    getExport: recorder(calls, 'getExport', ok(200, { exportId: 'e-1', status: 'RUNNING' })),
    listExports: recorder(calls, 'listExports', ok(200, { exports: [] })),
    cancelExport: recorder(calls, 'cancelExport', ok(202, { exportId: 'e-1', status: 'RUNNING' })),
    ...overrides,
  };
  server = await startApiServer({ port: 0, handlers, accountId: '123456789012', log: () => {} });
  return server;
};

beforeEach(() => {
  calls = [];
});

afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('routing', () => {
  it('sends POST /exports to requestExport as an API Gateway REST proxy event', async () => {
    // Arrange
    const api = await startWith();

    // Act
    const response = await fetch(`${api.url}/exports`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Idempotency-Key': 'k-1' },
      body: '{"sourceSnapshotName":"demo"}',
    });

    // Assert
    expect(calls.map((call) => call.functionKey)).toEqual(['requestExport']);
    const { event, context } = calls[0] ?? ({} as Call);
    expect(event).toMatchObject({
      httpMethod: 'POST',
      path: '/exports',
      resource: '/exports',
      pathParameters: null,
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      body: '{"sourceSnapshotName":"demo"}',
      isBase64Encoded: false,
      stageVariables: null,
    });
    expect(event.headers['Idempotency-Key']).toBe('k-1');
    expect(event.multiValueHeaders['Content-Type']).toEqual(['application/json']);
    expect(event.requestContext).toMatchObject({
      accountId: '123456789012',
      httpMethod: 'POST',
      resourcePath: '/exports',
      stage: 'local',
    });
    expect(event.requestContext.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(context.functionName).toBe('requestExport');
    expect(response.headers.get('x-amzn-requestid')).toBe(event.requestContext.requestId);
  });

  it('writes the handler status, headers and body back', async () => {
    // Arrange
    const api = await startWith();

    // Act
    const response = await fetch(`${api.url}/exports`, { method: 'POST', body: '{}' });

    // Assert
    expect(response.status).toBe(202);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-custom')).toBe('yes');
    expect(await response.json()).toEqual({ exportId: 'e-1' });
  });

  it('sends GET /exports/{exportId} to getExport with the decoded path parameter', async () => {
    // Arrange
    const api = await startWith();

    // Act
    const response = await fetch(`${api.url}/exports/nightly%2Dexport-abc`);

    // Assert
    expect(response.status).toBe(200);
    expect(calls.map((call) => call.functionKey)).toEqual(['getExport']);
    expect(calls[0]?.event).toMatchObject({
      resource: '/exports/{exportId}',
      path: '/exports/nightly%2Dexport-abc',
      pathParameters: { exportId: 'nightly-export-abc' },
      body: null,
    });
  });

  it('sends GET /exports to listExports with single- and multi-value query parameters', async () => {
    // Arrange
    const api = await startWith();

    // Act
    await fetch(`${api.url}/exports?status=RUNNING&limit=5&status=FAILED`);

    // Assert
    expect(calls.map((call) => call.functionKey)).toEqual(['listExports']);
    expect(calls[0]?.event.queryStringParameters).toEqual({ status: 'FAILED', limit: '5' });
    expect(calls[0]?.event.multiValueQueryStringParameters).toEqual({ status: ['RUNNING', 'FAILED'], limit: ['5'] });
  });

  it('ignores one trailing slash as API Gateway does', async () => {
    // Arrange
    const api = await startWith();

    // Act
    const response = await fetch(`${api.url}/exports/`);

    // Assert
    expect(response.status).toBe(200);
    expect(calls.map((call) => call.functionKey)).toEqual(['listExports']);
  });
});

/** Names an object inherits from Object.prototype; a map keyed by request names must hold them like any other. */
const PROTOTYPE_NAMES = ['constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'isPrototypeOf'];

/** A GET with exactly these raw header pairs (flat: name, value, name, value…); resolves to the status. */
const rawGet = (api: ApiServer, route: string, rawHeaders: string[]): Promise<number | undefined> =>
  new Promise((resolve, reject) => {
    // With raw pairs Node adds no Host header of its own; HTTP/1.1 requires one.
    const headers = ['Host', `${api.host}:${api.port}`, ...rawHeaders];
    const request = http.request(`${api.url}${route}`, { method: 'GET', headers }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode));
    });
    request.on('error', reject);
    request.end();
  });

describe('names taken from the request', () => {
  it.each(PROTOTYPE_NAMES)('passes a header named %s to the handler as any other header', async (name) => {
    // Arrange
    const api = await startWith();

    // Act: node:http sends the header twice as given (fetch would fold the two, and drops `__proto__`)
    const status = await rawGet(api, '/exports', [name, 'first', name, 'second']);

    // Assert
    expect(status).toBe(200);
    const event = calls[0]?.event;
    expect(Object.getPrototypeOf(event?.headers)).toBeNull();
    expect(Object.getPrototypeOf(event?.multiValueHeaders)).toBeNull();
    expect(Object.getOwnPropertyDescriptor(event?.headers, name)?.value).toBe('second');
    expect(Object.getOwnPropertyDescriptor(event?.multiValueHeaders, name)?.value).toEqual(['first', 'second']);
  });

  it.each(PROTOTYPE_NAMES)('passes a query parameter named %s to the handler as any other', async (name) => {
    // Arrange
    const api = await startWith();

    // Act
    const response = await fetch(`${api.url}/exports?${name}=1&limit=5&${name}=2`);

    // Assert
    expect(response.status).toBe(200);
    const event = calls[0]?.event;
    expect(Object.getPrototypeOf(event?.queryStringParameters)).toBeNull();
    expect(Object.getOwnPropertyDescriptor(event?.queryStringParameters, name)?.value).toBe('2');
    expect(Object.getOwnPropertyDescriptor(event?.multiValueQueryStringParameters, name)?.value).toEqual(['1', '2']);
    expect(event?.multiValueQueryStringParameters?.limit).toEqual(['5']);
  });

  it.each(PROTOTYPE_NAMES)('routes an export id %s as a path parameter', async (name) => {
    // Arrange
    const api = await startWith();

    // Act
    const response = await fetch(`${api.url}/exports/${encodeURIComponent(name)}`);

    // Assert
    expect(response.status).toBe(200);
    const parameters = calls[0]?.event.pathParameters;
    expect(Object.getPrototypeOf(parameters)).toBeNull();
    expect(parameters?.exportId).toBe(name);
  });

  it.each(PROTOTYPE_NAMES)('answers 405, not a handler, for a method named %s', (name) => {
    // Arrange: method names are matched in a Map, never looked up on an object

    // Act
    const match = matchRoute(name.toUpperCase(), '/exports');

    // Assert
    expect(match).toEqual({ kind: 'methodNotAllowed', allow: ['GET', 'POST'] });
  });

  it('writes back a handler header named __proto__ like any other', async () => {
    // Arrange
    const result = { statusCode: 200, headers: JSON.parse('{"__proto__":"yes","constructor":"too"}'), body: '' };
    const api = await startWith({ listExports: recorder(calls, 'listExports', result) });

    // Act
    const response = await fetch(`${api.url}/exports`);

    // Assert
    expect(response.status).toBe(200);
    expect(response.headers.get('__proto__')).toBe('yes');
    expect(response.headers.get('constructor')).toBe('too');
  });
});

describe('errors of the runner itself', () => {
  it('answers 404 JSON for an unknown route without calling a handler', async () => {
    // Arrange
    const api = await startWith();

    // Act
    const response = await fetch(`${api.url}/dev/exports`);

    // Assert
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ error: { code: 'NotFound', message: 'No route for GET /dev/exports' } });
    expect(calls).toHaveLength(0);
  });

  it.each([
    ['DELETE', '/exports', 'GET, POST'],
    ['PUT', '/exports/e-1', 'DELETE, GET'],
    ['POST', '/exports/e-1', 'DELETE, GET'],
  ])('answers 405 JSON with Allow for %s %s', async (method, route, allow) => {
    // Arrange
    const api = await startWith();

    // Act
    const response = await fetch(`${api.url}${route}`, { method });

    // Assert
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe(allow);
    expect(await response.json()).toMatchObject({ error: { code: 'MethodNotAllowed' } });
    expect(calls).toHaveLength(0);
  });

  it('answers 502 as API Gateway does when the handler throws', async () => {
    // Arrange
    const api = await startWith({ getExport: recorder(calls, 'getExport', new Error('boom')) });

    // Act
    const response = await fetch(`${api.url}/exports/e-1`);

    // Assert
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ message: 'Internal server error' });
  });

  it('answers 502 when the handler returns something that is not a proxy result', async () => {
    // Arrange
    const api = await startWith({ listExports: recorder(calls, 'listExports', { body: 'no status' }) });

    // Act
    const response = await fetch(`${api.url}/exports`);

    // Assert
    expect(response.status).toBe(502);
  });

  it.each([
    ['a status HTTP has no room for', { statusCode: 1000, body: '' }],
    ['a header value with a line break', { statusCode: 200, headers: { 'X-Trace': 'a\r\nb' }, body: '' }],
    ['a header name with a space', { statusCode: 200, multiValueHeaders: { 'Bad Name': ['x'] }, body: '' }],
  ])('answers 502 and keeps serving when the handler returns %s', async (_case, result) => {
    // Arrange
    const api = await startWith({ listExports: recorder(calls, 'listExports', result) });

    // Act
    const response = await fetch(`${api.url}/exports`);
    const next = await fetch(`${api.url}/exports/e-1`);

    // Assert
    expect(response.status).toBe(502);
    expect(await response.json()).toEqual({ message: 'Internal server error' });
    expect(next.status).toBe(200);
  });
});

describe('matchRoute', () => {
  it.each([
    ['POST', '/exports', { kind: 'handler', functionKey: 'requestExport', resource: '/exports', pathParameters: null }],
    [
      'GET',
      '/exports/abc',
      {
        kind: 'handler',
        functionKey: 'getExport',
        resource: '/exports/{exportId}',
        pathParameters: { exportId: 'abc' },
      },
    ],
    ['GET', '/exports/a/b', { kind: 'notFound' }],
    ['GET', '/', { kind: 'notFound' }],
    ['GET', '/exports/%E0%A4%A', { kind: 'notFound' }],
    ['PATCH', '/exports', { kind: 'methodNotAllowed', allow: ['GET', 'POST'] }],
  ])('matches %s %s', (method, route, expected) => {
    // Arrange: the route table of serverless.yml

    // Act
    const match = matchRoute(method, route);

    // Assert
    expect(match).toEqual(expected);
  });
});

describe('request bodies', () => {
  const noHandlers = (): ApiHandlers => ({
    requestExport: recorder(calls, 'requestExport', ok(202, {})),
    getExport: recorder(calls, 'getExport', ok(200, {})),
    listExports: recorder(calls, 'listExports', ok(200, {})),
    cancelExport: recorder(calls, 'cancelExport', ok(202, {})),
  });
  const rawPost = (api: ApiServer, headers: Record<string, string>, chunk: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const request = http.request(`${api.url}/exports`, { method: 'POST', headers }, (response) => {
        let body = '';
        response.on('data', (part: Buffer) => {
          body += part.toString();
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      });
      request.on('error', reject);
      // Part of the body, then nothing more: the client stalls.
      request.write(chunk);
    });

  it('answers 408 and closes when a body stops arriving, like a stalled upload to the emulator', async () => {
    // Arrange
    server = await startApiServer({ port: 0, handlers: noHandlers(), log: () => {}, bodyIdleTimeoutMs: 200 });

    // Act
    const answer = await rawPost(server, { 'content-type': 'application/json', 'content-length': '100' }, '{"a":');

    // Assert
    expect(answer.status).toBe(408);
    expect(JSON.parse(answer.body)).toEqual({ message: 'Request Timeout' });
    expect(calls).toEqual([]);
  });

  it('answers 413 for a body over API Gateway limit of 10 MiB, from its Content-Length', async () => {
    // Arrange
    server = await startApiServer({ port: 0, handlers: noHandlers(), log: () => {} });

    // Act
    const answer = await rawPost(
      server,
      { 'content-type': 'application/json', 'content-length': String(11 * 1024 * 1024) },
      '{',
    );

    // Assert
    expect(answer.status).toBe(413);
    expect(JSON.parse(answer.body)).toEqual({ message: 'Request Too Long' });
  });
});
