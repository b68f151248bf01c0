// A scheduled run: EventBridge Scheduler invokes runSchedule with the schedule's name, its `input` and
// `<aws.scheduler.scheduled-time>`; the run's target name and so its export id (the execution name) are derived
// from the schedule and that time. Scheduler delivers at least once and retries; every delivery of one scheduled
// time starts, or finds, the same one execution. No Lambda types here.
import { isDeepStrictEqual } from 'node:util';
import type { SFNClient } from '@aws-sdk/client-sfn';
import { describeExecution, startExecution } from './aws/sfn.js';
import { canonicalRequest, normalizeExportRequest, type RetentionPolicy, retentionSchema } from './contracts.js';
import { AwsUnavailableError, ExportConflictError, InvalidRequestError } from './errors.js';
import { executionArnFor, toExportStatus } from './exports-api.js';
import { logger } from './logger.js';
import { exportIdFor, SCHEDULE_NAME_PATTERN, scheduledTargetSnapshotName, serverlessTargetName } from './naming.js';
import { isRecord } from './records.js';
import * as z from './zod.js';

/** What each schedule's target sends (config/schedule-resources.ts writes it into the template). */
export const scheduledEventSchema = z.strictObject({
  schedule: z.string().check(z.regex(SCHEDULE_NAME_PATTERN)),
  scheduledTime: z.iso.datetime({ offset: true }),
  input: z.unknown(),
  retention: z.optional(retentionSchema),
});

export type ScheduledEvent = z.infer<typeof scheduledEventSchema>;

export interface RunScheduleDeps {
  sfn: SFNClient;
  stateMachineArn: string;
  defaultTargetBucket?: string | undefined;
}

export interface ScheduleRunResult {
  exportId: string;
  executionArn: string;
  /** false when an earlier delivery of this scheduled time had already started it. */
  started: boolean;
  status: string;
}

/**
 * The execution input of a run: the schedule's input with the run's target name (unless a one-time schedule set
 * its own) and bucket, and `schedule` (name, scheduled time, retention) for CleanUp, metrics and the outcome. An
 * input the request schema refuses is passed on as it is: ValidateExport then fails the run with a notification,
 * rather than the run disappearing into a dead-letter queue.
 */
const executionInputOf = (
  event: ScheduledEvent,
  scheduledTime: Date,
  defaultTargetBucket: string | undefined,
): { input: Record<string, unknown>; targetBucket: string; targetSnapshotName: string } => {
  const raw = isRecord(event.input) ? event.input : {};
  // A serverless snapshot's export is named after the snapshot (naming.ts serverlessTargetName), not after the run.
  const targetSnapshotName =
    typeof raw.targetSnapshotName === 'string'
      ? raw.targetSnapshotName
      : typeof raw.serverlessCacheSnapshotName === 'string'
        ? serverlessTargetName(raw.serverlessCacheSnapshotName)
        : scheduledTargetSnapshotName(event.schedule, scheduledTime);
  const schedule = {
    name: event.schedule,
    scheduledTime: scheduledTime.toISOString(),
    ...(event.retention && { retention: event.retention as RetentionPolicy }),
  };
  try {
    // With the run's `schedule`: a serverlessCacheName's run may carry the run's name (contracts.ts).
    const request = normalizeExportRequest(
      { ...raw, targetSnapshotName, schedule },
      { defaultTargetBucket, now: scheduledTime, source: 'execution' },
    );
    const input = canonicalRequest({ ...request, schedule });
    return { input: { ...input }, targetBucket: request.targetBucket, targetSnapshotName };
  } catch (error) {
    if (!(error instanceof InvalidRequestError)) throw error;
    logger.warn('Scheduled input is not a valid request; starting the run so that it fails with a notification', {
      schedule: event.schedule,
      error: error.message,
    });
    const targetBucket = typeof raw.targetBucket === 'string' ? raw.targetBucket : (defaultTargetBucket ?? '');
    return { input: { ...raw, targetSnapshotName, schedule }, targetBucket, targetSnapshotName };
  }
};

const sameInput = (existing: string | undefined, input: Record<string, unknown>): boolean => {
  try {
    return isDeepStrictEqual(JSON.parse(existing ?? ''), input);
  } catch {
    return false;
  }
};

/** Starts the run of one scheduled time, or finds the execution an earlier delivery of it started. */
export const runSchedule = async (raw: unknown, deps: RunScheduleDeps): Promise<ScheduleRunResult> => {
  const parsed = scheduledEventSchema.safeParse(raw);
  if (!parsed.success) {
    // Only a hand-made or outdated target sends this: nothing identifies a run to report, so it fails loudly
    // (Lambda retries, then the schedules' dead-letter queue, which alarms).
    throw new InvalidRequestError(
      `Not a scheduled run event: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || '$'}: ${issue.message}`).join('; ')}`,
      [],
    );
  }
  const event = parsed.data;
  const scheduledTime = new Date(event.scheduledTime);
  const { input, targetBucket, targetSnapshotName } = executionInputOf(event, scheduledTime, deps.defaultTargetBucket);
  const exportId = exportIdFor(targetBucket, targetSnapshotName);
  const executionArn = executionArnFor(deps.stateMachineArn, exportId);
  const keys = { schedule: event.schedule, scheduledTime: scheduledTime.toISOString(), exportId };
  const inputText = JSON.stringify(input);

  const started = await startExecution(deps.sfn, {
    stateMachineArn: deps.stateMachineArn,
    name: exportId,
    input: inputText,
  });
  if (started.started) {
    logger.info('Scheduled run started', keys);
    return { exportId, executionArn: started.executionArn || executionArn, started: true, status: 'RUNNING' };
  }
  const existing = await describeExecution(deps.sfn, executionArn);
  if (!existing) {
    throw new AwsUnavailableError('StartExecution reported an existing execution that DescribeExecution cannot find');
  }
  // The same scheduled time delivered again (Scheduler's retries and at-least-once delivery): already running or
  // done. Any other input under this name is not this run.
  if (sameInput(existing.input, input)) {
    logger.info('Scheduled run already started by an earlier delivery', { ...keys, status: existing.status });
    return { exportId, executionArn: existing.executionArn, started: false, status: toExportStatus(existing.status) };
  }
  throw new ExportConflictError(
    `Export ${exportId} (bucket ${targetBucket}, target name ${targetSnapshotName}) already exists with another input; schedule ${event.schedule} at ${scheduledTime.toISOString()} was not started.`,
  );
};
