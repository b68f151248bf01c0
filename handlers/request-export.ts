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
 * Validates the request (schema, allow-list) and starts the export's execution, named by its export id. The id is
 * derived from (bucket, target name), so asking twice finds the first execution: the same request is answered
 * 200 with that execution's status, a different one 409.
 */
export const requestExport = async (body: unknown, deps: RequestExportDeps): Promise<ApiResult<ExportAccepted>> => {
  const request = normalizeExportRequest(body, { defaultTargetBucket: deps.defaultTargetBucket, now: deps.now() });
  if (!deps.allowedTargetBuckets.includes(request.targetBucket)) {
    throw new TargetBucketNotAllowedError(request.targetBucket);
  }
  const exportId = exportIdFor(request.targetBucket, request.targetSnapshotName);
  const executionArn = executionArnFor(deps.stateMachineArn, exportId);
  logger.appendKeys({ exportId });

  const existing = await describeExecution(deps.sfn, executionArn);
  if (existing) return replay(existing, request);

  // `request` is canonical (fixed key order), so the same request always gives the same input bytes, which
  // StartExecution compares when the same name is started twice while the first execution is open.
  const started = await startExecution(deps.sfn, {
    stateMachineArn: deps.stateMachineArn,
    name: exportId,
    input: JSON.stringify(request),
  });
  if (started.started) {
    logger.info('Export requested', { targetBucket: request.targetBucket });
    return {
      statusCode: 202,
      body: {
        exportId,
        executionArn: started.executionArn || executionArn,
        status: 'RUNNING',
        request,
        links: linksFor(exportId),
      },
    };
  }

  // Another request started this export between our DescribeExecution and StartExecution: answer as if it had
  // come first.
  const raced = await describeExecution(deps.sfn, executionArn);
  if (!raced) {
    throw new AwsUnavailableError('StartExecution reported an existing execution that DescribeExecution cannot find');
  }
  return replay(raced, request);
};

const replay = (execution: ExecutionDescription, request: ExportRequest): ApiResult<ExportAccepted> => {
  const exportId = execution.name;
  if (!isSameRequest(execution.input, request)) {
    throw new ExportConflictError(
      `Export ${exportId} (bucket ${request.targetBucket}, target name ${request.targetSnapshotName}) was already requested with a different request. Choose another targetSnapshotName, or follow the existing export at /exports/${exportId}.`,
    );
  }
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
