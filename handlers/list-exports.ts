// GET /exports: ?status=&limit=&nextToken= → one page of exports, newest first.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { listExecutions } from './lib/aws/sfn.js';
import { sfn } from './lib/clients/sfn.js';
import { requireEnv } from './lib/env.js';
import { type ApiResult, type ExportList, parseListQuery, toExportListItem } from './lib/exports-api.js';
import { API_LOGGER_OPTIONS, httpErrors, toHttpResponse } from './lib/http.js';
import { logger } from './lib/logger.js';

const STATE_MACHINE_ARN = requireEnv('STATE_MACHINE_ARN');

export interface ListExportsDeps {
  sfn: SFNClient;
  stateMachineArn: string;
}

export const listExports = async (
  query: Readonly<Record<string, string | undefined>> | null | undefined,
  deps: ListExportsDeps,
): Promise<ApiResult<ExportList>> => {
  const { status, limit, nextToken } = parseListQuery(query);
  const page = await listExecutions(deps.sfn, {
    stateMachineArn: deps.stateMachineArn,
    statusFilter: status,
    maxResults: limit,
    ...(nextToken && { nextToken }),
  });
  return {
    statusCode: 200,
    body: {
      exports: page.executions.map(toExportListItem),
      ...(page.nextToken && { nextToken: page.nextToken }),
    },
  };
};

const deps: ListExportsDeps = { sfn, stateMachineArn: STATE_MACHINE_ARN };

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger, API_LOGGER_OPTIONS))
  .use(httpHeaderNormalizer())
  .use(httpErrors())
  .handler(async (event) => toHttpResponse(await listExports(event.queryStringParameters, deps)));
