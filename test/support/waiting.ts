// Waiting in tests: a pause, and polling until something holds, with a bound so a broken stack fails the test
// instead of hanging it. One copy for the unit, local and integration tests.

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it gives a value (not undefined) and returns it; fails after `timeoutMs`. */
export const eventually = async <T>(
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 5000,
  what = 'The condition',
  intervalMs = 10,
): Promise<T> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not hold in time (${timeoutMs} ms)`);
    await sleep(intervalMs);
  }
};

/** Polls `condition` until it is true; fails after `timeoutMs`. */
export const until = async (
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 5000,
  what = 'The condition',
  intervalMs = 10,
): Promise<void> => {
  await eventually(async () => ((await condition()) ? true : undefined), timeoutMs, what, intervalMs);
};
