// GET /exports/{exportId}: export id → the export's status, request and, once finished, its outcome document.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { findStateOutput, readHistory } from './lib/aws/sfn.js';
import { sfn } from './lib/clients/sfn.js';
import { judgeClosedExecution } from './lib/closed-execution.js';
import { requireEnv } from './lib/env.js';
import { findExport } from './lib/export-lookup.js';
import { type ApiResult, type ExportDetails, toExportDetails, toExportStatus } from './lib/exports-api.js';
import { API_LOGGER_OPTIONS, httpErrors, toHttpResponse } from './lib/http.js';
import { logger } from './lib/logger.js';
import { outcomeFor } from './lib/outcome-facts.js';

const STATE_MACHINE_ARN = requireEnv('STATE_MACHINE_ARN');

export interface GetExportDeps {
  sfn: SFNClient;
  stateMachineArn: string;
}

export const getExport = async (
  exportId: string | undefined,
  deps: GetExportDeps,
): Promise<ApiResult<ExportDetails>> => {
  const { executionArn, execution } = await findExport(exportId, deps);
  const status = toExportStatus(execution.status);
  if (status === 'RUNNING' || status === 'SUCCEEDED') {
    return { statusCode: 200, body: toExportDetails(execution) };
  }
  if (execution.status === 'FAILED') {
    const failureOutput = await findStateOutput(deps.sfn, executionArn, 'PublishFailure');
    if (failureOutput) return { statusCode: 200, body: toExportDetails({ ...execution, failureOutput }) };
  }
  // Ended without the workflow's own notification (stopped, timed out, a failure no step caught): the safety net
  // reported it from the execution's record; the same record gives the same document here.
  const events = (await readHistory(deps.sfn, executionArn)) ?? [];
  const verdict = judgeClosedExecution({ ...execution, events });
  if (verdict.notified) return { statusCode: 200, body: toExportDetails(execution) };
  const outcome = outcomeFor(verdict.publish, new Date(execution.stoppedAt ?? execution.startedAt));
  return { statusCode: 200, body: toExportDetails(execution, outcome) };
};

const deps: GetExportDeps = { sfn, stateMachineArn: STATE_MACHINE_ARN };

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger, API_LOGGER_OPTIONS))
  .use(httpHeaderNormalizer())
  .use(httpErrors())
  .handler(async (event) => toHttpResponse(await getExport(event.pathParameters?.exportId, deps)));
