// ElastiCache's API rate limit (local/aws/elasticache/rate-limit.ts), through the real SDK client: a full bucket lets
// `burst` calls through, the next is answered 400 Throttling "Rate exceeded" (which the SDK retries as throttling),
// the bucket refills at the rate in emulated time, and each account and Region has a bucket of its own. The clock's
// wall time is moved by the test, so nothing here depends on how fast the machine is.
import { DescribeSnapshotsCommand, type ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { ApiRateLimit } from '../../local/aws/elasticache/rate-limit';
import { type Clock, createClock } from '../../local/clock';
import { readLocalConfig } from '../../local/config';
import { type Harness, httpStatusOf, rejectionOf, startHarness } from './emulator-harness';

/** A real clock (timers run) whose wall time only moves when the test says so. */
const manualClock = (timeScale: number): Clock & { advanceRealMs(ms: number): void } => {
  const real = createClock(timeScale);
  let now = Date.parse('2026-03-01T02:00:00Z');
  return {
    timeScale,
    now: () => new Date(now),
    realMs: (seconds) => real.realMs(seconds),
    sleep: (seconds) => real.sleep(seconds),
    schedule: (seconds, callback) => real.schedule(seconds, callback),
    dispose: () => real.dispose(),
    advanceRealMs: (ms) => {
      now += ms;
    },
  };
};

const describe1 = (client: ElastiCacheClient) => client.send(new DescribeSnapshotsCommand({}));

/** How many of `count` calls in a row get through before the first refused one, and that refusal. */
const callsUntilThrottled = async (client: ElastiCacheClient, count: number) => {
  let passed = 0;
  for (let call = 0; call < count; call += 1) {
    const error = await describe1(client).then(
      () => undefined,
      (failure: unknown) => failure as Error & Record<string, unknown>,
    );
    if (error) return { passed, error };
    passed += 1;
  }
  return { passed, error: undefined };
};

describe('ElastiCache API rate limit', () => {
  let harness: Harness;
  let clock: ReturnType<typeof manualClock>;

  beforeEach(async () => {
    // Half a real second per emulated second: the refill must follow emulated time, not real time.
    clock = manualClock(0.5);
    harness = await startHarness({ clock, elastiCache: { apiRate: { ratePerSecond: 2, burst: 3 } } });
  });

  afterEach(async () => {
    await harness.stop();
    clock.dispose();
  });

  it('lets the burst through, then answers 400 Throttling "Rate exceeded" as ElastiCache does', async () => {
    // Arrange
    const client = harness.elastiCache({}, { maxAttempts: 1 });

    // Act
    const { passed, error } = await callsUntilThrottled(client, 10);

    // Assert
    expect(passed).toBe(3);
    expect(error?.name).toBe('Throttling');
    expect(error?.message).toBe('Rate exceeded');
    expect(httpStatusOf(error ?? {})).toBe(400);
    expect(harness.aws.elastiCache.apiCallCounts()).toEqual({
      accepted: { DescribeSnapshots: 3 },
      throttled: { DescribeSnapshots: 1 },
    });
  });

  it('is retried by the SDK as throttling (its standard mode does not retry an ordinary 400)', async () => {
    // Arrange
    const client = harness.elastiCache({}, { maxAttempts: 3 });
    await callsUntilThrottled(harness.elastiCache({}, { maxAttempts: 1 }), 10);

    // Act: the clock does not move, so every attempt is refused.
    const error = await rejectionOf(describe1(client));

    // Assert
    expect(error.name).toBe('Throttling');
    expect((error.$metadata as { attempts?: number }).attempts).toBe(3);
    expect(harness.aws.elastiCache.apiCallCounts().throttled.DescribeSnapshots).toBe(4);
  });

  it('refills at the rate per emulated second, and a refused call takes no token', async () => {
    // Arrange
    const client = harness.elastiCache({}, { maxAttempts: 1 });
    await callsUntilThrottled(client, 10);
    await callsUntilThrottled(client, 3);

    // Act: 0.5 real seconds is one emulated second at this scale: 2 tokens.
    clock.advanceRealMs(500);
    const afterOneSecond = await callsUntilThrottled(client, 10);
    clock.advanceRealMs(60_000);
    const afterAMinute = await callsUntilThrottled(client, 10);

    // Assert
    expect(afterOneSecond.passed).toBe(2);
    expect(afterOneSecond.error?.name).toBe('Throttling');
    // Never more than the burst, however long the bucket rested.
    expect(afterAMinute.passed).toBe(3);
  });

  it('keeps a bucket per account and Region', async () => {
    // Arrange
    await callsUntilThrottled(harness.elastiCache({}, { maxAttempts: 1 }), 10);

    // Act
    const otherRegion = await callsUntilThrottled(harness.elastiCache({ region: 'eu-west-1' }, { maxAttempts: 1 }), 10);
    const otherAccount = await callsUntilThrottled(
      harness.elastiCache({ accessKeyId: '111111111111' }, { maxAttempts: 1 }),
      10,
    );
    const sameAgain = await callsUntilThrottled(harness.elastiCache({}, { maxAttempts: 1 }), 10);

    // Assert
    expect([otherRegion.passed, otherAccount.passed, sameAgain.passed]).toEqual([3, 3, 0]);
  });
});

describe('ElastiCache without a rate limit (the default)', () => {
  it('throttles nothing', async () => {
    // Arrange
    const harness = await startHarness();
    const client = harness.elastiCache({}, { maxAttempts: 1 });

    // Act
    const { passed } = await callsUntilThrottled(client, 60);
    await harness.stop();

    // Assert
    expect(passed).toBe(60);
  });
});

describe('rate limit settings', () => {
  it('refuses a rate that is not positive and a burst below one call', () => {
    const clock = createClock(1);
    expect(() => new ApiRateLimit(clock, { ratePerSecond: 0 })).toThrow('ratePerSecond must be a number > 0');
    expect(() => new ApiRateLimit(clock, { ratePerSecond: 5, burst: 0.5 })).toThrow('burst must be a number >= 1');
  });

  it('are read from LOCAL_ELASTICACHE_RATE and LOCAL_ELASTICACHE_BURST, off when unset', () => {
    expect(readLocalConfig({}).elastiCacheRate).toBeUndefined();
    expect(readLocalConfig({ LOCAL_ELASTICACHE_RATE: '20' }).elastiCacheRate).toEqual({ ratePerSecond: 20 });
    expect(readLocalConfig({ LOCAL_ELASTICACHE_RATE: '20', LOCAL_ELASTICACHE_BURST: '40' }).elastiCacheRate).toEqual({
      ratePerSecond: 20,
      burst: 40,
    });
    expect(() => readLocalConfig({ LOCAL_ELASTICACHE_RATE: 'fast' })).toThrow(
      'LOCAL_ELASTICACHE_RATE must be a positive number, got "fast"',
    );
    expect(() => readLocalConfig({ LOCAL_ELASTICACHE_BURST: '40' })).toThrow(
      'LOCAL_ELASTICACHE_BURST must be set together with LOCAL_ELASTICACHE_RATE',
    );
    expect(() => readLocalConfig({ LOCAL_ELASTICACHE_RATE: '20', LOCAL_ELASTICACHE_BURST: '0' })).toThrow(
      'LOCAL_ELASTICACHE_BURST must be a number >= 1',
    );
  });
});
