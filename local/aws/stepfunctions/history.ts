// An execution's history as GetExecutionHistory reports it: the library's event log turned into Step Functions
// history events (ids in order, details keyed as AWS keys them), each one appended to the execution's journal as it
// is recorded. A resumed execution's history continues with the next id; the state it resumes in is not entered
// twice, and a task that was in flight is not scheduled twice in the history (it is run again, as AWS may).
import type { AslState } from '../../statemachine.js';
import type { ExecutionJournal } from './journal.js';
import { causeText, jsonText } from './json-text.js';
import type { EventLogs } from './library-hooks.js';
import { type ExecutionRecord, type HistoryEvent, toEpochSeconds } from './model.js';
import { type TaskCall, taskResourceOf } from './tasks.js';

/** One entry of the library's event log. */
export type LibraryEvent = EventLogs extends AsyncGenerator<infer E> ? E : never;

const STATE_EVENT_PREFIX: Readonly<Record<string, string>> = {
  Task: 'Task',
  Pass: 'Pass',
  Wait: 'Wait',
  Choice: 'Choice',
  Succeed: 'Succeed',
  Fail: 'Fail',
  Map: 'Map',
  Parallel: 'Parallel',
};

const prefixOf = (type: string): string =>
  (Object.hasOwn(STATE_EVENT_PREFIX, type) ? STATE_EVENT_PREFIX[type] : '') ?? '';

/** What the history of a resumed execution already holds of the state it resumes in. */
export interface ResumedState {
  state: string;
  /** Its StateEntered event is already recorded. */
  entered: boolean;
  /** An attempt of its task was scheduled and had not ended. */
  scheduled: boolean;
}

/** Reads, from a saved history, what it holds of the state an execution resumes in. */
export const resumedStateOf = (events: readonly HistoryEvent[], state: string): ResumedState => {
  let lastEntered = -1;
  for (let index = events.length - 1; index >= 0; index -= 1) {
    if (events[index]?.type.endsWith('StateEntered')) {
      lastEntered = index;
      break;
    }
  }
  const entered = lastEntered >= 0 && events[lastEntered]?.details?.name === state;
  const lastType = events[events.length - 1]?.type ?? '';
  const scheduled = entered && /^(Task|LambdaFunction)(Scheduled|Started)$/.test(lastType);
  return { state, entered, scheduled };
};

/** The terminal events of the library's log: the run's end, which the run itself records once (see run.ts). */
export const TERMINAL_EVENTS: ReadonlySet<string> = new Set([
  'ExecutionSucceeded',
  'ExecutionFailed',
  'ExecutionAborted',
  'ExecutionTimeout',
]);

/**
 * Step Functions' hard quota on one execution's history ("Maximum execution history size: 25,000 events", Step
 * Functions Developer Guide, "Service quotas"). An execution that reaches it fails.
 */
export const HISTORY_EVENT_LIMIT = 25_000;

export class HistoryRecorder {
  /** Called once when the history holds all but one of its events: the run must fail with the last one. */
  public onLimit: (() => void) | undefined;
  /** Set at the limit: the library's events still buffered are dropped, only the run's end is added. */
  private full = false;
  /** The quota; smaller only in tests that reach it through a real definition. */
  public limit = HISTORY_EVENT_LIMIT;
  private readonly attempts = new Map<string, number>();
  private readonly attemptFailed = new Set<string>();

  public constructor(
    private readonly execution: ExecutionRecord,
    private readonly journal: ExecutionJournal | undefined,
    private readonly calls: Map<string, TaskCall[]>,
    /** States of the run's own making (the resume entry), never shown. */
    private readonly hidden: ReadonlySet<string>,
    private resumed?: ResumedState,
  ) {}

  public add(type: string, timestamp: number, detailsKey?: string, details?: Record<string, unknown>): void {
    const id = this.execution.events.length + 1;
    const event: HistoryEvent = {
      id,
      previousEventId: id - 1,
      timestamp,
      type,
      ...(detailsKey && details && { detailsKey, details }),
    };
    this.execution.events.push(event);
    this.journal?.event(event);
    if (id === this.limit - 1) {
      this.full = true;
      this.onLimit?.();
    }
  }

