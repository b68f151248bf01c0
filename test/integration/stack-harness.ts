import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeSnapshotsCommand, ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { S3Client } from '@aws-sdk/client-s3';
import type { Outcome } from '../../handlers/lib/contracts';
import type { ElastiCacheFault, SnsFault } from '../../local/aws/server';
import type { LocalConfig } from '../../local/config';
import { type LocalStack, type LocalStackOptions, startLocalStack } from '../../local/start';
import type { Identity } from '../support/aws-cli';
import { eventually, sleep } from '../support/waiting';

/** Real seconds per emulated second: a 20 s emulated export takes 0.2 s, a 5 s retry interval 50 ms. */
export const FAST_TIME_SCALE = 0.01;

/** The outcome document (DESIGN "The outcome document"), as the API and the notifications carry it. */
export type OutcomeDocument = Outcome;

/** A body of POST /exports or GET /exports/{exportId}. */
export interface ExportResource {
  exportId: string;
  executionArn?: string;
  status: string;
  request?: Record<string, unknown>;
  outcome?: OutcomeDocument;
  error?: { code: string; message: string };
}

/** The 200 body of POST /exports?dryRun=true (or an error body). */
export interface DryRunAnswer {
  ok: boolean;
  request?: Record<string, unknown>;
  problems: Array<{ code: string; message: string; solution: string; docsUrl: string }>;
  error?: { code: string; message: string };
}

/** A message from GET /_local/sns/messages. */
export interface Notification {
  topicArn: string;
  subject?: string;
  message: string;
  messageStructure?: string;
  messageAttributes: Record<string, { DataType?: string; StringValue?: string }>;
}

/** A fault for POST /_local/elasticache/faults (see local/aws/server.ts). */
export type { ElastiCacheFault };

export interface StackHarness {
  stack: LocalStack;
  dataDir: string;
  /** An S3 client signed as `identity` (default: access key `test`, us-east-1, i.e. the stack's own account). */
  s3(identity?: Identity): S3Client;
  elastiCache(identity?: Identity): ElastiCacheClient;
  postExport(body: unknown): Promise<{ status: number; body: ExportResource }>;
  /** POST /exports?dryRun=true: the checks, every problem at once, nothing started. */
  dryRun(body: unknown): Promise<{ status: number; body: DryRunAnswer }>;
  /** Follows GET /exports/{exportId} until the export has ended; `statuses` are the ones seen, in order. */
  followExport(exportId: string): Promise<{ final: ExportResource; statuses: string[] }>;
  listExports(query?: string): Promise<ExportResource[]>;
  /** The notifications published for one export (by its `exportId` message attribute). */
  notificationsFor(exportId: string): Promise<Notification[]>;
  stageFault(fault: ElastiCacheFault): Promise<void>;
  pendingFaults(): Promise<ElastiCacheFault[]>;
  clearFaults(): Promise<void>;
  /** Stages an SNS fault (POST /_local/sns/faults), e.g. `{ action: 'Publish', code: 'AuthorizationError' }`. */
  stageSnsFault(fault: SnsFault): Promise<void>;
  clearSnsFaults(): Promise<void>;
  /** DELETE /exports/{exportId}. */
  cancelExport(exportId: string): Promise<{ status: number; body: ExportResource }>;
  /** Fires a schedule of the schedules file for `at` as Scheduler would (POST /_local/schedules/<name>/run). */
  runSchedule(name: string, at: string): Promise<{ status: number; body: ScheduleRunAnswer }>;
  /** Resolves once the safety net has nothing queued: every status-change event so far has been handled. */
  safetyNetIdle(): Promise<void>;
  /**
   * Resolves once the snapshot is `available` again. An export stopped after its CopySnapshot began leaves the
   * snapshot `copying` until ElastiCache's copy ends: a later export of it would be refused SnapshotBusy.
   */
  snapshotAvailable(snapshotName: string): Promise<void>;
  stop(): Promise<void>;
}

/** What POST /_local/schedules/<name>/run answers: the run's export, or why it could not start. */
export interface ScheduleRunAnswer {
  exportId: string;
  started: boolean;
  status: string;
  error?: string;
}

export interface StackHarnessOptions {
  /** Settings over the stack's own defaults (ports, data folder and time scale are set here). */
  config?: Partial<LocalConfig>;
  seed?: LocalStackOptions['seed'];
  /** Roles to hold the functions to instead of the packaged template's (see local/aws/iam/roles.ts). */
  iamRoles?: LocalStackOptions['iamRoles'];
  /** Longest a followed export may run, in real ms (default 20000). */
  followTimeoutMs?: number;
  /** A definition or history quota of its own (the real handlers and the safety net still run). */
  stepFunctions?: Pick<NonNullable<LocalStackOptions['stepFunctions']>, 'definition' | 'historyEventLimit'>;
}

const FOLLOW_INTERVAL_MS = 25;

