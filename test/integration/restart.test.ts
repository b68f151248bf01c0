// The local stack is durable (issue: "restarts resume"): `npm start` is stopped with SIGTERM while five exports
// run and started again on the same data folder; the five end SUCCEEDED with one notification each, and the
// replication group and snapshot created at run time before the restart are still listed. The stack runs as a
// real `npm start` child process (`node --import tsx local/start.ts`), talked to only through its public ports.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateReplicationGroupCommand,
  CreateSnapshotCommand,
  DescribeReplicationGroupsCommand,
  DescribeSnapshotsCommand,
  ElastiCacheClient,
} from '@aws-sdk/client-elasticache';
import { sleep, until } from '../support/waiting';
import type { ExportResource, Notification } from './stack-harness';

const REPOSITORY_ROOT = path.join(__dirname, '..', '..');
/** Real seconds per emulated second: an export (20 s emulated) takes 2 s, a poll wait (15 s) 1.5 s. */
const TIME_SCALE = '0.1';
const EXPORTS = 5;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('port'))));
    });
  });

interface RunningStack {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const startNpmStart = async (env: Record<string, string>, healthUrl: string): Promise<RunningStack> => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: REPOSITORY_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: tmpdir(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  // Ready once the banner (printed after seeding and the API) is out and the emulator answers.
  while (!output.includes('Ctrl+C stops the stack.')) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start was not ready within 60 s:\n${output}`);
    await sleep(100);
  }
  const health = await fetch(healthUrl);
  expect(health.status).toBe(200);
  return { child, output: () => output, exited };
};

const stopWithSigterm = async (stack: RunningStack): Promise<number | null> => {
  stack.child.kill('SIGTERM');
  return stack.exited;
};

describe('npm start stopped and started again while exports run', () => {
  let dataDir: string;
  let running: RunningStack | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'restart-'));
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null) await stopWithSigterm(running);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ends the five running exports SUCCEEDED with one notification each, and keeps what ElastiCache made', async () => {
    const [awsPort, apiPort] = [await freePort(), await freePort()];
    const awsUrl = `http://127.0.0.1:${awsPort}`;
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    const env = {
      LOCAL_AWS_PORT: String(awsPort),
      LOCAL_API_PORT: String(apiPort),
      LOCAL_DATA_DIR: dataDir,
      LOCAL_TIME_SCALE: TIME_SCALE,
    };
    running = await startNpmStart(env, `${awsUrl}/_local/health`);

    const elastiCache = new ElastiCacheClient({
      endpoint: awsUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    await elastiCache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: 'made-before-restart',
        ReplicationGroupDescription: 'created at run time',
        Engine: 'redis',
        CacheNodeType: 'cache.t4g.micro',
        NumNodeGroups: 2,
      }),
    );

    // Five sources, one per export: ElastiCache exports one snapshot at a time. One after the other: the group is
    // `snapshotting` while a snapshot of it is taken, and refuses another meanwhile.
    const sources = Array.from({ length: EXPORTS }, (_, index) => `restart-source-${index}`);
    for (const source of sources) {
      await elastiCache.send(new CreateSnapshotCommand({ ReplicationGroupId: 'demo-cache', SnapshotName: source }));
      await until(
        async () => {
          const { Snapshots = [] } = await elastiCache.send(new DescribeSnapshotsCommand({ SnapshotName: source }));
          return Snapshots[0]?.SnapshotStatus === 'available';
        },
        30_000,
        `the source snapshot ${source} to be available`,
        50,
      );
    }
    // The group made above is available by now; its snapshot is `creating` across the restart.
    await elastiCache.send(
      new CreateSnapshotCommand({
        ReplicationGroupId: 'made-before-restart',
        SnapshotName: 'made-before-restart-snap',
      }),
    );
    elastiCache.destroy();

    const exportIds: string[] = [];
    for (const source of sources) {
      const response = await fetch(`${apiUrl}/exports`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ sourceSnapshotName: source }),
      });
      const body = (await response.json()) as ExportResource;
      expect(response.status).toBe(202);
      exportIds.push(body.exportId);
    }
    for (const exportId of exportIds) {
      const response = await fetch(`${apiUrl}/exports/${exportId}`);
      expect(((await response.json()) as ExportResource).status).toBe('RUNNING');
    }

    expect(await stopWithSigterm(running)).toBe(0);
    running = await startNpmStart(env, `${awsUrl}/_local/health`);
    expect(running.output()).toContain(`Resumed ${EXPORTS} running execution(s)`);

    const finals = new Map<string, ExportResource>();
    await until(
      async () => {
        for (const exportId of exportIds) {
          if (finals.has(exportId)) continue;
          const body = (await (await fetch(`${apiUrl}/exports/${exportId}`)).json()) as ExportResource;
          if (body.status !== 'RUNNING') finals.set(exportId, body);
        }
        return finals.size === EXPORTS;
      },
      30_000,
      'the five exports to end',
      200,
    ).catch(() => undefined);
    expect(exportIds.map((exportId) => finals.get(exportId)?.status)).toEqual(exportIds.map(() => 'SUCCEEDED'));

    // Exactly one notification per export, across both runs of the stack (SNS's message log is durable too).
    await sleep(500);
    const messages = (await (await fetch(`${awsUrl}/_local/sns/messages`)).json()) as Notification[];
    for (const exportId of exportIds) {
      const mine = messages.filter((message) => message.messageAttributes.exportId?.StringValue === exportId);
      expect(mine.map((message) => message.messageAttributes.status?.StringValue)).toEqual(['SUCCEEDED']);
    }

    const after = new ElastiCacheClient({
      endpoint: awsUrl,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const groups = await after.send(
      new DescribeReplicationGroupsCommand({ ReplicationGroupId: 'made-before-restart' }),
    );
    expect(groups.ReplicationGroups?.[0]?.NodeGroups).toHaveLength(2);
    const snapshots = await after.send(new DescribeSnapshotsCommand({ SnapshotName: 'made-before-restart-snap' }));
    expect(snapshots.Snapshots?.[0]?.SnapshotStatus).toBe('available');
    after.destroy();

    expect(await stopWithSigterm(running)).toBe(0);
  }, 150_000);
});
