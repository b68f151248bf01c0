// Serverless cache snapshots: CreateServerlessCacheSnapshot (the 24-hour quota, the cache busy while it is taken: see
// serverless-backups.ts), DescribeServerlessCacheSnapshots' filters, DeleteServerlessCacheSnapshot (`deleting`, then
// gone). References: those actions and the ServerlessCacheSnapshot data type in the ElastiCache API reference
// (2015-02-02): snapshot names are "stored as a lowercase string", 1 to 255 characters. Snapshots are offered for
// Valkey, Redis OSS and Serverless Memcached ("Available for Valkey, Redis OSS and Serverless Memcached only", and
// "Backup and restore are supported only for caches running on Valkey, Redis OSS or Serverless Memcached", User Guide),
// so a Memcached cache's snapshot is taken too; only its export is refused (serverless-exports.ts). Messages AWS does
// not document are marked "assumed".
import { AwsError } from '../errors.js';
import type { ElastiCacheContext } from './context.js';
import type { Scope, ServerlessSnapshotModel } from './model.js';
import { invalidValue } from './params.js';
import { backingUp, serverlessSnapshotAlreadyExists, takeServerlessSnapshot } from './serverless-backups.js';
import { findServerlessCache, invalidServerlessCacheState } from './serverless-caches.js';
import type { RegionState } from './state.js';

export const findServerlessSnapshot = (region: RegionState, name: string): ServerlessSnapshotModel => {
  const snapshot = region.serverlessSnapshots.get(name.toLowerCase());
  if (!snapshot) {
    // Assumed wording.
    throw new AwsError('ServerlessCacheSnapshotNotFoundFault', `Serverless cache snapshot ${name} not found.`, 404);
  }
  return snapshot;
};

// Assumed wording.
export const invalidServerlessSnapshotState = (snapshot: ServerlessSnapshotModel): AwsError =>
  new AwsError(
    'InvalidServerlessCacheSnapshotStateFault',
    `Serverless cache snapshot ${snapshot.name} is not in the available state (current state: ${snapshot.status}).`,
    400,
  );

const checkSnapshotName = (name: string, parameter: string): string => {
  if (name.length < 1 || name.length > 255) {
    // Assumed wording.
    throw invalidValue(`The parameter ${parameter} must be between 1 and 255 characters.`);
  }
  return name.toLowerCase();
};

/**
 * The manual snapshots of a cache counted against the quota: created in the last 24 hours of emulated time (scaled
 * like every emulated duration), whether deleted since or not.
 */
const recentCreations = (context: ElastiCacheContext, region: RegionState, key: string): number[] => {
  const since = context.clock.now().getTime() - context.clock.realMs(24 * 3600);
  return (region.manualSnapshotLog.get(key) ?? []).filter((at) => at > since);
};

export interface CreateServerlessSnapshotInput {
  serverlessCacheName: string;
  snapshotName: string;
  kmsKeyId?: string | undefined;
  tags?: Array<{ key: string | undefined; value: string | undefined }>;
}

/**
 * CreateServerlessCacheSnapshot, checked in this order (assumed): the name is free, the cache exists, it is
 * `available` and not backing up, the quota allows one more. Answers the snapshot `creating`.
 */
export const createServerlessCacheSnapshot = (
  context: ElastiCacheContext,
  scope: Scope,
  input: CreateServerlessSnapshotInput,
): ServerlessSnapshotModel =>
  context.state.change(scope, (region) => {
    const name = checkSnapshotName(input.snapshotName, 'ServerlessCacheSnapshotName');
    const tags = (input.tags ?? []).map((tag) => {
      // Assumed wording: a Tag's Key is required by the API model.
      if (!tag.key) throw invalidValue('Tag keys must not be empty.');
      return { key: tag.key, value: tag.value ?? '' };
    });
    if (region.serverlessSnapshots.has(name)) throw serverlessSnapshotAlreadyExists(name);
    const cache = findServerlessCache(region, input.serverlessCacheName);
    if (cache.status !== 'available') throw invalidServerlessCacheState(cache);
    const busy = backingUp(region, cache.name);
    if (busy) throw invalidServerlessCacheState(cache, `is backing up (snapshot ${busy.name})`);
    const key = `serverlesscache:${cache.name}`;
    const recent = recentCreations(context, region, key);
    if (recent.length >= context.limits.serverlessSnapshotsPerCache) {
      // The fault's description in the API reference.
      throw new AwsError(
        'ServerlessCacheSnapshotQuotaExceededFault',
        'The number of serverless cache snapshots exceeds the customer snapshot quota.',
        400,
      );
    }
    region.manualSnapshotLog.set(key, [...recent, context.clock.now().getTime()]);
    return takeServerlessSnapshot(context, region, cache, { name, kmsKeyId: input.kmsKeyId, tags });
  });

export interface DescribeServerlessSnapshotsFilter {
  serverlessCacheName?: string | undefined;
  snapshotName?: string | undefined;
  snapshotType?: string | undefined;
}

/**
 * DescribeServerlessCacheSnapshots: every snapshot of the account and Region, or those the filters select. A named
 * snapshot that does not exist is ServerlessCacheSnapshotNotFoundFault; a named cache that does not exist is
 * ServerlessCacheNotFoundFault, unless snapshots of it remain (assumed: a deleted cache's final snapshot stays
 * listable by its cache's name).
 */
export const describeServerlessCacheSnapshots = (
  context: ElastiCacheContext,
  scope: Scope,
  filter: DescribeServerlessSnapshotsFilter,
): ServerlessSnapshotModel[] => {
  const region = context.state.region(scope);
  const { snapshotType } = filter;
  if (snapshotType !== undefined && snapshotType !== 'manual' && snapshotType !== 'automated') {
    // Assumed wording.
    throw invalidValue(`Invalid value for SnapshotType: ${snapshotType}. Valid values are manual and automated.`);
  }
  const cacheName = filter.serverlessCacheName?.toLowerCase();
  const snapshotName = filter.snapshotName?.toLowerCase();
  const all = [...region.serverlessSnapshots.values()];
  if (cacheName !== undefined && !all.some((snapshot) => snapshot.serverlessCacheName === cacheName)) {
    findServerlessCache(region, cacheName);
  }
  if (snapshotName !== undefined) findServerlessSnapshot(region, snapshotName);
  return all.filter(
    (snapshot) =>
      (cacheName === undefined || snapshot.serverlessCacheName === cacheName) &&
      (snapshotName === undefined || snapshot.name === snapshotName) &&
      (snapshotType === undefined || snapshot.snapshotType === snapshotType),
  );
};

/**
 * DeleteServerlessCacheSnapshot: an `available` or `failed` snapshot is answered and listed `deleting` for the
 * emulated delete time, then gone (as node-based snapshots, snapshots.ts deleteSnapshot). One being created, exported
 * or already deleted is refused with InvalidServerlessCacheSnapshotStateFault.
 */
export const deleteServerlessCacheSnapshot = (
  context: ElastiCacheContext,
  scope: Scope,
  name: string,
): ServerlessSnapshotModel =>
  context.state.change(scope, (region) => {
    const snapshot = findServerlessSnapshot(region, name);
    if (snapshot.status !== 'available' && snapshot.status !== 'failed') throw invalidServerlessSnapshotState(snapshot);
    snapshot.status = 'deleting';
    context.state.schedule(region, context.timings.snapshotDeleteSeconds, {
      kind: 'finish-serverless-snapshot-deletion',
      snapshotName: snapshot.name,
    });
    return snapshot;
  });
