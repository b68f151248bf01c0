// Exports under ElastiCache's API rate limit, through the whole local stack: ten exports of ten snapshots requested
// at once against a bucket of one call refilled every 2 emulated seconds (LOCAL_ELASTICACHE_RATE=0.5), half of what
// they ask for. ElastiCache answers most of their calls Throttling; the SDK's retries and the state
// machine's Retry (JitterStrategy FULL) carry every export through: each succeeds, with exactly one notification.
// The storm at scale (500 exports at 20 calls/s) is `npm run bench` (bench/storm.ts), not a test.
import { type StackHarness, startStackHarness } from './stack-harness';

const EXPORTS = 10;
let harness: StackHarness;

beforeAll(async () => {
  harness = await startStackHarness({
    // A tenth of a real second per emulated second: slow enough that the stack's own latency stays small beside the
    // rate, so the calls contend in emulated time.
    config: { timeScale: 0.1, elastiCacheRate: { ratePerSecond: 0.5, burst: 1 } },
    followTimeoutMs: 120_000,
  });
  const { accountId, region } = harness.stack.config;
  for (let index = 0; index < EXPORTS; index += 1) {
    const replicationGroupId = `throttled-${index}`;
    harness.stack.aws.elastiCache.seedReplicationGroup({ replicationGroupId, accountId, region });
    harness.stack.aws.elastiCache.seedSnapshot({
      snapshotName: `${replicationGroupId}-snapshot`,
      replicationGroupId,
      accountId,
      region,
    });
  }
}, 60_000);

afterAll(async () => {
  await harness?.stop();
});

it('carries ten exports requested at once through ElastiCache throttling, each notified once', async () => {
  // Act
  const accepted = await Promise.all(
    Array.from({ length: EXPORTS }, (_, index) =>
      harness.postExport({
        sourceSnapshotName: `throttled-${index}-snapshot`,
        targetSnapshotName: `throttled-${index}-export`,
      }),
    ),
  );
  const finals = await Promise.all(accepted.map((response) => harness.followExport(response.body.exportId)));
  const notifications = await Promise.all(accepted.map((response) => harness.notificationsFor(response.body.exportId)));

  // Assert
  expect(accepted.map((response) => response.status)).toEqual(Array(EXPORTS).fill(202));
  expect(finals.map(({ final }) => final.outcome?.error?.code ?? final.status)).toEqual(
    Array(EXPORTS).fill('SUCCEEDED'),
  );
  expect(
    notifications.map((messages) => messages.map((message) => message.messageAttributes.status?.StringValue)),
  ).toEqual(Array(EXPORTS).fill(['SUCCEEDED']));
  // Ten exports need some forty calls within about 30 s; the bucket lets one through every 2 s.
  const { throttled } = harness.stack.aws.elastiCache.apiCallCounts();
  expect(Object.values(throttled).reduce((sum, count) => sum + count, 0)).toBeGreaterThan(0);
}, 180_000);
