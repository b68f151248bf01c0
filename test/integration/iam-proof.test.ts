// The IAM proof (issue 6): the calls the real handlers make on the local stack, recorded by the emulator with the
// function that made each (its X-Ray trace id) and the IAM action and resource AWS authorizes it with, evaluated with
// iam-simulate against each principal's role in the template `serverless package` writes. It fails naming function,
// action and resource when a role denies a call, when a grant is needed by no call, when a statement could go
// without any call being denied, and when a function or state machine of the template is never exercised.
//
// The flows below reach every call site of every function: success (by snapshot, replication group and cluster,
// to the cluster's own topic; a serverless cache's snapshot, its newest snapshot and a fresh one), idempotent replay, GET and LIST, dry runs, and each failure path that calls something
// of its own. A new function or call site needs a flow here; the proof says which principal or grant lacks one.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateCacheClusterCommand,
  CreateServerlessCacheSnapshotCommand,
  CreateSnapshotCommand,
  DescribeCacheClustersCommand,
  DescribeServerlessCacheSnapshotsCommand,
  DescribeSnapshotsCommand,
} from '@aws-sdk/client-elasticache';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { GetExecutionHistoryCommand, SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { EXPORT_CALLER_PERMISSIONS, LAMBDA_RUNTIME_ACTIONS } from '../../local/aws/iam/index';
import { DEFAULT_IAM_CACHE_DIR } from '../../local/config';
import { eventually } from '../support/waiting';
import {
  ACCEPTED_GRANTS,
  analyse,
  callTable,
  condensedTable,
  type DistinctCall,
  distinctCalls,
  type Findings,
} from './iam-proof';
import { type StackHarness, startStackHarness } from './stack-harness';

const DEMO_SNAPSHOT = 'demo-cache-snapshot';
const DEMO_BUCKET = 'elasticache-exports-local';
const DEMO_SERVERLESS_SNAPSHOT = 'demo-serverless-snapshot';
const SERVERLESS_SNAPSHOT = 'iam-proof-serverless-snapshot';
const NOT_OWNED_BUCKET = 'iam-proof-not-owned';
const OTHER_ACCOUNT = { accessKeyId: '111111111111' };
const CLUSTER = 'iam-proof-cluster';
const CLUSTER_TOPIC = 'iam-proof-cluster-events';
const ALLOWED_BUCKETS = [DEMO_BUCKET, NOT_OWNED_BUCKET];
const ARTIFACT = path.join(DEFAULT_IAM_CACHE_DIR, 'recorded-calls.md');

let harness: StackHarness;
let calls: DistinctCall[];
let findings: Findings;

/** Requests an export and follows it to its end; fails the flow when it ends otherwise than expected. */
const exportEnds = async (body: Record<string, unknown>, status: 'SUCCEEDED' | 'FAILED', code?: string) => {
  const accepted = await harness.postExport(body);
  if (accepted.status !== 202)
    throw new Error(`POST /exports answered ${accepted.status}: ${JSON.stringify(accepted.body)}`);
  const { final } = await harness.followExport(accepted.body.exportId);
  expect({ status: final.status, code: final.outcome?.error?.code }).toEqual({ status, code });
  return accepted.body;
};

/** A cache cluster with its own notification topic, and an available snapshot of it (a person's calls). */
const clusterWithTopic = async (): Promise<void> => {
  const elastiCache = harness.elastiCache();
  const sns = new SNSClient({
    endpoint: harness.stack.awsUrl,
    region: harness.stack.config.region,
    credentials: { accessKeyId: harness.stack.config.accountId, secretAccessKey: 'test' },
  });
  try {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: CLUSTER_TOPIC }));
    await elastiCache.send(
      new CreateCacheClusterCommand({
        CacheClusterId: CLUSTER,
        Engine: 'redis',
        NumCacheNodes: 1,
        CacheNodeType: 'cache.t3.micro',
        NotificationTopicArn: TopicArn,
      }),
    );
    await eventually(
      async () => {
        const { CacheClusters } = await elastiCache.send(new DescribeCacheClustersCommand({ CacheClusterId: CLUSTER }));
        return CacheClusters?.[0]?.CacheClusterStatus === 'available' ? true : undefined;
      },
      10_000,
      'The cluster becoming available',
    );
    await elastiCache.send(new CreateSnapshotCommand({ CacheClusterId: CLUSTER, SnapshotName: `${CLUSTER}-snapshot` }));
    await eventually(
      async () => {
        const { Snapshots } = await elastiCache.send(new DescribeSnapshotsCommand({ CacheClusterId: CLUSTER }));
        return Snapshots?.[0]?.SnapshotStatus === 'available' ? true : undefined;
      },
      10_000,
      'The cluster snapshot becoming available',
    );
  } finally {
    sns.destroy();
  }
};

