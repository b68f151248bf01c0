// Helpers for the Step Functions emulator tests: serve one EmulatedService over HTTP so the real SFNClient (its
// serializers and parsers) talks to it, fake handlers, and a deferred to hold an execution open.
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import type { EmulatedService } from '../../local/aws/types';
import type { Clock } from '../../local/clock';
import type { LambdaHandler } from '../../local/lambda';

export interface Served {
  url: string;
  close: () => Promise<void>;
}

/**
 * A minimal stand-in for the emulator's HTTP server: one service, the caller read from the SigV4 scope. Enough for
 * the SDK's wire protocol; routing by service is the real server's job and tested there.
 */
export const serve = async (service: EmulatedService): Promise<Served> => {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([key, value]) => [
          key,
          Array.isArray(value) ? value.join(',') : (value ?? ''),
        ]),
      );
      const url = new URL(req.url ?? '/', 'http://localhost');
      const scope = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\//.exec(headers.authorization ?? '');
      const accessKeyId = scope?.[1] ?? 'anonymous';
      service
        .handle({
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers,
          body: Buffer.concat(chunks),
          caller: {
            accessKeyId,
            accountId: /^\d{12}$/.test(accessKeyId) ? accessKeyId : '000000000000',
            region: scope?.[2] ?? 'us-east-1',
          },
          host: headers.host ?? '',
          service: scope?.[3] ?? 'states',
          requestId: `req-${Math.random().toString(16).slice(2)}`,
        })
        .then((response) => {
          res.writeHead(response.status, response.headers);
          res.end(response.body);
        })
        .catch((error: unknown) => {
          res.writeHead(500);
          res.end(String(error));
        });
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
};

export const sfnClient = (url: string, region = 'us-east-1'): SFNClient =>
  new SFNClient({
    endpoint: url,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });

export interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
}

export const deferred = (): Deferred => {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
};

/** A fake handler from a plain function of the event; `as LambdaHandler` because events are typed `never` there. */
export const fakeHandler = (fn: (event: Record<string, unknown>, context: Context) => unknown): LambdaHandler =>
  (async (event: Record<string, unknown>, context: Context) => fn(event, context)) as unknown as LambdaHandler;

/** An error with a given name, as our handlers throw them. */
export const namedError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

/** A clock that records every emulated duration it is asked to scale and never waits. */
export const recordingClock = (): Clock & { scaled: number[] } => {
  const scaled: number[] = [];
  return {
    scaled,
    timeScale: 0.001,
    now: () => new Date(),
    realMs: (seconds: number) => {
      scaled.push(seconds);
      return 0;
    },
    sleep: async () => {},
    schedule: () => () => {},
    dispose: () => {},
  };
};
