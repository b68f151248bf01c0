// State CheckExport: ExportState -> ExportState (poll advanced; status `exported` with the objects once they landed).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { S3Client } from '@aws-sdk/client-s3';
import middy from '@middy/core';
import { findServerlessSnapshot, findSnapshot, nodeGroupCount } from './lib/aws/elasticache.js';
import { getObjectRange, listObjects } from './lib/aws/s3.js';
import { DEFAULT_BACKOFF, nextWaitSeconds } from './lib/backoff.js';
import { elastiCache } from './lib/clients/elasticache.js';
import { s3 } from './lib/clients/s3.js';
import type { ExportedObject, ExportState, PollState, SnapshotSummary, VerifyMode } from './lib/contracts.js';
import { ExportDeadlineError, ExportFailedError } from './lib/errors.js';
import { parseVerifyMode, verifyExportObjects } from './lib/export-verification.js';
import { logger } from './lib/logger.js';
import { expectedObjectKeys, isExportObjectKey, objectKeyBase } from './lib/naming.js';
import { durationSeconds, formatDuration, listSome } from './lib/outcome.js';

export interface CheckExportDeps {
  elastiCache: ElastiCacheClient;
  s3: S3Client;
  now: () => Date;
  /** VERIFY_EXPORTS; `full` when not given. */
  verifyMode?: VerifyMode;
  /** Milliseconds this invocation has left (Lambda's getRemainingTimeInMillis); verification stops before them. */
  remainingMs?: () => number;
}

/** VERIFY_EXPORTS, read once at cold start. */
const VERIFY_MODE = parseVerifyMode(process.env.VERIFY_EXPORTS);

/**
 * Time kept back from verification to return the state and log (the function's timeout is 900 s, serverless.yml).
 * Without a remaining time (the local runner's context has none) the function's 900 s are assumed.
 */
const RETURN_MARGIN_MS = 5_000;
const FUNCTION_TIMEOUT_MS = 900_000;

/**
 * Source statuses this code knows to mean "still exporting". AWS documents no list of the statuses a snapshot
 * shows while it is exported (`copying` is what it shows; `creating` is assumed to precede it), so any status
 * other than `available` and the two that end an export counts as still running, with a warning, until the
 * deadline: a status AWS adds later must not fail a healthy export.
 */
const KNOWN_EXPORTING = new Set(['copying', 'creating']);
/** The same for a serverless snapshot: `exporting` is assumed (local/aws/elasticache/serverless-exports.ts). */
const KNOWN_SERVERLESS_EXPORTING = new Set(['exporting']);
/** Statuses after which the export cannot produce its objects: it ends now rather than at the deadline. */
const ENDS_EXPORT = new Set(['failed', 'deleting']);

/**
 * Checks made after the source was back to `available` but the objects were missing or incomplete, before we
 * call the export failed. ElastiCache may flip the source to `available` a moment before the last object is
 * visible in S3; S3 listings are strongly consistent, so one more check after a short wait is enough to tell
 * "still landing" from "never written" ("reported success, bucket empty" must never count as a success).
 */
const GRACE_CHECKS = 1;

const byKey = (a: ExportedObject, b: ExportedObject): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

/**
 * The next poll after this check: the wait just done counts towards the elapsed time the backoff grows with; the
 * failed checks so far (counted by the ASL, whose Catch bypasses this code) are carried, as they are budgeted per
 * execution.
 */
const advance = (
  state: ExportState,
  status: PollState['status'],
  missingChecks: number,
  waitSeconds?: number,
): PollState => {
  const { poll } = state;
  const elapsedSeconds = poll.elapsedSeconds + poll.waitSeconds;
  return {
    attempt: poll.attempt + 1,
    elapsedSeconds,
    waitSeconds: waitSeconds ?? nextWaitSeconds(elapsedSeconds),
    status,
    missingChecks,
    failedChecks: poll.failedChecks ?? 0,
  };
};

/**
 * One look at a running export. Progress is data (`exporting`, `settling`, `exported`); a failed export, a
 * vanished source, missing or empty objects after the grace check, and a passed deadline are thrown.
 */
