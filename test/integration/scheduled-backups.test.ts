// Scheduled backups as a lifecycle (issue 8), through the whole local stack: a schedules file with a fresh-snapshot
// schedule and a retention policy, fired as EventBridge Scheduler would (runSchedule with the template's target
// input), each run taking a snapshot, exporting it, deleting it and pruning the schedule's older exports; and the
// same lifecycle for a fresh-snapshot export requested through POST /exports.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DescribeSnapshotsCommand } from '@aws-sdk/client-elasticache';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { eventually } from '../support/waiting';
import { type StackHarness, startStackHarness } from './stack-harness';

const BUCKET = 'elasticache-exports-local';
const GROUP = 'demo-cache';
const SCHEDULE = 'Nightly-sessions';

let harness: StackHarness;
let schedulesDir: string;

const runSchedule = (name: string, at: string) => harness.runSchedule(name, at);

const objectKeys = async (prefix: string): Promise<string[]> => {
  const { Contents = [] } = await harness.s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return Contents.map((object) => object.Key ?? '').sort();
};

/** The service's snapshots of the group that are not on their way out (DeleteSnapshot shows `deleting` a while). */
const freshSnapshots = async (): Promise<string[]> => {
  const { Snapshots = [] } = await harness
    .elastiCache()
    .send(new DescribeSnapshotsCommand({ ReplicationGroupId: GROUP }));
  return Snapshots.filter((snapshot) => snapshot.SnapshotStatus !== 'deleting')
    .map((snapshot) => snapshot.SnapshotName ?? '')
    .filter((name) => name.startsWith('export-'));
};

/** Resolves once the group has no `export-*` snapshot left at all, `deleting` ones included. */
const noFreshSnapshotLeft = () =>
  eventually(
    async () => {
      const { Snapshots = [] } = await harness
        .elastiCache()
        .send(new DescribeSnapshotsCommand({ ReplicationGroupId: GROUP }));
      return Snapshots.some((snapshot) => snapshot.SnapshotName?.startsWith('export-')) ? undefined : true;
    },
    10_000,
    'every fresh snapshot deleted',
  );

