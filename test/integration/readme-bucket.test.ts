// The README's bucket preparation, run exactly as written: each `prepare-bucket` block is taken from README.md and
// run with bash and the real AWS CLI against the local stack (only BUCKET is set to a bucket of the test's own),
// and an export to the bucket it prepared then succeeds. A README that drifts from what works fails here.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SERVICE_DIR } from '../infrastructure/serverless-package';
import { type StackHarness, startStackHarness } from './stack-harness';

const BUCKETS = { policy: 'readme-policy-bucket', acl: 'readme-acl-bucket' } as const;
type Route = keyof typeof BUCKETS;

/** The shell block after the README's `<!-- prepare-bucket: <route> ... -->` marker. */
const readmeBlock = (route: Route): string => {
  const readme = readFileSync(path.join(SERVICE_DIR, 'README.md'), 'utf8');
  const marker = readme.indexOf(`<!-- prepare-bucket: ${route} `);
  if (marker < 0) throw new Error(`README.md has no prepare-bucket: ${route} block`);
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(marker));
  if (!block?.[1]) throw new Error(`README.md's prepare-bucket: ${route} marker is not followed by a sh block`);
  return block[1];
};

/** Runs the block with bash as a person would, BUCKET changed to the test's, against the local stack. */
const runBlock = (route: Route, awsUrl: string): Promise<{ code: number; stderr: string }> => {
  const script = readmeBlock(route).replace(/^BUCKET=\S+/m, `BUCKET=${BUCKETS[route]}`);
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['--norc', '--noprofile', '-euo', 'pipefail', '-c', script],
      {
        env: {
          PATH: process.env.PATH ?? '',
          HOME: tmpdir(),
          AWS_ENDPOINT_URL: awsUrl,
          AWS_ACCESS_KEY_ID: '000000000000',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_CONFIG_FILE: '/dev/null',
          AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
          AWS_PAGER: '',
        },
      },
      (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
    );
  });
};

let harness: StackHarness;

beforeAll(async () => {
  harness = await startStackHarness({
    config: { allowedTargetBuckets: ['elasticache-exports-local', BUCKETS.policy, BUCKETS.acl] },
  });
}, 120_000);

afterAll(async () => {
  await harness.stop();
});

describe("the README's bucket preparation", () => {
  it.each(['policy', 'acl'] as const)(
    'prepares a bucket by the %s route that an export then succeeds to',
    async (route) => {
      // Act
      const prepared = await runBlock(route, harness.stack.awsUrl);
      const accepted = await harness.postExport({
        sourceSnapshotName: 'demo-cache-snapshot',
        targetBucket: BUCKETS[route],
        targetSnapshotName: `readme-${route}`,
      });
      const { final } = await harness.followExport(accepted.body.exportId);

      // Assert
      expect({ code: prepared.code, stderr: prepared.stderr }).toEqual({ code: 0, stderr: '' });
      expect(accepted.status).toBe(202);
      expect(final.status).toBe('SUCCEEDED');
      expect(final.outcome?.objects.map((object) => object.key)).toEqual([
        `readme-${route}-0001.rdb`,
        `readme-${route}-0002.rdb`,
      ]);
    },
  );
});
