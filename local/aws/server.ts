// The local AWS-compatible endpoint: one HTTP server that routes each request by its SigV4 credential scope
// (service and Region; a 12-digit access key id is the account) to an emulated service speaking that service's
// wire protocol, so the unchanged AWS SDK v3 clients and the AWS CLI work against it.
//
// API (keep it small):
//   const aws = await startAwsEmulator({ port: 0, dataDir, timeScale: 0.01, services: [stepFunctions] });
//   aws.url                      'http://127.0.0.1:<port>': set AWS_ENDPOINT_URL to it
//   aws.clock                    the scaled clock (LOCAL_TIME_SCALE) the services wait on; pass `clock` to share one
//   aws.elastiCache / s3 / sns   handles for seeding and test faults (see ElastiCacheHandle, S3Handle, SnsHandle)
//   await aws.stop()             closes connections, cancels pending emulated work
//
// Services: ElastiCache (query, 2015-02-02), S3 (REST/XML, path-style and `<bucket>.localhost` hosts), SNS (query,
// 2010-03-31), plus any `services` given (e.g. Step Functions, SigV4 service `states`, JSON 1.0), which may also
// replace a built-in one of the same name. An action a service does not emulate gets AWS's own "unknown action"
// error; an exception inside a service becomes a 500 InternalFailure (logged), never a crash or a hang.
//
// Local endpoints (not AWS APIs):
//   GET /_local/health                       {"status":"ok","services":[…]}
//   GET /_local/sns/messages[?topicArn=…]    messages published, oldest first: { messageId, topicArn, subject?, message,
//                                            messageStructure?, messageAttributes, timestamp, accountId, region }
//   DELETE /_local/sns/messages              forgets them
//   GET /_local/elasticache/faults           pending staged faults; DELETE clears them; POST stages one, e.g.
//                                            {"action":"CopySnapshot","count":2} (Throttling "Rate exceeded" by default,
//                                            or give code/message/status) or {"exportOutcome":"no-objects"|"failed"}
//
// Emulated durations (seconds of emulated time, scaled by the clock; option `elastiCache`): a new replication group or
// cache cluster is `creating` for 10, a snapshot for 15, and an export keeps its source `copying` for 20.
//
// S3 clients: an IP endpoint (the default url) makes the SDK use path-style; with a `localhost` endpoint set
// `forcePathStyle: true`, since `<bucket>.localhost` may not resolve (the server does route such Hosts).
//
// Note: buckets made with CreateBucket get Object Ownership "BucketOwnerEnforced" (ACLs disabled), as S3 has done
// since April 2023. To grant ElastiCache by ACL, create the bucket with `x-amz-object-ownership: ObjectWriter`
// (SDK: ObjectOwnership) or call PutBucketOwnershipControls first, or use `s3.seedBucket`.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Clock, createClock, timeScaleFromEnv } from '../clock.js';
import {
  createElastiCacheService,
  type ElastiCacheFault,
  type ElastiCacheHandle,
  type ElastiCacheTimings,
} from './elasticache.js';
import { AwsError, errorResponse, internalFailure } from './errors.js';
import { createS3Service, type S3Handle } from './s3.js';
import { callerFrom, credentialScope, guessService } from './sigv4.js';
import { createSnsService, type SnsHandle } from './sns.js';
import { S3Store } from './store.js';
import type { AwsRequest, AwsResponse, EmulatedService } from './types.js';

export type { ElastiCacheFault, ElastiCacheHandle, ElastiCacheTimings } from './elasticache.js';
export type { S3Handle } from './s3.js';
export type { PublishedMessage, SnsHandle } from './sns.js';

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
  /** Emulated durations of ElastiCache work (seconds of emulated time). */
  elastiCache?: Partial<ElastiCacheTimings>;
  /** Longest a service may take to answer before the server answers 500 itself (real ms). Default 60000. */
  requestTimeoutMs?: number;
  /** Default: errors as JSON lines on stderr. */
  log?: EmulatorLog;
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
  stop(): Promise<void>;
}

export const DEFAULT_AWS_PORT = 4566;
export const DEFAULT_DATA_DIR = path.join(__dirname, '..', '..', '.local-data');
const MAX_BODY_BYTES = 512 * 1024 * 1024;

const defaultLog: EmulatorLog = (level, message, data) => {
  if (level === 'error') process.stderr.write(`${JSON.stringify({ level, message, ...data })}\n`);
};

const readBody = (request: http.IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new AwsError('EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', 400));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });

const flattenHeaders = (raw: http.IncomingHttpHeaders): Record<string, string> => {
  const headers: Record<string, string> = {};
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
  const { status } = response;
  if (!Number.isInteger(status) || status < 100 || status > 599) throw new Error(`Invalid HTTP status ${status}`);
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    http.validateHeaderName(name);
    http.validateHeaderValue(name, value);
  }
  return response;
};

const withTimeout = <T>(work: Promise<T>, ms: number): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`The service did not answer within ${ms} ms`)), ms);
    // A request still in flight when the emulator stops must not keep the process alive until the timeout.
    timer.unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });

