// Serverless caches: CreateServerlessCache (`creating`, then `available` after the emulated create time),
// DescribeServerlessCaches, DeleteServerlessCache (`deleting`, then gone after as long, with an optional final
// snapshot), and the rules ElastiCache applies to each request. While a snapshot of a cache is taken the cache stays
// `available` (ServerlessCache has no `snapshotting` status) but is busy: see serverless-backups.ts backingUp.
// References: CreateServerlessCache, DescribeServerlessCaches, DeleteServerlessCache and the ServerlessCache data type
// in the ElastiCache API reference (2015-02-02). Messages AWS does not document are marked "assumed".
import { AwsError } from '../errors.js';
import { arnOf, type ElastiCacheContext, nowIso } from './context.js';
import type { Scope, ServerlessCacheModel, Work } from './model.js';
import { checkId, invalidCombination, invalidValue } from './params.js';
import { backingUp, serverlessSnapshotAlreadyExists, takeServerlessSnapshot } from './serverless-backups.js';
import type { RegionState } from './state.js';

export const findServerlessCache = (region: RegionState, name: string): ServerlessCacheModel => {
  const cache = region.serverlessCaches.get(name.toLowerCase());
  // Assumed wording.
  if (!cache) throw new AwsError('ServerlessCacheNotFoundFault', `Serverless cache ${name} not found.`, 404);
  return cache;
};

// Assumed wording.
export const invalidServerlessCacheState = (cache: ServerlessCacheModel, why = `is ${cache.status}`): AwsError =>
  new AwsError('InvalidServerlessCacheStateFault', `Serverless cache ${cache.name} ${why}.`, 400);

type Engine = ServerlessCacheModel['engine'];

/**
 * The major versions each engine offers serverless, and the full version a new cache runs (ElastiCache User Guide,
 * "Engine versions": Valkey 7 and 8, Redis OSS 7, Memcached 1.6; the minor versions are the current ones, assumed).
 */
const VERSIONS: Record<Engine, Record<string, string>> = {
  valkey: { '8': '8.0', '7': '7.2' },
  redis: { '7': '7.1' },
  memcached: { '1.6': '1.6.22' },
};

const DEFAULT_MAJOR: Record<Engine, string> = { valkey: '8', redis: '7', memcached: '1.6' };

const checkEngine = (raw: string): Engine => {
  const engine = raw.toLowerCase();
  if (engine === 'valkey' || engine === 'redis' || engine === 'memcached') return engine;
  // Assumed wording.
  throw invalidValue(`Invalid engine: ${raw}. Valid values are valkey, redis and memcached.`);
};

/** A restore source: the ARN of a snapshot (node-based or serverless) of this account and Region that is available. */
const checkRestoreArn = (region: RegionState, arn: string): void => {
  const match = /^arn:[a-z-]+:elasticache:([a-z0-9-]+):(\d{12}):(snapshot|serverlesscachesnapshot):(.+)$/.exec(arn);
  // Assumed code (CreateServerlessCache models no snapshot-not-found fault) and wording.
  const refusal = () => invalidValue(`The snapshot ARN ${arn} is not valid or does not name an available snapshot.`);
  if (!match) throw refusal();
  const [, arnRegion, account, kind, name = ''] = match;
  if (arnRegion !== region.scope.region || account !== region.scope.accountId) return;
  const status =
    kind === 'snapshot'
      ? region.snapshots.get(name)?.status
      : region.serverlessSnapshots.get(name.toLowerCase())?.status;
  if (status !== 'available') throw refusal();
};

export interface CreateServerlessCacheInput {
  name: string;
  engine: string;
  description?: string | undefined;
  majorEngineVersion?: string | undefined;
  kmsKeyId?: string | undefined;
  securityGroupIds: string[];
  subnetIds: string[];
  snapshotArnsToRestore: string[];
  userGroupId?: string | undefined;
  snapshotRetentionLimit?: number | undefined;
  dailySnapshotTime?: string | undefined;
  usageLimits?: ServerlessCacheModel['usageLimits'];
}

