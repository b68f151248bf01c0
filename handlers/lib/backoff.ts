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
