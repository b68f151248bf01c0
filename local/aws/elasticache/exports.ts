// CopySnapshot to S3 (an export): ElastiCache's checks of the target bucket in the order it makes them (existence,
// owner, Region, READ/WRITE/READ_ACP granted to ElastiCache's canonical user by ACL or to its service principal by
// bucket policy, key collision) with the messages the CopySnapshot reference quotes, then the source kept `copying`
// for the emulated export time and one real `.rdb` file per shard written into the bucket.
// Reference: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-exporting.html and the CopySnapshot
// reference (reference/aws-cli-elasticache-copy-snapshot.rst).

import { exportKeys } from '../../../handlers/lib/naming.js';
import { damagedExportBody } from '../faults.js';
import {
  aclGrants,
  elastiCacheCanonicalIdFor,
  elastiCacheServicePrincipalFor,
  policyAllows,
} from '../s3/bucket-access.js';
import type { BucketRecord, Permission } from '../s3/model.js';
import { isOptInRegion, partitionFor } from '../sigv4.js';
import type { ElastiCacheContext } from './context.js';
import { snapshotShardFile } from './key-data.js';
import type { Scope, SnapshotModel, Work } from './model.js';
import { invalidCombination, invalidValue } from './params.js';
import type { RegionState } from './state.js';

export { exportKeys } from '../../../handlers/lib/naming.js';

/**
 * ElastiCache's checks of the target bucket, in the order it makes them, with its messages (also for
 * ExportServerlessCacheSnapshot, serverless-exports.ts).
 */
export const checkExportBucket = (
  context: ElastiCacheContext,
  scope: Scope,
  bucketName: string,
  keys: string[],
): BucketRecord => {
  const { s3Store } = context;
  const bucket = s3Store.getBucket(bucketName);
  if (!bucket) throw invalidValue(`The S3 bucket ${bucketName} does not exist.`);
  if (bucket.ownerAccountId !== scope.accountId) {
    throw invalidValue(`The S3 bucket ${bucketName} is not owned by the authenticated user.`);
  }
  if (bucket.region !== scope.region) throw invalidValue(`The S3 bucket ${bucketName} is outside of the region.`);
  const canonicalId = elastiCacheCanonicalIdFor(scope.region);
  const principal = elastiCacheServicePrincipalFor(scope.region);
  const bucketArn = `arn:${partitionFor(scope.region)}:s3:::${bucketName}`;
  const required: Array<[Permission, string, string]> = [
    ['READ', 's3:ListBucket', bucketArn],
    ['WRITE', 's3:PutObject', `${bucketArn}/${keys[0] ?? ''}`],
    ['READ_ACP', 's3:GetBucketAcl', bucketArn],
  ];
  // In opt-in Regions ElastiCache exports through the bucket policy only; an ACL grant does not count.
  const aclCounts = !isOptInRegion(scope.region);
  for (const [permission, action, resource] of required) {
    const granted =
      (aclCounts && aclGrants(bucket, canonicalId, permission)) ||
      policyAllows(bucket.policy, principal, action, resource);
    if (!granted) {
      throw invalidValue(`ElastiCache has not been granted ${permission} permissions ${bucketName} on the S3 Bucket.`);
    }
  }
  for (const key of keys) {
    if (s3Store.headObject(bucketName, key)) {
      throw invalidValue(`The S3 bucket ${bucketName} already contains an object with key ${key}.`);
    }
  }
  return bucket;
};

/** Checks the export and starts it: the source goes `copying` until `finish-export` work completes. */
export const startExport = (
  context: ElastiCacheContext,
  region: RegionState,
  source: SnapshotModel,
  bucketName: string,
  target: string,
): void => {
  if (source.dataTiering) {
    // Assumed code and wording: ElastiCache does not export snapshots of data-tiering clusters.
    throw invalidCombination('Exporting a snapshot of a cluster with data tiering enabled is not supported.');
  }
  const keys = exportKeys(target, source.numNodeGroups);
  checkExportBucket(context, region.scope, bucketName, keys);
  // Taken now, so a staged outcome belongs to this export (and is saved with it).
  const outcome = context.faults.takeExportOutcome();
  source.status = 'copying';
  context.state.schedule(region, context.timings.exportSeconds, {
    kind: 'finish-export',
    sourceName: source.name,
    bucket: bucketName,
    keys,
    ...(outcome && { outcome }),
  });
};

/**
 * Completes an export. The files are written before the source returns to `available` and the work is saved as done:
 * should the emulator die in between, the restarted one writes the same bytes again (the content is deterministic),
 * never a different export.
 */
export const finishExport = (
  context: ElastiCacheContext,
  region: RegionState,
  work: Extract<Work, { kind: 'finish-export' }>,
): void => {
  const source = region.snapshots.get(work.sourceName);
  if (source?.status !== 'copying') return;
  if (work.outcome === 'failed') {
    source.status = 'failed';
    return;
  }
  // A bucket deleted meanwhile gets nothing, and the source still returns to available, as in AWS.
  if (work.outcome !== 'no-objects' && context.s3Store.getBucket(work.bucket)) {
    work.keys.forEach((key, shard) => {
      const takenAt = source.nodeSnapshots[shard]?.snapshotCreateTime;
      const body = snapshotShardFile(source, shard, takenAt === undefined ? context.clock.now() : new Date(takenAt));
      context.s3Store.putObject(work.bucket, key, damagedExportBody(work.outcome, shard, body), {
        contentType: 'application/octet-stream',
      });
    });
  }
  source.status = 'available';
};
