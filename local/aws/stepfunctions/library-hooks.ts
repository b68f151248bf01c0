// The hooks into aws-local-stepfunctions 3.0.0 that the emulator needs and the library does not offer: observing,
// synchronously, each state entered (with its input) and each retry, and giving `$$.Execution.StartTime` the
// execution's own start instant. Pinned to that version (package.json) and checked here, so a change of internals
// fails loudly instead of running unscaled or unrecorded.
import type { StateMachine } from 'aws-local-stepfunctions';

interface InternalEventLogger {
  dispatchExecutionStartedEvent: (input: unknown) => void;
  dispatchStateEnteredEvent: (name: string, type: string, input: unknown) => void;
  dispatchStateRetriedEvent: (name: string, type: string, input: unknown, retrier: unknown, attempt: number) => void;
}

interface InternalRunOptions {
  eventLogger?: Partial<InternalEventLogger>;
}

type InternalExecute = (input: unknown, options: InternalRunOptions, cleanup: () => void) => Promise<unknown>;

/** The library's event log entries (the type is not exported by name). */
export type EventLogs = ReturnType<StateMachine['run']>['eventLogs'];

export interface RunObserver {
  /** Wall-clock ms that `$$.Execution.StartTime` must say (the execution's startDate, also after a resume). */
  startTime: number;
  onEntered: (name: string, input: unknown) => void;
  onRetried: (name: string, retrier: unknown, attempt: number) => void;
}

/**
 * Observes, synchronously, each state entered (with its input) and each retry of one run.
 *
 * aws-local-stepfunctions takes `waitTimeOverrides` and `retryIntervalOverrides` as fixed milliseconds per state
 * name, but our Wait reads its duration from the input (`SecondsPath: $.poll.waitSeconds`) and retries back off.
 * The library reads `waitTimeOverrides[stateName]` synchronously right after it dispatches StateEntered for that
 * state, and `retryIntervalOverrides[stateName]` right when a retrier matches, so the run passes getters (Proxies)
 * that compute the scaled value from what this hook saw. The async `eventLogs` stream lags behind and cannot serve.
 * The hook wraps the run's private `execute` to reach its EventLogger.
 *
 * StartTime: the library's `execute` builds the context object as `{ ...context.Execution, Input: input,
 * StartTime: new Date().toISOString() }`, overriding ours. Between its ExecutionStarted dispatch and its first
 * StateEntered dispatch it does only that and a clone of the input, synchronously; for exactly that window
 * `Date` answers `new Date()` with the start instant, so a resumed execution keeps its StartTime (and a fresh
 * one's equals DescribeExecution's startDate, as in AWS). The window is closed in a `finally` whatever happens.
 */
export const observeRun = (machine: StateMachine, observer: RunObserver): void => {
  const internals = machine as unknown as { execute?: InternalExecute };
  const execute = internals.execute;
  if (typeof execute !== 'function') throw new Error('aws-local-stepfunctions internals changed: no execute()');
  internals.execute = (input, options, cleanup) => {
    const logger = options.eventLogger;
    const started = logger?.dispatchExecutionStartedEvent;
    const entered = logger?.dispatchStateEnteredEvent;
    const retried = logger?.dispatchStateRetriedEvent;
    if (!logger || typeof started !== 'function' || typeof entered !== 'function' || typeof retried !== 'function') {
      throw new Error('aws-local-stepfunctions internals changed: no EventLogger dispatch methods');
    }
    const RealDate = globalThis.Date;
    const restoreDate = () => {
      globalThis.Date = RealDate;
    };
    logger.dispatchExecutionStartedEvent = (executionInput) => {
      started.call(logger, executionInput);
      globalThis.Date = startTimeDate(RealDate, observer.startTime);
    };
    logger.dispatchStateEnteredEvent = (name, type, stateInput) => {
      restoreDate();
      observer.onEntered(name, stateInput);
      entered.call(logger, name, type, stateInput);
    };
    logger.dispatchStateRetriedEvent = (name, type, stateInput, retrier, attempt) => {
      observer.onRetried(name, retrier, attempt);
      retried.call(logger, name, type, stateInput, retrier, attempt);
    };
    try {
      return execute.call(machine, input, options, cleanup);
    } finally {
      restoreDate();
    }
  };
};

/** `$$.State` of the context object: the state being run and how many times it has been retried in this visit. */
export interface StateContextObject {
  Name: string;
  EnteredTime: string;
  RetryCount: number;
}

/**
 * `$$.State`, which Step Functions fills in (Developer Guide, "Accessing execution data from the Context object":
 * Name, EnteredTime, RetryCount) and aws-local-stepfunctions 3.0.0 leaves out. The library copies the run's
 * `context` option's top-level values by reference and evaluates a Task's Parameters again before each retry, so
 * one object, updated as states are entered and retried, is what `$$.State.RetryCount` reads. Give `State` as
 * the run's `context.State` and call `entered` and `retried` from the RunObserver.
 */
export const createStateContext = () => {
  const State: StateContextObject = { Name: '', EnteredTime: '', RetryCount: 0 };
  return {
    State,
    /** A state entered at `at` (ms); `retryCount` 1 for a task run again after a restart, as it is a re-run. */
    entered: (name: string, at: number, retryCount = 0): void => {
      State.Name = name;
      State.EnteredTime = new Date(at).toISOString();
      State.RetryCount = retryCount;
    },
    retried: (): void => {
      State.RetryCount += 1;
    },
  };
};

/** A Date whose `new Date()` is `startTime`; everything else (Date.now, parsing, arguments) is the real Date's. */
const startTimeDate = (RealDate: DateConstructor, startTime: number): DateConstructor =>
  class StartTimeDate extends RealDate {
    public constructor(...args: unknown[]) {
      if (args.length === 0) super(startTime);
      else super(...(args as [string | number | Date]));
    }
  } as DateConstructor;
