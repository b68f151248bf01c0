// ElastiCache's API rate limit, as a token bucket per account and Region shared by every ElastiCache action.
//
// AWS does not publish ElastiCache's API rate (the ElastiCache API reference lists no limit; RDS, the sibling
// service, documents its own as a token bucket per account and Region: "up to 300 requests in a burst and a sustained
// 12 requests per second", RDS User Guide, "Request throttling for the Amazon RDS API"), so the emulator has no
// default: the limit is off unless a rate is configured (LOCAL_ELASTICACHE_RATE, LOCAL_ELASTICACHE_BURST in
// local/config.ts; `elastiCache.apiRate` of the emulator's options).
//
// A call that finds the bucket empty is answered as AWS's query-protocol services answer a throttled call: HTTP 400,
// `<Code>Throttling</Code><Message>Rate exceeded</Message>` (errors.ts `throttling()`), which the SDK classifies as a
// throttling error (@smithy/core service-error-classification THROTTLING_ERROR_CODES lists "Throttling") and retries
// with its throttling backoff, and which handlers/lib/aws/failures.ts turns into AwsThrottledError for the state
// machine's Retry. A throttled call takes no token.
//
// The bucket refills in emulated time: `rate` tokens per emulated second, read off the clock's wall time divided by
// its scale. Everything the rate competes with in the local stack runs in emulated time (Step Functions' Retry
// delays and Wait states, the export's duration), so at LOCAL_TIME_SCALE 0.05 a 20/s limit still means 20 calls per
// second of the state machine's time, and a storm's figures read as AWS seconds. (Refilled in real time, the same
// setting would allow one call per emulated second at that scale.) What does not scale is the SDK's own retry delay
// inside a handler, real milliseconds: at a scale below 1 it counts for more emulated time than on AWS.
import type { Clock } from '../../clock.js';
import { throttling } from '../errors.js';
import type { Scope } from './model.js';

export interface ApiRateSettings {
  /** Tokens added per emulated second: the sustained calls per second. > 0. */
  ratePerSecond: number;
  /** The bucket's size: calls that may be made at once from full. Default: one second of the rate (at least 1). */
  burst?: number;
}

/** Calls seen per action since the emulator started: those let through and those answered Throttling. */
export interface ApiCallCounts {
  accepted: Record<string, number>;
  throttled: Record<string, number>;
}

interface Bucket {
  tokens: number;
  /** The clock's wall time (ms) when `tokens` was last brought up to date. */
  at: number;
}

/** Checks rate settings: a positive rate, a burst of at least 1. */
export const checkApiRate = (settings: ApiRateSettings | undefined): Required<ApiRateSettings> | undefined => {
  if (settings === undefined) return undefined;
  const { ratePerSecond } = settings;
  if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
    throw new Error(`elastiCache.apiRate.ratePerSecond must be a number > 0, got ${ratePerSecond}`);
  }
  const burst = settings.burst ?? Math.max(1, ratePerSecond);
  if (!Number.isFinite(burst) || burst < 1) {
    throw new Error(`elastiCache.apiRate.burst must be a number >= 1, got ${burst}`);
  }
  return { ratePerSecond, burst };
};

export class ApiRateLimit {
  private readonly buckets = new Map<string, Bucket>();
  private readonly counts: ApiCallCounts = { accepted: {}, throttled: {} };
  private readonly settings: Required<ApiRateSettings> | undefined;

  public constructor(
    private readonly clock: Clock,
    settings: ApiRateSettings | undefined,
  ) {
    this.settings = checkApiRate(settings);
  }

  /** Takes a token for one call of `action` in this account and Region, or throws Throttling when there is none. */
  public take(scope: Scope, action: string): void {
    const settings = this.settings;
    if (settings && !this.hasToken(scope, settings)) {
      this.counts.throttled[action] = (this.counts.throttled[action] ?? 0) + 1;
      throw throttling();
    }
    this.counts.accepted[action] = (this.counts.accepted[action] ?? 0) + 1;
  }

  public callCounts(): ApiCallCounts {
    return { accepted: { ...this.counts.accepted }, throttled: { ...this.counts.throttled } };
  }

  private hasToken(scope: Scope, settings: Required<ApiRateSettings>): boolean {
    const key = `${scope.accountId}/${scope.region}`;
    const now = this.clock.now().getTime();
    const bucket = this.buckets.get(key) ?? { tokens: settings.burst, at: now };
    // Emulated seconds since the last call; at scale 0 emulated time passes at once, so the bucket is always full.
    const elapsedMs = Math.max(0, now - bucket.at);
    const emulatedSeconds =
      this.clock.timeScale === 0 ? Number.POSITIVE_INFINITY : elapsedMs / 1000 / this.clock.timeScale;
    bucket.tokens = Math.min(settings.burst, bucket.tokens + emulatedSeconds * settings.ratePerSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}
