// The local AWS-compatible endpoint: one HTTP server that routes each request by its SigV4 credential scope
// (service and Region; a 12-digit access key id is the account) to an emulated service speaking that service's
// wire protocol, so the unchanged AWS SDK v3 clients and the AWS CLI work against it.
//
// API (keep it small):
//   const aws = await startAwsEmulator({ port: 0, dataDir, timeScale: 0.01, services: [stepFunctions] });
//   aws.url                      'http://127.0.0.1:<port>': set AWS_ENDPOINT_URL to it
//   aws.clock                    the scaled clock (LOCAL_TIME_SCALE) the services wait on; pass `clock` to share one
//   aws.elastiCache / s3 / sns   handles for seeding and test faults (see ElastiCacheHandle, S3Handle, SnsHandle)
//   aws.sqs                      createQueue, sendMessage (no HTTP: other local services' dead-letter queues), messages
//   await aws.stop()             closes connections, cancels pending emulated work
//
// Services: ElastiCache (query, 2015-02-02), S3 (REST/XML, path-style and `<bucket>.localhost` hosts), SNS (query,
// 2010-03-31), DynamoDB (JSON 1.0, `DynamoDB_20120810.*`: tables, TTL settings, item actions with condition, update
// and projection expressions, Scan; see dynamodb/index.ts), SQS (JSON 1.0, `AmazonSQS.*`, as SDK v3 and the AWS CLI
// send it: queues, messages, long polling, redrive; see sqs/index.ts), plus any `services` given (e.g. Step
// Functions, SigV4 service `states`, JSON 1.0), which may also replace a built-in one of the same name. Requests are
// routed by the SigV4 service alone, whatever their path: the SQS SDK posts to a queue URL's host, and queue URLs are
// `<aws.url>/<account>/<queue>`, so they reach SQS here. An action a service does not emulate gets AWS's own "unknown
// action" error; an exception inside a service becomes a 500 InternalFailure (logged), never a crash or a hang.
//
// Local endpoints (not AWS APIs, no signature): `/_local/...`, in local-endpoints.ts.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { type Clock, createClock, timeScaleFromEnv } from '../clock.js';
import { createDynamoDbService } from './dynamodb/index.js';
import { createElastiCacheService, type ElastiCacheHandle, type ElastiCacheSettings } from './elasticache/index.js';
import { AwsError, authenticationError, errorResponse, internalFailure } from './errors.js';
import { fromEndedInvocation } from './iam/attribution.js';
import type { LocalIam } from './iam/index.js';
import { createLocalEndpoints, type LocalRoute } from './local-endpoints.js';
import { BodyError, type ReceivedBody, receiveBody } from './request-body.js';
import { bodyLimitFor, LOCAL_BODY_MAX_BYTES, requestTimeout } from './request-limits.js';
import { createS3Service, MAX_PUT_OBJECT_BYTES, type S3Handle } from './s3/index.js';
import { S3Store } from './s3/store.js';
import { authenticationOf, callerFrom, guessService } from './sigv4.js';
import { createSnsService, type SnsHandle } from './sns/index.js';
import { createSqsService, type SqsHandle } from './sqs/index.js';
import type { AwsRequest, AwsResponse, EmulatedService } from './types.js';

export type {
  ElastiCacheFault,
  ElastiCacheHandle,
  ElastiCacheLimits,
  ElastiCacheSettings,
  ElastiCacheTimings,
} from './elasticache/index.js';
export { LOCAL_STACK_PROJECT, type LocalRoute } from './local-endpoints.js';
export type { S3Handle } from './s3/index.js';
export type { PublishedMessage, SnsFault, SnsHandle } from './sns/index.js';
export type { MessageAttributeValue, QueuedMessage, SqsHandle } from './sqs/index.js';

export type LogLevel = 'info' | 'error';
export type EmulatorLog = (level: LogLevel, message: string, data?: Record<string, unknown>) => void;

