// The run of one execution in aws-local-stepfunctions, fresh or resumed, and its end. A fresh run starts at the
// definition's StartAt; a resumed one (after a restart of the local stack) starts in the state its last checkpoint
// names, with that state's input: the library always starts at StartAt, so it runs a copy of the definition whose
// StartAt is a hidden Pass state that hands the saved state input to the state to resume. The context object is the
// execution's own (Name, StartTime, Input), a Wait keeps its end time, and a task that was in flight runs again.
// Every state entered is checkpointed to the journal. The run ends the execution exactly once (close), whatever the
// library does, including when it cannot run the input at all; a suspension (shutdown) ends nothing and leaves the
// execution RUNNING on disk.
import { ExecutionAbortedError, ExecutionError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import type { Clock } from '../../clock.js';
import type { AslDefinition } from '../../statemachine.js';
import {
  HISTORY_EVENT_LIMIT,
  HistoryRecorder,
  type LibraryEvent,
  type ResumedState,
  resumedStateOf,
  TERMINAL_EVENTS,
} from './history.js';
import { causeText, jsonText } from './json-text.js';
import { createStateContext, type EventLogs, observeRun } from './library-hooks.js';
import type { Checkpoint, ExecutionRecord } from './model.js';
import { drainTasks, type RunControl, type TaskCall, taskOverrides } from './tasks.js';
import { retryDelaySeconds, waitSecondsOf } from './time-scaling.js';

export interface RunOptions {
  clock: Clock;
  /** Resume a RUNNING execution read back from its journal: from its checkpoint, or from the start if it has none. */
  resume?: boolean;
  /** Told once when the execution has closed, its history and journal complete (status-change events). */
  onClosed?: (execution: ExecutionRecord) => void;
  /** The history quota (default Step Functions' 25,000 events). */
  historyEventLimit?: number;
}

type Outcome = { ok: true; output: unknown } | { ok: false; error: unknown };

/** How long the event log may stay silent after the run's result settled before the run stops reading it. */
const LOG_GRACE_MS = 100;

const RESUME_STATE = 'LocalResumeEntry';

/** A name for the hidden entry state that no state of the definition has. */
const resumeStateName = (definition: AslDefinition): string => {
  let name = RESUME_STATE;
  while (Object.hasOwn(definition.States, name)) name = `${name}_`;
  return name;
};

/** What to run: the definition (or the resuming copy), its input, and what the history already holds. */
interface RunPlan {
  definition: AslDefinition;
  input: unknown;
  hidden: Set<string>;
  resumed?: ResumedState;
  checkpoint?: Checkpoint;
}

const planOf = (execution: ExecutionRecord, resume: boolean): RunPlan => {
  // The execution's TimeoutSeconds is timed by the run itself (executionTimeout), on the scaled clock and from the
  // execution's start, not by the library, whose timer is unscaled and can outlive an aborted run.
  const { TimeoutSeconds: _timedByTheRun, ...definition } = execution.machine.definition;
  const input = JSON.parse(execution.input) as unknown;
  const checkpoint = resume ? execution.checkpoint : undefined;
  if (!checkpoint) return { definition, input, hidden: new Set() };
  if (!Object.hasOwn(definition.States, checkpoint.state)) {
    throw new EmulatorFault(`the state ${checkpoint.state} to resume in is not in the state machine definition`);
  }
  const entry = resumeStateName(definition);
  // Pass's Result is wrapped: the library ignores a falsy Result (0, false, '', null) and would pass its input on.
  const entryState = {
    Type: 'Pass',
    Result: { value: JSON.parse(checkpoint.input) as unknown },
    OutputPath: '$.value',
    Next: checkpoint.state,
  };
  return {
    definition: { ...definition, StartAt: entry, States: { ...definition.States, [entry]: entryState } },
    input,
    hidden: new Set([entry]),
    resumed: resumedStateOf(execution.events, checkpoint.state),
    checkpoint,
  };
};

/**
 * Emulated seconds left of the execution's TimeoutSeconds, counted from its start (so a resumed execution keeps
 * its deadline); undefined when the definition has none, or when the clock makes every delay immediate (time
 * scale 0), where a timeout would end every execution at once.
 */
const timeoutLeftSeconds = (execution: ExecutionRecord, clock: Clock): number | undefined => {
  const timeout = execution.machine.definition.TimeoutSeconds;
  if (typeof timeout !== 'number' || clock.timeScale === 0) return undefined;
  const elapsedEmulated = (Date.now() - execution.startDate) / 1000 / clock.timeScale;
  return Math.max(0, timeout - elapsedEmulated);
};

/** The emulator itself could not go on (not an error of the state machine or its tasks). */
/**
 * The history reached its quota. Assumed wording and error: AWS documents that such an execution fails, not the
 * error it reports; States.Runtime is the error of failures no Catch can handle, which this is.
 */
class HistoryLimitError extends Error {
  public constructor(limit: number) {
    super(`The execution history reached the maximum of ${limit} events; Step Functions ended the execution.`);
    this.name = 'HistoryLimitError';
  }
}

class EmulatorFault extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'EmulatorFault';
  }
}