/**
 * A second snapshot of the demo serverless cache (a person's call): a serverless export's id is made of the bucket and
 * the snapshot's name, so a failing export of the demo snapshot would leave its success nothing to start.
 */
const serverlessSnapshot = async (): Promise<void> => {
  const elastiCache = harness.elastiCache();
  await elastiCache.send(
    new CreateServerlessCacheSnapshotCommand({
      ServerlessCacheName: 'demo-serverless',
      ServerlessCacheSnapshotName: SERVERLESS_SNAPSHOT,
    }),
  );
  await eventually(
    async () => {
      const { ServerlessCacheSnapshots } = await elastiCache.send(
        new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: SERVERLESS_SNAPSHOT }),
      );
      return ServerlessCacheSnapshots?.[0]?.Status === 'available' ? true : undefined;
    },
    10_000,
    'The serverless snapshot becoming available',
  );
};

/** The schedule of the proof's schedules file: a fresh snapshot of the demo group, keeping one export. */
const SCHEDULE = 'iam-nightly';
const SCHEDULES_YAML = [
  'schedules:',
  `  - name: ${SCHEDULE}`,
  '    schedule: cron(0 3 * * ? *)',
  '    retention:',
  '      keepLast: 1',
  '    input:',
  '      replicationGroupId: demo-cache',
  '      freshSnapshot: true',
  `      targetBucket: ${DEMO_BUCKET}`,
  '',
].join('\n');

/** Fires the schedule for `at` (as Scheduler would, through its execution role) and follows the run to its end. */
const scheduledRunEnds = async (at: string, status: 'SUCCEEDED' | 'FAILED') => {
  const { status: code, body: run } = await harness.runSchedule(SCHEDULE, at);
  if (code !== 200) throw new Error(`The schedule's run answered ${code}: ${run.error}`);
  const { final } = await harness.followExport(run.exportId);
  expect(final.status).toBe(status);
  return final;
};

