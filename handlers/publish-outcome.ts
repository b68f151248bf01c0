// States PublishSuccess and PublishFailure: ExportState | FailureInput -> Outcome (after one SNS notification).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { dynamoDb } from './lib/clients/dynamodb.js';
import { elastiCache } from './lib/clients/elasticache.js';
import { sns } from './lib/clients/sns.js';
import type { Outcome } from './lib/contracts.js';
import { requireEnv } from './lib/env.js';
import { logger } from './lib/logger.js';
import { type PublishInput, publishOutcome } from './lib/publishing.js';

const DEFAULT_TOPIC_ARN = requireEnv('DEFAULT_TOPIC_ARN');
const NOTIFICATION_TABLE_NAME = requireEnv('NOTIFICATION_TABLE_NAME');

export const handler = middy<PublishInput, Outcome>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler((input) =>
    publishOutcome(input, {
      sns,
      elastiCache,
      notifications: { dynamoDb, table: NOTIFICATION_TABLE_NAME },
      defaultTopicArn: DEFAULT_TOPIC_ARN,
      now: () => new Date(),
    }),
  );