// JavaScript's own errors raised while running (RangeError: Maximum call stack size exceeded on data nested too
// deeply for the library, TypeError from its internals) are faults of the emulator, not states failing. Errors of
// tasks are LambdaFunctionErrors and Fail states throw the library's own classes, so neither is mistaken for one.
const BUILT_IN_ERRORS: ReadonlyArray<new (...args: never[]) => Error> = [
  RangeError,
  TypeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
];
const isEmulatorFault = (error: unknown): error is Error =>
  error instanceof EmulatorFault || BUILT_IN_ERRORS.some((type) => error?.constructor === type);

/**
 * How a failed run is reported. The library's own failure is Step Functions' States.Runtime: an execution that failed
 * on an exception it could not process, which no Catch (not even States.ALL) handles (Step Functions Developer
 * Guide, "Handling errors in Step Functions workflows", docs.aws.amazon.com/step-functions/latest/dg/
 * concepts-error-handling.html). The cause is the emulator's own wording (assumed: AWS's States.Runtime causes name
 * the state and differ by case).
 */
const failureOf = (error: unknown, terminal: LibraryEvent | undefined): { error: string; cause?: string } => {
  // The run's own ending (recorder.onLimit), not the library's: never wrapped.
  if (error instanceof HistoryLimitError) return { error: 'States.Runtime', cause: error.message };
  const inner = error instanceof ExecutionError ? error.cause : error;
  if (isEmulatorFault(inner)) {
    return {
      error: 'States.Runtime',
      cause: `The local Step Functions emulator could not run the execution: ${inner.message}`,
    };
  }
  if (terminal?.type === 'ExecutionFailed') {
    const cause = causeText(terminal.Cause);
    return { error: terminal.Error, ...(cause !== undefined && { cause }) };
  }
  if (inner instanceof Error) return { error: inner.name, cause: inner.message };
  return { error: 'States.Runtime', ...(causeText(inner) !== undefined && { cause: causeText(inner) }) };
};

/**
 * Reads the library's event log into the history until its end, and returns the terminal event. If the library
 * failed outside its own error handling, the log never ends: the run stops reading once the result has settled
 * and the log stayed silent for LOG_GRACE_MS.
 */
const consume = async (
  eventLogs: EventLogs,
  recorder: HistoryRecorder,
  outcome: Promise<Outcome>,
): Promise<LibraryEvent | undefined> => {
  const iterator = eventLogs[Symbol.asyncIterator]();
  const silent = Symbol('silent');
  const gaveUp = outcome.then(
    () =>
      new Promise<typeof silent>((resolve) => {
        setTimeout(() => resolve(silent), LOG_GRACE_MS).unref();
      }),
  );
  for (;;) {
    const next = await Promise.race([iterator.next(), gaveUp]);
    if (next === silent || next.done) return undefined;
    if (TERMINAL_EVENTS.has(next.value.type)) return next.value;
    recorder.record(next.value);
  }
};