/** Every flow, in order; each names what it reaches. */
const FLOWS: Array<[string, () => Promise<void>]> = [
  [
    'an export by snapshot name succeeds (every task, the outcomes topic)',
    async () => {
      await exportEnds({ sourceSnapshotName: DEMO_SNAPSHOT, targetSnapshotName: 'iam-by-name' }, 'SUCCEEDED');
    },
  ],
  [
    'the same request again is answered from the existing execution, and the exports are listed and read',
    async () => {
      const again = await harness.postExport({ sourceSnapshotName: DEMO_SNAPSHOT, targetSnapshotName: 'iam-by-name' });
      expect(again.status).toBe(200);
      expect((await harness.listExports()).length).toBeGreaterThan(0);
    },
  ],
  [
    "an export of a replication group's newest snapshot succeeds (DescribeSnapshots by group)",
    async () => {
      await exportEnds({ replicationGroupId: 'demo-cache', targetSnapshotName: 'iam-by-group' }, 'SUCCEEDED');
    },
  ],
  [
    "an export of a cluster's snapshot succeeds and is published to the cluster's own topic",
    async () => {
      await clusterWithTopic();
      await exportEnds({ cacheClusterId: CLUSTER, targetSnapshotName: 'iam-by-cluster' }, 'SUCCEEDED');
    },
  ],
  [
    'an export of the demo serverless snapshot succeeds (DescribeServerlessCacheSnapshots, ExportServerlessCacheSnapshot)',
    async () => {
      await exportEnds(
        { serverlessCacheSnapshotName: DEMO_SERVERLESS_SNAPSHOT, targetBucket: DEMO_BUCKET },
        'SUCCEEDED',
      );
    },
  ],
  [
    'a dry run of a serverless snapshot reads it (requestExport), and ExportServerlessCacheSnapshot refused as InvalidServerlessCacheSnapshotStateFault makes StartExport look at it',
    async () => {
      await serverlessSnapshot();
      const dryRun = await harness.dryRun({
        serverlessCacheSnapshotName: SERVERLESS_SNAPSHOT,
        targetBucket: DEMO_BUCKET,
      });
      expect(dryRun.body.problems).toEqual([]);
      await harness.stageFault({
        action: 'ExportServerlessCacheSnapshot',
        code: 'InvalidServerlessCacheSnapshotStateFault',
        message: 'busy',
        status: 400,
      });
      await exportEnds(
        { serverlessCacheSnapshotName: SERVERLESS_SNAPSHOT, targetBucket: DEMO_BUCKET },
        'FAILED',
        // Refused for its state while available before and after: another request had it (start-export.ts).
        'SnapshotBusy',
      );
    },
  ],
  [
    'an unknown snapshot fails, its topic is looked up by name, and the failed export is read from the history',
    async () => {
      const failed = await exportEnds({ sourceSnapshotName: 'iam-no-such-snapshot' }, 'FAILED', 'SnapshotNotFound');
      expect((await harness.listExports(`?status=FAILED`)).some((item) => item.exportId === failed.exportId)).toBe(
        true,
      );
    },
  ],
  [
    'a replication group with no snapshot fails, and its topic is looked up by group',
    async () => {
      await exportEnds({ replicationGroupId: 'iam-no-such-group' }, 'FAILED', 'NoAvailableSnapshot');
    },
  ],
  [
    'a bucket another account owns fails after HeadBucket',
    async () => {
      await harness.s3(OTHER_ACCOUNT).send(new CreateBucketCommand({ Bucket: NOT_OWNED_BUCKET }));
      await exportEnds(
        { sourceSnapshotName: DEMO_SNAPSHOT, targetBucket: NOT_OWNED_BUCKET, targetSnapshotName: 'iam-not-owned' },
        'FAILED',
        'S3BucketNotOwned',
      );
    },
  ],
  [
    'dry runs read what ValidateExport reads (requestExport): one that passes, fresh ones of a group and a cluster, and one failing the source and the bucket; none starts an execution',
    async () => {
      const before = (await harness.listExports('?limit=100')).length;
      const passes = await Promise.all([
        harness.dryRun({ sourceSnapshotName: DEMO_SNAPSHOT, targetSnapshotName: 'iam-dry-run' }),
        harness.dryRun({ replicationGroupId: 'demo-cache', freshSnapshot: true, targetSnapshotName: 'iam-dry-group' }),
        harness.dryRun({ cacheClusterId: CLUSTER, freshSnapshot: true, targetSnapshotName: 'iam-dry-cluster' }),
      ]);
      const fails = await harness.dryRun({
        sourceSnapshotName: 'iam-no-such-snapshot',
        targetBucket: NOT_OWNED_BUCKET,
      });
      expect(passes.map((pass) => pass.body.problems)).toEqual([[], [], []]);
      expect(fails.body.problems.map((problem) => problem.code)).toEqual(['SnapshotNotFound', 'S3BucketNotOwned']);
      expect((await harness.listExports('?limit=100')).length).toBe(before);
    },
  ],
  [
    'CopySnapshot refused as InvalidSnapshotState makes StartExport look at the source snapshot',
    async () => {
      await harness.stageFault({ action: 'CopySnapshot', code: 'InvalidSnapshotState', message: 'busy', status: 400 });
      await exportEnds(
        { sourceSnapshotName: DEMO_SNAPSHOT, targetSnapshotName: 'iam-invalid-state' },
        'FAILED',
        // Refused for its state while available before and after: another request had it (start-export.ts).
        'SnapshotBusy',
      );
    },
  ],
  [
    'a retried CopySnapshot told the key is taken makes StartExport list the bucket',
    async () => {
      await harness.stageFault({ action: 'CopySnapshot', code: 'InternalFailure', message: 'lost', status: 500 });
      await harness.stageFault({
        action: 'CopySnapshot',
        code: 'InvalidParameterValue',
        message: `The S3 bucket ${DEMO_BUCKET} already contains an object with key iam-key-taken-0001.rdb.`,
        status: 400,
      });
      await exportEnds(
        { sourceSnapshotName: DEMO_SNAPSHOT, targetSnapshotName: 'iam-key-taken' },
        'FAILED',
        'S3ObjectAlreadyExists',
      );
    },
  ],
  [
    'a running export is cancelled (cancelExport), and the safety net reports it on the outcomes topic',
    async () => {
      const accepted = await harness.postExport({
        sourceSnapshotName: DEMO_SNAPSHOT,
        targetSnapshotName: 'iam-cancel',
      });
      expect((await harness.cancelExport(accepted.body.exportId)).status).toBe(202);
      const { final } = await harness.followExport(accepted.body.exportId);
      await harness.safetyNetIdle();
      expect(final.status).toBe('ABORTED');
      expect(await harness.notificationsFor(accepted.body.exportId)).toHaveLength(1);
      await harness.snapshotAvailable(DEMO_SNAPSHOT);
    },
  ],
  [
    'an execution stopped by hand while PublishSuccess publishes: the safety net reads the notification record',
    async () => {
      await harness.stageSnsFault({ action: 'Publish', delaySeconds: 100 });
      const accepted = await harness.postExport({ sourceSnapshotName: DEMO_SNAPSHOT, targetSnapshotName: 'iam-stop' });
      const executionArn = accepted.body.executionArn ?? '';
      const sfn = new SFNClient({
        endpoint: harness.stack.awsUrl,
        region: harness.stack.config.region,
        credentials: { accessKeyId: harness.stack.config.accountId, secretAccessKey: 'test' },
      });
      try {
        await eventually(
          async () => {
            const { events = [] } = await sfn.send(
              new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 3 }),
            );
            const entered = events.find((event) => event.type === 'TaskStateEntered');
            return entered?.stateEnteredEventDetails?.name === 'PublishSuccess' ? true : undefined;
          },
          10_000,
          'PublishSuccess running',
        );
        await sfn.send(new StopExecutionCommand({ executionArn, error: 'Manual', cause: 'IAM proof' }));
      } finally {
        sfn.destroy();
      }
      await harness.followExport(accepted.body.exportId);
      await harness.safetyNetIdle();
      expect(await harness.notificationsFor(accepted.body.exportId)).toHaveLength(1);
    },
  ],
  [
    'PublishFailure crashes on an unknown snapshot; the safety net looks its topic up, fails once (its record is deleted), then reports it',
    async () => {
      // PublishFailure's Publish and the safety net's first are refused; its retry goes through.
      await harness.stageSnsFault({
        action: 'Publish',
        count: 2,
        code: 'AuthorizationError',
        message: 'no',
        status: 403,
      });
      const accepted = await harness.postExport({ sourceSnapshotName: 'iam-crash-no-such-snapshot' });
      const { final } = await harness.followExport(accepted.body.exportId);
      await harness.safetyNetIdle();
      expect(final.status).toBe('FAILED');
      expect(await harness.notificationsFor(accepted.body.exportId)).toHaveLength(1);
    },
  ],
  [
    "PublishSuccess and PublishFailure both crash on a cluster's export; the safety net reports to the cluster's own topic",
    async () => {
      // Each publish tries the cluster's topic, then the outcomes topic: four refusals end both states.
      await harness.stageSnsFault({
        action: 'Publish',
        count: 4,
        code: 'AuthorizationError',
        message: 'no',
        status: 403,
      });
      const accepted = await harness.postExport({ cacheClusterId: CLUSTER, targetSnapshotName: 'iam-cluster-crash' });
      const { final } = await harness.followExport(accepted.body.exportId);
      await harness.safetyNetIdle();
      const notifications = await harness.notificationsFor(accepted.body.exportId);
      expect(final.status).toBe('FAILED');
      expect(notifications.map((notification) => notification.topicArn.split(':').at(-1))).toEqual([CLUSTER_TOPIC]);
    },
  ],
  [
    "two scheduled runs (the schedule's role invokes runSchedule): each takes a fresh snapshot of the group, exports and deletes it; the second prunes the first",
    async () => {
      await scheduledRunEnds('2026-11-01T03:00:00Z', 'SUCCEEDED');
      const second = await scheduledRunEnds('2026-11-02T03:00:00Z', 'SUCCEEDED');
      expect(second.outcome?.pruned?.length).toBeGreaterThan(0);
    },
  ],
  [
    'a repeated delivery of a scheduled time finds its execution (runSchedule DescribeExecution)',
    async () => {
      await scheduledRunEnds('2026-11-02T03:00:00Z', 'SUCCEEDED');
    },
  ],
  [
    "a fresh snapshot of a cluster (DescribeCacheClusters); its deletion refused once, so the next fresh run of the cluster removes it (takeSnapshot's DescribeExecution and DeleteSnapshot)",
    async () => {
      await harness.stageFault({
        action: 'DeleteSnapshot',
        code: 'InvalidSnapshotState',
        message: 'busy',
        status: 400,
      });
      const first = await exportEnds(
        { cacheClusterId: CLUSTER, freshSnapshot: true, targetSnapshotName: 'iam-fresh-cluster' },
        'SUCCEEDED',
      );
      const second = await harness.postExport({
        cacheClusterId: CLUSTER,
        freshSnapshot: true,
        targetSnapshotName: 'iam-fresh-cluster-2',
      });
      const { final } = await harness.followExport(second.body.exportId);
      expect(final.outcome?.freshSnapshot?.leftoversDeleted).toEqual([`export-${first.exportId}`]);
    },
  ],
  [
    'a fresh-snapshot export cancelled while its snapshot is taken: the safety net deletes the snapshot and reports',
    async () => {
      const accepted = await harness.postExport({
        replicationGroupId: 'demo-cache',
        freshSnapshot: true,
        targetSnapshotName: 'iam-fresh-cancel',
      });
      await eventually(
        async () => {
          const { Snapshots = [] } = await harness
            .elastiCache()
            .send(new DescribeSnapshotsCommand({ SnapshotName: `export-${accepted.body.exportId}` }))
            .catch(() => ({ Snapshots: [] }));
          return Snapshots.length > 0 ? true : undefined;
        },
        10_000,
        'The fresh snapshot being taken',
      );
      expect((await harness.cancelExport(accepted.body.exportId)).status).toBe(202);
      await harness.followExport(accepted.body.exportId);
      await harness.safetyNetIdle();
      const [notification] = await harness.notificationsFor(accepted.body.exportId);
      expect(notification?.subject).toContain('FAILED');
    },
  ],
  [
    "an export of a serverless cache's newest snapshot succeeds (DescribeServerlessCacheSnapshots by cache)",
    async () => {
      await exportEnds(
        { serverlessCacheName: 'demo-serverless', targetBucket: NOT_OWNED_BUCKET },
        'FAILED',
        'S3BucketNotOwned',
      );
      await exportEnds({ serverlessCacheName: 'demo-serverless', targetBucket: DEMO_BUCKET }, 'SUCCEEDED');
    },
  ],
  [
    'a dry run and an export of a fresh serverless snapshot (DescribeServerlessCaches, CreateServerlessCacheSnapshot, DeleteServerlessCacheSnapshot)',
    async () => {
      const body = {
        serverlessCacheName: 'demo-serverless',
        freshSnapshot: true,
        targetSnapshotName: 'export-iam-sls',
      };
      expect((await harness.dryRun(body)).body.problems).toEqual([]);
      const final = await exportEnds(body, 'SUCCEEDED');
      expect(final).toBeDefined();
    },
  ],
  [
    'CreateServerlessCacheSnapshot answering AlreadyExists makes CreateSnapshot look for an earlier attempt of its own',
    async () => {
      await harness.stageFault({
        action: 'CreateServerlessCacheSnapshot',
        code: 'ServerlessCacheSnapshotAlreadyExistsFault',
        message: 'Snapshot export-iam-sls-taken already exists.',
      });
      await exportEnds(
        { serverlessCacheName: 'demo-serverless', freshSnapshot: true, targetSnapshotName: 'export-iam-sls-taken' },
        'FAILED',
        'SnapshotAlreadyExists',
      );
    },
  ],
  [
    'a fresh serverless export cancelled while its snapshot is taken: the safety net deletes the snapshot',
    async () => {
      const accepted = await harness.postExport({
        serverlessCacheName: 'demo-serverless',
        freshSnapshot: true,
        targetSnapshotName: 'export-iam-sls-cancel',
      });
      await eventually(
        async () => {
          const { ServerlessCacheSnapshots = [] } = await harness
            .elastiCache()
            .send(new DescribeServerlessCacheSnapshotsCommand({ ServerlessCacheSnapshotName: 'export-iam-sls-cancel' }))
            .catch(() => ({ ServerlessCacheSnapshots: [] }));
          return ServerlessCacheSnapshots.length > 0 ? true : undefined;
        },
        10_000,
        'The fresh serverless snapshot being taken',
      );
      expect((await harness.cancelExport(accepted.body.exportId)).status).toBe(202);
      await harness.followExport(accepted.body.exportId);
      await harness.safetyNetIdle();
      const [notification] = await harness.notificationsFor(accepted.body.exportId);
      expect(notification?.subject).toContain('FAILED');
    },
  ],
];

