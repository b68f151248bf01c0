import {
  type BackoffPolicy,
  backoffForDeadline,
  checkSchedule,
  DEFAULT_BACKOFF,
  LONGEST_DEADLINE_SECONDS,
  MAX_CHECKS,
  nextWaitSeconds,
} from '../../../handlers/lib/backoff';
import { MAX_DEADLINE_MINUTES } from '../../../handlers/lib/contracts';

describe('nextWaitSeconds', () => {
  it('starts with the minimum wait', () => {
    // Act
    const first = nextWaitSeconds(0);

    // Assert
    expect(first).toBe(DEFAULT_BACKOFF.minSeconds);
  });

  it('waits a fixed share of the time already spent once that exceeds the minimum', () => {
    // Act
    const waits = [nextWaitSeconds(100), nextWaitSeconds(180), nextWaitSeconds(600)];

    // Assert: 10 % of 180 and 600 seconds; 10 % of 100 is below the 15 s minimum.
    expect(waits).toEqual([15, 18, 60]);
  });

  it('never waits longer than the maximum', () => {
    // Act
    const waits = [nextWaitSeconds(1200), nextWaitSeconds(86_400)];

    // Assert
    expect(waits).toEqual([DEFAULT_BACKOFF.maxSeconds, DEFAULT_BACKOFF.maxSeconds]);
  });

  it('follows a given policy', () => {
    // Arrange
    const policy: BackoffPolicy = { minSeconds: 1, ratio: 0.5, maxSeconds: 10 };

    // Act
    const waits = [nextWaitSeconds(0, policy), nextWaitSeconds(8, policy), nextWaitSeconds(100, policy)];

    // Assert
    expect(waits).toEqual([1, 4, 10]);
  });

  it('never shrinks as time passes', () => {
    // Arrange
    const elapsed = Array.from({ length: 2000 }, (_, index) => index * 7);

    // Act
    const waits = elapsed.map((seconds) => nextWaitSeconds(seconds));

    // Assert
    for (let index = 1; index < waits.length; index += 1) {
      expect(waits[index]).toBeGreaterThanOrEqual(waits[index - 1] ?? 0);
    }
  });
});

describe('checkSchedule', () => {
  it('checks at the minimum interval first and reaches the horizon', () => {
    // Act
    const times = checkSchedule(120);

    // Assert
    expect(times.slice(0, 3)).toEqual([15, 30, 45]);
    expect(times.at(-1)).toBeGreaterThanOrEqual(120);
    expect(times.at(-2)).toBeLessThan(120);
  });

  it('notices a finished export within about the ratio of its duration plus the minimum', () => {
    // Arrange
    const duration = 2 * 3600;

    // Act
    const firstCheckAfter = checkSchedule(duration).find((time) => time >= duration) ?? Number.POSITIVE_INFINITY;

    // Assert
    expect(firstCheckAfter - duration).toBeLessThanOrEqual(DEFAULT_BACKOFF.maxSeconds);
  });

  it('keeps a twelve-hour export below the check cap of the state machine with the default policy', () => {
    // Act
    const checks = checkSchedule(12 * 3600).length;

    // Assert: 12 h at the 120 s cap is 360 checks, plus the short early ones.
    expect(checks).toBeLessThan(400);
  });
});

describe('backoffForDeadline', () => {
  it('keeps the default policy for the default twelve-hour deadline', () => {
    expect(backoffForDeadline(12 * 3600)).toEqual(DEFAULT_BACKOFF);
  });

  it.each([1, 12, 14, 24, 36, 48])('fits the checks of a %i-hour deadline under the cap', (hours) => {
    // Act
    const policy = backoffForDeadline(hours * 3600);

    // Assert: room for the grace check and the last look, and the wait cap raised no more than needed.
    expect(checkSchedule(hours * 3600, policy).length).toBeLessThanOrEqual(MAX_CHECKS - 5);
    const shorter = { ...policy, maxSeconds: policy.maxSeconds - 30 };
    if (policy.maxSeconds > DEFAULT_BACKOFF.maxSeconds) {
      expect(checkSchedule(hours * 3600, shorter).length).toBeGreaterThan(MAX_CHECKS - 5);
    }
  });

  it('treats a deadline beyond the longest allowed as the longest', () => {
    expect(backoffForDeadline(100 * 365 * 86400)).toEqual(backoffForDeadline(LONGEST_DEADLINE_SECONDS));
    expect(LONGEST_DEADLINE_SECONDS).toBe(MAX_DEADLINE_MINUTES * 60);
  });

  it('waits at most seven minutes between checks at the longest deadline (48 h)', () => {
    expect(backoffForDeadline(48 * 3600).maxSeconds).toBeLessThanOrEqual(420);
  });
});
