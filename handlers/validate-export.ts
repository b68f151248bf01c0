// handlers/validate-export.ts: state ValidateExport. ExecutionContext → ExportState (the request checked in depth).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { nextWaitSeconds } from './lib/backoff.js';
import { elastiCache } from './lib/clients/elasticache.js';
import { s3 } from './lib/clients/s3.js';
import {
  DEFAULT_DEADLINE_MINUTES,
  type ExecutionContext,
  type ExportState,
  MAX_DEADLINE_MINUTES,
  normalizeExportRequest,
  parseAllowList,
} from './lib/contracts.js';
import { numberEnv, optionalEnv, requireEnv } from './lib/env.js';
import { ConfigError } from './lib/errors.js';
import { checkExport, throwFirstProblem } from './lib/export-checks.js';
import { freshSnapshotOf } from './lib/fresh-snapshot.js';
import { logger } from './lib/logger.js';
import { serverlessTargetName } from './lib/naming.js';

export interface ValidateConfig {
  /** ALLOWED_TARGET_BUCKETS; empty means no bucket is allowed. */
  allowedBuckets: string[];
  /** DEFAULT_TARGET_BUCKET, for requests that name no bucket. */
  defaultTargetBucket?: string | undefined;
  /** DEFAULT_TOPIC_ARN, for snapshots without a TopicArn of their own. */
  defaultTopicArn: string;
  /** The Region this stack (and so every snapshot it sees) runs in. */
  region: string;
  /** EXPORT_DEADLINE_MINUTES, counted from the execution's start. */
  deadlineMinutes: number;
}

export interface ValidateDeps {
  elastiCache: ElastiCacheClient;
  s3: S3Client;
  config: ValidateConfig;
  now: () => Date;
}

/**
 * Checks an export in depth before anything is started: the request (scheduled inputs arrive unchecked), then the
 * checks of handlers/lib/export-checks.ts (allow-list, source, target bucket as ElastiCache will see it), stopping
 * at the first that finds a problem and throwing it. Bucket problems are thrown with ElastiCache's own CopySnapshot
 * messages, so the error catalogue explains them exactly as if CopySnapshot had said them.
 */
export const validateExport = async (context: ExecutionContext, deps: ValidateDeps): Promise<ExportState> => {
  const { config } = deps;
  // The execution's start time, not the clock: a retry of this task derives the same default target name.
  const startedAt = executionStart(context.startedAt, deps.now);
  const request = normalizeExportRequest(context.input, {
    defaultTargetBucket: config.defaultTargetBucket,
    now: startedAt,
    source: 'execution',
  });

  // A fresh snapshot does not exist yet: its source is checked as CreateSnapshot will check it, and the snapshot
  // described once CheckSnapshot finds it available.
  const fresh = freshSnapshotOf(request, context.exportId);
  const checked = await checkExport(
    request,
    { elastiCache: deps.elastiCache, s3: deps.s3, allowedTargetBuckets: config.allowedBuckets, region: config.region },
    { exportId: context.exportId, stopAtFirst: true },
  );
  const summary = throwFirstProblem(checked, request.targetBucket);
  const sourceSnapshotName = summary.snapshotName;
  // A serverless export's objects are named after its snapshot: the newest snapshot found for a serverlessCacheName.
  const targetSnapshotName =
    summary.kind === 'serverless' && !fresh ? serverlessTargetName(sourceSnapshotName) : request.targetSnapshotName;

  logger.info('Export validated', {
    exportId: context.exportId,
    sourceSnapshotName,
    targetSnapshotName,
    targetBucket: request.targetBucket,
  });
  return {
    ...context,
    request,
    sourceSnapshotName,
    targetSnapshotName,
    targetBucket: request.targetBucket,
    snapshot: summary,
    topicArn: summary.topicArn ?? config.defaultTopicArn,
    deadline: new Date(startedAt.getTime() + config.deadlineMinutes * 60_000).toISOString(),
    poll: {
      attempt: 0,
      elapsedSeconds: 0,
      waitSeconds: nextWaitSeconds(0),
      status: fresh ? 'snapshotting' : 'exporting',
      missingChecks: 0,
    },
    objects: [],
    ...(fresh && { fresh }),
  };
};

const executionStart = (startedAt: unknown, now: () => Date): Date => {
  const parsed = typeof startedAt === 'string' ? new Date(startedAt) : undefined;
  return parsed && !Number.isNaN(parsed.getTime()) ? parsed : now();
};

// ---- Lambda entry point ----------------------------------------------------------------------------------------

export { DEFAULT_DEADLINE_MINUTES, MAX_DEADLINE_MINUTES };

/** Reads the configuration from the environment; called once, at cold start. */
export const loadValidateConfig = (): ValidateConfig => {
  const deadlineMinutes = numberEnv('EXPORT_DEADLINE_MINUTES', DEFAULT_DEADLINE_MINUTES);
  if (deadlineMinutes > MAX_DEADLINE_MINUTES) {
    throw new ConfigError(
      `Environment variable EXPORT_DEADLINE_MINUTES must be at most ${MAX_DEADLINE_MINUTES}, got ${deadlineMinutes}`,
    );
  }
  const defaultTargetBucket = optionalEnv('DEFAULT_TARGET_BUCKET');
  return {
    allowedBuckets: parseAllowList(process.env.ALLOWED_TARGET_BUCKETS),
    ...(defaultTargetBucket !== undefined && { defaultTargetBucket }),
    defaultTopicArn: requireEnv('DEFAULT_TOPIC_ARN'),
    region: requireEnv('AWS_REGION'),
    deadlineMinutes,
  };
};

const config = loadValidateConfig();

export const handler = middy<ExecutionContext, ExportState>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler((event) => validateExport(event, { elastiCache, s3, config, now: () => new Date() }));