let schedulesDir: string;

beforeAll(async () => {
  schedulesDir = mkdtempSync(path.join(tmpdir(), 'iam-proof-schedules-'));
  const schedulesFile = path.join(schedulesDir, 'schedules.yml');
  writeFileSync(schedulesFile, SCHEDULES_YAML);
  harness = await startStackHarness({ config: { allowedTargetBuckets: ALLOWED_BUCKETS, schedulesFile } });
  const iam = harness.stack.iam;
  if (!iam) throw new Error('The stack runs with LOCAL_IAM=off: there is nothing to prove');
  for (const [name, flow] of FLOWS) {
    try {
      await flow();
    } catch (error) {
      // A role that denies a call usually breaks the flow itself: name the denied calls, not only the symptom.
      const denied = iam
        .calls()
        .filter((call) => !call.allowed)
        .map((call) => `${call.principal} was denied ${call.action} on ${call.resource} (${call.operation})`);
      const detail = denied.length > 0 ? `\nDenied so far:\n${[...new Set(denied)].join('\n')}` : '';
      throw new Error(
        `Flow "${name}" did not go as expected: ${error instanceof Error ? error.message : String(error)}${detail}`,
      );
    }
  }
  calls = distinctCalls(iam.calls());
  findings = await analyse(iam.roles, calls, ALLOWED_BUCKETS);
}, 120_000);

