// DELETE /exports/{exportId}: stops a running export → 202 with the export; ends ABORTED, and the safety net
// sends the one notification saying it was cancelled (handlers/safety-net.ts).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { cancelExport } from './lib/cancel.js';
import { sfn } from './lib/clients/sfn.js';
import { requireEnv } from './lib/env.js';
import { API_LOGGER_OPTIONS, httpErrors, toHttpResponse } from './lib/http.js';
import { logger } from './lib/logger.js';

const STATE_MACHINE_ARN = requireEnv('STATE_MACHINE_ARN');

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger, API_LOGGER_OPTIONS))
  .use(httpHeaderNormalizer())
  .use(httpErrors())
  .handler(async (event) =>
    toHttpResponse(
      await cancelExport(event.pathParameters?.exportId, {
        sfn,
        stateMachineArn: STATE_MACHINE_ARN,
        // AWS_IAM authorization: API Gateway puts the signed caller's ARN here.
        caller: event.requestContext?.identity?.userArn ?? undefined,
        now: () => new Date(),
      }),
    ),
  );
