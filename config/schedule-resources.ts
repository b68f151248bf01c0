// The CloudFormation resources of the schedules file, built at package time (config/serverless-vars.cjs) and read
// by the local stack (local/schedules.ts) so both fire the same targets with the same input:
//   - one AWS::Scheduler::Schedule per entry, targeting runSchedule with { schedule, scheduledTime, input,
//     retention }, with a RetryPolicy, the schedules dead-letter queue and, if set, a flexible time window;
//   - per enabled recurring schedule, a freshness alarm: no export of it succeeded within the window its expression
//     implies (the longest gap between two runs, plus the export deadline and the flexible window);
//   - the stack's dashboard.
// Pure: no AWS, no file system.
import { dashboard, freshnessAlarm, freshnessAlarmLogicalId, scheduleLogicalId } from './observability.js';
import { longestGap } from './schedule-times.js';

/** A checked entry of the schedules file (config/serverless-vars.cjs checks it first). */
export interface ScheduleEntry {
  name: string;
  schedule: string;
  timezone?: string | undefined;
  enabled?: boolean | undefined;
  input: unknown;
  retention?: { keepLast?: number; maxAgeDays?: number } | undefined;
  /** Minutes over which Scheduler may spread the run (FlexibleTimeWindow FLEXIBLE), 1-1440. */
  flexibleTimeWindow?: number | undefined;
}

/** Scheduler's context attribute: replaced by the time the run was scheduled for, e.g. 2026-12-01T02:30:00Z. */
export const SCHEDULED_TIME = '<aws.scheduler.scheduled-time>';

/**
 * How long Scheduler keeps retrying a delivery, and how often: its maxima (EventBridge Scheduler API Reference,
 * RetryPolicy: MaximumEventAgeInSeconds 60-86400, MaximumRetryAttempts 0-185). A nightly backup started hours
 * late is better than none; runSchedule is idempotent, so a retry never starts a second export.
 */
export const RETRY_POLICY = { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 } as const;

/** The full schedule name in the account: `exportSnapshot-<stage>-<name>` (checked within 64 characters). */
export const scheduleNameFor = (stage: string, name: string): string => `exportSnapshot-${stage}-${name}`;

/** The target's Input: what runSchedule receives, Scheduler's placeholder in it. */
export const scheduleTargetInput = (entry: ScheduleEntry): string =>
  JSON.stringify({
    schedule: entry.name,
    scheduledTime: SCHEDULED_TIME,
    input: entry.input,
    ...(entry.retention && { retention: entry.retention }),
  });

/**
 * Seconds after which a schedule's missing success is news: the longest gap between two of its runs, plus how
 * late a run may start (the flexible window) and how long it may take (the export deadline). Undefined for a
 * one-time at() schedule, which has no "next".
 */
export const freshnessWindowSeconds = (
  entry: ScheduleEntry,
  deadlineMinutes: number,
  from: Date = new Date(),
): number | undefined => {
  const gap = longestGap(entry.schedule, { timezone: entry.timezone, from });
  if (gap === undefined) return undefined;
  return gap + (entry.flexibleTimeWindow ?? 0) * 60 + deadlineMinutes * 60;
};

export interface ScheduleResourceOptions {
  stage: string;
  deadlineMinutes: number;
  /** When the freshness windows are computed from (package time). */
  now?: Date;
}

/** The resources of every schedule, the freshness alarms and the dashboard. */
export const scheduleResources = (
  entries: readonly ScheduleEntry[],
  options: ScheduleResourceOptions,
): Record<string, unknown> => {
  const resources: Record<string, unknown> = {};
  for (const entry of entries) {
    const enabled = entry.enabled ?? true;
    resources[scheduleLogicalId('ExportSchedule', entry.name)] = {
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: scheduleNameFor(options.stage, entry.name),
        Description: `ElastiCache snapshot export ${entry.name}`,
        ScheduleExpression: entry.schedule,
        ...(entry.timezone && { ScheduleExpressionTimezone: entry.timezone }),
        State: enabled ? 'ENABLED' : 'DISABLED',
        FlexibleTimeWindow:
          entry.flexibleTimeWindow === undefined
            ? { Mode: 'OFF' }
            : { Mode: 'FLEXIBLE', MaximumWindowInMinutes: entry.flexibleTimeWindow },
        Target: {
          Arn: { 'Fn::GetAtt': ['RunScheduleLambdaFunction', 'Arn'] },
          RoleArn: { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] },
          Input: scheduleTargetInput(entry),
          RetryPolicy: RETRY_POLICY,
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['SchedulesDeadLetterQueue', 'Arn'] } },
        },
      },
    };
    const window = enabled ? freshnessWindowSeconds(entry, options.deadlineMinutes, options.now) : undefined;
    if (window !== undefined) {
      resources[freshnessAlarmLogicalId(entry.name)] = freshnessAlarm({
        name: entry.name,
        windowSeconds: window,
        stage: options.stage,
      });
    }
  }
  resources.ExportDashboard = dashboard({ stage: options.stage, schedules: entries.map(({ name }) => ({ name })) });
  return resources;
};
