// The Lambda side of Task states: which handler file serves which function key, how a Task state names its
// function, and the Task overrides of one run, each calling its handler in-process the way `lambda:invoke` (or a
// plain Lambda ARN Resource) would, and recording the call for the history. Also the bookkeeping of calls still in
// flight when an execution is stopped or the local stack suspends it.
import path from 'node:path';
import {
  invokeHandler,
  type LambdaHandler,
  lambdaContext,
  lambdaInvokeTask,
  toLambdaFunctionError,
} from '../../lambda.js';
import type { AslDefinition, AslState } from '../../statemachine.js';
import { isProjectHandler, markProjectHandler } from '../iam/attribution.js';
import { jsonRoundTrip } from './json-text.js';
import type { RegisteredMachine } from './model.js';

/** Function key → handler file under handlers/, for the state machine's Lambda tasks. */
export const STATE_HANDLER_FILES: Readonly<Record<string, string>> = {
  validateExport: 'validate-export',
  takeSnapshot: 'take-snapshot',
  startExport: 'start-export',
  checkExport: 'check-export',
  cleanUp: 'clean-up',
  publishOutcome: 'publish-outcome',
};

const HANDLERS_DIR = path.join(__dirname, '..', '..', '..', 'handlers');

/**
 * Requires `handlers/<file>.ts` and returns its `handler` export. Call it only once the handlers' env is set: they
 * read it (and build their SDK clients) at module load.
 */
export const requireHandler = (file: string): LambdaHandler => {
  // A plain require keeps the import lazy and works under tsx and jest alike.
  const loaded = require(path.join(HANDLERS_DIR, file)) as { handler?: unknown };
  if (typeof loaded.handler !== 'function') throw new Error(`handlers/${file}.ts has no handler export`);
  // The project's own handler: its invocations are held to its function's role (local/aws/iam).
  return markProjectHandler(loaded.handler as LambdaHandler);
};

/** The project's state handlers, keyed by function key. */
export const loadProjectStateHandlers = async (): Promise<Record<string, LambdaHandler>> =>
  Object.fromEntries(Object.entries(STATE_HANDLER_FILES).map(([key, file]) => [key, requireHandler(file)]));

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

/** How a Task resource shows up in the history: optimized integrations as Task*, plain Lambda ARNs as LambdaFunction*. */
export const taskResourceOf = (
  state: AslState,
): { kind: 'task' | 'lambda'; resourceType: string; resource: string } => {
  const resource = state.Resource ?? '';
  const integration = /^arn:aws[a-z-]*:states:::([^:]+):(.+)$/.exec(resource);
  if (integration?.[1] && integration[2]) {
    return { kind: 'task', resourceType: integration[1], resource: integration[2] };
  }
  return { kind: 'lambda', resourceType: 'lambda', resource };
};

export const namedError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

export interface TaskCall {
  parameters: unknown;
  result?: unknown;
  failed?: boolean;
}

export interface RunControl {
  /** Set by StopExecution and by a suspension (the local stack stopping): no task is invoked any more. */
  stopped: boolean;
  /** Handler calls not finished yet; a stopped execution's last call may still be running. */
  inFlight: Set<Promise<unknown>>;
}

export const handlersOf = (machine: RegisteredMachine): Promise<Record<string, LambdaHandler>> => {
  if (!machine.loadedHandlers) {
    const source = machine.handlers;
    machine.loadedHandlers = typeof source === 'function' ? source() : Promise.resolve(source);
  }
  return machine.loadedHandlers;
};

/** A plain Lambda ARN Resource: the state's input is the event and the handler's result the output. */
const invokeDirect = async (
  handler: LambdaHandler,
  functionName: string,
  input: unknown,
  machine: RegisteredMachine,
): Promise<unknown> => {
  try {
    const event = jsonRoundTrip<never>(input ?? null);
    const payload = await invokeHandler(handler, event, lambdaContext(functionName, machine.region, machine.accountId));
    return jsonRoundTrip(payload ?? null);
  } catch (error) {
    throw toLambdaFunctionError(error);
  }
};

/** The Task overrides of one run: each calls its handler in-process and records the call for the history. */
export const taskOverrides = (
  machine: RegisteredMachine,
  calls: Map<string, TaskCall[]>,
  control: RunControl,
): Record<string, (input: unknown) => Promise<unknown>> =>
  Object.fromEntries(
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
            const handler = functionKey ? (await handlersOf(machine))[functionKey] : undefined;
            if (!handler) {
              throw namedError('Lambda.ResourceNotFoundException', `Function not found: ${functionKey ?? stateName}`);
            }
            const name = functionKey ?? stateName;
            // The state machine's role must allow lambda:InvokeFunction on the project's function (local/aws/iam).
            const refusal =
              isProjectHandler(handler) && machine.authorizeInvoke
                ? await machine.authorizeInvoke({ stateMachineName: machine.name, functionKey: name })
                : undefined;
            if (refusal) throw refusal;
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

const DRAIN_LIMIT_MS = 10_000;

/**
 * Waits for the handler calls a stopped execution left running (so the local stack does not close the emulator
 * under them), and for anything the library does right after they end; gives up after DRAIN_LIMIT_MS.
 */
export const drainTasks = async (control: RunControl): Promise<void> => {
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
