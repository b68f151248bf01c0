// The local HTTP API: the routes API Gateway serves when deployed, on http://127.0.0.1:3000 with no stage prefix
// and no auth. Each request becomes an API Gateway REST (v1) proxy event for the real `handler` export of its
// handler file, called in-process with a Lambda context; its proxy result is written back as the HTTP response.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { BodyError, receiveBody } from './aws/request-body.js';
import { requireHandler } from './aws/stepfunctions/index.js';
import { invokeHandler, type LambdaHandler, lambdaContext } from './lambda.js';

/** Function key → handler, for the API routes. */
export interface ApiHandlers {
  requestExport: LambdaHandler;
  getExport: LambdaHandler;
  listExports: LambdaHandler;
  cancelExport: LambdaHandler;
}

export const API_HANDLER_FILES: Readonly<Record<keyof ApiHandlers, string>> = {
  requestExport: 'request-export',
  getExport: 'get-export',
  listExports: 'list-exports',
  cancelExport: 'cancel-export',
};

/** Requires the API handler files; call only once their env is set (they read it at module load). */
export const loadProjectApiHandlers = async (): Promise<ApiHandlers> => ({
  requestExport: requireHandler(API_HANDLER_FILES.requestExport),
  getExport: requireHandler(API_HANDLER_FILES.getExport),
  listExports: requireHandler(API_HANDLER_FILES.listExports),
  cancelExport: requireHandler(API_HANDLER_FILES.cancelExport),
});

interface Route {
  resource: string;
  pattern: RegExp;
  /** Path parameter names, in the order of the pattern's groups. */
  parameters: string[];
  /** Keyed by the request's method, so a Map. */
  methods: ReadonlyMap<string, keyof ApiHandlers>;
}

/** The routes of serverless.yml's `http` events, as API Gateway matches them. */
const ROUTES: Route[] = [
  {
    resource: '/exports',
    pattern: /^\/exports$/,
    parameters: [],
    methods: new Map([
      ['POST', 'requestExport'],
      ['GET', 'listExports'],
    ]),
  },
  {
    resource: '/exports/{exportId}',
    pattern: /^\/exports\/([^/]+)$/,
    parameters: ['exportId'],
    methods: new Map([
      ['GET', 'getExport'],
      ['DELETE', 'cancelExport'],
    ]),
  },
];

export type RouteMatch =
  | { kind: 'handler'; functionKey: keyof ApiHandlers; resource: string; pathParameters: Record<string, string> | null }
  | { kind: 'methodNotAllowed'; allow: string[] }
  | { kind: 'notFound' };

// Every map keyed by a name from the request (headers, query parameters, path parameters) has no prototype: a
// header or parameter named `constructor`, `toString` or `__proto__` is a name like any other, as it is in the JSON
// event API Gateway sends (JSON.parse makes even `__proto__` an own property).
const nameMap = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

/** Every value of each name, in order, as API Gateway's multi-value maps hold them. */
const multiValue = (pairs: ReadonlyArray<readonly [string, string]>): Record<string, string[]> | null => {
  if (pairs.length === 0) return null;
  const result = nameMap<string[]>();
  for (const [name, value] of pairs) {
    const values = result[name];
    if (values) values.push(value);
    else result[name] = [value];
  }
  return result;
};

/** The last value of each name, as API Gateway's single-value maps hold it. */
const singleValue = (pairs: ReadonlyArray<readonly [string, string]>): Record<string, string> | null => {
  if (pairs.length === 0) return null;
  const result = nameMap<string>();
  for (const [name, value] of pairs) result[name] = value;
  return result;
};

const decodeSegment = (segment: string): string | undefined => {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
};

/** Which handler serves `method path` (path without the query string). */
export const matchRoute = (method: string, requestPath: string): RouteMatch => {
  // API Gateway ignores one trailing slash.
  const trimmed = requestPath.length > 1 && requestPath.endsWith('/') ? requestPath.slice(0, -1) : requestPath;
  for (const route of ROUTES) {
    const match = route.pattern.exec(trimmed);
    if (!match) continue;
    const values = match.slice(1).map(decodeSegment);
    if (values.some((value) => value === undefined || value === '')) return { kind: 'notFound' };
    const functionKey = route.methods.get(method.toUpperCase());
    if (!functionKey) return { kind: 'methodNotAllowed', allow: [...route.methods.keys()].sort() };
    return {
      kind: 'handler',
      functionKey,
      resource: route.resource,
      pathParameters: route.parameters.length
        ? singleValue(route.parameters.map((name, index) => [name, values[index] ?? ''] as const))
        : null,
    };
  }
  return { kind: 'notFound' };
};

