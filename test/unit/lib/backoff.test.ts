import {
  type BackoffPolicy,
  checkSchedule,
  DEFAULT_BACKOFF,
  FAILED_CHECK_BUDGET,
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
    const waits = [nextWaitSeconds(100), nextWaitSeconds(300), nextWaitSeconds(600), nextWaitSeconds(1004)];

    // Assert: 12 % of 300, 600 and 1004 seconds, rounded down (120.48 to 120); 12 % of 100 is below the 30 s minimum.
    expect(waits).toEqual([30, 36, 72, 120]);
  });

  it('never waits longer than the maximum', () => {
    // Act
    const waits = [nextWaitSeconds(1500), nextWaitSeconds(86_400)];

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
    expect(times.slice(0, 3)).toEqual([30, 60, 90]);
    expect(times.at(-1)).toBeGreaterThanOrEqual(120);
    expect(times.at(-2)).toBeLessThan(120);
  });

  it('notices the end of any export within 12 % of its duration or 30 s, and never later than 3 minutes', () => {
    // Arrange: the worst delay for an export ending in a check interval is that interval (it ends just after the
    // check that began it), so each interval is held to the bound at its start, the shortest duration inside it.
    const times = [0, ...checkSchedule(LONGEST_DEADLINE_SECONDS)];

    // Act
    const late = times.slice(1).flatMap((end, index) => {
      const start = times[index] ?? 0;
      const interval = end - start;
      return interval > Math.max(0.12 * start, 30) || interval > 180 ? [{ start, interval }] : [];
    });

    // Assert
    expect(late).toEqual([]);
  });

  it('never checks more often than a fixed 30 s loop', () => {
    // Arrange
    const times = checkSchedule(LONGEST_DEADLINE_SECONDS);

    // Assert: by any time, no more checks than every 30 s would have made.
    for (const [index, time] of times.entries()) expect(index + 1).toBeLessThanOrEqual(Math.ceil(time / 30));
  });

  it('checks a two-hour export at most 58 times (a quarter of a fixed 30 s loop in state transitions)', () => {
    expect(checkSchedule(2 * 3600).length).toBeLessThanOrEqual(58);
  });
});

describe('MAX_CHECKS', () => {
  it('covers the checks until the longest deadline, the grace check, the last look and the failed-check budget', () => {
    // Arrange
    const untilDeadline = checkSchedule(LONGEST_DEADLINE_SECONDS).length;

    // Assert
    expect(MAX_CHECKS).toBeGreaterThanOrEqual(untilDeadline + 2 + FAILED_CHECK_BUDGET);
    expect(LONGEST_DEADLINE_SECONDS).toBe(MAX_DEADLINE_MINUTES * 60);
  });

  it('stays ahead of the deadline wherever the failed checks fall: a failed check keeps its wait', () => {
    // Arrange: the checks until the longest deadline when the budget's failures start at check `first`, one after
    // another, or every other check (the ASL's CountFailed*Check keeps the wait; a check that runs computes the next).
    const checksWith = (failed: (check: number) => boolean): number => {
      let elapsed = 0;
      let wait = nextWaitSeconds(0);
      let checks = 0;
      while (elapsed < LONGEST_DEADLINE_SECONDS) {
        elapsed += wait;
        checks += 1;
        if (!failed(checks)) wait = nextWaitSeconds(elapsed);
      }
      return checks;
    };
    const firsts = Array.from({ length: 250 }, (_, index) => 4 * index + 1);

    // Act
    const inARow = firsts.map((first) => checksWith((check) => check >= first && check < first + FAILED_CHECK_BUDGET));
    const spread = firsts.map((first) =>
      checksWith((check) => check >= first && (check - first) % 2 === 0 && check < first + 2 * FAILED_CHECK_BUDGET),
    );

    // Assert
    expect(Math.max(...inARow, ...spread)).toBeLessThan(MAX_CHECKS);
  });
});
