// The polling policy for a running export.
//
// Exports take from a minute to hours. Polling at a fixed short interval wastes state transitions on long exports;
// a fixed long interval notices a short export late. So the wait grows with the time already spent: the
// detection delay stays a fixed fraction of the export's duration, and the number of checks grows with the
// logarithm of the duration until the wait reaches its cap.
//
//   wait(elapsed) = clamp(round(RATIO × elapsed), MIN, MAX)
//
// README "Polling policy" gives the measured cost for 5, 30 and 120-minute exports (`npm run bench`).
//
// The number of checks is capped (MAX_CHECKS) so that an execution's history, with every Retry spent, stays under
// Step Functions' 25,000 events (config/execution-bounds.ts computes it from the ASL). A deadline so long that the
// default cap on the wait would need more checks than that gets a longer cap on the wait instead.

export interface BackoffPolicy {
  /** First and shortest wait: small exports finish within a minute or two. */
  minSeconds: number;
  /** Wait as a fraction of the time elapsed so far: the worst detection delay is about this share of the duration. */
  ratio: number;
  /** Longest wait: bounds the detection delay of long exports. */
  maxSeconds: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { minSeconds: 15, ratio: 0.1, maxSeconds: 120 };

/** Seconds to wait before the next check, given the seconds already spent waiting. */
export const nextWaitSeconds = (elapsedSeconds: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number =>
  Math.min(policy.maxSeconds, Math.max(policy.minSeconds, Math.round(policy.ratio * elapsedSeconds)));

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
 * The most checks one export makes: the cap on `$.poll.attempt` in the ASL's IsExportFinished, which
 * test/statemachine/bounds.test.ts keeps equal to this and within the history limit.
 */
export const MAX_CHECKS = 480;
/** Checks kept in reserve below the cap: the grace check after the objects were missing, and the last look. */
const RESERVED_CHECKS = 5;
/**
 * The longest deadline an export can have (contracts.ts MAX_DEADLINE_MINUTES, which the backoff test keeps equal;
 * not imported, so that CheckExport's bundle stays free of the request schema).
 */
export const LONGEST_DEADLINE_SECONDS = 2880 * 60;
/** The step by which the cap on the wait grows for a long deadline. */
const MAX_WAIT_STEP_SECONDS = 30;

/**
 * The policy for an export with this deadline (seconds from its start): the default, with the cap on the wait
 * raised (in 30 s steps) just enough that the checks until the deadline stay within MAX_CHECKS. With the default
 * deadline (12 h) the default policy holds; at the longest (48 h) the wait grows to 6 or 7 minutes.
 */
export const backoffForDeadline = (deadline: number, base: BackoffPolicy = DEFAULT_BACKOFF): BackoffPolicy => {
  const deadlineSeconds = Math.min(deadline, LONGEST_DEADLINE_SECONDS);
  const budget = MAX_CHECKS - RESERVED_CHECKS;
  // Whether the checks until the deadline fit the budget; stops counting as soon as they do not.
  const fits = (policy: BackoffPolicy): boolean => {
    let elapsed = 0;
    for (let checks = 0; checks < budget; checks += 1) {
      elapsed += nextWaitSeconds(elapsed, policy);
      if (elapsed >= deadlineSeconds) return true;
    }
    return false;
  };
  let policy = base;
  while (!fits(policy)) {
    policy = { ...policy, maxSeconds: policy.maxSeconds + MAX_WAIT_STEP_SECONDS };
  }
  return policy;
};