export interface IncomingApiRequest {
  method: string;
  /** The raw request target: path and query string. */
  url: string;
  /** Header names as sent, in order, with repeats (Node's rawHeaders pairs). */
  rawHeaders: string[];
  body: Buffer;
  sourceIp: string;
}

/** An API Gateway REST API (v1) Lambda proxy event, as the deployed stage would send it. */
export const toApiGatewayEvent = (
  request: IncomingApiRequest,
  match: Extract<RouteMatch, { kind: 'handler' }>,
  options: { accountId: string; requestId: string; now?: Date },
): APIGatewayProxyEvent => {
  const now = options.now ?? new Date();
  const queryStart = request.url.indexOf('?');
  const path = queryStart === -1 ? request.url : request.url.slice(0, queryStart);
  const queryPairs = [...new URLSearchParams(queryStart === -1 ? '' : request.url.slice(queryStart + 1))];
  const headerPairs: Array<[string, string]> = [];
  for (let index = 0; index + 1 < request.rawHeaders.length; index += 2) {
    headerPairs.push([request.rawHeaders[index] ?? '', request.rawHeaders[index + 1] ?? '']);
  }
  const host = headerPairs.find(([name]) => name.toLowerCase() === 'host')?.[1] ?? 'localhost';
  const userAgent = headerPairs.find(([name]) => name.toLowerCase() === 'user-agent')?.[1] ?? null;
  return {
    resource: match.resource,
    path,
    httpMethod: request.method.toUpperCase(),
    headers: singleValue(headerPairs) ?? nameMap(),
    multiValueHeaders: multiValue(headerPairs) ?? nameMap(),
    queryStringParameters: singleValue(queryPairs),
    multiValueQueryStringParameters: multiValue(queryPairs),
    pathParameters: match.pathParameters,
    stageVariables: null,
    body: request.body.length === 0 ? null : request.body.toString('utf8'),
    isBase64Encoded: false,
    requestContext: {
      accountId: options.accountId,
      apiId: 'local',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: request.method.toUpperCase(),
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
        sourceIp: request.sourceIp,
        user: null,
        userAgent,
        userArn: null,
      },
      path,
      stage: 'local',
      requestId: options.requestId,
      requestTimeEpoch: now.getTime(),
      resourceId: 'local',
      resourcePath: match.resource,
      domainName: host,
    },
  };
};

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const jsonAnswer = (status: number, value: unknown, headers: Record<string, string> = {}): HttpAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(JSON.stringify(value)),
});

const errorAnswer = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
  jsonAnswer(status, { error: { code, message } }, headers);

/** API Gateway's answer when the integration fails or returns something that is not a proxy result. */
const badGateway = (): HttpAnswer => jsonAnswer(502, { message: 'Internal server error' });

const isProxyResult = (value: unknown): value is APIGatewayProxyResult =>
  typeof value === 'object' && value !== null && typeof (value as { statusCode?: unknown }).statusCode === 'number';

/** Whether Node can write these headers (a name or value HTTP forbids would throw from writeHead). */
const writableHeaders = (headers: Record<string, string | string[]>): boolean => {
  try {
    for (const [name, value] of Object.entries(headers)) {
      http.validateHeaderName(name);
      for (const item of Array.isArray(value) ? value : [value]) http.validateHeaderValue(name, item);
    }
    return true;
  } catch {
    return false;
  }
};

/** The HTTP response for a Lambda proxy result; 502 for one HTTP cannot carry, as API Gateway answers. */
export const fromProxyResult = (result: unknown): HttpAnswer => {
  if (!isProxyResult(result)) return badGateway();
  const { statusCode } = result;
  if (!Number.isInteger(statusCode) || statusCode < 100 || statusCode > 599) return badGateway();
  const headers = nameMap<string | string[]>();
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name.toLowerCase()] = values.map(String);
  }
  if (!writableHeaders(headers)) return badGateway();
  const body = result.body ?? '';
  return {
    status: statusCode,
    headers,
    body: result.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8'),
  };
};

export type ApiLog = (message: string, data: Record<string, unknown>) => void;

