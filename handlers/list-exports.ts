// GET /exports: ?status=&limit=&nextToken=&source=&bucket= → one page of exports, newest first, each saying what it
// exported where.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { describeExecution, type ExecutionSummary, listExecutions } from './lib/aws/sfn.js';
import { sfn } from './lib/clients/sfn.js';
import { requireEnv } from './lib/env.js';
import {
  type ApiResult,
  type ExportList,
  type ExportListItem,
  matchesListFilter,
  toExportListItem,
} from './lib/exports-api.js';
import { parseListQuery } from './lib/exports-query.js';
import { API_LOGGER_OPTIONS, httpErrors, toHttpResponse } from './lib/http.js';
import { logger } from './lib/logger.js';

const STATE_MACHINE_ARN = requireEnv('STATE_MACHINE_ARN');

export interface ListExportsDeps {
  sfn: SFNClient;
  stateMachineArn: string;
}

/** Executions read at once with DescribeExecution (Step Functions' default bucket refills 20 a second per account). */
const DESCRIBE_CONCURRENCY = 10;

/** With ?source= or ?bucket=, at most this many executions are examined per request (10 s timeout); page on. */
export const MAX_EXAMINED_PER_REQUEST = 200;

/** Each execution of a page with its input, so an entry can say what the export was. */
const describedPage = async (deps: ListExportsDeps, executions: ExecutionSummary[]): Promise<ExportListItem[]> => {
  const items: ExportListItem[] = new Array(executions.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < executions.length; index = next++) {
      const summary = executions[index] as ExecutionSummary;
      const described = await describeExecution(deps.sfn, summary.executionArn);
      items[index] = toExportListItem(described ?? summary);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DESCRIBE_CONCURRENCY, executions.length) }, worker));
  return items;
};

/**
 * One page of exports, newest first, each saying its source, target name and bucket. A `source` or `bucket` filter
 * is applied to the executions Step Functions lists (it cannot filter on input): pages are read until one holds a
 * match or MAX_EXAMINED_PER_REQUEST executions were examined, so a page may hold fewer than `limit` entries, or
 * none, with a nextToken to go on.
 */
export const listExports = async (
  query: Readonly<Record<string, string | undefined>> | null | undefined,
  deps: ListExportsDeps,
): Promise<ApiResult<ExportList>> => {
  const parsed = parseListQuery(query);
  const filtered = parsed.source !== undefined || parsed.bucket !== undefined;
  const exports: ExportListItem[] = [];
  let nextToken = parsed.nextToken;
  let examined = 0;
  do {
    const page = await listExecutions(deps.sfn, {
      stateMachineArn: deps.stateMachineArn,
      statusFilter: parsed.status,
      maxResults: parsed.limit,
      ...(nextToken && { nextToken }),
    });
    examined += page.executions.length;
    const items = await describedPage(deps, page.executions);
    exports.push(...items.filter((item) => matchesListFilter(item, parsed)));
    nextToken = page.nextToken;
  } while (filtered && exports.length === 0 && nextToken && examined < MAX_EXAMINED_PER_REQUEST);
  return { statusCode: 200, body: { exports, ...(nextToken && { nextToken }) } };
};

const deps: ListExportsDeps = { sfn, stateMachineArn: STATE_MACHINE_ARN };

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger, API_LOGGER_OPTIONS))
  .use(httpHeaderNormalizer())
  .use(httpErrors())
  .handler(async (event) => toHttpResponse(await listExports(event.queryStringParameters, deps)));