beforeAll(async () => {
  schedulesDir = mkdtempSync(path.join(tmpdir(), 'schedules-'));
  const file = path.join(schedulesDir, 'schedules.yml');
  writeFileSync(
    file,
    [
      'schedules:',
      `  - name: ${SCHEDULE}`,
      '    schedule: cron(30 2 * * ? *)',
      '    timezone: Europe/Paris',
      '    retention:',
      '      keepLast: 2',
      '    input:',
      `      replicationGroupId: ${GROUP}`,
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

describe('a fresh-snapshot schedule with keepLast 2, run three nights', () => {
  const nights = ['2026-11-01T01:30:00Z', '2026-11-02T01:30:00Z', '2026-11-03T01:30:00Z'];
  const runs: Array<{
    exportId: string;
    outcome: NonNullable<Awaited<ReturnType<StackHarness['followExport']>>['final']['outcome']>;
  }> = [];

  beforeAll(async () => {
    for (const night of nights) {
      const run = await runSchedule(SCHEDULE, night);
      expect(run).toMatchObject({ status: 200, body: { started: true, status: 'RUNNING' } });
      const { final } = await harness.followExport(run.body.exportId);
      expect(final.status).toBe('SUCCEEDED');
      runs.push({ exportId: run.body.exportId, outcome: final.outcome as never });
    }
  }, 60_000);

  it('names each run after the schedule and its scheduled time, and records both in the outcome', () => {
    expect(runs.map((run) => run.outcome.targetSnapshotName)).toEqual([
      `${SCHEDULE}-20261101-013000`,
      `${SCHEDULE}-20261102-013000`,
      `${SCHEDULE}-20261103-013000`,
    ]);
    expect(runs[2]?.outcome.schedule).toEqual({ name: SCHEDULE, scheduledTime: '2026-11-03T01:30:00.000Z' });
  });

  it('took a fresh snapshot for each run, exported it and deleted it: none is left', async () => {
    for (const { exportId, outcome } of runs) {
      expect(outcome.freshSnapshot).toEqual({ snapshotName: `export-${exportId}`, deleted: true });
      expect(outcome.sourceSnapshotName).toBe(`export-${exportId}`);
    }
    await noFreshSnapshotLeft();
  });

  it('keeps exactly the last two exports of the schedule in the bucket, and the third run pruned the first', async () => {
    const prefix = `${SCHEDULE.toLowerCase()}-`;
    expect(await objectKeys(prefix)).toEqual([
      'nightly-sessions-20261102-013000-0001.rdb',
      'nightly-sessions-20261102-013000-0002.rdb',
      'nightly-sessions-20261103-013000-0001.rdb',
      'nightly-sessions-20261103-013000-0002.rdb',
    ]);
    expect(runs[0]?.outcome.pruned).toBeUndefined();
    expect(runs[1]?.outcome.pruned).toBeUndefined();
    expect(runs[2]?.outcome.pruned?.map((object) => object.key)).toEqual([
      'nightly-sessions-20261101-013000-0001.rdb',
      'nightly-sessions-20261101-013000-0002.rdb',
    ]);
  });

  it('sent one notification per run, the third naming what it created, removed and pruned', async () => {
    for (const { exportId } of runs) expect(await harness.notificationsFor(exportId)).toHaveLength(1);
    const [third] = await harness.notificationsFor(runs[2]?.exportId ?? '');
    const text = (JSON.parse(third?.message ?? '{}') as { default: string }).default;
    expect(text).toContain(`Schedule: ${SCHEDULE}, run for 2026-11-03T01:30:00.000Z`);
    expect(text).toContain(
      `Fresh snapshot: export-${runs[2]?.exportId} was created for this export and has been deleted.`,
    );
    expect(text).toContain("Pruned by the schedule's retention: 2 older objects");
    expect(text).toContain('nightly-sessions-20261101-013000-0001.rdb');
  });

  it('answers a repeated delivery of a scheduled time with the same export, starting nothing and notifying nothing', async () => {
    // Act
    const again = await runSchedule(SCHEDULE, nights[2] ?? '');

    // Assert
    expect(again).toEqual({
      status: 200,
      body: expect.objectContaining({ exportId: runs[2]?.exportId, started: false, status: 'SUCCEEDED' }),
    });
    expect(await harness.notificationsFor(runs[2]?.exportId ?? '')).toHaveLength(1);
  });

  it('lists the schedule with its next fire time in its time zone', async () => {
    const response = await fetch(`${harness.stack.awsUrl}/_local/schedules`);
    const [listed] = (await response.json()) as Array<{ name: string; timezone: string; nextFireTime: string }>;
    expect(listed).toMatchObject({ name: SCHEDULE, timezone: 'Europe/Paris' });
    // 02:30 in Paris is 01:30 UTC in winter, 00:30 UTC in summer.
    expect(listed?.nextFireTime).toMatch(/T0[01]:30:00\.000Z$/);
  });

  it('refuses an unknown schedule with the names it knows', async () => {
    const response = await fetch(`${harness.stack.awsUrl}/_local/schedules/nope/run`, { method: 'POST' });
    expect(response.status).toBe(404);
    expect(((await response.json()) as { error: string }).error).toContain(SCHEDULE);
  });
});

describe('"freshSnapshot": true through POST /exports', () => {
  it('takes, exports and deletes its own snapshot, and says so', async () => {
    // Act
    const accepted = await harness.postExport({
      replicationGroupId: GROUP,
      freshSnapshot: true,
      targetSnapshotName: 'fresh-once',
    });
    const { final } = await harness.followExport(accepted.body.exportId);

    // Assert
    expect(accepted.status).toBe(202);
    expect(final.status).toBe('SUCCEEDED');
    expect(final.outcome?.freshSnapshot).toEqual({ snapshotName: `export-${accepted.body.exportId}`, deleted: true });
    expect(final.outcome?.objects.map((object) => object.key)).toEqual(['fresh-once-0001.rdb', 'fresh-once-0002.rdb']);
    await noFreshSnapshotLeft();
  });

  it('keeps the snapshot with keepSnapshot, and the outcome says it was kept', async () => {
    // Act
    const accepted = await harness.postExport({
      replicationGroupId: GROUP,
      freshSnapshot: true,
      keepSnapshot: true,
      targetSnapshotName: 'fresh-kept',
    });
    const { final } = await harness.followExport(accepted.body.exportId);

    // Assert
    const snapshotName = `export-${accepted.body.exportId}`;
    expect(final.outcome?.freshSnapshot).toEqual({ snapshotName, deleted: false, reason: 'keepSnapshot was set' });
    expect(await freshSnapshots()).toEqual([snapshotName]);
  });

  it('refuses keepSnapshot without freshSnapshot, and freshSnapshot of a snapshot, with what to fix', async () => {
    const kept = await harness.postExport({ replicationGroupId: GROUP, keepSnapshot: true });
    const ofSnapshot = await harness.postExport({ sourceSnapshotName: 'demo-cache-snapshot', freshSnapshot: true });
    expect(kept.status).toBe(400);
    expect(JSON.stringify(kept.body)).toContain('keepSnapshot is only allowed with freshSnapshot: true');
    expect(ofSnapshot.status).toBe(400);
    expect(JSON.stringify(ofSnapshot.body)).toContain(
      'freshSnapshot takes a new snapshot of a replicationGroupId, cacheClusterId or serverlessCacheName',
    );
  });
});

describe('a fresh snapshot ElastiCache cannot take', () => {
  const local = (route: string, body: unknown) =>
    fetch(`${harness.stack.awsUrl}${route}`, { method: 'POST', body: JSON.stringify(body) });

  it('fails as SnapshotFailed when the snapshot ends failed, deletes it, and says what to do', async () => {
    // Arrange
    await harness.stageFault({ snapshotOutcome: 'failed', replicationGroupId: GROUP } as never);

    // Act
    const accepted = await harness.postExport({
      replicationGroupId: GROUP,
      freshSnapshot: true,
      targetSnapshotName: 'fresh-failed',
    });
    const { final } = await harness.followExport(accepted.body.exportId);

    // Assert
    expect(final.status).toBe('FAILED');
    expect(final.outcome?.error?.code).toBe('SnapshotFailed');
    expect(final.outcome?.error?.solution).toContain('describe-events');
    expect(final.outcome?.freshSnapshot).toEqual({ snapshotName: `export-${accepted.body.exportId}`, deleted: true });
    expect(await harness.notificationsFor(accepted.body.exportId)).toHaveLength(1);
  });

  it('fails as SourceBusy while the group runs its automatic backup, taking no snapshot', async () => {
    // Arrange
    const busy = await local('/_local/elasticache/automatic-backup', { replicationGroupId: GROUP, seconds: 600 });
    expect(busy.status).toBe(201);

    // Act
    const accepted = await harness.postExport({
      replicationGroupId: GROUP,
      freshSnapshot: true,
      targetSnapshotName: 'fresh-busy',
    });
    const { final } = await harness.followExport(accepted.body.exportId);

    // Assert
    expect(final.outcome?.error?.code).toBe('SourceBusy');
    expect(final.outcome?.error?.message).toContain('snapshotting');
    expect(final.outcome?.error?.solution).toContain('backup window');
    expect(final.outcome).not.toHaveProperty('freshSnapshot');
  });
});
