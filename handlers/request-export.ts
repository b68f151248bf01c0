// POST /exports: export request body → 202 (started) or 200 (the same export was already requested);
// with ?dryRun=true → 200 with every problem the export's checks find, nothing started.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { SFNClient } from '@aws-sdk/client-sfn';
import middy from '@middy/core';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpJsonBodyParser from '@middy/http-json-body-parser';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { describeExecution, type ExecutionDescription, startExecution } from './lib/aws/sfn.js';
import { elastiCache } from './lib/clients/elasticache.js';
import { s3 } from './lib/clients/s3.js';
import { sfn } from './lib/clients/sfn.js';
import { type ExportRequest, MAX_REQUEST_BYTES, normalizeExportRequest, parseAllowList } from './lib/contracts.js';
import { type DryRunDeps, dryRunExport } from './lib/dry-run.js';
import { optionalEnv, requireEnv } from './lib/env.js';
import { AwsUnavailableError, ExportConflictError, TargetBucketNotAllowedError } from './lib/errors.js';
import {
  type ApiResult,
  type ExportAccepted,
  type ExportDryRun,
  executionArnFor,
  isSameRequest,
  linksFor,
  toExportStatus,
} from './lib/exports-api.js';
import { parseRequestQuery, type QueryParameters } from './lib/exports-query.js';
import { API_LOGGER_OPTIONS, bodySizeLimit, httpErrors, mediaTypeNormalizer, toHttpResponse } from './lib/http.js';
import { logger } from './lib/logger.js';
import { exportIdFor } from './lib/naming.js';

const STATE_MACHINE_ARN = requireEnv('STATE_MACHINE_ARN');
const REGION = requireEnv('AWS_REGION');

export interface RequestExportDeps {
  sfn: SFNClient;
  stateMachineArn: string;
  /** ALLOWED_TARGET_BUCKETS, parsed; empty means no bucket is allowed. */
  allowedTargetBuckets: readonly string[];
  defaultTargetBucket?: string | undefined;
  now: () => Date;
}

/** What the route needs: the real request's deps, and the dry run's (ElastiCache and S3 for the checks). */
export interface PostExportsDeps extends RequestExportDeps, DryRunDeps {}

/**
 * The route's core: `?dryRun=true` runs the export's checks and starts nothing (handlers/lib/dry-run.ts); without
 * it, or with `dryRun=false`, the export is requested. Any other query is a 400, before the body is looked at.
 * (Named after the route rather than the file: requestExport stays the core of a real request.)
 */
export const postExports = async (
  body: unknown,
  query: QueryParameters,
  deps: PostExportsDeps,
): Promise<ApiResult<ExportAccepted | ExportDryRun>> =>
  parseRequestQuery(query).dryRun ? dryRunExport(body, deps) : requestExport(body, deps);

/**
 * How much earlier than our StartExecution call an execution's startDate must be for the call to have found it
 * rather than started it: Step Functions' clock and the function's are both kept by NTP (Amazon Time Sync), far
 * closer than this. Within it, a repeat of a request sent less than a second after the first is answered 202.
 */
const START_CLOCK_TOLERANCE_MS = 1000;

/**
 * Validates the request (schema, allow-list) and starts the export's execution, named by its export id. The id is
 * derived from (bucket, target name), so asking twice finds the first execution: the same request is answered
 * 200 with that execution's status, a different one 409.
 *
 * One Step Functions call for a new export: StartExecution first. For an open execution of the same name and input
 * bytes it answers with that execution (its original startDate tells it apart from a new one); for a closed one, or
 * another input, it refuses, and DescribeExecution then tells a replay (200) from a conflict (409).
 */
export const requestExport = async (body: unknown, deps: RequestExportDeps): Promise<ApiResult<ExportAccepted>> => {
  const request = normalizeExportRequest(body, { defaultTargetBucket: deps.defaultTargetBucket, now: deps.now() });
  if (!deps.allowedTargetBuckets.includes(request.targetBucket)) {
    throw new TargetBucketNotAllowedError(request.targetBucket);
  }
  const exportId = exportIdFor(request.targetBucket, request.targetSnapshotName);
  const executionArn = executionArnFor(deps.stateMachineArn, exportId);
  logger.appendKeys({ exportId });

  // `request` is canonical (fixed key order), so the same request always gives the same input bytes, which
  // StartExecution compares when the same name is started twice while the first execution is open.
  const sentAt = deps.now().getTime();
  const started = await startExecution(deps.sfn, {
    stateMachineArn: deps.stateMachineArn,
    name: exportId,
    input: JSON.stringify(request),
  });
  if (started.started) {
    const arn = started.executionArn || executionArn;
    if (started.startDate && started.startDate.getTime() < sentAt - START_CLOCK_TOLERANCE_MS) {
      // The same request while its execution is still open: Step Functions answered with that execution.
      return replay({ executionArn: arn, name: exportId, status: 'RUNNING' }, request);
    }
    logger.info('Export requested', { targetBucket: request.targetBucket });
    return {
      statusCode: 202,
      body: { exportId, executionArn: arn, status: 'RUNNING', request, links: linksFor(exportId) },
    };
  }

  // Closed, or open with other input bytes: the execution says whether it is this request.
  const existing = await describeExecution(deps.sfn, executionArn);
  if (!existing) {
    throw new AwsUnavailableError('StartExecution reported an existing execution that DescribeExecution cannot find');
  }
  if (!isSameRequest(existing.input, request)) throw conflict(exportId, request);
  return replay(existing, request);
};

const conflict = (exportId: string, request: ExportRequest): ExportConflictError =>
  new ExportConflictError(
    `Export ${exportId} (bucket ${request.targetBucket}, target name ${request.targetSnapshotName}) was already requested with a different request. Choose another targetSnapshotName, or follow the existing export at /exports/${exportId}.`,
  );

const replay = (
  execution: Pick<ExecutionDescription, 'executionArn' | 'name' | 'status'>,
  request: ExportRequest,
): ApiResult<ExportAccepted> => {
  const exportId = execution.name;
  logger.info('Export already requested', { status: execution.status });
  return {
    statusCode: 200,
    body: {
      exportId,
      executionArn: execution.executionArn,
      status: toExportStatus(execution.status),
      request,
      links: linksFor(exportId),
    },
  };
};

const deps: PostExportsDeps = {
  sfn,
  elastiCache,
  s3,
  region: REGION,
  stateMachineArn: STATE_MACHINE_ARN,
  allowedTargetBuckets: parseAllowList(optionalEnv('ALLOWED_TARGET_BUCKETS')),
  defaultTargetBucket: optionalEnv('DEFAULT_TARGET_BUCKET'),
  now: () => new Date(),
};

export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(injectLambdaContext(logger, API_LOGGER_OPTIONS))
  .use(httpHeaderNormalizer())
  .use(httpErrors())
  .use(bodySizeLimit(MAX_REQUEST_BYTES))
  .use(mediaTypeNormalizer())
  .use(httpJsonBodyParser())
  // httpJsonBodyParser has replaced the body string with the parsed JSON value; the core validates it.
  .handler(async (event) => toHttpResponse(await postExports(event.body, event.queryStringParameters, deps)));