export interface ApiServerOptions {
  /** 0 picks a free port. Default 3000. */
  port?: number;
  host?: string;
  /** Replaces the project's handlers (tests). A function is called once, on the first request (lazy import). */
  handlers?: ApiHandlers | (() => Promise<ApiHandlers>);
  region?: string;
  accountId?: string;
  /** Where failures of the runner itself go (default: JSON lines on stderr). */
  log?: ApiLog;
  /** Longest wait for the next bytes of a request body before answering 408 (real ms). Default 60000. */
  bodyIdleTimeoutMs?: number;
}

export interface ApiServer {
  url: string;
  port: number;
  host: string;
  /** Imports the handlers now, so a broken handler or a missing setting shows at start rather than per request. */
  preload(): Promise<void>;
  close(): Promise<void>;
}

/** API Gateway's payload limit: bodies are read with the emulator's bounded reader (local/aws/request-body.ts). */
const MAX_BODY_BYTES = 10 * 1024 * 1024;
const DEFAULT_BODY_IDLE_TIMEOUT_MS = 60_000;

const defaultLog: ApiLog = (message, data) => {
  process.stderr.write(`${JSON.stringify({ level: 'ERROR', message, ...data })}\n`);
};

export const startApiServer = async (options: ApiServerOptions = {}): Promise<ApiServer> => {
  const host = options.host ?? '127.0.0.1';
  const region = options.region ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const log = options.log ?? defaultLog;
  let handlers: Promise<ApiHandlers> | undefined;
  const loadHandlers = (): Promise<ApiHandlers> => {
    if (!handlers) {
      const source = options.handlers ?? loadProjectApiHandlers;
      handlers = typeof source === 'function' ? source() : Promise.resolve(source);
    }
    return handlers;
  };

  const answer = async (incoming: http.IncomingMessage): Promise<HttpAnswer> => {
    const method = (incoming.method ?? 'GET').toUpperCase();
    const url = incoming.url ?? '/';
    const queryStart = url.indexOf('?');
    const requestPath = queryStart === -1 ? url : url.slice(0, queryStart);
    const match = matchRoute(method, requestPath);
    if (match.kind === 'notFound') {
      incoming.resume();
      return errorAnswer(404, 'NotFound', `No route for ${method} ${requestPath}`);
    }
    if (match.kind === 'methodNotAllowed') {
      incoming.resume();
      return errorAnswer(405, 'MethodNotAllowed', `${method} is not allowed on ${requestPath}`, {
        allow: match.allow.join(', '),
      });
    }
    let body: Buffer;
    try {
      ({ body } = await receiveBody(incoming, {
        maxBytes: MAX_BODY_BYTES,
        memoryBytes: MAX_BODY_BYTES,
        idleTimeoutMs: options.bodyIdleTimeoutMs ?? DEFAULT_BODY_IDLE_TIMEOUT_MS,
      }));
    } catch (error) {
      if (!(error instanceof BodyError)) throw error;
      if (error.reason === 'too-large')
        return jsonAnswer(413, { message: 'Request Too Long' }, { connection: 'close' });
      // A body that stopped arriving: answered and the connection closed, as the emulator does (API Gateway's own
      // wording for this is not documented; assumed).
      if (error.reason === 'timeout') return jsonAnswer(408, { message: 'Request Timeout' }, { connection: 'close' });
      throw error;
    }
    const requestId = randomUUID();
    const event = toApiGatewayEvent(
      { method, url, rawHeaders: incoming.rawHeaders, body, sourceIp: incoming.socket.remoteAddress ?? '127.0.0.1' },
      match,
      { accountId, requestId },
    );
    try {
      const handler = (await loadHandlers())[match.functionKey];
      const result = await invokeHandler(handler, event as never, lambdaContext(match.functionKey, region, accountId));
      const response = fromProxyResult(result);
      response.headers['x-amzn-requestid'] = requestId;
      return response;
    } catch (error) {
      // Never the event: its headers may carry credentials.
      log('API handler failed', {
        functionKey: match.functionKey,
        requestId,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      return badGateway();
    }
  };

  const server = http.createServer((incoming, outgoing) => {
    answer(incoming)
      .catch((error: unknown) => {
        log('API runner failed', { error: error instanceof Error ? error.message : String(error) });
        return badGateway();
      })
      .then((response) => {
        outgoing.writeHead(response.status, { ...response.headers, 'content-length': String(response.body.length) });
        outgoing.end(response.body);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 3000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}`,
    port,
    host,
    preload: async () => {
      await loadHandlers();
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
};
