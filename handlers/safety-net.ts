// The safety net: EventBridge's "Step Functions Execution Status Change" event for an export that ended FAILED,
// TIMED_OUT or ABORTED → the failure notification, when (and only when) the execution did not send one itself.
// Idempotent under EventBridge's and Lambda's at-least-once delivery: one record per execution in DynamoDB
// (Powertools idempotency), so a repeated event returns the first answer without publishing again.

import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { dynamoDb } from './lib/clients/dynamodb.js';
import { elastiCache } from './lib/clients/elasticache.js';
import { sfn } from './lib/clients/sfn.js';
import { sns } from './lib/clients/sns.js';
import { optionalEnv, requireEnv } from './lib/env.js';
import { logger } from './lib/logger.js';
import { outcomeMetrics, STAGE_ENV_NAME } from './lib/metrics.js';
import { NOTIFICATION_RECORD_SECONDS } from './lib/publishing.js';
import { reportIfUnnotified, type SafetyNetResult, type StatusChangeEvent } from './lib/safety-net.js';

const DEFAULT_TOPIC_ARN = requireEnv('DEFAULT_TOPIC_ARN');
const STATE_MACHINE_ARN = requireEnv('STATE_MACHINE_ARN');
const NOTIFICATION_TABLE_NAME = requireEnv('NOTIFICATION_TABLE_NAME');
// Counted only when the safety net itself sends the notification (onPublished); optional as in publish-outcome.ts.
const recordMetrics = outcomeMetrics({ publisher: 'safety-net', stage: optionalEnv(STAGE_ENV_NAME) });

/**
 * How long an execution's record is kept: longer than any repeat can arrive. EventBridge retries a delivery for
 * up to 24 hours (the target's MaximumEventAgeInSeconds, serverless.yml) and Lambda keeps an asynchronous event
 * for up to 6 hours; three days covers both with room.
 */
const RECORD_SECONDS = NOTIFICATION_RECORD_SECONDS;

const persistenceStore = new DynamoDBPersistenceLayer({ tableName: NOTIFICATION_TABLE_NAME, awsSdkV3Client: dynamoDb });

export const handler = middy<StatusChangeEvent, SafetyNetResult>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .use(
    makeHandlerIdempotent({
      persistenceStore,
      // One answer per run of an execution (a redriven execution ends again, with a higher redriveCount).
      config: new IdempotencyConfig({
        eventKeyJmesPath: 'detail.[executionArn, redriveCount]',
        throwOnNoIdempotencyKey: true,
        expiresAfterSeconds: RECORD_SECONDS,
      }),
    }),
  )
  .handler((event, context) =>
    reportIfUnnotified(event, {
      sfn,
      sns,
      elastiCache,
      notifications: { dynamoDb, table: NOTIFICATION_TABLE_NAME },
      defaultTopicArn: DEFAULT_TOPIC_ARN,
      stateMachineArn: STATE_MACHINE_ARN,
      onPublished: recordMetrics,
      remainingMs: () => context.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY,
    }),
  );