export const checkExport = async (state: ExportState, deps: CheckExportDeps): Promise<ExportState> => {
  if (state.poll.status === 'snapshotting') return checkFreshSnapshot(state, deps);
  const { sourceSnapshotName, targetSnapshotName, targetBucket } = state;
  const target = `${targetSnapshotName} in s3://${targetBucket}`;

  // Past the deadline we still take one last look, so an export that landed during the final wait is reported as
  // the success it is; but an AWS failure on that look, or a source still copying, ends the export here.
  const now = deps.now();
  const deadline = Date.parse(state.deadline);
  const deadlinePassed = !Number.isNaN(deadline) && now.getTime() > deadline;
  const deadlineError = () =>
    new ExportDeadlineError(
      `The export of snapshot ${sourceSnapshotName} to ${target} did not finish by its deadline ${state.deadline}; ` +
        `it has been running for ${formatDuration(durationSeconds(state.startedAt, now))}, since ${state.startedAt}.`,
    );
  const lastLook = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (deadlinePassed) throw deadlineError();
      throw error;
    }
  };

  const serverless = state.snapshot.kind === 'serverless';
  const snapshot = await lastLook(() => sourceStatus(state, deps));
  if (!snapshot) {
    throw new ExportFailedError(
      `The source snapshot ${sourceSnapshotName} disappeared while it was being exported to ${target}.`,
      { code: 'ExportFailed' },
    );
  }
  const { status } = snapshot;
  if (ENDS_EXPORT.has(status)) {
    throw new ExportFailedError(
      `ElastiCache reported the source snapshot ${sourceSnapshotName} as '${status}' while exporting it to ${target}.`,
      { code: 'ExportFailed' },
    );
  }
  if (status !== 'available') {
    if (deadlinePassed) throw deadlineError();
    const poll = advance(state, 'exporting', 0);
    if ((serverless ? KNOWN_SERVERLESS_EXPORTING : KNOWN_EXPORTING).has(status)) {
      logger.info('Export still running', { sourceSnapshotName, snapshotStatus: status, poll });
    } else {
      logger.warn('Source snapshot in a status this service does not know; counted as still exporting', {
        sourceSnapshotName,
        snapshotStatus: status,
        poll,
      });
    }
    return { ...state, poll };
  }

  const expectedCount = state.snapshot.numNodeGroups;
  const objects = (await lastLook(() => listObjects(deps.s3, targetBucket, objectKeyBase(targetSnapshotName))))
    .filter((object) => isExportObjectKey(targetSnapshotName, object.key))
    .sort(byKey);
  const empty = objects.filter((object) => object.size <= 0);
  if (objects.length >= expectedCount && empty.length === 0) {
    const started = Date.now();
    const { objects: verified, summary } = await verifyExportObjects(objects, {
      mode: deps.verifyMode ?? 'full',
      read: (key, range) => getObjectRange(deps.s3, targetBucket, key, range),
      deadline: started + (deps.remainingMs?.() ?? FUNCTION_TIMEOUT_MS) - RETURN_MARGIN_MS,
      now: () => Date.now(),
    });
    logger.info('Export objects verified', {
      sourceSnapshotName,
      targetBucket,
      objectCount: objects.length,
      verifyMode: summary.mode,
      fullyVerified: verified.filter((object) => object.rdb?.verified === 'full').length,
      verifyMs: Date.now() - started,
    });
    return {
      ...state,
      poll: advance(state, 'exported', state.poll.missingChecks, 0),
      objects: verified,
      verification: summary,
    };
  }

  if (state.poll.missingChecks < GRACE_CHECKS && !deadlinePassed) {
    const poll = advance(state, 'settling', state.poll.missingChecks + 1, DEFAULT_BACKOFF.minSeconds);
    logger.warn('Source available but export objects missing; checking once more', {
      sourceSnapshotName,
      targetBucket,
      expectedCount,
      foundCount: objects.length,
      emptyCount: empty.length,
    });
    return { ...state, poll, objects };
  }

  if (objects.length === 0) {
    throw new ExportFailedError(
      `ElastiCache finished exporting snapshot ${sourceSnapshotName}, but s3://${targetBucket} has no object ` +
        `${objectKeyBase(targetSnapshotName)}.rdb or ${objectKeyBase(targetSnapshotName)}-NNNN.rdb.`,
      { code: 'ExportNoObjects' },
    );
  }
  const found = new Set(objects.map((object) => object.key));
  const missing = expectedObjectKeys(targetSnapshotName, expectedCount).filter((key) => !found.has(key));
  throw new ExportFailedError(
    `ElastiCache finished exporting snapshot ${sourceSnapshotName} to s3://${targetBucket}, but the objects are ` +
      `incomplete: expected ${expectedCount} non-empty objects, found ${objects.length}` +
      (missing.length > 0 ? `; missing: ${listSome(missing)}` : '') +
      (empty.length > 0 ? `; empty: ${listSome(empty.map((object) => object.key))}` : '') +
      '.',
    { code: 'ExportIncomplete' },
  );
};