/** Adds a serverless cache in `status` (no checks of the name's availability: the caller makes them). */
export const addServerlessCache = (
  context: ElastiCacheContext,
  region: RegionState,
  input: CreateServerlessCacheInput,
  status: ServerlessCacheModel['status'],
): ServerlessCacheModel => {
  const engine = checkEngine(input.engine);
  const major = input.majorEngineVersion ?? DEFAULT_MAJOR[engine];
  const full = VERSIONS[engine][major];
  if (full === undefined) {
    // Assumed wording.
    throw invalidValue(`Invalid major engine version ${major} for engine ${engine}.`);
  }
  if (input.description !== undefined && input.description.length > 255) {
    throw invalidValue('The description must be at most 255 characters.');
  }
  const retention = input.snapshotRetentionLimit;
  if (retention !== undefined && (!Number.isInteger(retention) || retention < 0 || retention > 35)) {
    // "The maximum backup retention limit is 35 days" (User Guide, "Scheduling automatic backups").
    throw invalidValue('SnapshotRetentionLimit must be between 0 and 35.');
  }
  if (input.dailySnapshotTime !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(input.dailySnapshotTime)) {
    // Assumed wording; the reference gives the format only by example (HH:MM, UTC).
    throw invalidValue(`Invalid DailySnapshotTime: ${input.dailySnapshotTime}. Use HH:MM (UTC).`);
  }
  for (const arn of input.snapshotArnsToRestore) checkRestoreArn(region, arn);
  const cache: ServerlessCacheModel = {
    seq: context.state.nextSeq(region),
    name: input.name,
    description: input.description ?? '',
    status,
    engine,
    majorEngineVersion: major,
    fullEngineVersion: full,
    securityGroupIds: input.securityGroupIds.length > 0 ? input.securityGroupIds : ['sg-0a1b2c3d4e5f60718'],
    subnetIds: input.subnetIds.length > 0 ? input.subnetIds : ['subnet-0a1b2c3d4e5f60718', 'subnet-0b1c2d3e4f5a60718'],
    createdAt: nowIso(context),
    arn: arnOf(region.scope, 'serverlesscache', input.name),
    ...(input.kmsKeyId && { kmsKeyId: input.kmsKeyId }),
    ...(input.userGroupId && { userGroupId: input.userGroupId }),
    snapshotRetentionLimit: retention ?? 0,
    ...(input.dailySnapshotTime && { dailySnapshotTime: input.dailySnapshotTime }),
    ...(input.usageLimits && { usageLimits: input.usageLimits }),
    ...(input.snapshotArnsToRestore.length > 0 && { restoredFrom: input.snapshotArnsToRestore }),
  };
  region.serverlessCaches.set(cache.name, cache);
  return cache;
};

/** CreateServerlessCache: the cache `creating` until `serverless-available` work completes. */
export const createServerlessCache = (
  context: ElastiCacheContext,
  scope: Scope,
  input: CreateServerlessCacheInput,
): ServerlessCacheModel =>
  context.state.change(scope, (region) => {
    // "This parameter is stored as a lowercase string"; 40 characters as replication group ids (assumed).
    const name = checkId(input.name, 'ServerlessCacheName', 40);
    if (region.serverlessCaches.has(name)) {
      // Assumed wording.
      throw new AwsError('ServerlessCacheAlreadyExistsFault', `Serverless cache ${name} already exists.`, 400);
    }
    const cache = addServerlessCache(context, region, { ...input, name }, 'creating');
    context.state.schedule(region, context.timings.createSeconds, {
      kind: 'serverless-available',
      serverlessCacheName: name,
    });
    return cache;
  });

/** DescribeServerlessCaches: one cache by name (ServerlessCacheNotFoundFault if none), or all of them. */
export const describeServerlessCaches = (
  context: ElastiCacheContext,
  scope: Scope,
  name: string | undefined,
): ServerlessCacheModel[] => {
  const region = context.state.region(scope);
  return name !== undefined ? [findServerlessCache(region, name)] : [...region.serverlessCaches.values()];
};

/**
 * DeleteServerlessCache: an `available` cache that is not backing up goes `deleting` and is gone after the emulated
 * create time; with FinalSnapshotName a final snapshot is taken first (`creating`, then `available`, and kept after
 * the cache is gone). Assumed: the final snapshot is not counted against the 24-a-day quota (it is not a
 * CreateServerlessCacheSnapshot) and is a `manual` snapshot.
 */
export const deleteServerlessCache = (
  context: ElastiCacheContext,
  scope: Scope,
  input: { name: string; finalSnapshotName?: string | undefined },
): ServerlessCacheModel =>
  context.state.change(scope, (region) => {
    const cache = findServerlessCache(region, input.name);
    if (cache.status !== 'available') throw invalidServerlessCacheState(cache);
    const busy = backingUp(region, cache.name);
    if (busy) throw invalidServerlessCacheState(cache, `is backing up (snapshot ${busy.name})`);
    if (input.finalSnapshotName !== undefined) {
      const finalName = input.finalSnapshotName.toLowerCase();
      if (finalName.length === 0 || finalName.length > 255) {
        throw invalidCombination('FinalSnapshotName must be between 1 and 255 characters.');
      }
      if (region.serverlessSnapshots.has(finalName)) throw serverlessSnapshotAlreadyExists(finalName);
      takeServerlessSnapshot(context, region, cache, { name: finalName });
    }
    cache.status = 'deleting';
    // The cache goes once its final snapshot is taken, if that takes longer (assumed).
    const seconds = Math.max(
      context.timings.createSeconds,
      input.finalSnapshotName !== undefined ? context.timings.snapshotSeconds : 0,
    );
    context.state.schedule(region, seconds, { kind: 'serverless-deleted', serverlessCacheName: cache.name });
    return cache;
  });

/** Completes `serverless-available` and `serverless-deleted` work. */
export const finishServerlessCacheWork = (
  region: RegionState,
  work: Extract<Work, { kind: 'serverless-available' | 'serverless-deleted' }>,
): void => {
  const cache = region.serverlessCaches.get(work.serverlessCacheName);
  if (work.kind === 'serverless-available') {
    if (cache?.status === 'creating') cache.status = 'available';
    return;
  }
  if (cache?.status === 'deleting') region.serverlessCaches.delete(cache.name);
};
