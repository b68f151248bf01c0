// `check`: the dry run (POST /exports?dryRun=true) of the local stack, printed as a checklist with the fix of each
// problem; and what it says when an API without dry runs starts the export instead (a tiny stub of such an API).
import { type StackHarness, startStackHarness } from '../integration/stack-harness';
import { startStubServer } from './local-server';
import { jsonOf, runCli } from './run-cli';

const BUCKET = 'elasticache-exports-local';
const MISSING = 'check-missing-bucket';

let harness: StackHarness;
let env: Record<string, string>;

beforeAll(async () => {
  harness = await startStackHarness({ config: { allowedTargetBuckets: [BUCKET, MISSING] } });
  env = { ELASTICACHE_EXPORT_ENDPOINT: harness.stack.apiUrl };
}, 120_000);

afterAll(async () => {
  await harness?.stop();
});

it('checks the export flags as a dry run and prints ✔ ok with exit 0 when nothing stands in the way, starting nothing', async () => {
  // Act
  const result = await runCli(
    ['check', '--replication-group', 'demo-cache', '--fresh-snapshot', '--target-name', 'checked', '--bucket', BUCKET],
    { env },
  );

  // Assert
  expect(result.code).toBe(0);
  expect(result.stdout).toBe(
    `Dry run: replication group demo-cache (fresh snapshot) → s3://${BUCKET}/checked\n✔ ok: the export can start\n`,
  );
  expect(await harness.listExports()).toEqual([]);
});

it('prints ✘ and the fix of each problem, every one at once, and exits 1', async () => {
  // Act
  const result = await runCli(
    ['check', '--snapshot', 'check-no-such-snapshot', '--bucket', MISSING, '--target-name', 'checked'],
    { env },
  );

  // Assert
  expect(result.code).toBe(1);
  expect(result.stdout).toContain(`Dry run: snapshot check-no-such-snapshot → s3://${MISSING}/checked`);
  expect(result.stdout).toContain('✘ SnapshotNotFound: Snapshot check-no-such-snapshot was not found.');
  expect(result.stdout).toContain(`✘ S3BucketNotFound: The S3 bucket ${MISSING} does not exist.`);
  expect(result.stdout).toContain('    Fix:  Create an Amazon S3 bucket in the same region as your snapshot.');
  expect(result.stdout).toContain('2 problems to fix before the export can start.');
});

it('prints the dry run answer as it came with --json', async () => {
  // Act
  const result = await runCli(
    ['--json', 'check', '--snapshot', 'demo-cache-snapshot', '--bucket', MISSING, '--target-name', 'checked'],
    { env },
  );

  // Assert
  expect(result.code).toBe(1);
  expect(jsonOf(result)).toEqual({
    ok: false,
    request: { sourceSnapshotName: 'demo-cache-snapshot', targetBucket: MISSING, targetSnapshotName: 'checked' },
    problems: [
      expect.objectContaining({ code: 'S3BucketNotFound', solution: expect.any(String), docsUrl: expect.any(String) }),
    ],
  });
});

it('says so and exits 1 when the API started an export instead of checking it (an API without dry runs)', async () => {
  // Arrange: what an API older than the dry run answers, ignoring ?dryRun=true.
  const older = await startStubServer(() => ({
    status: 202,
    body: { exportId: 'started-by-mistake-0123456789ab', status: 'RUNNING' },
  }));

  // Act
  const result = await runCli(['check', '--snapshot', 'demo-cache-snapshot'], {
    env: { ELASTICACHE_EXPORT_ENDPOINT: older.url },
  });
  await older.close();

  // Assert
  expect(result.code).toBe(1);
  expect(result.stderr).toContain(
    'This API does not know dry runs: it answered with export started-by-mistake-0123456789ab',
  );
  expect(result.stderr).toContain('elasticache-export cancel started-by-mistake-0123456789ab');
});
