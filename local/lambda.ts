// Runs the project's Lambda handlers in-process the way AWS would: a Lambda context, and for Step Functions'
// `arn:aws:states:::lambda:invoke` the same result envelope and error shape (Error = errorType,
// Cause = JSON { errorType, errorMessage, trace }).
import { randomUUID } from 'node:crypto';
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';
import type { Context } from 'aws-lambda';
import { isProjectHandler, startInvocationTrace } from './aws/iam/attribution.js';
import { jsonRoundTrip } from './aws/stepfunctions/json-text.js';

export type LambdaHandler = (event: never, context: Context) => Promise<unknown>;

/**
 * Each function's timeout (serverless.yml `timeout`), in real seconds, by function key: set by the local stack
 * (setFunctionTimeouts). A function with one gets a context that counts it down and an invocation Lambda stops
 * when it runs out (invokeHandler); one without (a unit test's handler) runs unbounded, with no
 * getRemainingTimeInMillis, so middy's early-timeout timer stays off.
 */
const functionTimeouts = new Map<string, number>();

/** Sets the functions' timeouts for the invocations that follow; the returned function puts back what they were. */
export const setFunctionTimeouts = (timeouts: Readonly<Record<string, number>>): (() => void) => {
  const before = Object.keys(timeouts).map((functionKey) => [functionKey, functionTimeouts.get(functionKey)] as const);
  for (const [functionKey, seconds] of Object.entries(timeouts)) functionTimeouts.set(functionKey, seconds);
  return () => {
    for (const [functionKey, seconds] of before) {
      if (seconds === undefined) functionTimeouts.delete(functionKey);
      else functionTimeouts.set(functionKey, seconds);
    }
  };
};

/**
 * The Lambda context of one invocation, with the ids the logger picks up. With the function's timeout known (given,
 * or registered by setFunctionTimeouts), its getRemainingTimeInMillis counts it down from now, as Lambda's does:
 * middy's early timeout (5 ms before) and checkExport's own deadline then act as they do on AWS.
 */
export const lambdaContext = (
  functionName: string,
  region = 'us-east-1',
  accountId = '000000000000',
  timeoutSeconds = functionTimeouts.get(functionName),
): Context => {
  const deadline = timeoutSeconds === undefined ? undefined : Date.now() + timeoutSeconds * 1000;
  return {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${accountId}:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    ...(deadline !== undefined && { getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()) }),
  } as Context;
};

/**
 * The error of an invocation Lambda stopped at its timeout, as the Invoke response's payload carries it
 * (`{"errorType":"Sandbox.Timedout","errorMessage":"RequestId: <id> Error: Task timed out after 25.00 seconds"}`;
 * Lambda Developer Guide, "Troubleshoot invocation issues", Sandbox.Timedout). Step Functions' guide ("Handle Lambda
 * service exceptions") files timeouts under Lambda.Unknown, matched by States.ALL and States.TaskFailed too; the
 * state machine's Catchers match States.ALL, so either name takes the same path.
 */
