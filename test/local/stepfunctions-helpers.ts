// Helpers for the Step Functions emulator tests: the emulator's server with the service plugged in, so the real
// SFNClient (its serializers and parsers) talks to it; fake handlers; a deferred to hold an execution open.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { Context } from 'aws-lambda';
import { startAwsEmulator } from '../../local/aws/server';
import type { EmulatedService } from '../../local/aws/types';
import type { Clock } from '../../local/clock';
import type { LambdaHandler } from '../../local/lambda';

export interface Served {
  url: string;
  close: () => Promise<void>;
}

/**
 * The emulator's HTTP server (local/aws/server.ts) with the service plugged in, on a free port with a throwaway
 * data folder: requests reach it routed by their SigV4 scope, as from any SDK client or the AWS CLI.
 */
export const serve = async (service: EmulatedService): Promise<Served> => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'local-sfn-'));
  const errors: string[] = [];
  const aws = await startAwsEmulator({
    port: 0,
    dataDir,
    timeScale: 0,
    services: [service],
    log: (level, message, data) => {
      if (level === 'error') errors.push(`${message} ${JSON.stringify(data)}`);
    },
  });
  return {
    url: aws.url,
    close: async () => {
      await aws.stop();
      rmSync(dataDir, { recursive: true, force: true });
      // A service that threw (500 InternalFailure) is a bug even when the test did not look at that answer.
      if (errors.length > 0) throw new Error(`The emulator logged errors:\n${errors.join('\n')}`);
    },
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
