// `check`: the dry run. STUB: POST /exports?dryRun=true is being built on another branch and the local stack of this
// branch does not have it yet (it would start the export), so this test answers that ONE endpoint with a tiny server
// that keeps to the agreed contract: 200 { ok, request, problems: [ { code, message, solution, docsUrl } ] }. When the
// real endpoint lands, point these runs at startStackHarness()'s apiUrl instead and drop the stub.

import { type StubServer, startStubServer } from './local-server';
import { jsonOf, runCli } from './run-cli';

const PROBLEM = {
  code: 'S3BucketNotFound',
  message: 'The S3 bucket missing-bucket does not exist.',
  solution: 'Create an Amazon S3 bucket in the same region as your snapshot.',
  docsUrl:
    'https://docs.aws.amazon.com/AmazonElastiCache/latest/UserGuide/Snapshots.Exporting.html#Snapshots.Exporting.CreateBucket',
};

let stub: StubServer;

beforeAll(async () => {
  stub = await startStubServer((request) => {
    const url = new URL(request.url, 'http://stub');
    if (request.method !== 'POST' || url.pathname !== '/exports' || url.searchParams.get('dryRun') !== 'true') {
      return { status: 404, body: { message: 'only the dry run is stubbed here' } };
    }
    const body = JSON.parse(request.body) as Record<string, unknown>;
    const normalized = { targetSnapshotName: 'checked', targetBucket: 'elasticache-exports-local', ...body };
    const problems = body.targetBucket === 'missing-bucket' ? [PROBLEM] : [];
    return { status: 200, body: { ok: problems.length === 0, request: normalized, problems } };
  });
});

afterAll(async () => {
  await stub.close();
});

beforeEach(() => {
  stub.requests.length = 0;
});

const env = () => ({ ELASTICACHE_EXPORT_ENDPOINT: stub.url });

it('sends the export flags as a dry run and prints ✔ ok with exit 0 when nothing stands in the way', async () => {
  // Act
  const result = await runCli(['check', '--replication-group', 'demo-cache', '--fresh-snapshot'], { env: env() });

  // Assert
  expect(result.code).toBe(0);
  expect(result.stdout).toBe(
    'Dry run: replication group demo-cache (fresh snapshot) → s3://elasticache-exports-local/checked\n✔ ok: the export can start\n',
  );
  expect(stub.requests).toHaveLength(1);
  expect(stub.requests[0]?.url).toBe('/exports?dryRun=true');
  expect(JSON.parse(stub.requests[0]?.body ?? '')).toEqual({ replicationGroupId: 'demo-cache', freshSnapshot: true });
});

it('prints ✘ and the fix of each problem and exits 1', async () => {
  // Act
  const result = await runCli(['check', '--snapshot', 'demo-cache-snapshot', '--bucket', 'missing-bucket'], {
    env: env(),
  });

  // Assert
  expect(result.code).toBe(1);
  expect(result.stdout).toBe(
    [
      'Dry run: snapshot demo-cache-snapshot → s3://missing-bucket/checked',
      `✘ S3BucketNotFound: ${PROBLEM.message}`,
      `    Fix:  ${PROBLEM.solution}`,
      `    Docs: ${PROBLEM.docsUrl}`,
      '1 problem to fix before the export can start.',
      '',
    ].join('\n'),
  );
});

it('prints the dry run answer as it came with --json', async () => {
  // Act
  const result = await runCli(['--json', 'check', '--snapshot', 'demo-cache-snapshot', '--bucket', 'missing-bucket'], {
    env: env(),
  });

  // Assert
  expect(result.code).toBe(1);
  expect(jsonOf(result)).toEqual({
    ok: false,
    request: {
      sourceSnapshotName: 'demo-cache-snapshot',
      targetBucket: 'missing-bucket',
      targetSnapshotName: 'checked',
    },
    problems: [PROBLEM],
  });
});

it('says so and exits 1 when the API started an export instead of checking it (an API without dry runs)', async () => {
  // Arrange: what this branch's own POST /exports answers, ignoring ?dryRun=true.
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
