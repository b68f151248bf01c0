// EventBridge Scheduler's target for every schedule: { schedule, scheduledTime, input, retention? } → the run's
// execution, started once per scheduled time (handlers/lib/schedule-run.ts).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { sfn } from './lib/clients/sfn.js';
import { optionalEnv, requireEnv } from './lib/env.js';
import { logger } from './lib/logger.js';
import { runSchedule, type ScheduleRunResult } from './lib/schedule-run.js';

const deps = {
  sfn,
  stateMachineArn: requireEnv('STATE_MACHINE_ARN'),
  defaultTargetBucket: optionalEnv('DEFAULT_TARGET_BUCKET'),
};

export const handler = middy<unknown, ScheduleRunResult>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler((event) => runSchedule(event, deps));
