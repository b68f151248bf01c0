// Taking a snapshot of a serverless cache (CreateServerlessCacheSnapshot, DeleteServerlessCache's final snapshot, a
// seeded snapshot): the snapshot `creating` for the emulated snapshot time, then `available` (or `failed` with a
// staged outcome). While it is taken the cache is backing up: "During the backup process, you can't run any other API
// or CLI operations on serverless cache" (ElastiCache User Guide, "Snapshot and restore", Backup constraints), so a
// second snapshot, an export of one of its snapshots and its deletion are refused (see backingUp). The cache's Status
// stays `available` meanwhile: ServerlessCache has no `snapshotting` status (its statuses are creating, available,
// deleting, create-failed and modifying).
import { AwsError } from '../errors.js';
import { arnOf, type ElastiCacheContext, nowIso } from './context.js';
import type { ServerlessCacheModel, ServerlessSnapshotModel, Work } from './model.js';
import type { RegionState } from './state.js';

// Assumed wording.
export const serverlessSnapshotAlreadyExists = (name: string): AwsError =>
  new AwsError('ServerlessCacheSnapshotAlreadyExistsFault', `Serverless cache snapshot ${name} already exists.`, 400);

/** The snapshot being taken of a serverless cache, if one is: the cache is busy until it ends. */
export const backingUp = (region: RegionState, cacheName: string): ServerlessSnapshotModel | undefined =>
  [...region.serverlessSnapshots.values()].find(
    (snapshot) => snapshot.status === 'creating' && snapshot.serverlessCacheName === cacheName,
  );

/** The size a snapshot reports (BytesUsedForCache): the emulated caches hold 1 MiB of sample data. */
const SAMPLE_BYTES = 1_048_576;

/**
 * Adds a snapshot of `cache` named `input.name` (lowercased, unused: the caller checks): `creating` with
 * `finish-serverless-snapshot` work scheduled, or, with `status: 'available'`, taken already (seeding).
 */
export const takeServerlessSnapshot = (
  context: ElastiCacheContext,
  region: RegionState,
  cache: ServerlessCacheModel,
  input: {
    name: string;
    kmsKeyId?: string | undefined;
    tags?: Array<{ key: string; value: string }>;
    snapshotType?: 'manual' | 'automated';
    status?: 'creating' | 'available';
    takenAt?: string;
  },
): ServerlessSnapshotModel => {
  const snapshotType = input.snapshotType ?? 'manual';
  const createdAt = input.takenAt ?? nowIso(context);
  const snapshot: ServerlessSnapshotModel = {
    seq: context.state.nextSeq(region),
    name: input.name,
    arn: arnOf(region.scope, 'serverlesscachesnapshot', input.name),
    status: input.status ?? 'creating',
    snapshotType,
    serverlessCacheName: cache.name,
    engine: cache.engine,
    majorEngineVersion: cache.majorEngineVersion,
    fullEngineVersion: cache.fullEngineVersion,
    createdAt,
    bytesUsed: SAMPLE_BYTES,
    ...((input.kmsKeyId ?? cache.kmsKeyId) && { kmsKeyId: input.kmsKeyId ?? cache.kmsKeyId }),
    ...(input.tags && input.tags.length > 0 && { tags: input.tags }),
    // An automated snapshot expires after the cache's retention limit (in days of emulated time, unscaled: it is a
    // date shown, not a wait).
    ...(snapshotType === 'automated' && {
      expiresAt: new Date(Date.parse(createdAt) + Math.max(1, cache.snapshotRetentionLimit) * 86_400_000).toISOString(),
    }),
  };
  region.serverlessSnapshots.set(snapshot.name, snapshot);
  if (snapshot.status === 'creating') {
    const outcome = context.faults.takeSnapshotOutcome({ serverlessCacheName: cache.name });
    context.state.schedule(region, context.timings.snapshotSeconds, {
      kind: 'finish-serverless-snapshot',
      snapshotName: snapshot.name,
      ...(outcome && { outcome }),
    });
  }
  return snapshot;
};

/** Completes `finish-serverless-snapshot` and `finish-serverless-snapshot-deletion` work. */
export const finishServerlessSnapshotWork = (
  region: RegionState,
  work: Extract<Work, { kind: 'finish-serverless-snapshot' | 'finish-serverless-snapshot-deletion' }>,
): void => {
  const snapshot = region.serverlessSnapshots.get(work.snapshotName);
  if (work.kind === 'finish-serverless-snapshot-deletion') {
    if (snapshot?.status === 'deleting') region.serverlessSnapshots.delete(snapshot.name);
    return;
  }
  if (snapshot?.status === 'creating') snapshot.status = work.outcome === 'failed' ? 'failed' : 'available';
};
