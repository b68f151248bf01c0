// Worst cases of one execution of the export state machine, computed from its ASL with every Retry counted: how
// many history events it can write (Step Functions fails an execution at 25,000, with no Catch and so no
// notification) and how long it can run (the top-level TimeoutSeconds, derived from the export deadline when the
// service is packaged, so that TIMED_OUT exists and its alarm can fire, and never cuts an export short).
//
// Events per state, as Step Functions writes them (Developer Guide, "HistoryEvent" in the API reference):
// a Task entered, scheduled, started, succeeded or failed, exited (5), each retry one more scheduled, started,
// failed (3); any other state entered and exited (2); the execution started and ended (2).
//
// Used by config/serverless-vars.cjs (package time) and test/statemachine/bounds.test.ts, which asserts the bounds
// on the file itself (handlers/lib/backoff.ts holds the cap the ASL must carry).

export const HISTORY_EVENT_LIMIT = 25_000;

interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
}

export interface BoundedState {
  Type: string;
  Next?: string;
  Default?: string;
  TimeoutSeconds?: number;
  Retry?: Retrier[];
  Catch?: Array<{ Next: string }>;
  Choices?: Array<{ Next: string; Variable?: string; NumericGreaterThanEquals?: number }>;
  [key: string]: unknown;
}

export interface BoundedDefinition {
  StartAt: string;
  TimeoutSeconds?: number;
  States: Record<string, BoundedState>;
  [key: string]: unknown;
}

// ASL defaults (Amazon States Language specification, "Retrying after an error").
const DEFAULT_MAX_ATTEMPTS = 3;
const DEFAULT_INTERVAL_SECONDS = 1;
const DEFAULT_BACKOFF_RATE = 2;
/** A Task with no TimeoutSeconds may run for the execution's lifetime; ours all set one (structure test). */
const TASK_DEFAULT_TIMEOUT_SECONDS = 99_999_999;

const retriesOf = (state: BoundedState): number =>
  (state.Retry ?? []).reduce((sum, retrier) => sum + (retrier.MaxAttempts ?? DEFAULT_MAX_ATTEMPTS), 0);

/** History events one visit of a state writes at worst, every retry spent. */
export const worstStateEvents = (state: BoundedState): number => (state.Type === 'Task' ? 5 + 3 * retriesOf(state) : 2);

/** Seconds one visit of a Task takes at worst: every attempt to its timeout, every retry after its longest delay. */
export const worstTaskSeconds = (state: BoundedState): number => {
  const attempts = 1 + retriesOf(state);
  const delays = (state.Retry ?? []).reduce((sum, retrier) => {
    let total = 0;
    for (let attempt = 0; attempt < (retrier.MaxAttempts ?? DEFAULT_MAX_ATTEMPTS); attempt += 1) {
      const delay =
        (retrier.IntervalSeconds ?? DEFAULT_INTERVAL_SECONDS) *
        (retrier.BackoffRate ?? DEFAULT_BACKOFF_RATE) ** attempt;
      total += Math.min(delay, retrier.MaxDelaySeconds ?? Number.POSITIVE_INFINITY);
    }
    return sum + total;
  }, 0);
  return attempts * (state.TimeoutSeconds ?? TASK_DEFAULT_TIMEOUT_SECONDS) + delays;
};

const successorsOf = (state: BoundedState): string[] =>
  [
    state.Next,
    state.Default,
    ...(state.Choices ?? []).map((choice) => choice.Next),
    ...(state.Catch ?? []).map((c) => c.Next),
  ].filter((name): name is string => typeof name === 'string');

/** The states on a cycle (the polling loop): those from which the state itself can be reached again. */
export const loopStates = (definition: BoundedDefinition): string[] =>
  Object.keys(definition.States).filter((start) => {
    const seen = new Set<string>();
    const queue = successorsOf(definition.States[start] as BoundedState);
    while (queue.length > 0) {
      const name = queue.shift() as string;
      if (name === start) return true;
      if (seen.has(name)) continue;
      seen.add(name);
      queue.push(...successorsOf(definition.States[name] ?? { Type: 'Fail' }));
    }
    return false;
  });

/**
 * The polling loops, each as its states: states on a cycle, grouped by which of them reach each other. There are
 * two: the fresh snapshot's (WaitForSnapshot, CheckSnapshot, IsSnapshotReady) and the export's.
 */
export const pollingLoops = (definition: BoundedDefinition): string[][] => {
  const onCycle = loopStates(definition);
  const reach = (from: string): Set<string> => {
    const seen = new Set<string>();
    const queue = successorsOf(definition.States[from] as BoundedState);
    while (queue.length > 0) {
      const name = queue.shift() as string;
      if (seen.has(name)) continue;
      seen.add(name);
      queue.push(...successorsOf(definition.States[name] ?? { Type: 'Fail' }));
    }
    return seen;
  };
  const reachable = new Map(onCycle.map((name) => [name, reach(name)]));
  const loops: string[][] = [];
  for (const name of onCycle) {
    if (loops.some((loop) => loop.includes(name))) continue;
    loops.push(
      onCycle.filter((other) => other === name || (reachable.get(name)?.has(other) && reachable.get(other)?.has(name))),
    );
  }
  return loops;
};

/** Whether the states in `names`, following `next` and only into `names`, contain a cycle. */
const hasCycle = (names: string[], next: (name: string) => string[]): boolean => {
  const inside = new Set(names);
  const state = new Map<string, 'open' | 'done'>();
  const visit = (name: string): boolean => {
    if (state.get(name) === 'done') return false;
    if (state.get(name) === 'open') return true;
    state.set(name, 'open');
    if (next(name).some((other) => inside.has(other) && visit(other))) return true;
    state.set(name, 'done');
    return false;
  };
  return names.some(visit);
};

