// The schedules file in the local stack: each schedule fires at its times (local/scheduler.ts) and invokes
// runSchedule asynchronously, as EventBridge Scheduler does, with the very target input the template carries
// (config/schedule-resources.ts), `<aws.scheduler.scheduled-time>` replaced. `POST /_local/schedules/<name>/run`
// (what `npm run schedule -- <name>` calls) runs one now, or with `?at=<ISO time>` the run of that scheduled time, and
// answers with the export it started (or found); `GET
// /_local/schedules` lists them with their next fire time.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  SCHEDULED_TIME,
  type ScheduleEntry,
  scheduleNameFor,
  scheduleTargetInput,
} from '../config/schedule-resources.js';
import { expressionProblems, timezoneProblem } from '../config/schedule-rules.js';
import { isRecord } from '../handlers/lib/records.js';
import type { LocalIam } from './aws/iam/index.js';
import type { LocalRoute } from './aws/server.js';

import { requireHandler } from './aws/stepfunctions/tasks.js';
import { invokeHandler, lambdaContext } from './lambda.js';
import type { AsyncInvoker } from './lambda-async.js';
import { LocalScheduler, UnknownScheduleError } from './scheduler.js';
import { LOCAL_STAGE } from './serverless-config.js';

const REPOSITORY = path.join(__dirname, '..');

/**
 * The entries of the schedules file that the local stack can fire. `serverless package` refuses a file with any
 * problem; locally a broken entry is reported and left out, so the rest of the stack still starts.
 */
export const readScheduleEntries = (file: string, log: (line: string) => void = () => {}): ScheduleEntry[] => {
  const full = path.resolve(REPOSITORY, file);
  if (!existsSync(full)) {
    log(`Schedules: ${file} not found; no schedule fires`);
    return [];
  }
  const content = parse(readFileSync(full, 'utf8')) as unknown;
  const entries = isRecord(content) && Array.isArray(content.schedules) ? content.schedules : [];
  return entries.flatMap((entry: unknown, index: number) => {
    if (!isRecord(entry) || typeof entry.name !== 'string' || typeof entry.schedule !== 'string') {
      log(`Schedules: ${file} schedules[${index}] has no name or schedule; skipped`);
      return [];
    }
    const problems = [
      ...expressionProblems(entry.schedule.trim()),
      ...(typeof entry.timezone === 'string' ? [timezoneProblem(entry.timezone)].filter(Boolean) : []),
    ];
    if (problems.length > 0) {
      log(`Schedules: ${entry.name} skipped: ${problems.join('; ')}`);
      return [];
    }
    return [
      {
        name: entry.name,
        schedule: entry.schedule.trim(),
        ...(typeof entry.timezone === 'string' && { timezone: entry.timezone }),
        ...(typeof entry.enabled === 'boolean' && { enabled: entry.enabled }),
        input: entry.input,
        ...(isRecord(entry.retention) && { retention: entry.retention as ScheduleEntry['retention'] }),
      },
    ];
  });
};

/** Scheduler's form of a scheduled time: ISO 8601 in UTC, whole seconds (2026-12-01T02:30:00Z). */
export const schedulerTime = (time: Date): string => time.toISOString().replace(/\.\d{3}Z$/, 'Z');

/** What Scheduler sends runSchedule for one scheduled time of `entry`. */
export const scheduledEvent = (entry: ScheduleEntry, scheduledTime: Date): unknown =>
  JSON.parse(scheduleTargetInput(entry).replaceAll(SCHEDULED_TIME, schedulerTime(scheduledTime)));

export interface LocalSchedules {
  scheduler: LocalScheduler;
  route: LocalRoute;
  stop(): Promise<void>;
}

const json = (status: number, value: unknown) => ({
  status,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(value),
});

/** Starts firing the schedules; `runSchedule` is the function's asynchronous invoker (retries, on-failure queue). */
export const startLocalSchedules = (options: {
  file: string;
  runSchedule: AsyncInvoker;
  region: string;
  accountId: string;
  /** With LOCAL_IAM=on: each fire is held to the schedule's execution role (lambda:InvokeFunction, the DLQ). */
  iam?: LocalIam | undefined;
  log: (line: string) => void;
}): LocalSchedules => {
  /** Scheduler assumes the schedule's execution role to invoke runSchedule: refused, nothing runs. */
  const authorize = async (name: string): Promise<void> => {
    const refusal = await options.iam?.authorizeScheduledInvoke(scheduleNameFor(LOCAL_STAGE, name));
    if (refusal) throw refusal;
  };
  const entries = readScheduleEntries(options.file, options.log);
  const byName = new Map(entries.map((entry) => [entry.name, entry]));
  const scheduler = new LocalScheduler({
    schedules: entries.map((entry) => ({
      name: entry.name,
      expression: entry.schedule,
      ...(entry.timezone && { timezone: entry.timezone }),
      enabled: entry.enabled ?? true,
    })),
    // Scheduler invokes the function asynchronously: Lambda's retries and on-failure destination apply.
    fire: async (name, scheduledTime) => {
      const entry = byName.get(name);
      if (!entry) return;
      await authorize(name);
      options.runSchedule.invoke(scheduledEvent(entry, scheduledTime));
    },
    log: (message) => options.log(`Schedules: ${message}`),
  }).start();
  if (entries.length > 0) {
    options.log(`Schedules: ${entries.map((entry) => entry.name).join(', ')} (from ${options.file})`);
  }

  /**
   * A run now, for the scheduled time of this minute (as a cron or rate run's is on the minute): runSchedule called
   * directly rather than queued, so the caller gets its answer (the export id) or its error.
   */
  const runNow = async (name: string, at?: Date): Promise<unknown> => {
    const entry = byName.get(name);
    if (!entry) throw new UnknownScheduleError(name, [...byName.keys()]);
    const time = at ?? new Date(Math.floor(Date.now() / 60_000) * 60_000);
    options.log(`Schedules: ${name} run now for ${schedulerTime(time)}`);
    await authorize(name);
    return invokeHandler(
      requireHandler('run-schedule'),
      scheduledEvent(entry, time) as never,
      lambdaContext('runSchedule', options.region, options.accountId),
    );
  };

  const route: LocalRoute = async (method, route, query) => {
    if (route === '/_local/schedules' && method === 'GET') {
      return json(
        200,
        scheduler.list().map((status) => ({ ...status, nextFireTime: status.nextFireTime?.toISOString() })),
      );
    }
    const run = /^\/_local\/schedules\/([^/]+)\/run$/.exec(route);
    if (run && method === 'POST') {
      const name = decodeURIComponent(run[1] ?? '');
      // ?at=<ISO time>: the run of that scheduled time (a missed one, or several distinct runs in a test).
      const at = query.get('at');
      const time = at === null ? undefined : new Date(at);
      if (time && Number.isNaN(time.getTime())) return json(400, { error: `at=${at} is not an ISO 8601 time` });
      try {
        return json(200, await runNow(name, time));
      } catch (error) {
        if (error instanceof UnknownScheduleError) return json(404, { error: error.message });
        return json(500, { error: error instanceof Error ? error.message : String(error) });
      }
    }
    return undefined;
  };
  return { scheduler, route, stop: () => scheduler.stop() };
};
