// Every command against the local stack (startStackHarness: the real handlers, state machine and emulator), run
// in-process through `run`, the way the bin runs it; and once through the real bin in a child process.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { GetBucketPolicyCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { SERVICE_DIR } from '../infrastructure/serverless-package';
import { type StackHarness, startStackHarness } from '../integration/stack-harness';
import { jsonOf, runCli } from './run-cli';

const BUCKET = 'elasticache-exports-local';
const PREPARED = { policy: 'cli-policy-bucket', acl: 'cli-acl-bucket', merged: 'cli-merged-bucket' } as const;

let harness: StackHarness;
let env: Record<string, string>;

beforeAll(async () => {
  harness = await startStackHarness({ config: { allowedTargetBuckets: [BUCKET, ...Object.values(PREPARED)] } });
  env = { ELASTICACHE_EXPORT_ENDPOINT: harness.stack.apiUrl, ELASTICACHE_EXPORT_AWS_ENDPOINT: harness.stack.awsUrl };
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

/** `export --wait` of the demo snapshot, polling fast. */
const exportAndWait = (targetName: string, extra: string[] = [], tty = false) =>
  runCli(
    [
      'export',
      '--snapshot',
      'demo-cache-snapshot',
      '--target-name',
      targetName,
      '--wait',
      '--interval',
      '0.1',
      ...extra,
    ],
    {
      env,
      tty,
    },
  );

describe('export', () => {
  it('prints the export id, follows it to SUCCEEDED with one line per status, and exits 0', async () => {
    // Act
    const result = await exportAndWait('cli-wait');

    // Assert
    expect(result.code).toBe(0);
    const [exportId, summary, ...objects] = result.stdout.trim().split('\n');
    expect(exportId).toMatch(/^cli-wait-elasticache-exports-local-[0-9a-f]{12}$/);
    expect(summary).toMatch(new RegExp(`^Export ${exportId} SUCCEEDED in \\d+ s: 2 objects, 1\\.9 KiB$`));
    expect(objects).toEqual([
      `  s3://${BUCKET}/cli-wait-0001.rdb  1.1 KiB`,
      `  s3://${BUCKET}/cli-wait-0002.rdb  894 B`,
    ]);
    const progress = result.stderr.trim().split('\n');
    expect(progress[0]).toMatch(/^RUNNING · \d+ s elapsed · 1 poll$/);
    expect(progress[progress.length - 1]).toMatch(
      /^SUCCEEDED · \d+ s elapsed · \d+ polls · 2 objects landed · 1\.9 KiB$/,
    );
    expect(progress.filter((line) => line.startsWith('RUNNING'))).toHaveLength(1);
  });

  it('draws one live progress line on a terminal', async () => {
    // Act
    const result = await exportAndWait('cli-tty', [], true);

    // Assert
    expect(result.code).toBe(0);
    // log-update redraws in place: cursor movements and erased lines, no newline between the frames.
    expect(result.stderr).toContain('\u001B[');
    expect(result.stderr).toMatch(/RUNNING · \d+ s elapsed · 1 poll/);
    expect(result.stderr).toMatch(/SUCCEEDED · \d+ s elapsed · \d+ polls · 2 objects landed · 1\.9 KiB\n/);
  });

  it('exits 1 with the error, its solution and its docs link when the export fails', async () => {
    // Act
    const result = await exportAndWait('cli-missing', ['--snapshot', 'no-such-snapshot']);

    // Assert
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('FAILED after');
    expect(result.stdout).toContain('Error:    SnapshotNotFound: Snapshot no-such-snapshot was not found.');
    expect(result.stdout).toContain(
      'Solution: Check the snapshot name and Region with `aws elasticache describe-snapshots`',
    );
    expect(result.stdout).toContain(
      'Docs:     https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeSnapshots.html',
    );
  });

  it("exports a serverless cache's snapshot with --serverless-snapshot and exits 0", async () => {
    // Act: ExportServerlessCacheSnapshot takes no target name, so the key is the snapshot's own name.
    const result = await runCli(
      [
        'export',
        '--serverless-snapshot',
        'demo-serverless-snapshot',
        '--bucket',
        BUCKET,
        '--wait',
        '--interval',
        '0.1',
      ],
      { env },
    );

    // Assert
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SUCCEEDED');
    expect(result.stdout).toContain(`s3://${BUCKET}/demo-serverless-snapshot-0001.rdb`);
  });

  it('takes, exports and deletes a fresh snapshot of a serverless cache with --serverless-cache --fresh-snapshot', async () => {
    // Act
    const result = await runCli(
      [
        'export',
        '--serverless-cache',
        'demo-serverless',
        '--fresh-snapshot',
        '--target-name',
        'export-cli-sls',
        '--bucket',
        BUCKET,
        '--wait',
        '--interval',
        '0.1',
      ],
      { env },
    );

    // Assert
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('SUCCEEDED');
    expect(result.stdout).toContain(`s3://${BUCKET}/export-cli-sls-0001.rdb`);
  });

  it('refuses a --target-name of a fresh serverless snapshot outside export-*, naming the flag (exit 2)', async () => {
    // Act
    const result = await runCli(
      ['export', '--serverless-cache', 'demo-serverless', '--fresh-snapshot', '--target-name', 'sessions'],
      { env },
    );

    // Assert
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--target-name');
    expect(result.stderr).toContain("start with 'export-'");
  });

  it('refuses --serverless-snapshot with another source as a usage error naming the flags (exit 2)', async () => {
    // Act
    const result = await runCli(['export', '--serverless-snapshot', 'demo-serverless-snapshot', '--cluster', 'c1'], {
      env,
    });

    // Assert
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--serverless-snapshot');
  });

  it('exits 3 when --timeout passes while the export still runs, and says how to follow it', async () => {
    // Act
    const result = await exportAndWait('cli-timeout', ['--timeout', '0.001']);

    // Assert
    expect(result.code).toBe(3);
    expect(result.stderr).toContain('Stopped waiting after --timeout 0.001 s');
    expect(result.stderr).toMatch(/Follow it with: elasticache-export status cli-timeout-/);
    await harness.followExport(result.stdout.trim().split('\n')[0] ?? '');
  });

  it('prints the id alone without --wait, and the API answer with --json', async () => {
    // Act
    const plain = await runCli(['export', '--snapshot', 'demo-cache-snapshot', '--target-name', 'cli-nowait'], { env });
    const replay = await runCli(
      ['--json', 'export', '--snapshot', 'demo-cache-snapshot', '--target-name', 'cli-nowait'],
      {
        env,
      },
    );

    // Assert
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^cli-nowait-elasticache-exports-local-[0-9a-f]{12}\n$/);
    expect(replay.code).toBe(0);
    expect(jsonOf(replay)).toMatchObject({
      exportId: plain.stdout.trim(),
      request: { targetSnapshotName: 'cli-nowait' },
    });
    expect(replay.stderr).toContain('was already requested');
    await harness.followExport(plain.stdout.trim());
  });
});

describe('status', () => {
  it('shows a succeeded export readably and exits 0, and a failed one with its error and exit 1', async () => {
    // Arrange
    const ok = (await exportAndWait('cli-status-ok')).stdout.split('\n')[0] ?? '';
    const bad = (await exportAndWait('cli-status-bad', ['--snapshot', 'no-such-snapshot'])).stdout.split('\n')[0] ?? '';

    // Act
    const succeeded = await runCli(['status', ok], { env });
    const failed = await runCli(['status', bad], { env });
    const missing = await runCli(['status', 'no-such-export'], { env });

    // Assert
    expect(succeeded.code).toBe(0);
    expect(succeeded.stdout).toContain(
      `Export:   ${ok}\nStatus:   SUCCEEDED\nSource:   snapshot demo-cache-snapshot\n`,
    );
    expect(succeeded.stdout).toContain(`Target:   s3://${BUCKET}/cli-status-ok\n`);
    expect(succeeded.stdout).toContain('Objects:  2 objects, 1.9 KiB');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('Status:   FAILED');
    expect(failed.stdout).toContain('Error:    SnapshotNotFound');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('ExportNotFound (HTTP 404)');
  });
});

describe('list', () => {
  it('lists exports as JSON with the filters sent as query parameters, and as a table', async () => {
    // Arrange
    const exportId = (await exportAndWait('cli-listed')).stdout.split('\n')[0] ?? '';

    // Act
    const json = await runCli(['list', '--json', '--status', 'SUCCEEDED', '--bucket', BUCKET, '--limit', '50'], {
      env,
    });
    const tableRun = await runCli(['list', '--source', 'demo-cache-snapshot'], { env });

    // Assert
    expect(json.code).toBe(0);
    const listed = jsonOf<{ exports: Array<{ exportId: string; status: string }> }>(json).exports;
    expect(listed.map((item) => item.exportId)).toContain(exportId);
    expect(new Set(listed.map((item) => item.status))).toEqual(new Set(['SUCCEEDED']));
    expect(tableRun.code).toBe(0);
    const [header, ...rows] = tableRun.stdout.trim().split('\n');
    expect(header).toMatch(/^EXPORT ID\s+STATUS\s+SOURCE\s+TARGET\s+STARTED\s+TOOK$/);
    expect(rows.find((row) => row.startsWith(exportId))).toMatch(
      new RegExp(
        `^${exportId}\\s+SUCCEEDED\\s+snapshot demo-cache-snapshot\\s+s3://${BUCKET}/cli-listed\\s+\\S+Z\\s+\\d+ s$`,
      ),
    );
  });
});

describe('cancel', () => {
  it('stops a running export (exit 0), and says why when it has already ended (exit 1)', async () => {
    // Arrange
    const started = await runCli(['export', '--snapshot', 'demo-cache-snapshot', '--target-name', 'cli-cancel'], {
      env,
    });
    const exportId = started.stdout.trim();

    // Act
    const cancelled = await runCli(['cancel', exportId], { env });
    const { final } = await harness.followExport(exportId);
    const again = await runCli(['cancel', exportId], { env });
    // Stopped after its CopySnapshot began, the export leaves the snapshot copying for the next test.
    await harness.snapshotAvailable('demo-cache-snapshot');

    // Assert
    expect(cancelled.code).toBe(0);
    expect(cancelled.stdout).toContain(`Export ${exportId} was stopped (`);
    expect(final.status).toBe('ABORTED');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(
      new RegExp(`^Not cancelled: Export ${exportId} has already ended \\(ABORTED at .+\\)`),
    );
  });
});

describe('restore-command', () => {
  it('prints create-replication-group with one S3 ARN per shard in shard order for a succeeded export', async () => {
    // Arrange
    const exportId = (await exportAndWait('cli-restore')).stdout.split('\n')[0] ?? '';

    // Act
    const result = await runCli(
      ['restore-command', exportId, '--new-id', 'restored', '--node-type', 'cache.r7g.large'],
      { env },
    );
    const json = await runCli(['--json', 'restore-command', exportId], { env });

    // Assert
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      [
        'aws elasticache create-replication-group \\',
        '  --replication-group-id restored \\',
        `  --replication-group-description 'Restored from export ${exportId}' \\`,
        '  --engine redis \\',
        '  --engine-version 7.1 \\',
        '  --cache-node-type cache.r7g.large \\',
        '  --num-node-groups 2 \\',
        '  --cluster-mode enabled \\',
        '  --cache-parameter-group-name default.redis7.cluster.on \\',
        `  --snapshot-arns arn:aws:s3:::${BUCKET}/cli-restore-0001.rdb arn:aws:s3:::${BUCKET}/cli-restore-0002.rdb \\`,
        '  --region us-east-1',
      ].join('\n'),
    );
    expect(json.code).toBe(0);
    const [command] = jsonOf<{ commands: Array<{ argv: string[] }> }>(json).commands;
    expect(command?.argv).toContain('<cache-node-type>');
  });

  it('exits 1 for an export that did not succeed', async () => {
    // Arrange
    const exportId =
      (await exportAndWait('cli-restore-bad', ['--snapshot', 'no-such-snapshot'])).stdout.split('\n')[0] ?? '';

    // Act
    const result = await runCli(['restore-command', exportId], { env });

    // Assert
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`Export ${exportId} is FAILED: only a succeeded export has .rdb files`);
  });
});