/** Starts the emulator; resolves once it listens. */
export const startAwsEmulator = async (options: AwsEmulatorOptions = {}): Promise<AwsEmulator> => {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? Number(process.env.LOCAL_AWS_PORT ?? DEFAULT_AWS_PORT);
  const dataDir = path.resolve(options.dataDir ?? DEFAULT_DATA_DIR);
  const ownClock = options.clock === undefined;
  const clock = options.clock ?? createClock(options.timeScale ?? timeScaleFromEnv());
  const log = options.log ?? defaultLog;
  const requestTimeoutMs = options.requestTimeoutMs ?? 60_000;

  const s3Store = new S3Store(dataDir);
  const sns = createSnsService({ clock, dataDir });
  const s3 = createS3Service({ store: s3Store });
  const elastiCache = createElastiCacheService({ clock, s3Store, dataDir, timings: options.elastiCache ?? {}, log });
  const services = new Map<string, EmulatedService>();
  for (const service of [elastiCache.service, s3.service, sns.service, ...(options.services ?? [])]) {
    services.set(service.name, service);
  }

  const local = async (method: string, route: string, query: URLSearchParams, body: Buffer): Promise<AwsResponse> => {
    if (route === '/_local/health' && method === 'GET') {
      return json(200, { status: 'ok', services: [...services.keys()], timeScale: clock.timeScale });
    }
    if (route === '/_local/sns/messages') {
      if (method === 'GET') {
        const topicArn = query.get('topicArn');
        return json(
          200,
          sns.handle.messages().filter((message) => !topicArn || message.topicArn === topicArn),
        );
      }
      if (method === 'DELETE') {
        sns.handle.clearMessages();
        return { status: 204 };
      }
    }
    if (route === '/_local/elasticache/faults') {
      if (method === 'GET') return json(200, elastiCache.handle.pendingFaults());
      if (method === 'DELETE') {
        elastiCache.handle.clearFaults();
        return { status: 204 };
      }
      if (method === 'POST') {
        let fault: unknown;
        try {
          fault = JSON.parse(body.toString('utf8'));
        } catch {
          return json(400, {
            error: 'The body must be a JSON fault: see ElastiCacheFault in local/aws/elasticache.ts',
          });
        }
        try {
          elastiCache.handle.stageFault(fault as ElastiCacheFault);
        } catch (error) {
          return json(400, { error: error instanceof Error ? error.message : String(error) });
        }
        return json(201, elastiCache.handle.pendingFaults());
      }
    }
    return json(404, { error: `No local endpoint ${method} ${route}` });
  };

  const handle = async (incoming: http.IncomingMessage): Promise<{ response: AwsResponse; method: string }> => {
    const method = (incoming.method ?? 'GET').toUpperCase();
    const rawUrl = incoming.url ?? '/';
    const queryStart = rawUrl.indexOf('?');
    const requestPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
    const query = new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
    const headers = flattenHeaders(incoming.headers);
    const requestId = randomUUID();
    let service = 'unknown';
    try {
      const body = await readBody(incoming);
      if (requestPath.startsWith('/_local/'))
        return { response: await local(method, requestPath, query, body), method };
      const scope = credentialScope(headers, query);
      service = scope?.service ?? guessService(headers, query, body);
      const request: AwsRequest = {
        method,
        path: requestPath,
        query,
        headers,
        body,
        caller: callerFrom(scope),
        host: headers.host ?? '',
        service,
        requestId,
      };
      const target = services.get(service);
      if (!target) {
        throw new AwsError('InvalidAction', `The local AWS emulator does not serve the service "${service}".`, 400);
      }
      return { response: writable(await withTimeout(target.handle(request), requestTimeoutMs)), method };
    } catch (error) {
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
    }
  };

  const server = http.createServer((incoming, outgoing) => {
    handle(incoming)
      .then(({ response, method }) => {
        const body = response.body === undefined ? Buffer.alloc(0) : Buffer.from(response.body);
        const headers: Record<string, string> = { ...response.headers };
        // HEAD answers carry the length of the body a GET would return (set by the service), and no body.
        if (method !== 'HEAD' || headers['content-length'] === undefined) {
          headers['content-length'] = String(method === 'HEAD' ? 0 : body.length);
        }
        outgoing.writeHead(response.status, headers);
        outgoing.end(method === 'HEAD' ? undefined : body);
      })
      .catch((error: unknown) => {
        // Last resort: whatever went wrong while writing must not become an unhandled rejection.
        log('error', 'Emulator failed to answer', { error: String(error) });
        if (!outgoing.headersSent) outgoing.writeHead(500);
        outgoing.end();
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actualPort = (server.address() as AddressInfo).port;
  log('info', 'AWS emulator listening', { host, port: actualPort, dataDir });

  return {
    url: `http://${host}:${actualPort}`,
    port: actualPort,
    host,
    dataDir,
    clock,
    elastiCache: elastiCache.handle,
    s3: s3.handle,
    sns: sns.handle,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        elastiCache.handle.stopWork();
        if (ownClock) clock.dispose();
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
};
