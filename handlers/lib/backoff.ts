// The polling policy for a running export.
//
// Exports take from a minute to hours. Polling at a fixed short interval wastes state transitions on long exports;
// a fixed long interval notices a short export late. So the wait grows with the time already spent: the
// detection delay stays a fixed fraction of the export's duration, and the number of checks grows with the
// logarithm of the duration until the wait reaches its cap.
//
//   wait(elapsed) = clamp(floor(RATIO × elapsed), MIN, MAX)
//
// With MIN 30 s, RATIO 12 % and MAX 180 s, an export of D seconds is noticed at most max(12 % × D, 30 s) after it
// ended, and never more than 3 minutes late: the check interval around its end began before D, so it is at most
// 12 % of D (floor, never rounded up) or the 30 s floor. The floor equals a fixed 30 s loop, so no export costs
// more checks than that loop. README "Polling policy" gives the measured cost (`npm run bench`, bench/polling.ts).
//
// The number of checks is capped (MAX_CHECKS, the cap on `$.poll.attempt` in the ASL): enough for the longest
// deadline at this policy, plus the checks that failed (each is caught, counted and followed by the usual wait,
// up to FAILED_CHECK_BUDGET per execution), so the deadline, not the cap, ends a slow export.
// config/execution-bounds.ts proves from the ASL that the cap keeps an execution's history under Step Functions'
// 25,000 events.

export interface BackoffPolicy {
  /** First and shortest wait: small exports finish within a minute or two. */
  minSeconds: number;
  /** Wait as a fraction of the time elapsed so far: the worst detection delay is at most this share of the duration. */
  ratio: number;
  /** Longest wait: bounds the detection delay of long exports. */
  maxSeconds: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { minSeconds: 30, ratio: 0.12, maxSeconds: 180 };

/** Seconds to wait before the next check, given the seconds already spent waiting. */
export const nextWaitSeconds = (elapsedSeconds: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number =>
  Math.min(policy.maxSeconds, Math.max(policy.minSeconds, Math.floor(policy.ratio * elapsedSeconds)));

/** The check times (seconds since the export started) the policy produces up to `horizonSeconds`. */
export const checkSchedule = (horizonSeconds: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number[] => {
  const times: number[] = [];
  let elapsed = 0;
  while (elapsed < horizonSeconds) {
    elapsed += nextWaitSeconds(elapsed, policy);
    times.push(elapsed);
  }
  return times;
};

/**
 * The longest deadline an export can have (contracts.ts MAX_DEADLINE_MINUTES, which the backoff test keeps equal;
 * not imported, so that CheckExport's bundle stays free of the request schema).
 */
export const LONGEST_DEADLINE_SECONDS = 2880 * 60;

/**
 * Checks that may fail in one execution (a Lambda error, a timeout, AWS throttling or a server fault that the SDK's
 * own retries did not absorb): each is caught by the ASL, counted in `$.poll.failedChecks` and followed by the usual
 * wait; the one that spends the budget ends the export with its error, through the one failure notification.
 * Shared by the whole execution (the fresh snapshot's checks and the export's), not per check.
 */
export const FAILED_CHECK_BUDGET = 50;

/**
 * Checks kept in reserve below the cap: the grace check after the objects were missing (a short wait, so one check
 * more than the schedule), and the last look after the deadline.
 */
const RESERVED_CHECKS = 5;

/**
 * The most checks one execution makes: the cap on `$.poll.attempt` in the ASL's IsSnapshotReady and
 * IsExportFinished (test/statemachine/bounds.test.ts keeps them equal and within the history limit). The schedule
 * until the longest deadline, the reserve, and the failure budget: a failed check keeps the wait it had instead of
 * growing it, which costs at most one check more per failure.
 */
export const MAX_CHECKS = checkSchedule(LONGEST_DEADLINE_SECONDS).length + RESERVED_CHECKS + FAILED_CHECK_BUDGET;
