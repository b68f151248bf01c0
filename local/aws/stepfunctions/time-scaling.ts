// Time scaling of Wait states and Retry intervals: how long a Wait waits for its input (Seconds, SecondsPath,
// Timestamp, TimestampPath) and how long a retrier backs off, in emulated seconds, for the clock to scale
// (`LOCAL_TIME_SCALE`). Pure functions: the run (run.ts) feeds them to the library through override getters.
import type { AslState } from '../../statemachine.js';

/** Resolves a simple JSONPath (`$`, `$.a.b`, `$.a[0]`, `$['a']`); undefined when it is not that simple. */
export const resolveSimplePath = (jsonPath: string, value: unknown): unknown => {
  if (!jsonPath.startsWith('$') || jsonPath.startsWith('$$')) return undefined;
  const rest = jsonPath.slice(1);
  const token = /\.([A-Za-z_$][\w$-]*)|\[(\d+)\]|\['([^']*)'\]/y;
  let current = value;
  let index = 0;
  while (index < rest.length) {
    token.lastIndex = index;
    const match = token.exec(rest);
    if (!match) return undefined;
    index = token.lastIndex;
    const key = match[1] ?? match[3] ?? Number(match[2]);
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, key)) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
};

/** The emulated seconds a Wait state would wait for this input; undefined when the library must decide. */
export const waitSecondsOf = (state: AslState, input: unknown, nowMs: number): number | undefined => {
  if (typeof state.Seconds === 'number') return state.Seconds;
  if (typeof state.SecondsPath === 'string') {
    const seconds = resolveSimplePath(state.SecondsPath, input);
    // Leave invalid values to the library, which fails the state with States.Runtime as AWS does.
    return typeof seconds === 'number' && Number.isInteger(seconds) && seconds >= 0 ? seconds : undefined;
  }
  const timestamp =
    typeof state.Timestamp === 'string'
      ? state.Timestamp
      : typeof state.TimestampPath === 'string'
        ? resolveSimplePath(state.TimestampPath, input)
        : undefined;
  if (typeof timestamp !== 'string') return undefined;
  const at = Date.parse(timestamp);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - nowMs) / 1000);
};

/** Seconds before retry number `attempt + 1` of a retrier, as Step Functions computes it (jitter included). */
export const retryDelaySeconds = (retrier: Record<string, unknown>, attempt: number): number => {
  const interval = typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1;
  const rate = typeof retrier.BackoffRate === 'number' ? retrier.BackoffRate : 2;
  let delay = interval * rate ** attempt;
  if (typeof retrier.MaxDelaySeconds === 'number') delay = Math.min(delay, retrier.MaxDelaySeconds);
  return retrier.JitterStrategy === 'FULL' ? Math.random() * delay : delay;
};
