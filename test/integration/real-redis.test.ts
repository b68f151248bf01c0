// An export checked by a real Redis (issue 9): an emulated Redis OSS 7.0 cache is exported through the local stack,
// then Debian's redis-check-rdb (redis-tools 7.0.15, installed by scripts/install-system-deps.sh, which `npm test`
// runs first) must accept the file, and a throwaway redis-server 7.0 (a free port, a temporary directory, stopped at
// the end) must load it with the keys the emulator wrote. Redis 7.0 reads RDB versions up to 10 and refuses 11
// ("Can't handle RDB format version 11"), so the emulator must write what 7.0 really writes.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { CreateReplicationGroupCommand, DescribeReplicationGroupsCommand } from '@aws-sdk/client-elasticache';
import { readRdb } from '../../local/aws/elasticache/rdb';
import { until } from '../support/waiting';
import { type StackHarness, startStackHarness } from './stack-harness';

const run = promisify(execFile);
const BUCKET = 'elasticache-exports-local';
const GROUP = 'redis70-cache';
const MISSING_TOOLS =
  'redis-check-rdb, redis-server and redis-cli are needed (Debian redis-tools and redis-server): run `bash scripts/install-system-deps.sh` as root, or `npm test`, which runs it first.';

let harness: StackHarness;
let workDir: string;
let server: ChildProcess | undefined;

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

const tool = async (name: string, args: string[]): Promise<{ stdout: string; code: number }> => {
  try {
    const { stdout } = await run(name, args, { timeout: 30_000 });
    return { stdout, code: 0 };
  } catch (error) {
    const failure = error as { code?: number | string; stdout?: string; stderr?: string };
    if (failure.code === 'ENOENT') throw new Error(`${name} is not installed. ${MISSING_TOOLS}`);
    return {
      stdout: `${failure.stdout ?? ''}${failure.stderr ?? ''}`,
      code: typeof failure.code === 'number' ? failure.code : 1,
    };
  }
};

beforeAll(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'real-redis-'));
  harness = await startStackHarness();
}, 60_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server?.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  await harness?.stop();
  rmSync(workDir, { recursive: true, force: true });
});

it('exports an emulated Redis OSS 7.0 cache to a file redis-check-rdb 7.0 accepts and redis-server 7.0 loads', async () => {
  // Arrange: a cluster-mode-disabled Redis OSS 7.0 group (one shard), exported from a fresh snapshot.
  const elastiCache = harness.elastiCache();
  await elastiCache.send(
    new CreateReplicationGroupCommand({
      ReplicationGroupId: GROUP,
      ReplicationGroupDescription: 'Redis OSS 7.0, exported and loaded by a real redis-server',
      Engine: 'redis',
      EngineVersion: '7.0',
      CacheNodeType: 'cache.t4g.micro',
      NumNodeGroups: 1,
    }),
  );
  await until(
    async () => {
      const { ReplicationGroups = [] } = await elastiCache.send(
        new DescribeReplicationGroupsCommand({ ReplicationGroupId: GROUP }),
      );
      return ReplicationGroups[0]?.Status === 'available';
    },
    30_000,
    `replication group ${GROUP} to be available`,
    50,
  );

  // Act
  const accepted = await harness.postExport({
    replicationGroupId: GROUP,
    freshSnapshot: true,
    targetSnapshotName: 'redis70-export',
    targetBucket: BUCKET,
  });
  const { final } = await harness.followExport(accepted.body.exportId);

  // Assert: the service proved the file, and says what it is.
  expect(final.status).toBe('SUCCEEDED');
  const [object] = final.outcome?.objects ?? [];
  expect(final.outcome?.objects).toHaveLength(1);
  expect(object?.rdb?.verified).toBe('full');
  expect(final.outcome?.snapshot?.engineVersion).toMatch(/^7\.0/);
  // What Redis OSS 7.0 writes and reads (redis 7.0 src/rdb.h RDB_VERSION 10).
  expect({ format: object?.rdb?.format, version: object?.rdb?.version }).toEqual({ format: 'redis', version: 10 });

  const file = path.join(workDir, 'export.rdb');
  copyFileSync(path.join(harness.dataDir, 's3', BUCKET, object?.key ?? ''), file);

  // redis-check-rdb accepts it: magic, every key, EOF and the CRC64.
  const check = await tool('redis-check-rdb', [file]);
  expect({ code: check.code, output: check.stdout }).toEqual({
    code: 0,
    output: expect.stringContaining('RDB looks OK!'),
  });
  expect(check.stdout).toContain('Checksum OK');

  // A throwaway redis-server loads it and answers with the keys the emulator wrote (as its own parser reads them).
  const written = readRdb(readFileSync(file));
  const now = Date.now();
  // redis-cli talks to database 0; the keys there that had not expired when the test read them.
  const expected = written.keys.filter(
    (record) => (record.db ?? 0) === 0 && (record.expiresAt === undefined || record.expiresAt > now),
  );
  expect(expected.length).toBeGreaterThan(0);
  const port = await freePort();
  const log: string[] = [];
  server = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      workDir,
      '--dbfilename',
      'export.rdb',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  server.stdout?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  server.stderr?.on('data', (chunk: Buffer) => log.push(chunk.toString()));
  server.once('error', (error) => log.push(`${error.message}. ${MISSING_TOOLS}`));
  await until(
    async () => {
      if (server?.exitCode !== null) throw new Error(`redis-server exited: ${log.join('')}`);
      return (await tool('redis-cli', ['-p', String(port), 'PING'])).stdout.trim() === 'PONG';
    },
    20_000,
    'redis-server to answer PING',
    100,
  );
  expect(log.join('')).toMatch(/DB loaded from disk/);
  const size = await tool('redis-cli', ['-p', String(port), 'DBSIZE']);
  expect(Number(size.stdout.trim())).toBe(expected.length);
  for (const record of expected) {
    const type = (await tool('redis-cli', ['-p', String(port), 'TYPE', record.key])).stdout.trim();
    expect({ key: record.key, type }).toEqual({ key: record.key, type: record.type });
    if (record.type === 'string') {
      expect((await tool('redis-cli', ['-p', String(port), 'GET', record.key])).stdout.trim()).toBe(record.value);
    }
  }
}, 120_000);
