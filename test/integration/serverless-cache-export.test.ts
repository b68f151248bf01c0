// Exports of an ElastiCache Serverless cache by name (issue 10, `serverlessCacheName`) through the whole local stack:
// its newest available snapshot, or with `freshSnapshot` a new one (CreateServerlessCacheSnapshot, named after the
// export's target), waited for, exported, verified, deleted afterwards unless kept; and a schedule of a serverless
// cache with retention. The roles are the packaged template's, with this file's schedule, so every call below passes
// the IAM the deployed service would hold. The demo data's Valkey cache `demo-serverless` has the available snapshot
// `demo-serverless-snapshot`.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateServerlessCacheSnapshotCommand,
  DescribeServerlessCacheSnapshotsCommand,
} from '@aws-sdk/client-elasticache';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { eventually } from '../support/waiting';
import { type StackHarness, startStackHarness } from './stack-harness';

const BUCKET = 'elasticache-exports-local';
const CACHE = 'demo-serverless';
const SCHEDULE = 'Nightly-serverless';

let harness: StackHarness;
let schedulesDir: string;

const objectKeys = async (prefix: string): Promise<string[]> => {
  const { Contents = [] } = await harness.s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return Contents.map((object) => object.Key ?? '').sort();
};

/** The cache's snapshots that are not on their way out, by name. */
const snapshotsOfCache = async (): Promise<Map<string, string>> => {
  const { ServerlessCacheSnapshots = [] } = await harness
    .elastiCache()
    .send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheName: CACHE }));
  return new Map(
    ServerlessCacheSnapshots.filter((snapshot) => snapshot.Status !== 'deleting').map((snapshot) => [
      snapshot.ServerlessCacheSnapshotName ?? '',
      snapshot.Status ?? '',
    ]),
  );
};

/** Resolves once ElastiCache no longer has the snapshot at all (DeleteServerlessCacheSnapshot shows `deleting`). */
const gone = (snapshotName: string) =>
  eventually(
    async () => {
      const { ServerlessCacheSnapshots = [] } = await harness
        .elastiCache()
        .send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheName: CACHE }));
      return ServerlessCacheSnapshots.some((snapshot) => snapshot.ServerlessCacheSnapshotName === snapshotName)
        ? undefined
        : true;
    },
    10_000,
    `snapshot ${snapshotName} deleted`,
  );

const exportOf = async (body: Record<string, unknown>) => {
  const accepted = await harness.postExport({ targetBucket: BUCKET, ...body });
  expect(accepted.status).toBe(202);
  const { final } = await harness.followExport(accepted.body.exportId);
  const notifications = await harness.notificationsFor(accepted.body.exportId);
  return { accepted, final, notifications };
};

const runSchedule = (name: string, at: string) => harness.runSchedule(name, at);

beforeAll(async () => {
  schedulesDir = mkdtempSync(path.join(tmpdir(), 'serverless-schedules-'));
  const file = path.join(schedulesDir, 'schedules.yml');
  writeFileSync(
    file,
    [
      'schedules:',
      `  - name: ${SCHEDULE}`,
      '    schedule: cron(0 3 * * ? *)',
      '    retention:',
      '      keepLast: 1',
      '    input:',
      `      serverlessCacheName: ${CACHE}`,
      '      freshSnapshot: true',
      `      targetBucket: ${BUCKET}`,
      '',
    ].join('\n'),
  );
  harness = await startStackHarness({ config: { schedulesFile: file } });
}, 120_000);

afterAll(async () => {
  await harness?.stop();
  rmSync(schedulesDir, { recursive: true, force: true });
});

it("exports a serverless cache's newest available snapshot, named after that snapshot, and notifies once", async () => {
  // Act
  const { accepted, final, notifications } = await exportOf({ serverlessCacheName: CACHE });

  // Assert
  expect(final.outcome?.error).toBeUndefined();
  expect(final.status).toBe('SUCCEEDED');
  expect(final.outcome?.sourceSnapshotName).toBe('demo-serverless-snapshot');
  expect(final.outcome?.targetSnapshotName).toBe('demo-serverless-snapshot');
  expect(final.outcome?.objects.map((object) => object.key)).toEqual(['demo-serverless-snapshot-0001.rdb']);
  expect(final.outcome?.snapshot).toMatchObject({ engine: 'valkey', serverlessCacheName: CACHE });
  expect(notifications).toHaveLength(1);
  const listed = (await harness.listExports()).find((item) => item.exportId === accepted.body.exportId);
  expect((listed as unknown as { source?: unknown } | undefined)?.source).toEqual({
    kind: 'serverlessCache',
    name: CACHE,
  });
});

it('takes a fresh snapshot of a serverless cache, exports it under the target name and deletes it afterwards', async () => {
  // Act
  const { final, notifications } = await exportOf({
    serverlessCacheName: CACHE,
    freshSnapshot: true,
    targetSnapshotName: 'export-sessions-manual',
  });

  // Assert
  expect(final.status).toBe('SUCCEEDED');
  expect(final.outcome?.sourceSnapshotName).toBe('export-sessions-manual');
  expect(final.outcome?.objects.map((object) => object.key)).toEqual(['export-sessions-manual-0001.rdb']);
  expect(final.outcome?.freshSnapshot).toEqual({ snapshotName: 'export-sessions-manual', deleted: true });
  expect(notifications).toHaveLength(1);
  expect(notifications[0]?.message).toContain('export-sessions-manual');
  await gone('export-sessions-manual');
});