export interface AwsEmulatorOptions {
  /** 0 picks a free port. Default: LOCAL_AWS_PORT or 4566. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Where S3 objects persist. Default: `.local-data/` at the repository root (git-ignored). */
  dataDir?: string;
  /** Real seconds per emulated second. Default: LOCAL_TIME_SCALE or 1. Ignored when `clock` is given. */
  timeScale?: number;
  /** A clock to share with other parts of the local stack; the emulator does not dispose a clock it was given. */
  clock?: Clock;
  /** Extra services, routed by their `name` = the SigV4 service (e.g. `states`). */
  services?: EmulatedService[];
  /** Emulated durations of ElastiCache work (seconds of emulated time) and ElastiCache's limits. */
  elastiCache?: Partial<ElastiCacheSettings>;
  /** Longest a service may take to answer before the server answers 500 itself (real ms). Default 60000. */
  requestTimeoutMs?: number;
  /**
   * Longest wait for the next bytes of a request body, or for the client to read more of a streamed answer (real
   * ms), like Node's header timeout. Default 60000.
   */
  bodyIdleTimeoutMs?: number;
  /** Bodies larger than this go to a temporary file instead of memory (S3 only). Default 4 MiB. */
  bodyMemoryBytes?: number;
  /** Default: errors as JSON lines on stderr. */
  log?: EmulatorLog;
  /** Holds the project's functions to their roles (local/aws/iam); default: no IAM, nothing refused. */
  iam?: Pick<LocalIam, 'authorize' | 'calls' | 'clearCalls'>;
}

export interface AwsEmulator {
  url: string;
  port: number;
  host: string;
  dataDir: string;
  clock: Clock;
  elastiCache: ElastiCacheHandle;
  s3: S3Handle;
  sns: SnsHandle;
  sqs: SqsHandle;
  /** Adds `/_local/...` endpoints of the rest of the local stack (e.g. the schedules, local/schedules.ts). */
  addLocalRoute(route: LocalRoute): void;
  stop(): Promise<void>;
}

export const DEFAULT_AWS_PORT = 4566;
export const DEFAULT_DATA_DIR = path.join(__dirname, '..', '..', '.local-data');
const DEFAULT_BODY_MEMORY_BYTES = 4 * 1024 * 1024;
/** 10 MiB/s, in bytes per millisecond. */
const SPOOLED_BYTES_PER_MS = (10 * 1024 * 1024) / 1000;

const defaultLog: EmulatorLog = (level, message, data) => {
  if (level === 'error') process.stderr.write(`${JSON.stringify({ level, message, ...data })}\n`);
};

const flattenHeaders = (raw: http.IncomingHttpHeaders): Record<string, string> => {
  // Keyed by names the client chose: no prototype.
  const headers = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(raw)) {
    if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
};

const json = (status: number, value: unknown): AwsResponse => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

/**
 * The answer as given, or an exception (answered as a logged 500 InternalFailure) when Node could not write it: a
 * status outside 100-599 or a header name or value with characters HTTP forbids. Thrown from writeHead instead, it
 * would be an unhandled rejection that ends the process.
 */
const writable = (response: AwsResponse): AwsResponse => {
  try {
    const { status } = response;
    if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`Invalid HTTP status ${status}`);
    for (const [name, value] of Object.entries(response.headers ?? {})) {
      http.validateHeaderName(name);
      http.validateHeaderValue(name, value);
    }
    return response;
  } catch (error) {
    response.stream?.destroy();
    throw error;
  }
};

/** The service's answer, or an exception after `ms`; an answer that comes later has its stream (an open file) closed. */
const withTimeout = (work: Promise<AwsResponse>, ms: number): Promise<AwsResponse> =>
  new Promise<AwsResponse>((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`The service did not answer within ${ms} ms`));
    }, ms);
    // A request still in flight when the emulator stops must not keep the process alive until the timeout.
    timer.unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        if (timedOut) value.stream?.destroy();
        else resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