afterAll(async () => {
  await harness?.stop();
  if (schedulesDir) rmSync(schedulesDir, { recursive: true, force: true });
});

describe("the packaged roles against the calls the code makes (AWS's policy evaluation, iam-simulate)", () => {
  it('allows every recorded call of every function and of the state machine', () => {
    expect(findings.denied).toEqual([]);
  });

  it('grants nothing that no recorded call needs (but what a tool writes and the proof lists with its reason)', () => {
    expect(findings.unneeded).toEqual([]);
  });

  it('has no statement that could be deleted without a recorded call being denied', () => {
    expect(findings.removable).toEqual([]);
  });

  it('exercises every function and state machine of the template', () => {
    expect(harness.stack.iam?.roles.otherRoles).toEqual([]);
    expect(findings.unexercised).toEqual([]);
  });

  it('records the grants AWS requires without a call of their own, each with its reason', () => {
    // Act
    const required = calls.filter((call) => call.requiredBy);

    // Assert
    const actions = new Set(required.map((call) => call.action));
    for (const { action } of EXPORT_CALLER_PERMISSIONS) expect(actions).toContain(action);
    for (const action of LAMBDA_RUNTIME_ACTIONS) expect(actions).toContain(action);
  });

  it('writes the table of every call per function, with its action, resource and grant', () => {
    // Arrange
    const required = [
      ...new Map(calls.filter((call) => call.requiredBy).map((call) => [call.action, call.requiredBy])).entries(),
    ];
    const report = [
      '# Calls recorded by the IAM proof (test/integration/iam-proof.test.ts)',
      '',
      condensedTable(calls, findings.grantOf),
      '',
      '## Grants AWS requires without a call of their own',
      '',
      ...required.map(([action, reason]) => `- \`${action}\`: ${reason}`),
      '',
      '## Grants accepted although no call needs them',
      '',
      ...ACCEPTED_GRANTS.map(
        (rule) => `- \`${rule.action}\` on ${rule.resource.source} (${rule.principal.source}): ${rule.reason}`,
      ),
      '',
      '## Every distinct call',
      '',
      callTable(calls, findings.grantOf),
      '',
    ].join('\n');

    // Act
    mkdirSync(path.dirname(ARTIFACT), { recursive: true });
    writeFileSync(ARTIFACT, report);
    process.stdout.write(
      `\nIAM proof: ${calls.length} distinct calls, written to ${ARTIFACT}\n${condensedTable(calls, findings.grantOf)}\n`,
    );

    // Assert
    expect(calls.length).toBeGreaterThan(0);
  });
});