it('keeps the fresh serverless snapshot with keepSnapshot, and names it export-<cache>-<time> by default', async () => {
  // Act
  const { final } = await exportOf({ serverlessCacheName: CACHE, freshSnapshot: true, keepSnapshot: true });

  // Assert
  expect(final.status).toBe('SUCCEEDED');
  const name = final.outcome?.freshSnapshot?.snapshotName ?? '';
  expect(name).toMatch(/^export-demo-serverless-\d{8}-\d{4}$/);
  expect(final.outcome?.freshSnapshot).toEqual({ snapshotName: name, deleted: false, reason: 'keepSnapshot was set' });
  expect((await snapshotsOfCache()).get(name)).toBe('available');
  expect(await objectKeys(name)).toEqual([`${name}-0001.rdb`]);
});

it('refuses a fresh serverless target outside export-* with what to do, before anything starts', async () => {
  // Act
  const answer = await harness.postExport({
    serverlessCacheName: CACHE,
    freshSnapshot: true,
    targetSnapshotName: 'sessions',
  });

  // Assert
  expect(answer.status).toBe(400);
  expect(JSON.stringify(answer.body)).toContain("must start with 'export-'");
});

it('fails an unknown serverless cache with ServerlessCacheNotFound and its solution, in both modes', async () => {
  for (const body of [
    { serverlessCacheName: 'no-such-cache' },
    { serverlessCacheName: 'no-such-cache', freshSnapshot: true },
  ]) {
    // Act
    const { final, notifications } = await exportOf(body);

    // Assert
    expect(final.status).toBe('FAILED');
    expect(final.outcome?.error?.code).toBe('ServerlessCacheNotFound');
    expect(final.outcome?.error?.solution).toContain('describe-serverless-caches');
    expect(notifications).toHaveLength(1);
  }
});

it("fails a fresh snapshot past the cache's 24-a-day quota as ServerlessSnapshotQuotaExceeded, with what to do", async () => {
  // Arrange
  await harness.stageFault({
    action: 'CreateServerlessCacheSnapshot',
    code: 'ServerlessCacheSnapshotQuotaExceededFault',
    message: 'The request cannot be processed because it would exceed the allowed number of snapshots.',
  });

  // Act
  const { final, notifications } = await exportOf({
    serverlessCacheName: CACHE,
    freshSnapshot: true,
    targetSnapshotName: 'export-over-quota',
  });

  // Assert
  expect(final.status).toBe('FAILED');
  expect(final.outcome?.error?.code).toBe('ServerlessSnapshotQuotaExceeded');
  expect(final.outcome?.error?.solution).toContain('24 snapshots');
  expect(notifications).toHaveLength(1);
});

describe('a fresh-snapshot schedule of a serverless cache with keepLast 1, run two nights', () => {
  const nights = ['2026-11-01T03:00:00Z', '2026-11-02T03:00:00Z'];
  const outcomes: Array<NonNullable<Awaited<ReturnType<StackHarness['followExport']>>['final']['outcome']>> = [];

  beforeAll(async () => {
    for (const night of nights) {
      const run = await runSchedule(SCHEDULE, night);
      expect(run.status).toBe(200);
      const { final } = await harness.followExport(run.body.exportId);
      expect(final.outcome?.error).toBeUndefined();
      expect(final.status).toBe('SUCCEEDED');
      outcomes.push(final.outcome as never);
      expect(await harness.notificationsFor(run.body.exportId)).toHaveLength(1);
    }
  }, 60_000);

  it("names each run's snapshot and objects after the run, deletes the snapshot and prunes the older export", async () => {
    expect(outcomes.map((outcome) => outcome.freshSnapshot)).toEqual([
      { snapshotName: 'nightly-serverless-20261101-030000', deleted: true },
      { snapshotName: 'nightly-serverless-20261102-030000', deleted: true },
    ]);
    expect(await objectKeys('nightly-serverless-')).toEqual(['nightly-serverless-20261102-030000-0001.rdb']);
    expect(outcomes[1]?.pruned?.map((object) => object.key)).toEqual(['nightly-serverless-20261101-030000-0001.rdb']);
    await gone('nightly-serverless-20261102-030000');
  });
});

it('fails a fresh snapshot of a cache that is backing up as ServerlessCacheBusy, and takes none', async () => {
  // Arrange (last: the cache stays busy for a while): a snapshot of the cache is being taken (the emulator takes minutes of scaled time for it).
  await harness.elastiCache().send(
    new CreateServerlessCacheSnapshotCommand({
      ServerlessCacheName: CACHE,
      ServerlessCacheSnapshotName: 'manual-backup-in-progress',
    }),
  );
  const before = await snapshotsOfCache();

  // Act
  const { final, notifications } = await exportOf({
    serverlessCacheName: CACHE,
    freshSnapshot: true,
    targetSnapshotName: 'export-while-busy',
  });

  // Assert
  expect(final.status).toBe('FAILED');
  expect(final.outcome?.error?.code).toBe('ServerlessCacheBusy');
  expect(final.outcome?.error?.message).toContain('manual-backup-in-progress');
  expect(notifications).toHaveLength(1);
  expect([...(await snapshotsOfCache()).keys()].sort()).toEqual([...before.keys()].sort());
});
