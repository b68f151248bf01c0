// handlers/start-export.ts: state StartExport. { state: ExportState, retryCount } → ExportState (CopySnapshot to the
// bucket started). `retryCount` is `$$.State.RetryCount`: 0 on the first attempt, more on Step Functions' retries.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { exportSnapshotToBucket, findSnapshot } from './lib/aws/elasticache.js';
import { listObjects } from './lib/aws/s3.js';
import { elastiCache } from './lib/clients/elasticache.js';
import { s3 } from './lib/clients/s3.js';
import type { ExportState } from './lib/contracts.js';
import { catalogueEntryFor } from './lib/error-catalogue.js';
import { decodeFailureCause, ExportRejectedError } from './lib/errors.js';
import { logger } from './lib/logger.js';
import { isExportObjectKey, objectKeyBase } from './lib/naming.js';
import { isRecord } from './lib/records.js';

export interface StartExportDeps {
  elastiCache: ElastiCacheClient;
  /** Confirms, on a retry, that the objects ElastiCache says exist are in the bucket. */
  s3: S3Client;
}

/** The task's payload (ASL Parameters): the state, and how many times Step Functions has retried this task. */
export interface StartExportEvent {
  state: ExportState;
  retryCount: number;
}

/**
 * Starts the export (CopySnapshot with TargetBucket). Safe to run twice: see `isOurEarlierAttempt`. On the first
 * attempt, a source already `copying` belongs to another request: that is SnapshotBusy, not our own export.
 */
export const startExport = async (state: ExportState, deps: StartExportDeps, retryCount = 0): Promise<ExportState> => {
  const keys = {
    exportId: state.exportId,
    sourceSnapshotName: state.sourceSnapshotName,
    targetSnapshotName: state.targetSnapshotName,
    targetBucket: state.targetBucket,
  };
  try {
    await exportSnapshotToBucket(deps.elastiCache, {
      sourceSnapshotName: state.sourceSnapshotName,
      targetSnapshotName: state.targetSnapshotName,
      targetBucket: state.targetBucket,
    });
    logger.info('Snapshot export started', keys);
  } catch (error) {
    const earlier = attemptedBefore(error, retryCount) ? await isOurEarlierAttempt(error, deps, state) : undefined;
    if (!earlier) throw (await busyError(error, deps, state)) ?? error;
    logger.warn('Export already started by an earlier attempt of this task; resuming polling', {
      ...keys,
      evidence: earlier,
    });
  }
  return state;
};

/**
 * Whether this task may have sent CopySnapshot before: Step Functions retried the task (`$$.State.RetryCount`), or
 * the SDK sent the call more than once within this invocation (a lost response: `$metadata.attempts`). Otherwise
 * nothing of this export can have reached ElastiCache yet.
 */
const attemptedBefore = (error: unknown, retryCount: number): boolean => {
  if (retryCount > 0) return true;
  const cause = error instanceof Error && isRecord(error.cause) ? error.cause : undefined;
  const metadata = cause && isRecord(cause.$metadata) ? cause.$metadata : undefined;
  return typeof metadata?.attempts === 'number' && metadata.attempts > 1;
};

/** SnapshotBusy when ElastiCache refused the source as `copying` for another request's export or copy. */
const busyError = async (
  error: unknown,
  deps: StartExportDeps,
  state: ExportState,
): Promise<ExportRejectedError | undefined> => {
  if (!(error instanceof ExportRejectedError) || error.details.awsErrorCode !== 'InvalidSnapshotState')
    return undefined;
  const source = await findSnapshot(deps.elastiCache, state.sourceSnapshotName);
  if (source?.SnapshotStatus !== 'copying') return undefined;
  return new ExportRejectedError(
    `Snapshot ${state.sourceSnapshotName} is being exported or copied by another request (status copying), so ElastiCache refused to export it to s3://${state.targetBucket} now.`,
    { ...error.details, code: 'SnapshotBusy' },
    { cause: error },
  );
};

/**
 * Step Functions retries this task when the Lambda invocation fails or times out, and AWS may have accepted the
 * CopySnapshot of the first attempt even though its response was lost. The retry then finds one of two things:
 *
 * - "The S3 bucket … already contains an object with key …": ValidateExport proved moments ago that no object
 *   of this export's name was in the bucket, so the object is the one our first attempt's export wrote. We list
 *   the bucket to confirm it is there; if it is not, the message does not describe our export and propagates.
 * - InvalidSnapshotState with the source snapshot now `copying`: ValidateExport saw it `available`, so the export
 *   our first attempt started is running.
 *
 * In both cases we carry on polling. The guess can be wrong (someone else wrote the key, or another export of the
 * same source started in between), but CheckExport verifies that the source is back to `available` and that
 * every expected object is in the bucket, so a wrong guess still ends in a failure notification, never a false
 * success. Any other error, including InvalidSnapshotState with the source not `copying`, propagates.
 */
const isOurEarlierAttempt = async (
  error: unknown,
  deps: StartExportDeps,
  state: ExportState,
): Promise<'object-exists' | 'source-copying' | undefined> => {
  if (!(error instanceof ExportRejectedError)) return undefined;
  const decoded = decodeFailureCause(error.name, error.message);
  if (catalogueEntryFor(decoded).code === 'S3ObjectAlreadyExists') {
    const objects = await listObjects(deps.s3, state.targetBucket, objectKeyBase(state.targetSnapshotName));
    return objects.some((object) => isExportObjectKey(state.targetSnapshotName, object.key))
      ? 'object-exists'
      : undefined;
  }
  if (error.details.awsErrorCode !== 'InvalidSnapshotState') return undefined;
  const source = await findSnapshot(deps.elastiCache, state.sourceSnapshotName);
  return source?.SnapshotStatus === 'copying' ? 'source-copying' : undefined;
};

export const handler = middy<StartExportEvent, ExportState>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler((event) => startExport(event.state, { elastiCache, s3 }, event.retryCount));