describe('prepare-bucket --apply', () => {
  it.each(['policy', 'acl'] as const)(
    'prepares a new bucket by the %s route so that an export to it then succeeds',
    async (route) => {
      // Act
      const prepared = await runCli(
        ['--local', 'prepare-bucket', PREPARED[route], '--apply', ...(route === 'acl' ? ['--acl'] : [])],
        { env },
      );
      const exported = await runCli(
        [
          'export',
          '--snapshot',
          'demo-cache-snapshot',
          '--bucket',
          PREPARED[route],
          '--target-name',
          `cli-${route}`,
          '--wait',
          '--interval',
          '0.1',
        ],
        { env },
      );

      // Assert
      expect({ code: prepared.code, stderr: prepared.stderr }).toEqual({ code: 0, stderr: '' });
      expect(prepared.stdout).toContain(`Created bucket ${PREPARED[route]} in us-east-1.`);
      expect(prepared.stdout).toContain(`✔ ElastiCache can export to ${PREPARED[route]}.`);
      expect(exported.code).toBe(0);
      expect(exported.stdout).toContain(`s3://${PREPARED[route]}/cli-${route}-0001.rdb`);
    },
  );

  it('adds its statement to an existing bucket policy and keeps every other statement', async () => {
    // Arrange: a bucket whose policy already denies insecure transport.
    const s3 = harness.s3({ accessKeyId: '000000000000' });
    await runCli(['prepare-bucket', PREPARED.merged, '--apply'], { env });
    const tls = {
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: '*',
      Action: 's3:*',
      Resource: [`arn:aws:s3:::${PREPARED.merged}`, `arn:aws:s3:::${PREPARED.merged}/*`],
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    };
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: PREPARED.merged,
        Policy: JSON.stringify({ Version: '2012-10-17', Statement: [tls] }),
      }),
    );

    // Act
    const first = await runCli(['prepare-bucket', PREPARED.merged, '--apply'], { env });
    const second = await runCli(['prepare-bucket', PREPARED.merged, '--apply'], { env });
    const policy = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: PREPARED.merged }))).Policy ?? '{}');

    // Assert
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('(1 other statement(s) kept as they were).');
    expect(second.stdout).toContain('already grants everything; unchanged');
    expect(policy.Statement).toEqual([tls, expect.objectContaining({ Sid: 'ElastiCacheExports', Effect: 'Allow' })]);
  });
});

