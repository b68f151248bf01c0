// The emulated Step Functions service (AWS JSON 1.0, `X-Amz-Target: AWSStepFunctions.<Action>`): registered state
// machines, the action dispatch, and the actions themselves. Executions run the real ASL in-process (run.ts) and
// persist one journal each (journal.ts); a restarted service reads them back, keeps the closed ones queryable and
// resumes the running ones when asked (`resume()`, once the emulator listens, since tasks call it).
import { randomUUID } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';
import { type Clock, createClock } from '../../clock.js';
import { installPromiseWithResolvers, loadLocalDefinition, taskFunctionKeys } from '../../statemachine.js';
import type { AwsRequest, AwsResponse, Caller, EmulatedService } from '../types.js';
import { StepFunctionsError, validation } from './errors.js';
import { serializeEvent } from './history.js';
import {
  ExecutionJournal,
  journalsDir,
  migrateLegacyExecutions,
  readJournals,
  type SavedExecution,
} from './journal.js';
import {
  EXECUTION_STATUSES,
  type ExecutionRecord,
  type InvokeAuthorizer,
  isCallers,
  type RegisteredMachine,
  type StateMachineSpec,
  type StepFunctionsOptions,
  toEpochSeconds,
} from './model.js';
import { decodeToken, encodeToken } from './paging.js';
import {
  type Body,
  checkInputSize,
  checkName,
  headerValue,
  optionalBoolean,
  optionalString,
  pageSize,
  parseArn,
  parseBody,
  requiredString,
  respond,
} from './request.js';
import { abortDormant, type RunOptions, runExecution } from './run.js';
import { type EventBridgeEvent, statusChangeEvent } from './status-events.js';
import { handlersOf, loadProjectStateHandlers, taskFunctionsOf } from './tasks.js';

export const DEFAULT_STATE_MACHINE_NAME = 'exportSnapshot-local';

export class StepFunctionsService implements EmulatedService {
  public readonly name = 'states';
  private readonly machines = new Map<string, RegisteredMachine>();
  private readonly executions = new Map<string, ExecutionRecord>();
  /** RUNNING executions read back from disk whose run has not been resumed yet. */
  private readonly dormant = new Set<string>();
  private readonly clock: Clock;
  private readonly region: string;
  private readonly accountId: string;
  private nextSeq = 1;
  private readonly journalDir: string | undefined;
  private readonly authorizeInvoke: InvokeAuthorizer | undefined;
  /** Executions read back from disk, adopted when their state machine is registered. */
  private saved: SavedExecution[] = [];
  private readonly onStatusChange: ((event: EventBridgeEvent) => void) | undefined;
  private readonly historyEventLimit: number | undefined;

