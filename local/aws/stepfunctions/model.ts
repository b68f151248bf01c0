// The Step Functions emulator's model: registered state machines, executions as they are kept in memory and on
// disk, history events, and the options of the service. Types and tiny helpers only; no behaviour.

import type { Clock } from '../../clock.js';
import type { LambdaHandler } from '../../lambda.js';
import type { AslDefinition } from '../../statemachine.js';
import type { Caller } from '../types.js';
import type { ExecutionJournal } from './journal.js';
import type { EventBridgeEvent } from './status-events.js';

export type HandlerSource = Record<string, LambdaHandler> | (() => Promise<Record<string, LambdaHandler>>);

export interface StateMachineSpec {
  name: string;
  /** A JSONPath ASL definition whose Lambda references are plain ARNs or names (see loadLocalDefinition). */
  definition: AslDefinition;
  /** Function key → handler. A function is called once, on the first execution (lazy import). */
  handlers: HandlerSource;
  /** Task state name → function key; by default read from each Task's FunctionName (or Lambda Resource) ARN. */
  taskFunctions?: Record<string, string>;
}

export interface StepFunctionsOptions {
  region?: string;
  accountId?: string;
  /** The project's state machine name (default exportSnapshot-local). */
  stateMachineName?: string;
  /** Replaces the project's definition, e.g. with a tiny inline ASL in tests. */
  definition?: AslDefinition;
  /** Replaces the project's handlers (function key → handler), e.g. with fakes in tests. */
  handlers?: HandlerSource;
  taskFunctions?: Record<string, string>;
  /** Scales Wait states and Retry intervals (`LOCAL_TIME_SCALE`); default real time. */
  clock?: Clock;
  /**
   * Where executions persist, one append-only journal each under `<dataDir>/stepfunctions/executions/`: a restarted
   * stack still knows its exports (Step Functions keeps them for 90 days) and resumes the running ones
   * (`resume()`). Default: memory only.
   */
  dataDir?: string;
  /**
   * Receives every execution status change as the EventBridge event Step Functions sends (status-events.ts):
   * RUNNING when one starts, then how it ended. The local stack puts them on its event bus.
   */
  onStatusChange?: (event: EventBridgeEvent) => void;
  /** Step Functions' quota of history events per execution (25,000); lower it to reach it in a test. */
  historyEventLimit?: number;
  /**
   * Asked before a Task calls one of the project's functions, with the state machine's role (local/aws/iam): an
   * error fails the Task as Step Functions fails a refused Lambda call. Default: every call is made.
   */
  authorizeInvoke?: InvokeAuthorizer;
}

export type InvokeAuthorizer = (invoke: {
  stateMachineName: string;
  functionKey: string;
}) => Promise<Error | undefined>;

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
export const EXECUTION_STATUSES: readonly string[] = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
];

export interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  detailsKey?: string;
  details?: Record<string, unknown>;
}

export interface RegisteredMachine {
  arn: string;
  name: string;
  region: string;
  accountId: string;
  definition: AslDefinition;
  roleArn: string;
  creationDate: number;
  taskFunctions: Record<string, string>;
  handlers: HandlerSource;
  loadedHandlers?: Promise<Record<string, LambdaHandler>>;
  authorizeInvoke?: InvokeAuthorizer;
}

/**
 * Where a running execution is: the top-level state it last entered, with that state's input as JSON text and,
 * for a Wait, the wall-clock instant (ms) its wait ends. A resumed execution starts there.
 */
export interface Checkpoint {
  state: string;
  input: string;
  enteredAt: number;
  waitEnd?: number;
}

/** The facts of an execution, as kept on disk and in memory. */
export interface ExecutionFacts {
  seq: number;
  executionArn: string;
  name: string;
  input: string;
  status: ExecutionStatus;
  startDate: number;
  stopDate?: number;
  output?: string;
  error?: string;
  cause?: string;
  events: HistoryEvent[];
}

/** An execution in memory: its facts, its machine, where it is, and the handles of its run while one is live. */
export interface ExecutionRecord extends ExecutionFacts {
  machine: RegisteredMachine;
  /** Where it persists; absent when the service keeps executions in memory only. */
  journal?: ExecutionJournal;
  checkpoint?: Checkpoint;
  /** Stops the live run for StopExecution (ABORTED); absent when no run is live. */
  abort?: () => void;
  /** Stops the live run and leaves the execution RUNNING, to be resumed (the local stack is stopping). */
  suspend?: () => void;
  stopRequest?: { error?: string; cause?: string };
  /** Resolves when the live run has closed the execution or been suspended, and its task calls have drained. */
  settled: Promise<void>;
}

/** Resources belong to one account and Region, as the caller's SigV4 scope says. */
export const isCallers = (machine: { accountId: string; region: string }, caller: Caller): boolean =>
  machine.accountId === caller.accountId && machine.region === caller.region;

export const toEpochSeconds = (ms: number): number => ms / 1000;