  /** Records one event of the library's log (terminal events excepted: the run records the end). */
  public record(event: LibraryEvent): void {
    if (this.full) return;
    const timestamp = event.timestamp;
    const { machine } = this.execution;
    switch (event.type) {
      case 'StateEntered': {
        if (this.hidden.has(event.state.name)) break;
        const state = machine.definition.States[event.state.name];
        const resumed = this.resumed?.state === event.state.name ? this.resumed : undefined;
        this.resumed = undefined;
        if (!resumed?.entered) {
          this.add(`${prefixOf(event.state.type)}StateEntered`, timestamp, 'stateEnteredEventDetails', {
            name: event.state.name,
            input: jsonText(event.state.input),
            inputDetails: { truncated: false },
          });
        }
        if (state?.Type === 'Task') this.scheduleTask(event.state.name, state, timestamp, resumed?.scheduled ?? false);
        break;
      }
      case 'StateRetried': {
        const state = machine.definition.States[event.state.name];
        if (state?.Type === 'Task') this.scheduleTask(event.state.name, state, timestamp, false);
        break;
      }
      case 'StateFailed':
        this.taskFailed(event.state.name, event.Error, event.Cause, timestamp);
        break;
      case 'StateExited':
        if (this.hidden.has(event.state.name)) break;
        this.stateExited(event.state.name, event.state.type, event.state.output, timestamp);
        break;
      default:
        // ExecutionStarted is recorded when the execution starts; the terminal events by the run when it ends;
        // StateCaught has no history event of its own; Map and Parallel events are not emulated.
        break;
    }
  }

  private scheduleTask(stateName: string, state: AslState, timestamp: number, alreadyScheduled: boolean): void {
    const attempt = (this.attempts.get(stateName) ?? 0) + 1;
    this.attempts.set(stateName, attempt);
    this.attemptFailed.delete(stateName);
    if (alreadyScheduled) return;
    const call = this.calls.get(stateName)?.[attempt - 1];
    const resource = taskResourceOf(state);
    const timeout = typeof state.TimeoutSeconds === 'number' ? { timeoutInSeconds: state.TimeoutSeconds } : {};
    if (resource.kind === 'task') {
      this.add('TaskScheduled', timestamp, 'taskScheduledEventDetails', {
        resourceType: resource.resourceType,
        resource: resource.resource,
        region: this.execution.machine.region,
        parameters: jsonText(call?.parameters),
        ...timeout,
      });
      this.add('TaskStarted', timestamp, 'taskStartedEventDetails', {
        resourceType: resource.resourceType,
        resource: resource.resource,
      });
    } else {
      this.add('LambdaFunctionScheduled', timestamp, 'lambdaFunctionScheduledEventDetails', {
        resource: resource.resource,
        input: jsonText(call?.parameters),
        inputDetails: { truncated: false },
        ...timeout,
      });
      this.add('LambdaFunctionStarted', timestamp);
    }
  }

  private taskFailed(stateName: string, error: string, rawCause: unknown, timestamp: number): void {
    const state = this.execution.machine.definition.States[stateName];
    if (state?.Type !== 'Task') return;
    this.attemptFailed.add(stateName);
    const resource = taskResourceOf(state);
    const cause = causeText(rawCause);
    const timedOut = error === 'States.Timeout';
    const details = { error, ...(cause !== undefined && { cause }) };
    if (resource.kind === 'task') {
      this.add(
        timedOut ? 'TaskTimedOut' : 'TaskFailed',
        timestamp,
        timedOut ? 'taskTimedOutEventDetails' : 'taskFailedEventDetails',
        { resourceType: resource.resourceType, resource: resource.resource, ...details },
      );
    } else {
      this.add(
        timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed',
        timestamp,
        timedOut ? 'lambdaFunctionTimedOutEventDetails' : 'lambdaFunctionFailedEventDetails',
        details,
      );
    }
  }

  private stateExited(stateName: string, stateType: string, stateOutput: unknown, timestamp: number): void {
    const state = this.execution.machine.definition.States[stateName];
    if (state?.Type === 'Task' && !this.attemptFailed.has(stateName)) {
      const call = this.calls.get(stateName)?.[(this.attempts.get(stateName) ?? 1) - 1];
      const resource = taskResourceOf(state);
      const output = jsonText(call?.result ?? stateOutput);
      if (resource.kind === 'task') {
        this.add('TaskSucceeded', timestamp, 'taskSucceededEventDetails', {
          resourceType: resource.resourceType,
          resource: resource.resource,
          output,
          outputDetails: { truncated: false },
        });
      } else {
        this.add('LambdaFunctionSucceeded', timestamp, 'lambdaFunctionSucceededEventDetails', {
          output,
          outputDetails: { truncated: false },
        });
      }
    }
    this.add(`${prefixOf(stateType)}StateExited`, timestamp, 'stateExitedEventDetails', {
      name: stateName,
      output: jsonText(stateOutput),
      outputDetails: { truncated: false },
    });
  }
}

/** One history event on the wire; `includeData: false` leaves inputs, outputs and parameters out. */
export const serializeEvent = (event: HistoryEvent, includeData: boolean): Record<string, unknown> => {
  let details = event.details;
  if (details && !includeData) {
    const { input: _input, output: _output, parameters: _parameters, ...rest } = details;
    details = rest;
  }
  return {
    timestamp: toEpochSeconds(event.timestamp),
    type: event.type,
    id: event.id,
    previousEventId: event.previousEventId,
    ...(event.detailsKey && details && { [event.detailsKey]: details }),
  };
};