/** Starts (or resumes) the run of an execution; sets its abort, suspend and settled handles. */
export const runExecution = (execution: ExecutionRecord, options: RunOptions): void => {
  const { clock } = options;
  const { machine, journal } = execution;
  const control: RunControl = { stopped: false, inFlight: new Set() };
  let suspended = false;
  let ended = false;
  const calls = new Map<string, TaskCall[]>();

  /** Ends the execution: its status, its last history event, and the journal's closed line; once. */
  const close = (result: Outcome, terminal: LibraryEvent | undefined, recorder: HistoryRecorder): void => {
    if (ended || suspended) return;
    ended = true;
    execution.abort = undefined;
    execution.suspend = undefined;
    delete execution.checkpoint;
    const now = terminal?.timestamp ?? Date.now();
    if (execution.status === 'ABORTED') {
      // StopExecution already set the status and stop date.
      recorder.add('ExecutionAborted', execution.stopDate ?? now, 'executionAbortedEventDetails', {
        ...execution.stopRequest,
      });
    } else if (result.ok) {
      execution.status = 'SUCCEEDED';
      execution.stopDate = now;
      execution.output = jsonText(result.output);
      recorder.add('ExecutionSucceeded', now, 'executionSucceededEventDetails', {
        output: execution.output,
        outputDetails: { truncated: false },
      });
    } else if (result.error instanceof ExecutionTimeoutError) {
      execution.status = 'TIMED_OUT';
      execution.stopDate = now;
      execution.error = 'States.Timeout';
      recorder.add('ExecutionTimedOut', now, 'executionTimedOutEventDetails', {
        error: 'States.Timeout',
        cause: 'The execution timed out',
      });
    } else if (result.error instanceof ExecutionAbortedError) {
      execution.status = 'ABORTED';
      execution.stopDate = now;
      recorder.add('ExecutionAborted', now, 'executionAbortedEventDetails', {});
    } else {
      const failure = failureOf(result.error, terminal);
      execution.status = 'FAILED';
      execution.stopDate = now;
      execution.error = failure.error;
      if (failure.cause !== undefined) execution.cause = failure.cause;
      recorder.add('ExecutionFailed', now, 'executionFailedEventDetails', { ...failure });
    }
    journal?.closed(execution);
    options.onClosed?.(execution);
  };

  let plan: RunPlan | undefined;
  let planError: unknown;
  try {
    plan = planOf(execution, options.resume ?? false);
  } catch (error) {
    planError =
      error instanceof SyntaxError ? new EmulatorFault(`its saved state is unreadable: ${error.message}`) : error;
  }
  const recorder = new HistoryRecorder(execution, journal, calls, plan?.hidden ?? new Set(), plan?.resumed);
  if (execution.events.length === 0) {
    // The same instant DescribeExecution reports as startDate, as in AWS.
    recorder.add('ExecutionStarted', execution.startDate, 'executionStartedEventDetails', {
      input: execution.input,
      inputDetails: { truncated: false },
      roleArn: machine.roleArn,
    });
  }
  if (!plan) {
    close({ ok: false, error: planError }, undefined, recorder);
    execution.settled = Promise.resolve();
    return;
  }

  const enteredInputs = new Map<string, unknown>();
  const waitEnds = new Map<string, number>();
  const retryAttempts = new Map<string, number[]>();
  // The library reads a state's retry override several times per failure: compute it once per failure, so the
  // jitter drawn is the one used.
  const retryDelays = new Map<string, number[]>();
  let resumeCheckpoint = plan.checkpoint;
  const stateContext = createStateContext();
  const onEntered = (stateName: string, stateInput: unknown): void => {
    if (control.stopped || plan.hidden.has(stateName)) return;
    enteredInputs.set(stateName, stateInput);
    retryAttempts.delete(stateName);
    retryDelays.delete(stateName);
    const state = machine.definition.States[stateName];
    if (!state) return;
    const now = Date.now();
    const resumedHere = resumeCheckpoint?.state === stateName;
    // A task resumed after a restart was already invoked once: to the task, this run is a retry.
    stateContext.entered(stateName, now, resumedHere && state.Type === 'Task' ? 1 : 0);
    // The first entry of the resumed state keeps the end its Wait had before the restart.
    const resumedWaitEnd = resumedHere ? resumeCheckpoint?.waitEnd : undefined;
    resumeCheckpoint = undefined;
    waitEnds.delete(stateName);
    if (state.Type === 'Wait') {
      const seconds = resumedWaitEnd === undefined ? waitSecondsOf(state, stateInput, now) : undefined;
      const end = resumedWaitEnd ?? (seconds === undefined ? undefined : now + clock.realMs(seconds));
      if (end !== undefined) waitEnds.set(stateName, end);
    }
    const waitEnd = waitEnds.get(stateName);
    const checkpoint: Checkpoint = {
      state: stateName,
      input: jsonText(stateInput),
      enteredAt: now,
      ...(waitEnd !== undefined && { waitEnd }),
    };
    execution.checkpoint = checkpoint;
    journal?.checkpoint(checkpoint);
  };
  const onRetried = (stateName: string, retrier: unknown, attempt: number): void => {
    stateContext.retried();
    retryDelays.delete(stateName);
    const index = machine.definition.States[stateName]?.Retry?.indexOf(retrier as never) ?? -1;
    if (index < 0) return;
    const attempts = retryAttempts.get(stateName) ?? [];
    attempts[index] = attempt;
    retryAttempts.set(stateName, attempts);
  };

  const scaled = clock.timeScale !== 1;
  const resumedWait = plan.checkpoint?.waitEnd !== undefined ? plan.checkpoint.state : undefined;
  const waitTimeOverrides = new Proxy({} as Record<string, number>, {
    get: (_target, stateName) => {
      if (typeof stateName !== 'string') return undefined;
      const end = waitEnds.get(stateName);
      // Unscaled, the library times a fresh Wait itself; a resumed one waits only what remains of its wait.
      if (end === undefined || !(scaled || stateName === resumedWait)) return undefined;
      return Math.max(0, end - Date.now());
    },
  });
  const retryIntervalOverrides = new Proxy({} as Record<string, number[]>, {
    get: (_target, stateName) => {
      if (!scaled || typeof stateName !== 'string') return undefined;
      const retriers = machine.definition.States[stateName]?.Retry;
      if (!retriers) return undefined;
      const cached = retryDelays.get(stateName);
      if (cached) return cached;
      const attempts = retryAttempts.get(stateName) ?? [];
      // The library skips its own jitter for overridden intervals; retryDelaySeconds applies it.
      const delays = retriers.map((retrier, index) => clock.realMs(retryDelaySeconds(retrier, attempts[index] ?? 0)));
      retryDelays.set(stateName, delays);
      return delays;
    },
  });

  let libraryRun: ReturnType<StateMachine['run']>;
  try {
    const runner = new StateMachine(plan.definition as never, { validationOptions: { noValidate: true } });
    observeRun(runner, { startTime: execution.startDate, onEntered, onRetried });
    libraryRun = runner.run(plan.input as never, {
      overrides: {
        taskResourceLocalHandlers: taskOverrides(machine, calls, control) as never,
        waitTimeOverrides,
        retryIntervalOverrides,
      },
      context: {
        Execution: {
          Id: execution.executionArn,
          Name: execution.name,
          RoleArn: machine.roleArn,
          StartTime: new Date(execution.startDate).toISOString(),
          Input: plan.input as never,
          RedriveCount: 0,
        },
        StateMachine: { Id: machine.arn, Name: machine.name },
        State: stateContext.State,
      },
    });
  } catch (error) {
    close({ ok: false, error }, undefined, recorder);
    execution.settled = Promise.resolve();
    return;
  }
  // TimeoutSeconds: the timer does not keep the process alive, and is cancelled when the run ends or is suspended.
  let timedOut = false;
  let historyFull = false;
  recorder.limit = options.historyEventLimit ?? HISTORY_EVENT_LIMIT;
  recorder.onLimit = () => {
    historyFull = true;
    control.stopped = true;
    libraryRun.abort();
  };
  const left = timeoutLeftSeconds(execution, clock);
  const cancelTimeout =
    left === undefined
      ? () => {}
      : clock.schedule(left, () => {
          timedOut = true;
          control.stopped = true;
          libraryRun.abort();
        });
  execution.abort = () => {
    control.stopped = true;
    libraryRun.abort();
  };
  execution.suspend = () => {
    suspended = true;
    cancelTimeout();
    execution.abort = undefined;
    execution.suspend = undefined;
    control.stopped = true;
    libraryRun.abort();
  };
  const outcome: Promise<Outcome> = libraryRun.result.then(
    (output) => ({ ok: true as const, output }),
    (error: unknown) => ({
      ok: false as const,
      error: historyFull ? new HistoryLimitError(recorder.limit) : timedOut ? new ExecutionTimeoutError() : error,
    }),
  );
  outcome.then(cancelTimeout, cancelTimeout);
  const recorded = consume(libraryRun.eventLogs, recorder, outcome);
  execution.settled = Promise.all([outcome, recorded])
    .then(([result, terminal]) => close(result, terminal, recorder))
    .catch((error: unknown) => {
      // Recording failed (the journal could not be written): end the run too, so no task runs for a closed execution.
      control.stopped = true;
      libraryRun.abort();
      close({ ok: false, error: new EmulatorFault(causeText(error) ?? 'unknown') }, undefined, recorder);
    })
    .then(() => drainTasks(control))
    .catch(() => {});
};

/**
 * StopExecution of a RUNNING execution that has no live run (read back from disk and not resumed yet): it ends
 * ABORTED at once, as a live one would.
 */
export const abortDormant = (execution: ExecutionRecord, onClosed?: (execution: ExecutionRecord) => void): void => {
  const recorder = new HistoryRecorder(execution, execution.journal, new Map(), new Set());
  delete execution.checkpoint;
  recorder.add('ExecutionAborted', execution.stopDate ?? Date.now(), 'executionAbortedEventDetails', {
    ...execution.stopRequest,
  });
  execution.journal?.closed(execution);
  onClosed?.(execution);
};
