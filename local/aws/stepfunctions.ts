// The emulated Step Functions service (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Action>`). Executions run the
// real ASL in-process with aws-local-stepfunctions; every Lambda Task calls a handler export in-process the way
// `lambda:invoke` would (local/lambda.ts). Wait states and Retry intervals are shortened by the clock's time scale.
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ExecutionAbortedError, ExecutionTimeoutError, StateMachine } from 'aws-local-stepfunctions';
import { type Clock, createClock } from '../clock.js';
import { type LambdaHandler, lambdaContext, lambdaInvokeTask, toLambdaFunctionError } from '../lambda.js';
import {
  type AslDefinition,
  type AslState,
  installPromiseWithResolvers,
  loadLocalDefinition,
  taskFunctionKeys,
} from '../statemachine.js';
import type { AwsRequest, AwsResponse, Caller, EmulatedService } from './types.js';

export const DEFAULT_STATE_MACHINE_NAME = 'exportSnapshot-local';

/** Function key → handler file under handlers/, for the state machine's Lambda tasks. */
export const STATE_HANDLER_FILES: Readonly<Record<string, string>> = {
  validateExport: 'validate-export',
  startExport: 'start-export',
  checkExport: 'check-export',
  publishOutcome: 'publish-outcome',
};

const HANDLERS_DIR = path.join(__dirname, '..', '..', 'handlers');

/**
 * Requires `handlers/<file>.ts` and returns its `handler` export. Call it only once the handlers' env is set: they
 * read it (and build their SDK clients) at module load.
 */
export const requireHandler = (file: string): LambdaHandler => {
  // A plain require keeps the import lazy and works under tsx and jest alike.
  const loaded = require(path.join(HANDLERS_DIR, file)) as { handler?: unknown };
  if (typeof loaded.handler !== 'function') throw new Error(`handlers/${file}.ts has no handler export`);
  return loaded.handler as LambdaHandler;
};

/** The project's state handlers, keyed by function key. */
export const loadProjectStateHandlers = async (): Promise<Record<string, LambdaHandler>> =>
  Object.fromEntries(Object.entries(STATE_HANDLER_FILES).map(([key, file]) => [key, requireHandler(file)]));

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
   * Where closed executions and their history persist (`<dataDir>/stepfunctions/executions.json`), so a restarted
   * stack still knows its exports, as Step Functions keeps them for 90 days. Default: memory only.
   */
  dataDir?: string;
}

type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';
const EXECUTION_STATUSES: readonly string[] = [
  'RUNNING',
  'SUCCEEDED',
  'FAILED',
  'TIMED_OUT',
  'ABORTED',
  'PENDING_REDRIVE',
];

interface HistoryEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  detailsKey?: string;
  details?: Record<string, unknown>;
}

interface TaskCall {
  parameters: unknown;
  result?: unknown;
  failed?: boolean;
}

interface RegisteredMachine {
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
}

/** A closed execution as saved on disk: its facts and history, the machine by ARN. */
interface SavedExecution {
  seq: number;
  executionArn: string;
  stateMachineArn: string;
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

/** An execution in memory: the saved facts plus the live machine and the handles of a running execution. */
interface ExecutionRecord extends Omit<SavedExecution, 'stateMachineArn'> {
  machine: RegisteredMachine;
  abort: () => void;
  stopRequest?: { error?: string; cause?: string };
  settled: Promise<void>;
}

const SAVED_VERSION = 1;

/** Resources belong to one account and Region, as the caller's SigV4 scope says. */
const isCallers = (machine: { accountId: string; region: string }, caller: Caller): boolean =>
  machine.accountId === caller.accountId && machine.region === caller.region;

/** A modeled Step Functions error: `{"__type": type, "message": message}` with HTTP 400. */
export class StepFunctionsError extends Error {
  public constructor(
    public readonly type: string,
    message: string,
    public readonly status = 400,
  ) {
    super(message);
    this.name = 'StepFunctionsError';
  }
}

const validation = (message: string): StepFunctionsError => new StepFunctionsError('ValidationException', message);

// ---- Request fields ---------------------------------------------------------------------------------------------

type Body = Record<string, unknown>;

const optionalString = (body: Body, field: string): string | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new StepFunctionsError('SerializationException', `${field} must be a string`);
  return value;
};

