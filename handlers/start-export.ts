// handlers/start-export.ts: state StartExport. { state: ExportState, retryCount } → ExportState (CopySnapshot to the
// bucket, or ExportServerlessCacheSnapshot for a serverless snapshot, started). `retryCount` is `$$.State.RetryCount`: 0 on the first attempt, more on Step Functions' retries.
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import {
  exportServerlessSnapshotToBucket,
  exportSnapshotToBucket,
  findServerlessSnapshot,
  findSnapshot,
} from './lib/aws/elasticache.js';
import { listObjects } from './lib/aws/s3.js';
import { elastiCache } from './lib/clients/elasticache.js';
import { s3 } from './lib/clients/s3.js';
import type { ExportState } from './lib/contracts.js';
import { isObjectAlreadyExists } from './lib/copy-snapshot-messages.js';
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
 * Starts the export (CopySnapshot with TargetBucket). Safe to run twice: see `explainRefusal`. On the first
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
    if (state.snapshot.kind === 'serverless') {
      await exportServerlessSnapshotToBucket(deps.elastiCache, {
        snapshotName: state.sourceSnapshotName,
        targetBucket: state.targetBucket,
      });
    } else {
      await exportSnapshotToBucket(deps.elastiCache, {
        sourceSnapshotName: state.sourceSnapshotName,
        targetSnapshotName: state.targetSnapshotName,
        targetBucket: state.targetBucket,
      });
    }
    logger.info('Snapshot export started', keys);
  } catch (error) {
    const refusal = await explainRefusal(error, deps, state, attemptedBefore(error, retryCount));
    if (refusal?.kind === 'busy') throw refusal.error;
    if (!refusal) throw error;
    logger.warn('Export already started by an earlier attempt of this task; resuming polling', {
      ...keys,
      evidence: refusal.evidence,
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

type Refusal = { kind: 'ours'; evidence: 'object-exists' | 'source-copying' } | { kind: 'busy'; error: Error };

/**
 * What a refused CopySnapshot means, when it can mean something other than a failure.
 *
 * Step Functions retries this task when the Lambda invocation fails or times out, and AWS may have accepted the
 * CopySnapshot of the first attempt even though its response was lost. Only then (`attemptedBefore`) can a refusal
 * be our own earlier export:
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
 * success. On a first attempt nothing of ours can have reached ElastiCache, so a source `copying` belongs to
 * another request's export or copy: SnapshotBusy. Anything else (undefined) propagates as it is.
 */
const explainRefusal = async (
  error: unknown,
  deps: StartExportDeps,
  state: ExportState,
  attempted: boolean,
): Promise<Refusal | undefined> => {
  if (!(error instanceof ExportRejectedError)) return undefined;
  const decoded = decodeFailureCause(error.name, error.message);
  if (isObjectAlreadyExists(decoded)) {
    if (!attempted) return undefined;
    const objects = await listObjects(deps.s3, state.targetBucket, objectKeyBase(state.targetSnapshotName));
    const ours = objects.some((object) => isExportObjectKey(state.targetSnapshotName, object.key));
    return ours ? { kind: 'ours', evidence: 'object-exists' } : undefined;
  }
  const source = await sourceState(error.details.awsErrorCode, deps, state);
  if (source === 'exporting' && attempted) return { kind: 'ours', evidence: 'source-copying' };
  // First attempt: refused for its state although ValidateExport found it available, so another request was using
  // it; found available again, that request has finished in between (two exports of one snapshot at once).
  if (source === undefined || (source === 'available' && attempted)) return undefined;
  return {
    kind: 'busy',
    error: new ExportRejectedError(
      state.snapshot.kind === 'serverless'
        ? `Serverless cache snapshot ${state.sourceSnapshotName} is being exported by another request${source === 'exporting' ? '' : ' (available again: that request just finished)'}, so ElastiCache refused to export it to s3://${state.targetBucket} now.`
        : `Snapshot ${state.sourceSnapshotName} is being exported or copied by another request (status ${source === 'exporting' ? 'copying' : 'available again, that request just finished'}), so ElastiCache refused to export it to s3://${state.targetBucket} now.`,
      { ...error.details, code: 'SnapshotBusy' },
      { cause: error },
    ),
  };
};

/**
 * After a refusal for the source's state, what the source is now: `exporting` (a node-based snapshot `copying`
 * after InvalidSnapshotState, a serverless one in any status but the settled ones after
 * InvalidServerlessCacheSnapshotStateFault: its export status is not documented, check-export.ts), `available`
 * again, or undefined for anything else (another refusal, the source gone or failed).
 */
const sourceState = async (
  awsErrorCode: string | undefined,
  deps: StartExportDeps,
  state: ExportState,
): Promise<'exporting' | 'available' | undefined> => {
  if (state.snapshot.kind === 'serverless') {
    if (awsErrorCode !== 'InvalidServerlessCacheSnapshotStateFault') return undefined;
    const source = await findServerlessSnapshot(deps.elastiCache, state.sourceSnapshotName);
    const status = source?.Status ?? 'unknown';
    return status === 'available' ? 'available' : SETTLED_SERVERLESS_STATUSES.has(status) ? undefined : 'exporting';
  }
  if (awsErrorCode !== 'InvalidSnapshotState') return undefined;
  const status = (await findSnapshot(deps.elastiCache, state.sourceSnapshotName))?.SnapshotStatus;
  return status === 'copying' ? 'exporting' : status === 'available' ? 'available' : undefined;
};

/** Statuses of a serverless snapshot in which no export of it is running. */
const SETTLED_SERVERLESS_STATUSES = new Set(['available', 'creating', 'deleting', 'failed', 'unknown']);

export const handler = middy<StartExportEvent, ExportState>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler((event) => startExport(event.state, { elastiCache, s3 }, event.retryCount));