describe('usage errors', () => {
  it.each([
    [['export'], 'Give exactly one of --snapshot, --replication-group, --cluster'],
    [['export', '--snapshot', 'a', '--cluster', 'b'], 'Give exactly one of'],
    [['export', '--snapshot', 'demo', '--keep-snapshot'], '--keep-snapshot is only allowed with --fresh-snapshot\n'],
    [['export', '--snapshot', 'demo', '--no-such-flag'], "unknown option '--no-such-flag'"],
    [['list', '--limit', '0'], 'Give a whole number from 1 to 100'],
    [['list', '--status', 'DONE'], 'Allowed choices are RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED'],
    [['status'], "missing required argument 'exportId'"],
    [['prepare-bucket', 'Not_A_Bucket'], "may contain only lowercase letters, digits, '.' and '-'"],
    [['no-such-command'], "unknown command 'no-such-command'"],
  ])('exits 2 for %j and says why', async (argv, message) => {
    // Act
    const result = await runCli(argv, { env });

    // Assert
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

describe('the bin', () => {
  it('runs the CLI through tsx as `elasticache-export` and exits with its code', async () => {
    // Act
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [
          path.join(SERVICE_DIR, 'bin', 'elasticache-export.cjs'),
          'export',
          '--snapshot',
          'demo-cache-snapshot',
          '--target-name',
          'cli-bin',
          '--wait',
          '--interval',
          '0.1',
        ],
        { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

    // Assert
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: 0,
      stderr: expect.stringContaining('SUCCEEDED'),
    });
    expect(result.stdout).toContain(`s3://${BUCKET}/cli-bin-0002.rdb`);
  });
});