const requiredString = (body: Body, field: string): string => {
  const value = optionalString(body, field);
  if (value === undefined) {
    throw validation(
      `1 validation error detected: Value null at '${field}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
};

const optionalBoolean = (body: Body, field: string): boolean | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new StepFunctionsError('SerializationException', `${field} must be a boolean`);
  return value;
};

/** maxResults: 0 or absent means the default page size; at most 1000. */
const pageSize = (body: Body): number => {
  const value = body.maxResults;
  if (value === undefined || value === null || value === 0) return 100;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 1000) {
    throw validation(
      `1 validation error detected: Value '${String(value)}' at 'maxResults' failed to satisfy constraint: Member must have value less than or equal to 1000`,
    );
  }
  return value;
};

// Names: 1-80 characters, none of whitespace, brackets, wildcards, the listed punctuation or control characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what the rule forbids.
const FORBIDDEN_NAME_CHARACTERS = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

const checkName = (name: string): void => {
  if (name.length < 1 || name.length > 80 || FORBIDDEN_NAME_CHARACTERS.test(name)) {
    throw new StepFunctionsError('InvalidName', `Invalid Name: '${name}'`);
  }
};

const ARN_PATTERN = /^arn:aws[a-z-]*:states:([a-z0-9-]+):(\d{12}):(stateMachine|execution):(.+)$/;

const parseArn = (arn: string, kind: 'stateMachine' | 'execution'): void => {
  const match = ARN_PATTERN.exec(arn);
  if (!match || match[3] !== kind) {
    throw new StepFunctionsError('InvalidArn', `Invalid Arn: 'Resource type not valid in this context: ${arn}'`);
  }
};

// ---- Paging -----------------------------------------------------------------------------------------------------

const encodeToken = (value: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

const decodeToken = (token: string, expected: Record<string, string>): Record<string, unknown> => {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown;
    if (typeof value === 'object' && value !== null) {
      const record = value as Record<string, unknown>;
      if (Object.entries(expected).every(([key, wanted]) => record[key] === wanted)) return record;
    }
  } catch {
    // fall through to InvalidToken
  }
  throw new StepFunctionsError('InvalidToken', `Invalid Token: '${token}'`);
};

// ---- Time scaling -----------------------------------------------------------------------------------------------

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
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
};

/** The emulated seconds a Wait state would wait for this input; undefined when the library must decide. */
const waitSecondsOf = (state: AslState, input: unknown, nowMs: number): number | undefined => {
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
const retryDelaySeconds = (retrier: Record<string, unknown>, attempt: number): number => {
  const interval = typeof retrier.IntervalSeconds === 'number' ? retrier.IntervalSeconds : 1;
  const rate = typeof retrier.BackoffRate === 'number' ? retrier.BackoffRate : 2;
  let delay = interval * rate ** attempt;
  if (typeof retrier.MaxDelaySeconds === 'number') delay = Math.min(delay, retrier.MaxDelaySeconds);
  return retrier.JitterStrategy === 'FULL' ? Math.random() * delay : delay;
};

interface InternalEventLogger {
  dispatchStateEnteredEvent: (name: string, type: string, input: unknown) => void;
  dispatchStateRetriedEvent: (name: string, type: string, input: unknown, retrier: unknown, attempt: number) => void;
}

interface InternalRunOptions {
  eventLogger?: Partial<InternalEventLogger>;
}

type InternalExecute = (input: unknown, options: InternalRunOptions, cleanup: () => void) => Promise<unknown>;

/**
 * Observes, synchronously, each state entered (with its input) and each retry of one run.
 *
 * aws-local-stepfunctions takes `waitTimeOverrides` and `retryIntervalOverrides` as fixed milliseconds per state
 * name, but our Wait reads its duration from the input (`SecondsPath: $.poll.waitSeconds`) and retries back off.
 * The library reads `waitTimeOverrides[stateName]` synchronously right after it dispatches StateEntered for that
 * state, and `retryIntervalOverrides[stateName]` right when a retrier matches, so we pass getters (Proxies) that
 * compute the scaled value from what this hook saw. The async `eventLogs` stream lags behind and cannot serve.
 * The hook wraps the run's private `execute` to reach its EventLogger: pinned to aws-local-stepfunctions 3.0.0
 * (package.json) and checked here, so a change of internals fails loudly instead of running unscaled.
 */
const observeRun = (
  machine: StateMachine,
  onEntered: (name: string, input: unknown) => void,
  onRetried: (name: string, retrier: unknown, attempt: number) => void,
): void => {
  const internals = machine as unknown as { execute?: InternalExecute };
  const execute = internals.execute;
  if (typeof execute !== 'function') throw new Error('aws-local-stepfunctions internals changed: no execute()');
  internals.execute = (input, options, cleanup) => {
    const logger = options.eventLogger;
    const entered = logger?.dispatchStateEnteredEvent;
    const retried = logger?.dispatchStateRetriedEvent;
    if (!logger || typeof entered !== 'function' || typeof retried !== 'function') {
      throw new Error('aws-local-stepfunctions internals changed: no EventLogger dispatch methods');
    }
    logger.dispatchStateEnteredEvent = (name, type, stateInput) => {
      onEntered(name, stateInput);
      entered.call(logger, name, type, stateInput);
    };
    logger.dispatchStateRetriedEvent = (name, type, stateInput, retrier, attempt) => {
      onRetried(name, retrier, attempt);
      retried.call(logger, name, type, stateInput, retrier, attempt);
    };
    return execute.call(machine, input, options, cleanup);
  };
};

// ---- History ----------------------------------------------------------------------------------------------------

const STATE_EVENT_PREFIX: Record<string, string> = {
  Task: 'Task',
  Pass: 'Pass',
  Wait: 'Wait',
  Choice: 'Choice',
  Succeed: 'Succeed',
  Fail: 'Fail',
  Map: 'Map',
  Parallel: 'Parallel',
};

/** How a Task resource shows up in the history: optimized integrations as Task*, plain Lambda ARNs as LambdaFunction*. */
const taskResourceOf = (state: AslState): { kind: 'task' | 'lambda'; resourceType: string; resource: string } => {
  const resource = state.Resource ?? '';
  const integration = /^arn:aws[a-z-]*:states:::([^:]+):(.+)$/.exec(resource);
  if (integration?.[1] && integration[2]) {
    return { kind: 'task', resourceType: integration[1], resource: integration[2] };
  }
  return { kind: 'lambda', resourceType: 'lambda', resource };
};

const jsonText = (value: unknown): string => JSON.stringify(value ?? null);

const causeText = (value: unknown): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (value instanceof Error) return value.message;
  return JSON.stringify(value);
};

/** The function name in a Lambda ARN or name (`arn:aws:lambda:r:a:function:name[:qualifier]` or `name`). */
const functionNameOf = (reference: unknown): string | undefined => {
  if (typeof reference !== 'string' || reference.length === 0) return undefined;
  const match = /:function:([^:]+)/.exec(reference);
  if (match?.[1]) return match[1];
  return reference.includes(':') ? undefined : reference;
};

/** Task state → function key, from `Parameters.FunctionName` (lambda:invoke) or a Lambda ARN `Resource`. */
export const taskFunctionsOf = (definition: AslDefinition): Record<string, string> =>
  Object.fromEntries(
    Object.entries(definition.States).flatMap(([name, state]) => {
      if (state.Type !== 'Task') return [];
      const key =
        functionNameOf(state.Parameters?.FunctionName) ??
        (/^arn:aws[a-z-]*:lambda:/.test(state.Resource ?? '') ? functionNameOf(state.Resource) : undefined);
      return key ? [[name, key]] : [];
    }),
  );

const toEpochSeconds = (ms: number): number => ms / 1000;

/** The library's event log entries (the type is not exported by name). */
type EventLogs = ReturnType<StateMachine['run']>['eventLogs'];

// ---- The service ------------------------------------------------------------------------------------------------

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';
const MAX_INPUT_BYTES = 256 * 1024;

export class StepFunctionsService implements EmulatedService {
  public readonly name = 'states';
  private readonly machines = new Map<string, RegisteredMachine>();
  private readonly executions = new Map<string, ExecutionRecord>();
  private readonly clock: Clock;
  private readonly region: string;
  private readonly accountId: string;
  private nextSeq = 1;
  private readonly savedFile: string | undefined;
  private saved: SavedExecution[] = [];

  public constructor(options: StepFunctionsOptions = {}) {
    installPromiseWithResolvers();
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.clock = options.clock ?? createClock(1);
    if (options.dataDir) {
      this.savedFile = path.join(options.dataDir, 'stepfunctions', 'executions.json');
      this.saved = readSaved(this.savedFile);
      this.nextSeq = Math.max(0, ...this.saved.map((execution) => execution.seq)) + 1;
    }
    const definition = options.definition ?? loadLocalDefinition(this.region, this.accountId);
    this.register({
      name: options.stateMachineName ?? DEFAULT_STATE_MACHINE_NAME,
      definition,
      handlers: options.handlers ?? loadProjectStateHandlers,
      taskFunctions: options.taskFunctions ?? (options.definition ? taskFunctionsOf(definition) : taskFunctionKeys()),
    });
  }

  /** The ARN of the state machine registered at construction (the project's). */
  public get stateMachineArn(): string {
    const [first] = this.machines.keys();
    if (!first) throw new Error('No state machine is registered');
    return first;
  }

  public stateMachineArnFor(name: string): string {
    return `arn:aws:states:${this.region}:${this.accountId}:stateMachine:${name}`;
  }

  /** Registers a state machine (validated once, as CreateStateMachine would) and returns its ARN. */
  public register(spec: StateMachineSpec): string {
    checkName(spec.name);
    // asl-validator mutates its input; validate a copy, run the original.
    new StateMachine(structuredClone(spec.definition) as never, { validationOptions: { checkArn: false } } as never);
    const arn = this.stateMachineArnFor(spec.name);
    this.machines.set(arn, {
      arn,
      name: spec.name,
      region: this.region,
      accountId: this.accountId,
      definition: spec.definition,
      roleArn: `arn:aws:iam::${this.accountId}:role/${spec.name}-role`,
      creationDate: Date.now(),
      taskFunctions: spec.taskFunctions ?? taskFunctionsOf(spec.definition),
      handlers: spec.handlers,
    });
    this.adoptSaved(arn);
    return arn;
  }

  /** The saved executions of a state machine registered again under the same ARN. */
  private adoptSaved(stateMachineArn: string): void {
    const machine = this.machines.get(stateMachineArn);
    if (!machine) return;
    for (const saved of this.saved.filter((execution) => execution.stateMachineArn === stateMachineArn)) {
      const { stateMachineArn: _arn, ...fields } = saved;
      this.executions.set(saved.executionArn, { ...fields, machine, abort: () => {}, settled: Promise.resolve() });
    }
  }

  private persist(): void {
    if (!this.savedFile) return;
    const closed = [...this.executions.values()].filter((execution) => execution.status !== 'RUNNING');
    const executions: SavedExecution[] = closed.map((execution) => ({
      seq: execution.seq,
      executionArn: execution.executionArn,
      stateMachineArn: execution.machine.arn,
      name: execution.name,
      input: execution.input,
      status: execution.status,
      startDate: execution.startDate,
      ...(execution.stopDate !== undefined && { stopDate: execution.stopDate }),
      ...(execution.output !== undefined && { output: execution.output }),
      ...(execution.error !== undefined && { error: execution.error }),
      ...(execution.cause !== undefined && { cause: execution.cause }),
      events: execution.events,
    }));
    // Executions of state machines not registered in this run are kept as they were.
    const others = this.saved.filter((execution) => !this.machines.has(execution.stateMachineArn));
    mkdirSync(path.dirname(this.savedFile), { recursive: true });
    const temporary = `${this.savedFile}.${process.pid}.tmp`;
    writeFileSync(temporary, JSON.stringify({ version: SAVED_VERSION, executions: [...others, ...executions] }));
    renameSync(temporary, this.savedFile);
  }

  /** Imports the handlers of every state machine now, so a broken handler shows at start rather than mid-run. */
  public async preload(): Promise<void> {
    await Promise.all([...this.machines.values()].map((machine) => this.handlersOf(machine)));
  }

  /** Resolves when the execution has closed and its history is complete. */
  public async settled(executionArn: string): Promise<void> {
    await this.executions.get(executionArn)?.settled;
  }

  /** Aborts every running execution (the local stack is stopping) and waits for them to close. */
  public async shutdown(): Promise<void> {
    const running = [...this.executions.values()].filter((execution) => execution.status === 'RUNNING');
    for (const execution of running) {
      this.stop(execution, { error: 'LocalStackStopped', cause: 'The local stack was stopped' });
    }
    await Promise.all(running.map((execution) => execution.settled));
  }

  public async handle(request: AwsRequest): Promise<AwsResponse> {
    try {
      const target = headerValue(request.headers, 'x-amz-target') ?? '';
      const action = target.startsWith('AWSStepFunctions.') ? target.slice('AWSStepFunctions.'.length) : target;
      const body = parseBody(request.body);
      const result = this.dispatch(action, body, request);
      return respond(200, result, request.requestId);
    } catch (error) {
      if (error instanceof StepFunctionsError) {
        return respond(error.status, { __type: error.type, message: error.message }, request.requestId);
      }
      const message = error instanceof Error ? error.message : String(error);
      return respond(500, { __type: 'InternalServerError', message }, request.requestId);
    }
  }

  private dispatch(action: string, body: Body, request: AwsRequest): Record<string, unknown> {
    switch (action) {
      case 'ListStateMachines':
        return this.listStateMachines(body, request);
      case 'DescribeStateMachine':
        return this.describeStateMachine(body, request.caller);
      case 'StartExecution':
        return this.startExecution(body, request.caller);
      case 'DescribeExecution':
        return this.describeExecution(body, request.caller);
      case 'ListExecutions':
        return this.listExecutions(body, request.caller);
      case 'GetExecutionHistory':
        return this.getExecutionHistory(body, request.caller);
      case 'StopExecution':
        return this.stopExecution(body, request.caller);
      default:
        throw new StepFunctionsError(
          'UnknownOperationException',
          `The local Step Functions emulator does not support the action ${action || '(none)'}`,
        );
    }
  }

  // ---- State machines -----------------------------------------------------------------------------------------

  /** A state machine the caller can see: another account's or Region's does not exist for it. */
  private machineFor(arn: string, caller: Caller): RegisteredMachine {
    parseArn(arn, 'stateMachine');
    const found = this.machines.get(arn);
    const machine = found && isCallers(found, caller) ? found : undefined;
    if (!machine) throw new StepFunctionsError('StateMachineDoesNotExist', `State Machine Does Not Exist: '${arn}'`);
    return machine;
  }

  private listStateMachines(body: Body, request: AwsRequest): Record<string, unknown> {
    const size = pageSize(body);
    const token = optionalString(body, 'nextToken');
    const start = token ? Number(decodeToken(token, { t: 'stateMachines' }).start) : 0;
    const visible = [...this.machines.values()].filter(
      (machine) => machine.accountId === request.caller.accountId && machine.region === request.caller.region,
    );
    const page = visible.slice(start, start + size);
    return {
      stateMachines: page.map((machine) => ({
        stateMachineArn: machine.arn,
        name: machine.name,
        type: 'STANDARD',
        creationDate: toEpochSeconds(machine.creationDate),
      })),
      ...(start + size < visible.length && { nextToken: encodeToken({ t: 'stateMachines', start: start + size }) }),
    };
  }

  private describeStateMachine(body: Body, caller: Caller): Record<string, unknown> {
    const machine = this.machineFor(requiredString(body, 'stateMachineArn'), caller);
    return {
      stateMachineArn: machine.arn,
      name: machine.name,
      status: 'ACTIVE',
      definition: JSON.stringify(machine.definition, null, 2),
      roleArn: machine.roleArn,
      type: 'STANDARD',
      creationDate: toEpochSeconds(machine.creationDate),
      loggingConfiguration: { level: 'OFF', includeExecutionData: false },
      tracingConfiguration: { enabled: false },
    };
  }

  // ---- Executions ---------------------------------------------------------------------------------------------

  private executionFor(arn: string, caller: Caller): ExecutionRecord {
    parseArn(arn, 'execution');
    const found = this.executions.get(arn);
    const execution = found && isCallers(found.machine, caller) ? found : undefined;
    if (!execution) throw new StepFunctionsError('ExecutionDoesNotExist', `Execution Does Not Exist: '${arn}'`);
    return execution;
  }

  private startExecution(body: Body, caller: Caller): Record<string, unknown> {
    const machine = this.machineFor(requiredString(body, 'stateMachineArn'), caller);
    const name = optionalString(body, 'name') ?? randomUUID();
    checkName(name);
    const input = optionalString(body, 'input') ?? '{}';
    if (Buffer.byteLength(input, 'utf8') > MAX_INPUT_BYTES) {
      throw validation(
        "1 validation error detected: Value at 'input' failed to satisfy constraint: Member must have length less than or equal to 262144",
      );
    }
    let parsedInput: unknown;
    try {
      parsedInput = JSON.parse(input);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new StepFunctionsError('InvalidExecutionInput', `Invalid State Machine Execution Input: '${reason}'`);
    }
    const executionArn = `arn:aws:states:${machine.region}:${machine.accountId}:execution:${machine.name}:${name}`;
    const existing = this.executions.get(executionArn);
    if (existing) {
      // Standard workflows: the same name and input while the execution is open is an idempotent replay.
      if (existing.status === 'RUNNING' && existing.input === input) {
        return { executionArn, startDate: toEpochSeconds(existing.startDate) };
      }
      throw new StepFunctionsError('ExecutionAlreadyExists', `Execution Already Exists: '${executionArn}'`);
    }
    const execution = this.run(machine, executionArn, name, input, parsedInput);
    return { executionArn, startDate: toEpochSeconds(execution.startDate) };
  }

  private describeExecution(body: Body, caller: Caller): Record<string, unknown> {
    const execution = this.executionFor(requiredString(body, 'executionArn'), caller);
    return {
      executionArn: execution.executionArn,
      stateMachineArn: execution.machine.arn,
      name: execution.name,
      status: execution.status,
      startDate: toEpochSeconds(execution.startDate),
      ...(execution.stopDate !== undefined && { stopDate: toEpochSeconds(execution.stopDate) }),
      input: execution.input,
      inputDetails: { included: true },
      ...(execution.output !== undefined && { output: execution.output, outputDetails: { included: true } }),
      ...(execution.error !== undefined && { error: execution.error }),
      ...(execution.cause !== undefined && { cause: execution.cause }),
      redriveCount: 0,
      redriveStatus: 'NOT_REDRIVABLE',
    };
  }

  private listExecutions(body: Body, caller: Caller): Record<string, unknown> {
    if (body.mapRunArn !== undefined) {
      throw new StepFunctionsError('UnknownOperationException', 'Map runs are not supported by the local emulator');
    }
    const stateMachineArn = requiredString(body, 'stateMachineArn');
    const machine = this.machineFor(stateMachineArn, caller);
    const statusFilter = optionalString(body, 'statusFilter');
    if (statusFilter !== undefined && !EXECUTION_STATUSES.includes(statusFilter)) {
      throw validation(
        `1 validation error detected: Value '${statusFilter}' at 'statusFilter' failed to satisfy constraint: Member must satisfy enum value set: [${EXECUTION_STATUSES.join(', ')}]`,
      );
    }
    const size = pageSize(body);
    const token = optionalString(body, 'nextToken');
    // The token remembers the last execution returned, so executions started meanwhile do not shift the pages.
    const before = token
      ? Number(decodeToken(token, { t: 'executions', sm: machine.arn, f: statusFilter ?? '' }).before)
      : Number.POSITIVE_INFINITY;
    const matching = [...this.executions.values()]
      .filter((execution) => execution.machine === machine && execution.seq < before)
      .filter((execution) => statusFilter === undefined || execution.status === statusFilter)
      .sort((a, b) => b.startDate - a.startDate || b.seq - a.seq);
    const page = matching.slice(0, size);
    const last = page[page.length - 1];
    return {
      executions: page.map((execution) => ({
        executionArn: execution.executionArn,
        stateMachineArn: machine.arn,
        name: execution.name,
        status: execution.status,
        startDate: toEpochSeconds(execution.startDate),
        ...(execution.stopDate !== undefined && { stopDate: toEpochSeconds(execution.stopDate) }),
      })),
      ...(matching.length > size &&
        last && {
          nextToken: encodeToken({ t: 'executions', sm: machine.arn, f: statusFilter ?? '', before: last.seq }),
        }),
    };
  }

  private getExecutionHistory(body: Body, caller: Caller): Record<string, unknown> {
    const execution = this.executionFor(requiredString(body, 'executionArn'), caller);
    const reverse = optionalBoolean(body, 'reverseOrder') ?? false;
    const includeData = optionalBoolean(body, 'includeExecutionData') ?? true;
    const size = pageSize(body);
    const token = optionalString(body, 'nextToken');
    const ordered = reverse ? [...execution.events].reverse() : execution.events;
    const start = token
      ? Number(decodeToken(token, { t: 'history', arn: execution.executionArn, r: reverse ? 'y' : 'n' }).start)
      : 0;
    const page = ordered.slice(start, start + size);
    return {
      events: page.map((event) => serializeEvent(event, includeData)),
      ...(start + size < ordered.length && {
        nextToken: encodeToken({
          t: 'history',
          arn: execution.executionArn,
          r: reverse ? 'y' : 'n',
          start: start + size,
        }),
      }),
    };
  }

  private stopExecution(body: Body, caller: Caller): Record<string, unknown> {
    const execution = this.executionFor(requiredString(body, 'executionArn'), caller);
    const error = optionalString(body, 'error');
    const cause = optionalString(body, 'cause');
    if (execution.status === 'RUNNING') {
      this.stop(execution, { ...(error !== undefined && { error }), ...(cause !== undefined && { cause }) });
    }
    return { stopDate: toEpochSeconds(execution.stopDate ?? Date.now()) };
  }

  private stop(execution: ExecutionRecord, request: { error?: string; cause?: string }): void {
    execution.stopRequest = request;
    execution.status = 'ABORTED';
    execution.stopDate = Date.now();
    if (request.error !== undefined) execution.error = request.error;
    if (request.cause !== undefined) execution.cause = request.cause;
    execution.abort();
  }

  // ---- Running ------------------------------------------------------------------------------------------------

  private handlersOf(machine: RegisteredMachine): Promise<Record<string, LambdaHandler>> {
    if (!machine.loadedHandlers) {
      const source = machine.handlers;
      machine.loadedHandlers = typeof source === 'function' ? source() : Promise.resolve(source);
    }
    return machine.loadedHandlers;
  }

  /** The Task overrides of one run: each calls its handler in-process and records the call for the history. */
  private taskOverrides(
    machine: RegisteredMachine,
    calls: Map<string, TaskCall[]>,
    control: RunControl,
  ): Record<string, (input: unknown) => Promise<unknown>> {
    return Object.fromEntries(
      Object.entries(machine.definition.States)
        .filter(([, state]) => state.Type === 'Task')
        .map(([stateName, state]) => {
          const functionKey = machine.taskFunctions[stateName];
          const { kind } = taskResourceOf(state);
          const invoke = async (input: unknown): Promise<unknown> => {
            // The library may retry a task that fails after StopExecution; AWS invokes nothing once stopped.
            if (control.stopped) throw namedError('States.Aborted', 'The execution was stopped');
            const call: TaskCall = { parameters: input };
            const list = calls.get(stateName) ?? [];
            list.push(call);
            calls.set(stateName, list);
            try {
              const handler = functionKey ? (await this.handlersOf(machine))[functionKey] : undefined;
              if (!handler) {
                throw namedError('Lambda.ResourceNotFoundException', `Function not found: ${functionKey ?? stateName}`);
              }
              const name = functionKey ?? stateName;
              const result =
                kind === 'task'
                  ? await lambdaInvokeTask(handler, name)(input as { FunctionName: string; Payload: unknown })
                  : await invokeDirect(handler, name, input, machine);
              call.result = result;
              return result;
            } catch (error) {
              call.failed = true;
              throw error;
            }
          };
          const override = (input: unknown): Promise<unknown> => {
            const running = invoke(input);
            control.inFlight.add(running);
            const forget = () => control.inFlight.delete(running);
            running.then(forget, forget);
            return running;
          };
          return [stateName, override];
        }),
    );
  }

  private run(
    machine: RegisteredMachine,
    executionArn: string,
    name: string,
    input: string,
    parsedInput: unknown,
  ): ExecutionRecord {
    const runner = new StateMachine(machine.definition as never, { validationOptions: { noValidate: true } });
    const enteredInputs = new Map<string, unknown>();
    const retryAttempts = new Map<string, number[]>();
    // The library reads a state's retry override several times per failure: compute it once per failure, so the
    // jitter drawn is the one used.
    const retryDelays = new Map<string, number[]>();
    observeRun(
      runner,
      (stateName, stateInput) => {
        enteredInputs.set(stateName, stateInput);
        retryAttempts.delete(stateName);
        retryDelays.delete(stateName);
      },
      (stateName, retrier, attempt) => {
        retryDelays.delete(stateName);
        const index = machine.definition.States[stateName]?.Retry?.indexOf(retrier as never) ?? -1;
        if (index < 0) return;
        const attempts = retryAttempts.get(stateName) ?? [];
        attempts[index] = attempt;
        retryAttempts.set(stateName, attempts);
      },
    );
    const scaled = this.clock.timeScale !== 1;
    const waitTimeOverrides = new Proxy({} as Record<string, number>, {
      get: (_target, stateName) => {
        if (!scaled || typeof stateName !== 'string') return undefined;
        const state = machine.definition.States[stateName];
        if (state?.Type !== 'Wait') return undefined;
        const seconds = waitSecondsOf(state, enteredInputs.get(stateName), Date.now());
        return seconds === undefined ? undefined : this.clock.realMs(seconds);
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
        const delays = retriers.map((retrier, index) =>
          this.clock.realMs(retryDelaySeconds(retrier, attempts[index] ?? 0)),
        );
        retryDelays.set(stateName, delays);
        return delays;
      },
    });
    const calls = new Map<string, TaskCall[]>();
    const control: RunControl = { stopped: false, inFlight: new Set() };
    const startDate = Date.now();
    const execution = runner.run(parsedInput as never, {
      overrides: {
        taskResourceLocalHandlers: this.taskOverrides(machine, calls, control) as never,
        waitTimeOverrides,
        retryIntervalOverrides,
      },
      context: {
        Execution: {
          Id: executionArn,
          Name: name,
          RoleArn: machine.roleArn,
          StartTime: new Date(startDate).toISOString(),
          Input: parsedInput as never,
          RedriveCount: 0,
        },
        StateMachine: { Id: machine.arn, Name: machine.name },
      },
    });
    const record: ExecutionRecord = {
      seq: this.nextSeq++,
      executionArn,
      machine,
      name,
      input,
      status: 'RUNNING',
      startDate,
      events: [],
      abort: () => {
        control.stopped = true;
        execution.abort();
      },
      settled: Promise.resolve(),
    };
    this.executions.set(executionArn, record);
    const outcome = execution.result.then(
      (output) => ({ ok: true as const, output }),
      (error: unknown) => ({ ok: false as const, error }),
    );
    const recorded = this.record(record, execution.eventLogs, calls);
    record.settled = Promise.all([outcome, recorded])
      .then(([result]) => {
        this.close(record, result);
        this.persist();
      })
      .then(() => drainTasks(control));
    return record;
  }

  /** Turns the library's event log into Step Functions history events, in order, as they come. */
  private async record(
    execution: ExecutionRecord,
    eventLogs: EventLogs,
    calls: Map<string, TaskCall[]>,
  ): Promise<void> {
    const { machine } = execution;
    const attempts = new Map<string, number>();
    const attemptFailed = new Set<string>();
    const add = (type: string, timestamp: number, detailsKey?: string, details?: Record<string, unknown>): void => {
      const id = execution.events.length + 1;
      execution.events.push({
        id,
        previousEventId: id - 1,
        timestamp,
        type,
        ...(detailsKey && details && { detailsKey, details }),
      });
    };
    const scheduleTask = (stateName: string, state: AslState, timestamp: number): void => {
      const attempt = (attempts.get(stateName) ?? 0) + 1;
      attempts.set(stateName, attempt);
      attemptFailed.delete(stateName);
      const call = calls.get(stateName)?.[attempt - 1];
      const resource = taskResourceOf(state);
      const timeout = typeof state.TimeoutSeconds === 'number' ? { timeoutInSeconds: state.TimeoutSeconds } : {};
      if (resource.kind === 'task') {
        add('TaskScheduled', timestamp, 'taskScheduledEventDetails', {
          resourceType: resource.resourceType,
          resource: resource.resource,
          region: machine.region,
          parameters: jsonText(call?.parameters),
          ...timeout,
        });
        add('TaskStarted', timestamp, 'taskStartedEventDetails', {
          resourceType: resource.resourceType,
          resource: resource.resource,
        });
      } else {
        add('LambdaFunctionScheduled', timestamp, 'lambdaFunctionScheduledEventDetails', {
          resource: resource.resource,
          input: jsonText(call?.parameters),
          inputDetails: { truncated: false },
          ...timeout,
        });
        add('LambdaFunctionStarted', timestamp);
      }
    };

    for await (const event of eventLogs) {
      const timestamp = event.timestamp;
      switch (event.type) {
        case 'ExecutionStarted':
          // The same instant DescribeExecution reports as startDate, as in AWS.
          add('ExecutionStarted', execution.startDate, 'executionStartedEventDetails', {
            input: execution.input,
            inputDetails: { truncated: false },
            roleArn: machine.roleArn,
          });
          break;
        case 'ExecutionSucceeded':
          add('ExecutionSucceeded', timestamp, 'executionSucceededEventDetails', {
            output: jsonText(event.output),
            outputDetails: { truncated: false },
          });
          break;
        case 'ExecutionFailed': {
          const cause = causeText(event.Cause);
          execution.error = event.Error;
          if (cause !== undefined) execution.cause = cause;
          add('ExecutionFailed', timestamp, 'executionFailedEventDetails', {
            error: event.Error,
            ...(cause !== undefined && { cause }),
          });
          break;
        }
        case 'ExecutionAborted':
          add('ExecutionAborted', timestamp, 'executionAbortedEventDetails', { ...execution.stopRequest });
          break;
        case 'ExecutionTimeout':
          add('ExecutionTimedOut', timestamp, 'executionTimedOutEventDetails', {
            error: 'States.Timeout',
            cause: 'The execution timed out',
          });
          break;
        case 'StateEntered': {
          const state = machine.definition.States[event.state.name];
          add(`${STATE_EVENT_PREFIX[event.state.type] ?? ''}StateEntered`, timestamp, 'stateEnteredEventDetails', {
            name: event.state.name,
            input: jsonText(event.state.input),
            inputDetails: { truncated: false },
          });
          if (state?.Type === 'Task') scheduleTask(event.state.name, state, timestamp);
          break;
        }
        case 'StateRetried': {
          const state = machine.definition.States[event.state.name];
          if (state?.Type === 'Task') scheduleTask(event.state.name, state, timestamp);
          break;
        }
        case 'StateFailed': {
          const state = machine.definition.States[event.state.name];
          if (state?.Type !== 'Task') break;
          attemptFailed.add(event.state.name);
          const resource = taskResourceOf(state);
          const cause = causeText(event.Cause);
          const timedOut = event.Error === 'States.Timeout';
          const details = {
            error: event.Error,
            ...(cause !== undefined && { cause }),
          };
          if (resource.kind === 'task') {
            add(
              timedOut ? 'TaskTimedOut' : 'TaskFailed',
              timestamp,
              timedOut ? 'taskTimedOutEventDetails' : 'taskFailedEventDetails',
              {
                resourceType: resource.resourceType,
                resource: resource.resource,
                ...details,
              },
            );
          } else {
            add(
              timedOut ? 'LambdaFunctionTimedOut' : 'LambdaFunctionFailed',
              timestamp,
              timedOut ? 'lambdaFunctionTimedOutEventDetails' : 'lambdaFunctionFailedEventDetails',
              details,
            );
          }
          break;
        }
        case 'StateExited': {
          const state = machine.definition.States[event.state.name];
          if (state?.Type === 'Task' && !attemptFailed.has(event.state.name)) {
            const call = calls.get(event.state.name)?.[(attempts.get(event.state.name) ?? 1) - 1];
            const resource = taskResourceOf(state);
            const output = jsonText(call?.result ?? event.state.output);
            if (resource.kind === 'task') {
              add('TaskSucceeded', timestamp, 'taskSucceededEventDetails', {
                resourceType: resource.resourceType,
                resource: resource.resource,
                output,
                outputDetails: { truncated: false },
              });
            } else {
              add('LambdaFunctionSucceeded', timestamp, 'lambdaFunctionSucceededEventDetails', {
                output,
                outputDetails: { truncated: false },
              });
            }
          }
          add(`${STATE_EVENT_PREFIX[event.state.type] ?? ''}StateExited`, timestamp, 'stateExitedEventDetails', {
            name: event.state.name,
            output: jsonText(event.state.output),
            outputDetails: { truncated: false },
          });
          break;
        }
        default:
          // StateCaught has no history event of its own; Map and Parallel events are not emulated.
          break;
      }
    }
  }

  private close(
    execution: ExecutionRecord,
    result: { ok: true; output: unknown } | { ok: false; error: unknown },
  ): void {
    const last = execution.events[execution.events.length - 1];
    if (execution.status === 'ABORTED') return;
    execution.stopDate = last?.timestamp ?? Date.now();
    if (result.ok) {
      execution.status = 'SUCCEEDED';
      execution.output = jsonText(result.output);
      return;
    }
    if (result.error instanceof ExecutionTimeoutError) {
      execution.status = 'TIMED_OUT';
      execution.error = 'States.Timeout';
      return;
    }
    if (result.error instanceof ExecutionAbortedError) {
      execution.status = 'ABORTED';
      return;
    }
    execution.status = 'FAILED';
    if (execution.error === undefined) {
      // No ExecutionFailed event was seen: take the error from the rejection.
      const inner = result.error instanceof Error ? result.error.cause : undefined;
      execution.error = inner instanceof Error ? inner.name : 'States.Runtime';
      execution.cause = inner instanceof Error ? inner.message : causeText(result.error);
    }
  }
}

const readSaved = (file: string): SavedExecution[] => {
  if (!existsSync(file)) return [];
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown; executions?: unknown };
    if (saved.version !== SAVED_VERSION || !Array.isArray(saved.executions)) throw new Error('unknown format');
    return saved.executions as SavedExecution[];
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(
      `Cannot read the saved Step Functions executions in ${file} (${reason}); delete it to start afresh`,
    );
  }
};

interface RunControl {
  /** Set by StopExecution (and shutdown): no task is invoked any more. */
  stopped: boolean;
  /** Handler calls not finished yet; a stopped execution's last call may still be running. */
  inFlight: Set<Promise<unknown>>;
}

const DRAIN_LIMIT_MS = 10_000;

/**
 * Waits for the handler calls a stopped execution left running (so the local stack does not close the emulator
 * under them), and for anything the library does right after they end; gives up after DRAIN_LIMIT_MS.
 */
const drainTasks = async (control: RunControl): Promise<void> => {
  const deadline = Date.now() + DRAIN_LIMIT_MS;
  while (control.inFlight.size > 0 && Date.now() < deadline) {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
    });
    await Promise.race([Promise.allSettled([...control.inFlight]), limit]);
    clearTimeout(timer);
    // Let a rejection reach the library, which may retry (and find the execution stopped) before we look again.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
};

const namedError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

/** A plain Lambda ARN Resource: the state's input is the event and the handler's result the output. */
const invokeDirect = async (
  handler: LambdaHandler,
  functionName: string,
  input: unknown,
  machine: RegisteredMachine,
): Promise<unknown> => {
  let payload: unknown;
  try {
    const event = JSON.parse(JSON.stringify(input ?? null)) as never;
    payload = await handler(event, lambdaContext(functionName, machine.region, machine.accountId));
  } catch (error) {
    throw toLambdaFunctionError(error);
  }
  return JSON.parse(JSON.stringify(payload ?? null));
};

const serializeEvent = (event: HistoryEvent, includeData: boolean): Record<string, unknown> => {
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

const headerValue = (headers: Record<string, string>, name: string): string | undefined => {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === wanted) return value;
  }
  return undefined;
};

const parseBody = (body: Buffer): Body => {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Body;
  } catch {
    // fall through
  }
  throw new StepFunctionsError('SerializationException', 'The request body is not a JSON object');
};

const respond = (status: number, body: Record<string, unknown>, requestId: string): AwsResponse => ({
  status,
  headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId },
  body: JSON.stringify(body),
});