  public constructor(options: StepFunctionsOptions = {}) {
    installPromiseWithResolvers();
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '000000000000';
    this.clock = options.clock ?? createClock(1);
    this.onStatusChange = options.onStatusChange;
    this.historyEventLimit = options.historyEventLimit;
    this.authorizeInvoke = options.authorizeInvoke;
    if (options.dataDir) {
      migrateLegacyExecutions(options.dataDir);
      this.journalDir = journalsDir(options.dataDir);
      this.saved = readJournals(this.journalDir);
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
      ...(this.authorizeInvoke && { authorizeInvoke: this.authorizeInvoke }),
    });
    this.adoptSaved(arn);
    return arn;
  }

  /** The saved executions of a state machine registered again under the same ARN. */
  private adoptSaved(stateMachineArn: string): void {
    const machine = this.machines.get(stateMachineArn);
    if (!machine || !this.journalDir) return;
    const journalDir = this.journalDir;
    const adopted = this.saved.filter((execution) => execution.stateMachineArn === stateMachineArn);
    this.saved = this.saved.filter((execution) => execution.stateMachineArn !== stateMachineArn);
    for (const saved of adopted) {
      const { stateMachineArn: _arn, ...facts } = saved;
      const journal = ExecutionJournal.of(journalDir, saved.executionArn);
      this.executions.set(saved.executionArn, { ...facts, machine, journal, settled: Promise.resolve() });
      if (saved.status === 'RUNNING') this.dormant.add(saved.executionArn);
    }
  }

  /** Imports the handlers of every state machine now, so a broken handler shows at start rather than mid-run. */
  public async preload(): Promise<void> {
    await Promise.all([...this.machines.values()].map((machine) => handlersOf(machine)));
  }

  /**
   * Resumes every execution that was RUNNING when the previous service stopped, where it was. Call it once the
   * emulator listens and the handlers' environment is set: the resumed tasks call the emulator. Returns how many.
   */
  public resume(): number {
    const resumed = [...this.dormant].flatMap((arn) => {
      const execution = this.executions.get(arn);
      return execution?.status === 'RUNNING' ? [execution] : [];
    });
    this.dormant.clear();
    for (const execution of resumed) {
      runExecution(execution, { ...this.runOptions(), resume: true });
    }
    return resumed.length;
  }

  /** Resolves when the execution has closed (or been suspended) and its history is complete. */
  public async settled(executionArn: string): Promise<void> {
    await this.executions.get(executionArn)?.settled;
  }

  /**
   * The local stack is stopping: invokes no more tasks and waits for the runs to let go. Running executions stay
   * RUNNING, on disk, for the next service to resume; a task call in flight is run again then.
   */
  public async shutdown(): Promise<void> {
    const live = [...this.executions.values()].filter((execution) => execution.suspend !== undefined);
    for (const execution of live) execution.suspend?.();
    await Promise.all(live.map((execution) => execution.settled));
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
        return this.listStateMachines(body, request.caller);
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

  private listStateMachines(body: Body, caller: Caller): Record<string, unknown> {
    const size = pageSize(body);
    const token = optionalString(body, 'nextToken');
    const start = token ? Number(decodeToken(token, { t: 'stateMachines' }).start) : 0;
    const visible = [...this.machines.values()].filter((machine) => isCallers(machine, caller));
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
    checkInputSize(input);
    try {
      // JSON.parse does not recurse: any nesting it accepts is an input the run must then cope with.
      JSON.parse(input);
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
    const execution: ExecutionRecord = {
      seq: this.nextSeq++,
      executionArn,
      machine,
      name,
      input,
      status: 'RUNNING',
      startDate: Date.now(),
      events: [],
      ...(this.journalDir && { journal: ExecutionJournal.of(this.journalDir, executionArn) }),
      settled: Promise.resolve(),
    };
    execution.journal?.started({
      seq: execution.seq,
      executionArn,
      stateMachineArn: machine.arn,
      name,
      input,
      startDate: execution.startDate,
    });
    this.executions.set(executionArn, execution);
    this.announce(execution);
    runExecution(execution, this.runOptions());
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
    const machine = this.machineFor(requiredString(body, 'stateMachineArn'), caller);
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

  private runOptions(): RunOptions {
    return {
      clock: this.clock,
      onClosed: this.announce,
      ...(this.historyEventLimit !== undefined && { historyEventLimit: this.historyEventLimit }),
    };
  }

  /** Sends the execution's status-change event; a listener's failure never reaches the execution. */
  private readonly announce = (execution: ExecutionRecord): void => {
    if (!this.onStatusChange) return;
    try {
      this.onStatusChange(statusChangeEvent(execution));
    } catch (error) {
      process.stderr.write(
        `${JSON.stringify({ level: 'error', message: 'Status-change listener failed', executionArn: execution.executionArn, error: String(error) })}\n`,
      );
    }
  };

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
    if (execution.abort) {
      execution.abort();
    } else {
      // No live run: read back from disk and not resumed yet, or suspended by shutdown().
      this.dormant.delete(execution.executionArn);
      abortDormant(execution, this.announce);
    }
  }
}
