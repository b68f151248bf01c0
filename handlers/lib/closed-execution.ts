// What a closed export execution's own record says about its notification: whether the workflow sent one, and
// if not, the failure to report. The record is the execution history (GetExecutionHistory), never timing: a
// notification was sent exactly when a publishing state's task succeeded. Used by the safety net (which publishes
// what this returns) and by GET /exports/{id} (which shows the same outcome). Pure: no AWS calls, no Lambda types.
import type { ExportState, FailureInput, StepError } from './contracts.js';
import { clip } from './outcome.js';
import { isRecord } from './records.js';

/**
 * The Task states that publish the outcome (statemachine/export-snapshot.asl.json; a test checks that these are
 * exactly the states invoking publishOutcome). The machine runs one state at a time (no Parallel or Map), so the
 * state last entered is the one a task event belongs to.
 */
export const PUBLISH_STATES: readonly string[] = ['PublishSuccess', 'PublishFailure'];

/** The error StopExecution is given by DELETE /exports/{id}; the catalogue explains it. */
export const CANCEL_ERROR = 'ExportCancelled';

/** The part of a history event this reads (the SDK's HistoryEvent has these names). */
export interface RecordedEvent {
  type?: string | undefined;
  timestamp?: Date | undefined;
  stateEnteredEventDetails?: { name?: string | undefined; input?: string | undefined } | undefined;
}

export interface ClosedExecution {
  name: string;
  status: string;
  startedAt: string;
  stoppedAt?: string | undefined;
  input?: string | undefined;
  error?: string | undefined;
  cause?: string | undefined;
  /** The whole history, oldest first. */
  events: readonly RecordedEvent[];
}

export type Verdict =
  | { notified: true; by: string }
  | {
      notified: false;
      /**
       * What to publish: the verified export PublishSuccess could not announce (a success), or what PublishFailure
       * would have been given: the state the workflow last had, and why it ended.
       */
      publish: ExportState | FailureInput;
      /** One paragraph for the notification: how the workflow ended and that the safety net reported it. */
      note: string;
      /**
       * A publishing task was still running when the execution ended, so the history cannot say whether it
       * published: the state and when its task was scheduled. The notification record answers instead.
       */
      inFlight?: { state: string; since: Date };
    };

/** Task events that end a task's attempt without a result (the state may retry it, or fail). */
const ATTEMPT_FAILED = new Set(['TaskFailed', 'TaskTimedOut', 'TaskStartFailed', 'TaskSubmitFailed']);

/** Longest stretch of an untrusted error or cause carried into a message. */
const MAX_CAUSE_CHARS = 2000;

const parse = (text: string | undefined): unknown => {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** PublishSuccess's input: an export CheckExport verified (its objects are in the bucket). */
const isVerifiedExport = (value: unknown): value is ExportState =>
  isRecord(value) && isRecord(value.poll) && value.poll.status === 'exported' && !('error' in value);

/** A state input that is the workflow's own state (PrepareExport's wrapping onwards), not the raw request. */
const isWorkflowState = (value: unknown): value is FailureInput =>
  isRecord(value) && typeof value.exportId === 'string' && typeof value.startedAt === 'string' && 'input' in value;

/** Why the execution ended, as the StepError PublishFailure would have been given. */
const endingOf = (execution: ClosedExecution, request: unknown, reached: FailureInput | undefined): StepError => {
  const cause = execution.cause === undefined ? undefined : clip(execution.cause, MAX_CAUSE_CHARS);
  if (execution.status === 'ABORTED') {
    return {
      Error: CANCEL_ERROR,
      Cause:
        execution.error === CANCEL_ERROR && cause
          ? cause
          : `The export was stopped (StopExecution${cause ? `: ${cause}` : ''}).`,
    };
  }
  if (execution.status === 'TIMED_OUT') {
    return {
      Error: 'ExecutionTimedOut',
      Cause:
        'The export workflow ran past its own time limit (the state machine TimeoutSeconds) and was ended by Step Functions.',
    };
  }
  // A request that is not a JSON object fails in the first state, before any step could say so.
  if (!reached && !isRecord(request)) {
    return {
      Error: 'InvalidRequestError',
      Cause: `Invalid export request: $: the request must be a JSON object with the export's fields (sourceSnapshotName, replicationGroupId or cacheClusterId, targetBucket, ...), not ${request === null ? 'null' : Array.isArray(request) ? 'an array' : `a ${typeof request}`}.`,
    };
  }
  return {
    Error: execution.error ?? 'States.Runtime',
    Cause: cause ?? 'The export workflow failed without a cause.',
  };
};

const noteFor = (execution: ClosedExecution, lastState: string | undefined): string => {
  const where = lastState ? ` in state ${lastState}` : '';
  const how =
    execution.status === 'ABORTED'
      ? `was stopped${where}`
      : execution.status === 'TIMED_OUT'
        ? `timed out${where}`
        : `failed${where} with ${clip(execution.error ?? 'an unknown error', 256)}`;
  return `The export workflow ${how} before it could send this notification; this service's safety net sent it from the execution's record.`;
};

/**
 * Reads a closed execution's history. Notified when a publishing state's task succeeded. Otherwise what to report:
 * a verified export whose success PublishSuccess could not publish (the objects are in the bucket, so it is a
 * success); else PublishFailure's own input when it was reached (the real failure, which it could not publish);
 * else the last workflow state with the way the execution ended, else the raw request.
 */
export const judgeClosedExecution = (execution: ClosedExecution): Verdict => {
  let current: string | undefined;
  let lastState: FailureInput | undefined;
  let failureInput: FailureInput | undefined;
  let verified: ExportState | undefined;
  let inFlight: { state: string; since: Date } | undefined;
  for (const event of execution.events) {
    const entered = event.stateEnteredEventDetails;
    if (event.type?.endsWith('StateEntered') && entered?.name !== undefined) {
      current = entered.name;
      const input = parse(entered.input);
      if (isWorkflowState(input)) {
        lastState = input;
        if (current === 'PublishFailure' && isRecord(input.error)) failureInput = input;
        if (current === 'PublishSuccess' && isVerifiedExport(input)) verified = input;
      }
    } else if (current !== undefined && PUBLISH_STATES.includes(current)) {
      if (event.type === 'TaskSucceeded') return { notified: true, by: current };
      if (event.type === 'TaskScheduled') inFlight = { state: current, since: event.timestamp ?? new Date(0) };
      if (ATTEMPT_FAILED.has(event.type ?? '')) inFlight = undefined;
    }
  }
  if (execution.status === 'SUCCEEDED') return { notified: true, by: 'ExportSucceeded' };

  const request = parse(execution.input);
  const note = noteFor(execution, current);
  const pending = inFlight && { inFlight };
  if (verified) {
    const succeeded = `The export itself succeeded and was verified; the workflow could not publish its success. ${note}`;
    return { notified: false, publish: verified, note: succeeded, ...pending };
  }
  // An export stopped while PublishFailure ran is still that failure: report it, saying how the workflow ended.
  if (failureInput) return { notified: false, publish: failureInput, note, ...pending };
  const base: FailureInput = lastState ?? {
    exportId: execution.name,
    startedAt: execution.startedAt,
    input: request ?? null,
    error: { Error: '' },
  };
  return { notified: false, publish: { ...base, error: endingOf(execution, request, lastState) }, note };
};
