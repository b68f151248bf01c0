// Asynchronous Lambda invocation, as Lambda runs it for EventBridge targets (Lambda Developer Guide, "Asynchronous
// invocation" and "Configuring error handling for asynchronous invocation"): the event is queued and the call
// returns at once; a function error is retried up to MaximumRetryAttempts times (default 2), one minute before
// the second attempt and two minutes before the third; an event older than MaximumEventAgeInSeconds (default
// 6 hours) is not tried again. What still fails goes to the on-failure destination as an invocation record
// (condition RetriesExhausted or EventAgeExceeded). Delays run on the local stack's scaled clock.
//
// The queue is durable like Lambda's: pending events are saved (<dataDir>/lambda/async/<function>.json) and a
// restarted stack tries them again when it calls resume().
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import { JsonDocument } from './aws/persistence.js';
import type { Clock } from './clock.js';
import { invokeHandler, type LambdaHandler, lambdaContext } from './lambda.js';

/** Seconds before the second and the third attempt. */
const RETRY_DELAYS_SECONDS = [60, 120];

export interface InvocationRecord {
  version: '1.0';
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: 'RetriesExhausted' | 'EventAgeExceeded';
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: string; functionError: 'Unhandled' };
  responsePayload: { errorType: string; errorMessage: string; trace: string[] };
}

export interface AsyncInvokerOptions {
  functionName: string;
  /** Loads the handler, at the first attempt (once the handlers' environment is set). */
  loadHandler: () => LambdaHandler;
  clock: Clock;
  region: string;
  accountId: string;
  /** The function's timeout (serverless.yml `timeout`), in real seconds: what getRemainingTimeInMillis counts down. */
  timeoutSeconds: number;
  maximumRetryAttempts?: number;
  maximumEventAgeSeconds?: number;
  /** The on-failure destination; a failure to deliver there is logged (Lambda then drops the record too). */
  onFailure?: (record: InvocationRecord) => Promise<void>;
  /** Where pending events are saved; default memory only. */
  dataDir?: string;
  log?: (message: string, data: Record<string, unknown>) => void;
}

interface Pending {
  id: string;
  event: unknown;
  /** Attempts made so far. */
  attempts: number;
  /** When the event was queued, real ms since the epoch. */
  queuedAt: number;
  lastError?: InvocationRecord['responsePayload'];
}

const errorPayload = (error: unknown): InvocationRecord['responsePayload'] =>
  error instanceof Error
    ? { errorType: error.name || 'Error', errorMessage: error.message, trace: (error.stack ?? '').split('\n') }
    : { errorType: 'Error', errorMessage: String(error), trace: [] };

export class AsyncInvoker {
  private readonly pending = new Map<string, Pending>();
  private readonly timers = new Map<string, () => void>();
  private readonly running = new Set<Promise<void>>();
  private readonly store: JsonDocument<Pending[]> | undefined;
  private stopped = false;
  private loaded: LambdaHandler | undefined;

  public constructor(private readonly options: AsyncInvokerOptions) {
    if (options.dataDir) {
      const file = path.join(options.dataDir, 'lambda', 'async', `${options.functionName}.json`);
      this.store = new JsonDocument<Pending[]>(file, 1);
      for (const saved of this.store.read() ?? []) this.pending.set(saved.id, saved);
    }
  }

  public get functionArn(): string {
    const { region, accountId, functionName } = this.options;
    return `arn:aws:lambda:${region}:${accountId}:function:${functionName}`;
  }

  /** Queues one event (Invoke with InvocationType Event); the first attempt starts at once. */
  public invoke(event: unknown): void {
    const entry: Pending = { id: randomUUID(), event, attempts: 0, queuedAt: Date.now() };
    this.pending.set(entry.id, entry);
    this.save();
    this.schedule(entry, 0);
  }

  /** Tries again the events a previous run of the stack left queued. Returns how many. */
  public resume(): number {
    let count = 0;
    for (const entry of this.pending.values()) {
      if (this.timers.has(entry.id)) continue;
      this.schedule(entry, 0);
      count += 1;
    }
    return count;
  }

  /** Events queued and not finished. */
  public get queued(): number {
    return this.pending.size;
  }

  /** Stops trying (the stack is stopping): waits for attempts under way; queued events stay saved. */
  public async stop(): Promise<void> {
    this.stopped = true;
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
    await Promise.allSettled([...this.running]);
  }

  /** Resolves once nothing is queued (tests). */
  public async idle(): Promise<void> {
    while (this.pending.size > 0 && !this.stopped) {
      await Promise.race([...this.running, new Promise((resolve) => setTimeout(resolve, 20))]);
    }
  }

  private schedule(entry: Pending, delaySeconds: number): void {
    if (this.stopped) return;
    const cancel = this.options.clock.schedule(delaySeconds, () => {
      this.timers.delete(entry.id);
      const attempt = this.attempt(entry);
      this.running.add(attempt);
      const forget = () => this.running.delete(attempt);
      attempt.then(forget, forget);
    });
    this.timers.set(entry.id, cancel);
  }

  private handler(): LambdaHandler {
    this.loaded ??= this.options.loadHandler();
    return this.loaded;
  }

  private context(): Context {
    const { functionName, region, accountId, timeoutSeconds } = this.options;
    return lambdaContext(functionName, region, accountId, timeoutSeconds);
  }

  private async attempt(entry: Pending): Promise<void> {
    entry.attempts += 1;
    try {
      await invokeHandler(this.handler(), structuredClone(entry.event) as never, this.context());
      this.finish(entry);
      return;
    } catch (error) {
      entry.lastError = errorPayload(error);
      this.options.log?.('Asynchronous invocation failed', {
        functionName: this.options.functionName,
        attempt: entry.attempts,
        error: entry.lastError.errorMessage,
      });
    }
    const maxRetries = this.options.maximumRetryAttempts ?? 2;
    const maxAgeMs = (this.options.maximumEventAgeSeconds ?? 21_600) * 1000 * this.options.clock.timeScale;
    const delay = RETRY_DELAYS_SECONDS[Math.min(entry.attempts - 1, RETRY_DELAYS_SECONDS.length - 1)] ?? 120;
    // At time scale 0 emulated time does not pass, so no event grows old.
    const tooOld =
      this.options.clock.timeScale > 0 && Date.now() + this.options.clock.realMs(delay) - entry.queuedAt > maxAgeMs;
    if (entry.attempts <= maxRetries && !tooOld && !this.stopped) {
      this.save();
      this.schedule(entry, delay);
      return;
    }
    if (this.stopped) return;
    await this.deliverFailure(entry, entry.attempts <= maxRetries ? 'EventAgeExceeded' : 'RetriesExhausted');
    this.finish(entry);
  }

  private async deliverFailure(entry: Pending, condition: InvocationRecord['requestContext']['condition']) {
    const record: InvocationRecord = {
      version: '1.0',
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: randomUUID(),
        functionArn: `${this.functionArn}:$LATEST`,
        condition,
        approximateInvokeCount: entry.attempts,
      },
      requestPayload: entry.event,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: entry.lastError ?? { errorType: 'Error', errorMessage: 'unknown', trace: [] },
    };
    try {
      await this.options.onFailure?.(record);
    } catch (error) {
      this.options.log?.('On-failure destination refused the invocation record', {
        functionName: this.options.functionName,
        error: String(error),
      });
    }
  }

  private finish(entry: Pending): void {
    this.pending.delete(entry.id);
    this.save();
  }

  private save(): void {
    this.store?.write([...this.pending.values()]);
  }
}