/** What to do with a request once read: answer it, and whether the connection must close afterwards. */
interface Answer {
  response: AwsResponse;
  method: string;
  /** After a body the server stopped reading (too large, stalled): the rest of it must not be read as a request. */
  close?: boolean;
}

/** Starts the emulator; resolves once it listens. */
export const startAwsEmulator = async (options: AwsEmulatorOptions = {}): Promise<AwsEmulator> => {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? Number(process.env.LOCAL_AWS_PORT ?? DEFAULT_AWS_PORT);
  const dataDir = path.resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const ownClock = options.clock === undefined;
  const clock = options.clock ?? createClock(options.timeScale ?? timeScaleFromEnv());
  const log = options.log ?? defaultLog;
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
  const bodyIdleTimeoutMs = options.bodyIdleTimeoutMs ?? 60_000;
  const bodyMemoryBytes = options.bodyMemoryBytes ?? DEFAULT_BODY_MEMORY_BYTES;
  // Spooled bodies left by a process that died mid-request are of no use to anyone.
  const spoolDir = path.join(dataDir, '.tmp', 'requests');
  fs.rmSync(spoolDir, { recursive: true, force: true });
  fs.mkdirSync(spoolDir, { recursive: true });

  const s3Store = new S3Store(dataDir);
  const sns = createSnsService({ clock, dataDir });
  const s3 = createS3Service({ store: s3Store });
  const elastiCache = createElastiCacheService({
    clock,
    s3Store,
    dataDir,
    settings: options.elastiCache ?? {},
    log,
  });
  const dynamoDb = createDynamoDbService({ clock, dataDir });
  // Queue URLs are on the emulator's own address, known once it listens (before any request arrives).
  let url = '';
  const sqs = createSqsService({ clock, dataDir, baseUrl: () => url });
  const services = new Map<string, EmulatedService>();
  const builtIn = [elastiCache.service, s3.service, sns.service, dynamoDb.service, sqs.service];
  for (const service of [...builtIn, ...(options.services ?? [])]) {
    services.set(service.name, service);
  }

  const endpoints = createLocalEndpoints({
    services: () => [...services.keys()],
    clock,
    sns: sns.handle,
    sqs: sqs.handle,
    elastiCache: elastiCache.handle,
    ...(options.iam && { iam: options.iam }),
  });

  /** A local endpoint's answer: JSON, errors included (they are not AWS APIs). */
  const localAnswer = async (
    incoming: http.IncomingMessage,
    method: string,
    route: string,
    query: URLSearchParams,
    beforeReading?: () => void,
  ): Promise<Answer | undefined> => {
    let body: Buffer;
    try {
      ({ body } = await receiveBody(incoming, {
        maxBytes: LOCAL_BODY_MAX_BYTES,
        memoryBytes: LOCAL_BODY_MAX_BYTES,
        idleTimeoutMs: bodyIdleTimeoutMs,
        ...(beforeReading && { beforeReading }),
      }));
    } catch (error) {
      if (!(error instanceof BodyError) || error.reason === 'aborted') return undefined;
      const [status, reason] =
        error.reason === 'too-large'
          ? [413, `larger than ${LOCAL_BODY_MAX_BYTES} bytes`]
          : error.reason === 'timeout'
            ? [408, 'not received in time']
            : [500, 'not stored'];
      return { response: json(status, { error: `The request body was ${reason}` }), method, close: true };
    }
    return { response: await endpoints.answer(method, route, query, body), method };
  };

  /** The body of a request to `service`, within its limit; a refusal is thrown as an AwsError to answer with. */
  const bodyOf = async (
    incoming: http.IncomingMessage,
    service: string,
    headers: Record<string, string>,
    beforeReading?: () => void,
  ): Promise<ReceivedBody> => {
    const limit = bodyLimitFor(service, headers);
    if (service === 's3') {
      // The content length of an aws-chunked upload is announced apart from its framing.
      const decoded = Number(incoming.headers['x-amz-decoded-content-length'] ?? Number.NaN);
      if (decoded > MAX_PUT_OBJECT_BYTES) throw new BodyError('too-large', decoded);
    }
    return receiveBody(incoming, {
      maxBytes: limit.maxBytes,
      memoryBytes: bodyMemoryBytes,
      ...(limit.spool && { spoolDir }),
      idleTimeoutMs: bodyIdleTimeoutMs,
      ...(beforeReading && { beforeReading }),
    });
  };

  /** The answer to a request, or undefined when the connection is to be closed without one. */
  const handle = async (incoming: http.IncomingMessage, beforeReading?: () => void): Promise<Answer | undefined> => {
    const method = (incoming.method ?? 'GET').toUpperCase();
    const rawUrl = incoming.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const requestPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
    const query = new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
    const headers = flattenHeaders(incoming.headers);
    // An invocation that has ended has no running execution environment to send from (local/aws/iam/attribution.ts).
    if (fromEndedInvocation(headers)) return undefined;
    const requestId = randomUUID();
    const authentication = authenticationOf(headers, query);
    const signedService = authentication.kind === 'signed' ? authentication.scope.service : undefined;
    // An unsigned form-encoded request names its API version in the body; until it is read, its limits are a
    // query service's (the strictest).
    const isForm = (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    let service = signedService ?? (isForm ? 'query' : guessService(headers, query, Buffer.alloc(0)));
    let received: ReceivedBody | undefined;
    try {
      if (requestPath.startsWith('/_local/')) {
        return await localAnswer(incoming, method, requestPath, query, beforeReading);
      }
      received = await bodyOf(incoming, service, headers, beforeReading);
      if (!signedService) service = guessService(headers, query, received.body);
      const target = services.get(service);
      if (!target) {
        throw new AwsError('InvalidAction', `The local AWS emulator does not serve the service "${service}".`, 400);
      }
      // S3 answers an unsigned request itself, as an anonymous one; every other service refuses it here.
      if (authentication.kind === 'malformed' || (authentication.kind === 'unsigned' && service !== 's3')) {
        throw authenticationError(service, authentication);
      }
      const request: AwsRequest = {
        method,
        path: requestPath,
        query,
        headers,
        body: received.body,
        ...(received.file && { bodyFile: received.file }),
        caller: callerFrom(authentication.kind === 'signed' ? authentication.scope : undefined),
        host: headers.host ?? '',
        service,
        requestId,
      };
      // A project function's call its role denies is answered here, as the service would refuse it; the items of a
      // batch it may not act on (DeleteObjects' keys) are left to the service, which fails each in its answer.
      const authorization = await options.iam?.authorize(request);
      if (authorization?.refusal) throw authorization.refusal;
      const authorized = authorization?.deniedItems ? { ...request, deniedItems: authorization.deniedItems } : request;
      // A spooled body is read from disk again by the service: allow for that at a modest 10 MiB/s.
      const timeoutMs = requestTimeoutMs + Math.ceil((received.file?.size ?? 0) / SPOOLED_BYTES_PER_MS);
      return { response: writable(await withTimeout(target.handle(authorized), timeoutMs)), method };
    } catch (error) {
      if (error instanceof BodyError) {
        // The client went away: there is no one to answer.
        if (error.reason === 'aborted') return undefined;
        if (error.reason === 'io') {
          log('error', 'Emulator could not store a request body', { service, requestId, error: String(error.cause) });
        }
        const awsError =
          error.reason === 'too-large'
            ? bodyLimitFor(service, headers).tooLarge(error.size)
            : error.reason === 'timeout' && service === 's3'
              ? requestTimeout()
              : error.reason === 'io'
                ? internalFailure()
                : undefined;
        // A stalled body of a service with no documented answer: the connection is closed.
        if (!awsError) return undefined;
        return { response: errorResponse(awsError, { requestId, method, headers, service }), method, close: true };
      }
      const awsError = error instanceof AwsError ? error : internalFailure();
      if (!(error instanceof AwsError)) {
        log('error', 'Emulated service failed', {
          service,
          method,
          path: requestPath,
          requestId,
          error: error instanceof Error ? (error.stack ?? error.message) : String(error),
        });
      }
      return { response: errorResponse(awsError, { requestId, method, headers, service }), method };
    } finally {
      // Whatever happened, a spooled body does not outlive its request (S3 may have moved it into place already).
      if (received?.file) fs.rm(received.file.path, { force: true }, () => undefined);
    }
  };

  const answer = (outgoing: http.ServerResponse, { response, method, close }: Answer): void => {
    const headers: Record<string, string> = { ...response.headers };
    if (close) headers.connection = 'close';
    const { stream } = response;
    if (stream) {
      // The service set content-length; HEAD answers carry it and no body.
      outgoing.writeHead(response.status, headers);
      if (method === 'HEAD') {
        stream.destroy();
        outgoing.end();
        return;
      }
      // A client that stops reading is let go after the same idle time a stalled request body gets.
      outgoing.setTimeout(bodyIdleTimeoutMs, () => {
        log('info', 'Answer cut off: the client stopped reading it', {
          requestId: response.headers?.['x-amz-request-id'],
        });
        outgoing.destroy();
      });
      pipeline(stream, outgoing).catch(() => {
        // The client went away or the file could not be read: nothing more can be said on this connection.
        outgoing.destroy();
      });
      return;
    }
    const body = response.body === undefined ? Buffer.alloc(0) : Buffer.from(response.body);
    // HEAD answers carry the length of the body a GET would return (set by the service), and no body.
    if (method !== 'HEAD' || headers['content-length'] === undefined) {
      headers['content-length'] = String(method === 'HEAD' ? 0 : body.length);
    }
    outgoing.writeHead(response.status, headers);
    outgoing.end(method === 'HEAD' ? undefined : body);
  };

  const serve = (incoming: http.IncomingMessage, outgoing: http.ServerResponse, beforeReading?: () => void): void => {
    handle(incoming, beforeReading)
      .then((result) => {
        if (result === undefined) {
          outgoing.destroy();
          return;
        }
        answer(outgoing, result);
      })
      .catch((error: unknown) => {
        // Last resort: whatever went wrong while writing must not become an unhandled rejection.
        log('error', 'Emulator failed to answer', { error: String(error) });
        if (!outgoing.headersSent) outgoing.writeHead(500);
        outgoing.end();
      });
  };
  const server = http.createServer((incoming, outgoing) => serve(incoming, outgoing));
  // A body announced with `Expect: 100-continue` (the SDK does so for large uploads) is asked for only once the
  // server means to read it, so one refused from its headers (too large) is refused before it is sent, as S3 does.
  server.on('checkContinue', (incoming, outgoing) => serve(incoming, outgoing, () => outgoing.writeContinue()));
  // Large uploads take as long as they take: a body is timed out by inactivity (bodyIdleTimeoutMs), not by its
  // total duration (Node's requestTimeout would cut a 5 GiB upload off after 300 s). Slow headers still time out.
  server.requestTimeout = 0;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  url = `http://${host}:${actualPort}`;
  log('info', 'AWS emulator listening', { host, port: actualPort, dataDir });

  return {
    url,
    port: actualPort,
    host,
    dataDir,
    clock,
    elastiCache: elastiCache.handle,
    s3: s3.handle,
    sns: sns.handle,
    sqs: sqs.handle,
    addLocalRoute: (route) => endpoints.addRoute(route),
    stop: () =>
      new Promise<void>((resolve, reject) => {
        elastiCache.handle.stopWork();
        sqs.handle.stopWork();
        if (ownClock) clock.dispose();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
};