export const lambdaTimeoutError = (requestId: string, timeoutMs: number): Error => {
  const error = new Error(
    `RequestId: ${requestId} Error: Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
  );
  error.name = 'Sandbox.Timedout';
  return error;
};

// One process runs every function here, several invocations at once, as Lambda Managed Instances' Node.js runtime
// does ("Node.js runtime for Lambda Managed Instances", AWS Lambda Developer Guide: concurrent requests share global
// state; use AsyncLocalStorage). That runtime sets AWS_LAMBDA_MAX_CONCURRENCY (aws/aws-lambda-go#600: "set by
// Lambda when a function is configured to use Managed Instances") and runs each invocation inside
// InvokeStore.run() (@aws/lambda-invoke-store, AsyncLocalStorage). Powertools Logger 2.36 then keeps each
// invocation's state (appended keys, Lambda context, log level) in that store instead of on the shared instance
// (aws-powertools/powertools-lambda-typescript#5430). The local runner plays that runtime. In Lambda on demand
// (one invocation per process, no AWS_LAMBDA_MAX_CONCURRENCY) none of this runs and the logger is unchanged.

// Asked for at import, before any SDK call (its recursion-detection middleware asks too) can make the library
// cache the single-invocation store.
const invokeStoreInstance = InvokeStore.getInstanceAsync(true);
// A failure surfaces at the first invocation (invokeStore below), not as an unhandled rejection at import.
invokeStoreInstance.catch(() => undefined);

/** Invocations the local process runs at once, as far as the libraries are told (Lambda's Node.js default is 64 per vCPU). */
const LOCAL_MAX_CONCURRENCY = '64';

/**
 * AWS_LAMBDA_FUNCTION_NAME, which Lambda sets in every function's environment. The SDK's recursion-detection
 * middleware sends an invocation's trace id (X-Amzn-Trace-Id, from the InvokeStore) only when it is set; that header
 * is how the emulator tells which function called it (local/aws/iam/attribution.ts). Every function shares this
 * one process environment, so it names the local runner rather than one function; the function of each request is
 * the trace id's.
 */
const LOCAL_FUNCTION_NAME = 'local-lambda-runner';

let concurrentInvokeStore: Promise<InvokeStoreBase> | undefined;

const invokeStore = (): Promise<InvokeStoreBase> => {
  concurrentInvokeStore ??= invokeStoreInstance.then((store) => {
    // The single-invocation store keeps the last context after run() returns; AsyncLocalStorage does not.
    const probe = {};
    store.run(probe, () => undefined);
    if (store.getContext() === probe) {
      throw new Error(
        'The Lambda InvokeStore was created for one invocation at a time: load local/lambda.ts before any AWS SDK call',
      );
    }
    // Set only once the store exists: Powertools throws when this is set and the store is missing.
    process.env.AWS_LAMBDA_MAX_CONCURRENCY ??= LOCAL_MAX_CONCURRENCY;
    process.env.AWS_LAMBDA_FUNCTION_NAME ??= LOCAL_FUNCTION_NAME;
    return store;
  });
  return concurrentInvokeStore;
};

/**
 * Calls a handler as one invocation of its own: inside the InvokeStore with its request id, so log keys and the
 * Lambda context the logger holds stay this invocation's while others run at the same time, and with its own X-Ray
 * trace id, which the SDK sends on each of the invocation's AWS requests: the emulator knows the calling function
 * (`context.functionName`, the function key) by it.
 */
export const invokeHandler = async (handler: LambdaHandler, event: never, context: Context): Promise<unknown> => {
  const store = await invokeStore();
  const trace = startInvocationTrace({
    functionKey: context.functionName,
    project: isProjectHandler(handler),
    requestId: context.awsRequestId,
  });
  const running = store.run(
    {
      [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: context.awsRequestId,
      [InvokeStoreBase.PROTECTED_KEYS.X_RAY_TRACE_ID]: trace.traceId,
    },
    () => handler(event, context),
  );
  const timeoutMs = context.getRemainingTimeInMillis?.();
  // Lambda stops the invocation when its time is up, whatever the handler is doing (middy's early timeout, 5 ms
  // before, answers first when the handler is middy's): the caller gets the timeout error. What the handler still
  // does afterwards sends nothing (the trace's end).
  let timer: NodeJS.Timeout | undefined;
  const timedOut =
    timeoutMs === undefined
      ? undefined
      : new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(lambdaTimeoutError(context.awsRequestId, timeoutMs)), timeoutMs);
          timer.unref();
        });
  // A handler's failure after Lambda stopped it is nobody's to hear.
  if (timedOut) running.catch(() => undefined);
  try {
    return await (timedOut ? Promise.race([running, timedOut]) : running);
  } finally {
    clearTimeout(timer);
    trace.end();
  }
};

/** An error shaped like the one Step Functions raises when a Lambda function fails. */
export class LambdaFunctionError extends Error {
  public constructor(errorType: string, errorMessage: string, trace: string[]) {
    super(JSON.stringify({ errorType, errorMessage, trace }));
    this.name = errorType;
  }
}

/** Lambda's Node.js runtime reports `errorType` = the error's name and `errorMessage` = its message. */
export const toLambdaFunctionError = (error: unknown): LambdaFunctionError => {
  if (error instanceof Error) {
    return new LambdaFunctionError(error.name || 'Error', error.message, (error.stack ?? '').split('\n'));
  }
  return new LambdaFunctionError('Error', String(error), []);
};

interface LambdaInvokeParameters {
  FunctionName: string;
  Payload: unknown;
}

/** A Task override for `arn:aws:states:::lambda:invoke` that calls a handler in-process. */
export const lambdaInvokeTask =
  (handler: LambdaHandler, functionName: string) =>
  async (input: LambdaInvokeParameters): Promise<{ ExecutedVersion: string; Payload: unknown; StatusCode: number }> => {
    try {
      // JSON round trips on both sides, as over the wire: no class instances, no undefined fields; any depth.
      const event = jsonRoundTrip<never>(input.Payload ?? null);
      const payload = await invokeHandler(handler, event, lambdaContext(functionName));
      return { ExecutedVersion: '$LATEST', Payload: jsonRoundTrip(payload ?? null), StatusCode: 200 };
    } catch (error) {
      throw toLambdaFunctionError(error);
    }
  };
