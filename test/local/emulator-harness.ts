import { createHash, createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { type AwsEmulator, type AwsEmulatorOptions, startAwsEmulator } from '../../local/aws/server';
import type { Identity } from '../support/aws-cli';

export interface Harness {
  aws: AwsEmulator;
  dataDir: string;
  elastiCache(identity?: Identity, options?: { maxAttempts?: number }): ElastiCacheClient;
  s3(identity?: Identity): S3Client;
  sns(identity?: Identity): SNSClient;
  dynamoDb(identity?: Identity): DynamoDBClient;
  sqs(identity?: Identity): SQSClient;
  stop(): Promise<void>;
}

const clientConfig = (url: string, identity: Identity = {}) => ({
  endpoint: url,
  region: identity.region ?? 'us-east-1',
  credentials: { accessKeyId: identity.accessKeyId ?? 'test', secretAccessKey: 'test' },
});

/** A fresh emulator on a free port with its own data folder; scaled so emulated minutes take milliseconds. */
export const startHarness = async (options: AwsEmulatorOptions = {}): Promise<Harness> => {
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'local-aws-'));
  const errors: string[] = [];
  const aws = await startAwsEmulator({
    port: 0,
    timeScale: 0.001,
    log: (level, message, data) => {
      if (level === 'error') errors.push(`${message} ${JSON.stringify(data)}`);
    },
    ...options,
    dataDir,
  });
  const clients: Array<{ destroy(): void }> = [];
  const track = <T extends { destroy(): void }>(client: T): T => {
    clients.push(client);
    return client;
  };
  return {
    aws,
    dataDir,
    elastiCache: (identity, extra = {}) =>
      track(new ElastiCacheClient({ ...clientConfig(aws.url, identity), ...extra })),
    s3: (identity) => track(new S3Client({ ...clientConfig(aws.url, identity), forcePathStyle: true })),
    sns: (identity) => track(new SNSClient(clientConfig(aws.url, identity))),
    dynamoDb: (identity) => track(new DynamoDBClient({ ...clientConfig(aws.url, identity), maxAttempts: 1 })),
    sqs: (identity) => track(new SQSClient(clientConfig(aws.url, identity))),
    stop: async () => {
      for (const client of clients) client.destroy();
      await aws.stop();
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

/** Polls until `check` returns a value other than undefined (state changes driven by the scaled clock). */
export { eventually } from '../support/waiting';

/** The error a promise rejects with (fails the test when it resolves). */
export const rejectionOf = async (promise: Promise<unknown>): Promise<Error & Record<string, unknown>> => {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error as Error & Record<string, unknown>;
    throw new Error(`Rejected with a non-error: ${String(error)}`);
  }
  throw new Error('Expected the call to fail, but it succeeded');
};

export const httpStatusOf = (error: Record<string, unknown>): number | undefined =>
  (error.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode;

export { type CliResult, type Identity, runAwsCli } from '../support/aws-cli';

/** Who signs a raw request, and for which service (the SigV4 credential scope). */
export interface Signer extends Identity {
  service: string;
}

const hmac = (key: Buffer | string, text: string): Buffer => createHmac('sha256', key).update(text).digest();

/**
 * The headers that sign a request with SigV4 (secret key `test`, payload unsigned, host and x-amz-date signed), for
 * raw requests the SDK clients cannot make. The emulator does not verify signatures, but these are real ones.
 */
export const sigV4Headers = (
  url: string,
  request: { method?: string; path?: string },
  signer: Signer,
  now = new Date(),
): Record<string, string> => {
  const target = new URL(`${url}${request.path ?? '/'}`);
  const amzDate = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const region = signer.region ?? 'us-east-1';
  const scope = `${day}/${region}/${signer.service}/aws4_request`;
  const query = [...target.searchParams.entries()]
    .map(([name, value]) => [encodeURIComponent(name), encodeURIComponent(value)])
    .sort(([a = ''], [b = '']) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const canonical = [
    request.method ?? 'GET',
    target.pathname,
    query,
    `host:${target.host}\nx-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:${amzDate}\n`,
    'host;x-amz-content-sha256;x-amz-date',
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const key = hmac(hmac(hmac(hmac('AWS4test', day), region), signer.service), 'aws4_request');
  return {
    'x-amz-date': amzDate,
    'x-amz-content-sha256': 'UNSIGNED-PAYLOAD',
    authorization: `AWS4-HMAC-SHA256 Credential=${signer.accessKeyId ?? 'test'}/${scope}, SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=${hmac(key, toSign).toString('hex')}`,
  };
};

/**
 * A plain HTTP request (for what SDK clients cannot send: a chosen Host header, a malformed or missing signature),
 * signed with SigV4 when `sign` is given (headers given win over the signature's).
 */
export const rawRequest = (
  url: string,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: string; sign?: Signer },
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> =>
  new Promise((resolve, reject) => {
    const headers = { ...(options.sign && sigV4Headers(url, options, options.sign)), ...options.headers };
    const request = http.request(
      `${url}${options.path ?? '/'}`,
      { method: options.method ?? 'GET', headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
