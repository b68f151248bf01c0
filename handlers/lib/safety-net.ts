// The safety net's rules: given the status-change event of a closed export execution, read the execution's own
// record and publish the failure notification only when the workflow sent none (closed-execution.ts decides).
// No Lambda types here; the handler (handlers/safety-net.ts) adds idempotency and logging.
import type { SFNClient } from '@aws-sdk/client-sfn';
import { getNotificationRecord } from './aws/dynamodb.js';
import { describeExecution, readHistory } from './aws/sfn.js';
import { judgeClosedExecution } from './closed-execution.js';
import { removeFreshSnapshot } from './fresh-snapshot.js';
import { logger } from './logger.js';
import type { PublishInput } from './outcome-facts.js';
import { type PublishOutcomeDeps, publishOutcome } from './publishing.js';

/**
 * EventBridge's event for a Step Functions execution's status change (Step Functions Developer Guide, "Automating
 * Step Functions event delivery with EventBridge"): source `aws.states`, detail-type "Step Functions Execution
 * Status Change". Only the fields read here; input and output may be cut or absent (over 248 KiB), so the
 * execution itself is read back.
 */
export interface StatusChangeEvent {
  source?: string;
  'detail-type'?: string;
  detail?: {
    executionArn?: string;
    stateMachineArn?: string;
    name?: string;
    status?: string;
    redriveCount?: number;
  };
}

/** What the handler answers (and the idempotency record keeps): what it did, and why. */
export type SafetyNetResult =
  | { action: 'ignored'; reason: string }
  | { action: 'none'; executionArn: string; notifiedBy: string }
  | {
      action: 'published';
      executionArn: string;
      exportId: string;
      outcome: 'SUCCEEDED' | 'FAILED';
      errorCode?: string;
    };

export interface SafetyNetDeps extends Omit<PublishOutcomeDeps, 'now' | 'notifications'> {
  sfn: SFNClient;
  /** Only this state machine's executions are reported (the rule filters on it too). */
  stateMachineArn: string;
  /** The notification records publishOutcome writes (the safety net's own table). */
  notifications: NonNullable<PublishOutcomeDeps['notifications']>;
  /** Real time, for waiting on a publishing task that was still running (default: the clock and setTimeout). */
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * The longest a publishing task can still run after it was scheduled: the publish states' TimeoutSeconds in the ASL
 * (a test holds the two together), plus a margin for its record to be written.
 */
export const PUBLISH_TASK_SECONDS = 30;
const RECORD_MARGIN_SECONDS = 5;
const RECORD_POLL_MS = 1000;

/**
 * Whether a publishing task that was running when the execution ended did publish: its notification record,
 * awaited until the task cannot be running any more.
 */
const publishedInFlight = async (deps: SafetyNetDeps, exportId: string, since: Date): Promise<boolean> => {
  const now = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const deadline = since.getTime() + (PUBLISH_TASK_SECONDS + RECORD_MARGIN_SECONDS) * 1000;
  for (;;) {
    const record = await getNotificationRecord(deps.notifications.dynamoDb, deps.notifications.table, exportId);
    if (record) return true;
    const left = deadline - now().getTime();
    if (left <= 0) return false;
    await sleep(Math.min(RECORD_POLL_MS, left));
  }
};

/**
 * An execution that ended without its notification may also have ended before CleanUp: the fresh snapshot it took
 * is deleted here, and the notification says so (or why not; the next fresh-snapshot run of that source removes a
 * snapshot that could not be deleted yet). Best effort: reporting the ending matters more.
 */
const withFreshSnapshotRemoved = async (input: PublishInput, deps: SafetyNetDeps): Promise<PublishInput> => {
  if (!input.fresh || input.cleanup) return input;
  try {
    const freshSnapshot = await removeFreshSnapshot(input, deps.elastiCache);
    return { ...input, cleanup: freshSnapshot ? { freshSnapshot } : {} };
  } catch (error) {
    logger.warn('Could not delete the fresh snapshot of an execution that ended early', {
      snapshotName: input.fresh.snapshotName,
      error: error instanceof Error ? error.message : String(error),
    });
    return input;
  }
};

const REPORTED_STATUSES = new Set(['FAILED', 'TIMED_OUT', 'ABORTED']);

export const reportIfUnnotified = async (event: StatusChangeEvent, deps: SafetyNetDeps): Promise<SafetyNetResult> => {
  const detail = event.detail ?? {};
  if (detail.stateMachineArn !== deps.stateMachineArn || detail.executionArn === undefined) {
    return { action: 'ignored', reason: `not an execution of ${deps.stateMachineArn}` };
  }
  if (!REPORTED_STATUSES.has(detail.status ?? '')) {
    return { action: 'ignored', reason: `status ${detail.status ?? 'missing'} is not an ending to report` };
  }
  const executionArn = detail.executionArn;
  const [execution, events] = await Promise.all([
    describeExecution(deps.sfn, executionArn),
    readHistory(deps.sfn, executionArn),
  ]);
  // The event says it closed: a missing record is Step Functions catching up; fail, so Lambda tries again.
  if (!execution || !events) throw new Error(`Execution ${executionArn} is not readable yet`);
  if (execution.status === 'RUNNING') throw new Error(`Execution ${executionArn} is still RUNNING in its record`);

  const verdict = judgeClosedExecution({ ...execution, events });
  if (verdict.notified) {
    logger.info('The execution sent its own notification', { executionArn, by: verdict.by });
    return { action: 'none', executionArn, notifiedBy: verdict.by };
  }
  if (verdict.inFlight && (await publishedInFlight(deps, execution.name, verdict.inFlight.since))) {
    logger.info('The publishing task in flight at the end had sent the notification', { executionArn });
    return { action: 'none', executionArn, notifiedBy: `${verdict.inFlight.state} (its notification record)` };
  }
  // The stop time, not the time of this call: the same document GET /exports/{id} shows.
  const finishedAt = new Date(execution.stoppedAt ?? Date.now());
  const input = await withFreshSnapshotRemoved(verdict.publish, deps);
  const outcome = await publishOutcome(input, { ...deps, now: () => finishedAt }, { note: verdict.note });
  logger.warn('The execution ended without a notification; the safety net sent it', {
    executionArn,
    status: execution.status,
    outcome: outcome.status,
    errorCode: outcome.error?.code,
  });
  return {
    action: 'published',
    executionArn,
    exportId: outcome.exportId,
    outcome: outcome.status,
    ...(outcome.error && { errorCode: outcome.error.code }),
  };
};
