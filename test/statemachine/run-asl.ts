// Executes the real statemachine/export-snapshot.asl.json in-process (aws-local-stepfunctions), every Task backed
// by the real handler export run as Step Functions' lambda:invoke would run it. Waits and retry intervals are
// overridden to zero; everything else is the definition as deployed.
import { StateMachine } from 'aws-local-stepfunctions';
import { handler as checkExport } from '../../handlers/check-export';
import { handler as cleanUp } from '../../handlers/clean-up';
import { handler as publishOutcome } from '../../handlers/publish-outcome';
import { handler as startExport } from '../../handlers/start-export';
import { handler as takeSnapshot } from '../../handlers/take-snapshot';
import { handler as validateExport } from '../../handlers/validate-export';
import { createStateContext, observeRun } from '../../local/aws/stepfunctions/library-hooks';
import { type LambdaHandler, lambdaInvokeTask } from '../../local/lambda';
import { installPromiseWithResolvers, loadLocalDefinition, taskFunctionKeys } from '../../local/statemachine';

installPromiseWithResolvers();

export const HANDLERS: Record<string, LambdaHandler> = {
  validateExport: validateExport as unknown as LambdaHandler,
  takeSnapshot: takeSnapshot as unknown as LambdaHandler,
  startExport: startExport as unknown as LambdaHandler,
  checkExport: checkExport as unknown as LambdaHandler,
  cleanUp: cleanUp as unknown as LambdaHandler,
  publishOutcome: publishOutcome as unknown as LambdaHandler,
};

/** The part of aws-local-stepfunctions' event log entries we read (the library does not export the type). */
export interface EventLog {
  type: string;
  state?: { name: string; output?: unknown };
  Error?: string;
  Cause?: string;
}

type TaskOverride = (input: { FunctionName: string; Payload: unknown }) => Promise<unknown>;

export interface AslRunOptions {
  executionName?: string;
  /** Replace the task of a state (by state name), e.g. to inject a crash or a fake clock. */
  taskOverrides?: Record<string, TaskOverride>;
}

export interface AslRun {
  status: 'SUCCEEDED' | 'FAILED';
  output?: unknown;
  error?: string;
  cause?: string;
  events: EventLog[];
  /** Billable state transitions: every state entered, retries included. */
  transitions: number;
  /** How many times each state was entered. */
  visits: Record<string, number>;
}

export const runExportStateMachine = async (input: unknown, options: AslRunOptions = {}): Promise<AslRun> => {
  const definition = loadLocalDefinition();
  const stateMachine = new StateMachine(definition as never, { validationOptions: { checkArn: false } } as never);
  const taskStates = taskFunctionKeys();
  const localHandlers: Record<string, TaskOverride> = {};
  for (const [stateName, functionKey] of Object.entries(taskStates)) {
    const handler = HANDLERS[functionKey];
    if (!handler) throw new Error(`No handler for function ${functionKey}`);
    localHandlers[stateName] = options.taskOverrides?.[stateName] ?? lambdaInvokeTask(handler, functionKey);
  }
  const retryIntervalOverrides = Object.fromEntries(Object.keys(taskStates).map((name) => [name, 0]));
  // `$$.State` (StartExport reads its RetryCount), which the library leaves out: the emulator's hook fills it.
  const stateContext = createStateContext();
  observeRun(stateMachine, {
    startTime: Date.now(),
    onEntered: (name) => stateContext.entered(name, Date.now()),
    onRetried: () => stateContext.retried(),
  });
  const execution = stateMachine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: localHandlers as never,
      waitTimeOverrides: { WaitForExport: 0 },
      retryIntervalOverrides: retryIntervalOverrides as never,
    },
    context: {
      Execution: {
        Id: `arn:aws:states:us-east-1:000000000000:execution:exportSnapshot-test:${options.executionName ?? 'test-export'}`,
        Name: options.executionName ?? 'test-export',
        StartTime: new Date().toISOString(),
        Input: input,
      },
      State: stateContext.State,
    } as never,
  });
  const events: EventLog[] = [];
  const collecting = (async () => {
    for await (const event of execution.eventLogs) events.push(event as EventLog);
  })();
  let output: unknown;
  let failed = false;
  try {
    output = await execution.result;
  } catch {
    failed = true;
  }
  await collecting;
  const visits: Record<string, number> = {};
  let transitions = 0;
  for (const event of events) {
    if (event.type === 'StateEntered' || event.type === 'StateRetried') transitions += 1;
    if (event.type === 'StateEntered' && event.state) visits[event.state.name] = (visits[event.state.name] ?? 0) + 1;
  }
  const failure = events.find((event) => event.type === 'ExecutionFailed');
  return {
    status: failed ? 'FAILED' : 'SUCCEEDED',
    ...(failed ? {} : { output }),
    ...(failure?.Error !== undefined && { error: failure.Error }),
    ...(failure?.Cause !== undefined && { cause: failure.Cause }),
    events,
    transitions,
    visits,
  };
};