const readJson = async <T>(response: Response, what: string): Promise<T> => {
  const text = await response.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${what} answered ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`);
  }
};

/**
 * Starts the local stack with its own defaults (`env: {}`: the demo data and bucket, not the unit tests' settings),
 * on free ports, with a temporary data folder and a fast time scale.
 */
export const startStackHarness = async (options: StackHarnessOptions = {}): Promise<StackHarness> => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'stack-harness-'));
  const followTimeoutMs = options.followTimeoutMs ?? 20_000;
  let stack: LocalStack;
  try {
    stack = await startLocalStack({
      env: {},
      // A later stack in the same test file must reuse the first one's AWS port: the handlers keep their SDK clients.
      config: {
        timeScale: FAST_TIME_SCALE,
        ...options.config,
        awsPort: options.config?.awsPort ?? 0,
        apiPort: 0,
        dataDir,
      },
      ...(options.seed !== undefined && { seed: options.seed }),
      ...(options.stepFunctions && { stepFunctions: options.stepFunctions }),
      ...(options.iamRoles && { iamRoles: options.iamRoles }),
    });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }

  const clients: Array<{ destroy(): void }> = [];
  const clientConfig = (identity: Identity = {}) => ({
    endpoint: stack.awsUrl,
    region: identity.region ?? stack.config.region,
    credentials: { accessKeyId: identity.accessKeyId ?? 'test', secretAccessKey: 'test' },
  });
  const track = <T extends { destroy(): void }>(client: T): T => {
    clients.push(client);
    return client;
  };

  const local = (route: string, init?: RequestInit): Promise<Response> => fetch(`${stack.awsUrl}${route}`, init);

  const getExport = async (exportId: string): Promise<ExportResource> => {
    const response = await fetch(`${stack.apiUrl}/exports/${encodeURIComponent(exportId)}`);
    const body = await readJson<ExportResource>(response, `GET /exports/${exportId}`);
    if (response.status !== 200) {
      throw new Error(`GET /exports/${exportId} answered ${response.status}: ${JSON.stringify(body)}`);
    }
    return body;
  };

  return {
    stack,
    dataDir,
    s3: (identity) => track(new S3Client({ ...clientConfig(identity), forcePathStyle: true })),
    elastiCache: (identity) => track(new ElastiCacheClient(clientConfig(identity))),
    postExport: async (body) => {
      const response = await fetch(`${stack.apiUrl}/exports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await readJson<ExportResource>(response, 'POST /exports') };
    },
    dryRun: async (body) => {
      const response = await fetch(`${stack.apiUrl}/exports?dryRun=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      return { status: response.status, body: await readJson<DryRunAnswer>(response, 'POST /exports?dryRun=true') };
    },
    followExport: async (exportId) => {
      const statuses: string[] = [];
      const deadline = Date.now() + followTimeoutMs;
      for (;;) {
        const body = await getExport(exportId);
        if (statuses[statuses.length - 1] !== body.status) statuses.push(body.status);
        if (body.status !== 'RUNNING') return { final: body, statuses };
        if (Date.now() > deadline) {
          throw new Error(`Export ${exportId} was still RUNNING after ${followTimeoutMs} ms`);
        }
        await sleep(FOLLOW_INTERVAL_MS);
      }
    },
    listExports: async (query = '') => {
      const response = await fetch(`${stack.apiUrl}/exports${query}`);
      return (await readJson<{ exports: ExportResource[] }>(response, 'GET /exports')).exports;
    },
    notificationsFor: async (exportId) => {
      const messages = await readJson<Notification[]>(await local('/_local/sns/messages'), 'GET /_local/sns/messages');
      return messages.filter((message) => message.messageAttributes.exportId?.StringValue === exportId);
    },
    stageFault: async (fault) => {
      const response = await local('/_local/elasticache/faults', { method: 'POST', body: JSON.stringify(fault) });
      if (response.status !== 201) {
        throw new Error(`Staging ${JSON.stringify(fault)} answered ${response.status}: ${await response.text()}`);
      }
    },
    pendingFaults: async () =>
      readJson<ElastiCacheFault[]>(await local('/_local/elasticache/faults'), 'GET /_local/elasticache/faults'),
    clearFaults: async () => {
      await local('/_local/elasticache/faults', { method: 'DELETE' });
    },
    stageSnsFault: async (fault) => {
      const response = await local('/_local/sns/faults', { method: 'POST', body: JSON.stringify(fault) });
      if (response.status !== 201) {
        throw new Error(`Staging ${JSON.stringify(fault)} answered ${response.status}: ${await response.text()}`);
      }
    },
    clearSnsFaults: async () => {
      await local('/_local/sns/faults', { method: 'DELETE' });
    },
    cancelExport: async (exportId) => {
      const response = await fetch(`${stack.apiUrl}/exports/${encodeURIComponent(exportId)}`, { method: 'DELETE' });
      return { status: response.status, body: await readJson<ExportResource>(response, `DELETE /exports/${exportId}`) };
    },
    runSchedule: async (name, at) => {
      const path = `/_local/schedules/${encodeURIComponent(name)}/run?at=${encodeURIComponent(at)}`;
      const response = await fetch(`${stack.awsUrl}${path}`, { method: 'POST' });
      return { status: response.status, body: await readJson<ScheduleRunAnswer>(response, `POST ${path}`) };
    },
    safetyNetIdle: async () => {
      await stack.asyncFunctions.get('safetyNet')?.idle();
    },
    snapshotAvailable: async (snapshotName) => {
      const client = track(new ElastiCacheClient(clientConfig()));
      await eventually(
        async () => {
          const { Snapshots = [] } = await client.send(new DescribeSnapshotsCommand({ SnapshotName: snapshotName }));
          return Snapshots[0]?.SnapshotStatus === 'available' ? true : undefined;
        },
        followTimeoutMs,
        `Snapshot ${snapshotName} available again`,
      );
    },
    stop: async () => {
      for (const client of clients) client.destroy();
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
};

export { AWS_CLI_MISSING, type CliResult, type Identity, runAwsCli } from '../support/aws-cli';