/**
 * The source's status: DescribeSnapshots for a node-based snapshot, DescribeServerlessCacheSnapshots for a serverless
 * one; undefined when it is gone.
 */
const sourceStatus = async (state: ExportState, deps: CheckExportDeps): Promise<{ status: string } | undefined> => {
  if (state.snapshot.kind === 'serverless') {
    const snapshot = await findServerlessSnapshot(deps.elastiCache, state.sourceSnapshotName);
    return snapshot && { status: snapshot.Status ?? 'unknown' };
  }
  const snapshot = await findSnapshot(deps.elastiCache, state.sourceSnapshotName);
  return snapshot && { status: snapshot.SnapshotStatus ?? 'unknown' };
};

/**
 * State CheckSnapshot: one look at the fresh snapshot being taken (the same backoff and check counter as the
 * export's, so the cap and the deadline bound both phases together). `snapshotted` once it is available, with
 * ElastiCache's own description of it; a failed or vanished snapshot, or a passed deadline, is thrown.
 */
const checkFreshSnapshot = async (state: ExportState, deps: CheckExportDeps): Promise<ExportState> => {
  const name = state.sourceSnapshotName;
  const owner = state.snapshot.serverlessCacheName
    ? `serverless cache ${state.snapshot.serverlessCacheName}`
    : state.snapshot.replicationGroupId
      ? `replication group ${state.snapshot.replicationGroupId}`
      : `cluster ${state.snapshot.cacheClusterId ?? '?'}`;
  const now = deps.now();
  const deadline = Date.parse(state.deadline);
  const deadlinePassed = !Number.isNaN(deadline) && now.getTime() > deadline;
  const snapshot = await freshSnapshotFacts(state, deps);
  if (!snapshot) {
    throw new ExportFailedError(`The fresh snapshot ${name} of ${owner} disappeared while it was being taken.`, {
      code: 'SnapshotFailed',
    });
  }
  const { status, facts } = snapshot;
  if (status === 'available') {
    logger.info('Fresh snapshot available', { snapshotName: name, attempt: state.poll.attempt + 1 });
    return {
      ...state,
      snapshot: { ...state.snapshot, ...facts },
      ...(facts.topicArn && { topicArn: facts.topicArn }),
      poll: advance(state, 'snapshotted', 0),
    };
  }
  if (status === 'failed' || status === 'deleting') {
    throw new ExportFailedError(`ElastiCache reported the fresh snapshot ${name} of ${owner} as '${status}'.`, {
      code: 'SnapshotFailed',
    });
  }
  if (deadlinePassed) {
    throw new ExportDeadlineError(
      `The fresh snapshot ${name} of ${owner} was still ${status} at the export's deadline ${state.deadline}; ` +
        `it has been running for ${formatDuration(durationSeconds(state.startedAt, now))}.`,
    );
  }
  const poll = advance(state, 'snapshotting', 0);
  logger.info('Fresh snapshot still being taken', { snapshotName: name, snapshotStatus: status, poll });
  return { ...state, poll };
};

/**
 * The fresh snapshot's status, and once it is taken what ElastiCache says of it; undefined when it is gone. A
 * serverless snapshot is one object's worth (naming.ts) and carries no topic.
 */
const freshSnapshotFacts = async (
  state: ExportState,
  deps: CheckExportDeps,
): Promise<{ status: string; facts: Partial<SnapshotSummary> } | undefined> => {
  if (state.fresh?.kind === 'serverless') {
    const snapshot = await findServerlessSnapshot(deps.elastiCache, state.sourceSnapshotName);
    const version = snapshot?.ServerlessCacheConfiguration?.MajorEngineVersion;
    return snapshot && { status: snapshot.Status ?? 'unknown', facts: version ? { engineVersion: version } : {} };
  }
  const snapshot = await findSnapshot(deps.elastiCache, state.sourceSnapshotName);
  return (
    snapshot && {
      status: snapshot.SnapshotStatus ?? 'unknown',
      facts: {
        numNodeGroups: nodeGroupCount(snapshot),
        ...(snapshot.EngineVersion && { engineVersion: snapshot.EngineVersion }),
        ...(snapshot.TopicArn && { topicArn: snapshot.TopicArn }),
      },
    }
  );
};

export const handler = middy<ExportState, ExportState>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler((state, context) =>
    checkExport(state, {
      elastiCache,
      s3,
      now: () => new Date(),
      verifyMode: VERIFY_MODE,
      remainingMs: () => context.getRemainingTimeInMillis?.() ?? FUNCTION_TIMEOUT_MS,
    }),
  );
