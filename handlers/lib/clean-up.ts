// States CleanUp and CleanUpAfterFailure: what an export leaves to do once it has ended, before its notification
// is sent (so the notification says what was done): delete the fresh snapshot it took, unless asked to keep it;
// and after a success of a scheduled run with a retention policy, delete the older exports of that schedule
// beyond the policy. Never changes the export's outcome: what cannot be done is said, not thrown (throttling and
// AWS faults are thrown, for the state machine's retries). Also used by the safety net. No Lambda types here.
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { S3Client } from '@aws-sdk/client-s3';
import { deleteObjects, listObjectsByPrefix } from './aws/s3.js';
import type { CleanupResult, ExportedObject, ExportState, FreshSnapshotOutcome, StepError } from './contracts.js';
import { AwsThrottledError, AwsUnavailableError } from './errors.js';
import { removeFreshSnapshot } from './fresh-snapshot.js';
import { logger } from './logger.js';
import { scheduleKeyPrefix } from './naming.js';
import { planPruning } from './retention.js';

export interface CleanUpDeps {
  elastiCache: ElastiCacheClient;
  s3: S3Client;
  now: () => Date;
}

/** The state CleanUp receives: a verified export's state, or a failure's (any state, plus the error). */
export type CleanUpInput = Partial<ExportState> & Pick<ExportState, 'exportId' | 'startedAt'> & { error?: StepError };

const message = (error: unknown): string =>
  error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error);

/** AWS said "later": the state machine retries the whole task (both steps are idempotent). */
const isTransient = (error: unknown): boolean =>
  error instanceof AwsThrottledError || error instanceof AwsUnavailableError;

/** After a success of a scheduled run with a retention policy: the older exports of that schedule, deleted. */
const prune = async (
  input: CleanUpInput,
  deps: CleanUpDeps,
): Promise<{ pruned: ExportedObject[]; problems: string[] }> => {
  const schedule = input.request?.schedule;
  const bucket = input.targetBucket;
  const current = input.targetSnapshotName;
  if (!schedule?.retention || !bucket || !current) return { pruned: [], problems: [] };
  const objects = await listObjectsByPrefix(deps.s3, bucket, scheduleKeyPrefix(schedule.name));
  const plan = planPruning({
    scheduleName: schedule.name,
    policy: schedule.retention,
    current,
    objects,
    now: deps.now(),
  });
  if (plan.prune.length === 0) return { pruned: [], problems: [] };
  const result = await deleteObjects(
    deps.s3,
    bucket,
    plan.prune.map((object) => object.key),
  );
  const deleted = new Set(result.deleted);
  const pruned = plan.prune.filter((object) => deleted.has(object.key));
  const problems = result.errors.map(
    (error) => `s3://${bucket}/${error.key} was not deleted: ${error.code} ${error.message}`,
  );
  logger.info('Older exports pruned', { schedule: schedule.name, pruned: pruned.length, failed: result.errors.length });
  return { pruned, problems };
};

/**
 * Cleans up after the export ended. Idempotent: a state that already carries `cleanup` is returned as it is, and
 * both steps can be repeated (a deleted snapshot is `gone`, a pruned object no longer listed).
 */
export const cleanUpExport = async <T extends CleanUpInput>(input: T, deps: CleanUpDeps): Promise<T> => {
  if (input.cleanup) return input;
  const problems: string[] = [];
  let freshSnapshot: FreshSnapshotOutcome | undefined;
  try {
    freshSnapshot = await removeFreshSnapshot(input, deps.elastiCache);
  } catch (error) {
    if (isTransient(error)) throw error;
    const snapshotName = input.fresh?.snapshotName ?? '';
    freshSnapshot = { snapshotName, deleted: false, reason: message(error) };
  }
  // A failed export prunes nothing: the older exports may be the only good ones.
  let pruned: ExportedObject[] = [];
  if (input.error === undefined && input.poll?.status === 'exported') {
    try {
      const result = await prune(input, deps);
      pruned = result.pruned;
      problems.push(...result.problems);
    } catch (error) {
      if (isTransient(error)) throw error;
      problems.push(`Older exports were not pruned: ${message(error)}`);
    }
  }
  const cleanup: CleanupResult = {
    ...(freshSnapshot && { freshSnapshot }),
    ...(pruned.length > 0 && { pruned }),
    ...(problems.length > 0 && { problems }),
  };
  return { ...input, cleanup };
};
