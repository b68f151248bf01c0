// Which function made a request to the emulator. Lambda gives every invocation an X-Ray trace id (`_X_AMZN_TRACE_ID`,
// or the InvokeStore's X_RAY_TRACE_ID when the runtime runs invocations concurrently), and the AWS SDK's
// recursion-detection middleware (@aws-sdk/core, client/middleware-recursion-detection) copies it into the
// `X-Amzn-Trace-Id` header of every request made during the invocation, as long as AWS_LAMBDA_FUNCTION_NAME is set.
// local/lambda.ts does both for each invocation it runs; this registry maps the trace id's Root to the invocation, so
// the emulator tells the function from the header alone. No product code is involved: the handlers' SDK clients
// send the header by themselves.
//
// A request without the header, or with a Root this process did not hand out (the AWS CLI, seeding, a test's own
// client), is a person's direct call: it is neither recorded as a function's nor limited.
import { randomBytes } from 'node:crypto';

export interface Invocation {
  /** The function's key in serverless.yml (`startExport`), as the local runner names it in the Lambda context. */
  functionKey: string;
  /** Whether the handler is the project's own (loaded from handlers/), rather than one a test put in its place. */
  project: boolean;
  requestId: string;
}

const invocations = new Map<string, Invocation>();
const projectHandlers = new WeakSet<object>();
const listeners = new Set<(invocation: Invocation) => void>();

/** Calls `listener` as each invocation starts (the IAM layer records what the Lambda runtime does with the role). */
export const onInvocationStart = (listener: (invocation: Invocation) => void): (() => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

/** Marks a handler loaded from handlers/: only those invocations are the project's functions, held to their roles. */
export const markProjectHandler = <T extends object>(handler: T): T => {
  projectHandlers.add(handler);
  return handler;
};

export const isProjectHandler = (handler: object): boolean => projectHandlers.has(handler);

/**
 * An X-Ray trace header as Lambda sets it: `Root=1-<8 hex digits of epoch seconds>-<24 hex digits>;Parent=<16 hex
 * digits>;Sampled=0` (AWS X-Ray Developer Guide, "Tracing header").
 */
const newTraceId = (): { root: string; header: string } => {
  const epoch = Math.floor(Date.now() / 1000)
    .toString(16)
    .padStart(8, '0');
  const root = `1-${epoch}-${randomBytes(12).toString('hex')}`;
  return { root, header: `Root=${root};Parent=${randomBytes(8).toString('hex')};Sampled=0` };
};

/**
 * Trace roots of invocations that have ended. Lambda freezes an execution environment once its invocation has
 * returned, and resets it when the invocation timed out ("Understanding the Lambda execution environment
 * lifecycle", Lambda Developer Guide: "If the Lambda function crashes or times out during the Invoke phase, Lambda
 * resets the execution environment"), so what the function still had under way sends nothing (a frozen
 * environment's work resumes, at the earliest, with its next invocation; a reset one's never). In the one local
 * process that work keeps running: requests it starts are dropped unanswered. Requests sent before the end are
 * answered, as AWS would answer them.
 */
const ended = new Set<string>();
/** How many ended roots are remembered (the oldest is forgotten first). */
const ENDED_REMEMBERED = 10_000;

/** Registers an invocation and returns its trace id; `end`, once the invocation has returned or was stopped. */
export const startInvocationTrace = (invocation: Invocation): { traceId: string; end(): void } => {
  const { root, header } = newTraceId();
  invocations.set(root, invocation);
  for (const listener of listeners) listener(invocation);
  return {
    traceId: header,
    end: () => {
      invocations.delete(root);
      ended.add(root);
      if (ended.size > ENDED_REMEMBERED) ended.delete(ended.values().next().value as string);
    },
  };
};

const rootOf = (headers: Readonly<Record<string, string>>): string | undefined => {
  const header = headers['x-amzn-trace-id'];
  if (!header) return undefined;
  return /(?:^|;)\s*Root=([^;]+)/.exec(header)?.[1]?.trim();
};

/** Whether a request comes from an invocation that has ended (its execution environment frozen or reset). */
export const fromEndedInvocation = (headers: Readonly<Record<string, string>>): boolean => {
  const root = rootOf(headers);
  return root !== undefined && ended.has(root);
};

/** The invocation whose trace id a request carries, if this process handed it out and it is still running. */
export const invocationOf = (headers: Readonly<Record<string, string>>): Invocation | undefined => {
  const root = rootOf(headers);
  return root ? invocations.get(root) : undefined;
};
