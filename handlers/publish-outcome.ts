// States PublishSuccess and PublishFailure: ExportState | FailureInput -> Outcome (after one SNS notification).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { dynamoDb } from './lib/clients/dynamodb.js';
import { elastiCache } from './lib/clients/elasticache.js';
import { sns } from './lib/clients/sns.js';
import type { Outcome } from './lib/contracts.js';
import { optionalEnv, requireEnv } from './lib/env.js';
import { logger } from './lib/logger.js';
import { outcomeMetrics, STAGE_ENV_NAME } from './lib/metrics.js';
import { type PublishInput, publishOutcome } from './lib/publishing.js';

const DEFAULT_TOPIC_ARN = requireEnv('DEFAULT_TOPIC_ARN');
const NOTIFICATION_TABLE_NAME = requireEnv('NOTIFICATION_TABLE_NAME');
// Optional on purpose: without it the metrics are skipped (and the freshness alarms fire), never the publishing.
const recordMetrics = outcomeMetrics({ publisher: 'workflow', stage: optionalEnv(STAGE_ENV_NAME) });

export const handler = middy<PublishInput, Outcome>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler((input, context) =>
    publishOutcome(input, {
      sns,
      elastiCache,
      notifications: { dynamoDb, table: NOTIFICATION_TABLE_NAME },
      defaultTopicArn: DEFAULT_TOPIC_ARN,
      now: () => new Date(),
      onPublished: recordMetrics,
      remainingMs: () => context.getRemainingTimeInMillis?.() ?? Number.POSITIVE_INFINITY,
    }),
  );