/** The cap rules of a loop: `NumericGreaterThanEquals` on `$.poll.attempt` in its Choice states. */
const capRulesOf = (definition: BoundedDefinition, loop: string[]): Array<{ state: string; cap: number }> =>
  loop.flatMap((name) =>
    (definition.States[name]?.Choices ?? [])
      .filter((choice) => choice.Variable === '$.poll.attempt' && typeof choice.NumericGreaterThanEquals === 'number')
      .map((choice) => ({ state: name, cap: choice.NumericGreaterThanEquals as number })),
  );

/**
 * The transitions of a state that do not advance `$.poll.attempt`. A Task's Next does (CheckSnapshot's and
 * CheckExport's function advances it in every answer it gives; test/unit/handlers/check-export.test.ts), its Catch
 * does not (the function gave no answer); a Pass that writes `$.poll` with `States.MathAdd($.poll.attempt, 1)` (the
 * count of a failed check) does; nothing else does.
 */
const nonAdvancingSuccessors = (state: BoundedState): string[] => {
  if (state.Type === 'Task') return (state.Catch ?? []).map((c) => c.Next);
  const parameters = state.Parameters as Record<string, unknown> | undefined;
  if (state.Type === 'Pass' && state.ResultPath === '$.poll') {
    if (parameters?.['attempt.$'] === 'States.MathAdd($.poll.attempt, 1)') return [];
  }
  return successorsOf(state);
};

/**
 * The loops' cap: the `NumericGreaterThanEquals` on `$.poll.attempt` of the Choice state in each loop. Every loop
 * must have one, with the same value, and every way round a loop must pass that Choice and a state that advances
 * the counter (without either, some cycle could run unbounded): the counter is one (CheckSnapshot and CheckExport
 * both advance it, so do the counts of failed checks, and nothing resets it), so the cap bounds the rounds of all
 * loops together.
 */
export const pollCapOf = (definition: BoundedDefinition): number => {
  const loops = pollingLoops(definition);
  const caps = loops.map((loop) => capRulesOf(definition, loop));
  if (loops.length === 0 || caps.some((found) => found.length !== 1)) {
    throw new Error(`Expected one poll cap on $.poll.attempt in each loop, found ${JSON.stringify(caps)}`);
  }
  const values = new Set(caps.flat().map((rule) => rule.cap));
  if (values.size !== 1) throw new Error(`The loops' caps differ: ${[...values].join(', ')}`);
  for (const [index, loop] of loops.entries()) {
    const capState = caps[index]?.[0]?.state;
    const stateOf = (name: string) => definition.States[name] as BoundedState;
    if (
      hasCycle(
        loop.filter((name) => name !== capState),
        (name) => successorsOf(stateOf(name)),
      )
    ) {
      throw new Error(`A cycle of the loop ${loop.join(', ')} bypasses its cap in ${capState}`);
    }
    if (hasCycle(loop, (name) => nonAdvancingSuccessors(stateOf(name)))) {
      throw new Error(`A cycle of the loop ${loop.join(', ')} does not advance $.poll.attempt`);
    }
  }
  return caps[0]?.[0]?.cap as number;
};

/**
 * An upper bound of the history events of one execution: every state outside the loops once (all branches, though
 * only one is taken), `pollCap` rounds of the costliest loop with every state of the loop in every round (the
 * successful check's way round and the failed check's, whichever is taken; the loops share one counter, so their
 * rounds together are at most the cap), every retry spent, and the execution's own two events. A failed check is
 * caught and counted rather than retried, so the checks carry no Retry and a round costs a few events, not fifty.
 */
export const worstHistoryEvents = (definition: BoundedDefinition): number => {
  const loops = pollingLoops(definition);
  const inLoop = new Set(loops.flat());
  const cap = pollCapOf(definition);
  const perVisit = Math.max(
    ...loops.map((loop) =>
      loop.reduce((sum, name) => sum + worstStateEvents(definition.States[name] as BoundedState), 0),
    ),
  );
  const outside = Object.entries(definition.States)
    .filter(([name]) => !inLoop.has(name))
    .reduce((sum, [, state]) => sum + worstStateEvents(state), 0);
  return 2 + outside + cap * perVisit;
};

/**
 * The execution's TimeoutSeconds for an export deadline: the deadline (counted from the execution's start, and
 * enforced by CheckExport and, for a failed check, by the loop's Choice after it), plus what may run after it: a
 * check under way at the deadline, the longest wait, one last check, and the longest publish with its clean-up,
 * every retry spent; plus the steps before polling, for a deadline shorter than they can take (the last two are
 * the tasks outside the loops). Rounded up to the minute. A timed-out execution therefore means the machine's own
 * bounds failed, which the alarm reports.
 */
export const executionTimeoutSeconds = (
  definition: BoundedDefinition,
  deadlineMinutes: number,
  longestWaitSeconds: number,
): number => {
  const loop = new Set(loopStates(definition));
  const tasks = Object.entries(definition.States).filter(([, state]) => state.Type === 'Task');
  const worstOutsideLoop = tasks
    .filter(([name]) => !loop.has(name))
    .reduce((sum, [, state]) => sum + worstTaskSeconds(state), 0);
  const worstCheck = Math.max(
    0,
    ...tasks.filter(([name]) => loop.has(name)).map(([, state]) => worstTaskSeconds(state)),
  );
  const seconds = deadlineMinutes * 60 + worstCheck + longestWaitSeconds + worstCheck + worstOutsideLoop;
  return Math.ceil(seconds / 60) * 60;
};
