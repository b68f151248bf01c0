// ExportServerlessCacheSnapshot: the snapshot must exist and be `available`, its cache not backing up, its engine
// Valkey or Redis OSS; then the same checks of the bucket as a node-based export (exports.ts checkExportBucket: exists,
// owned by the caller's account, in the Region, READ/WRITE/READ_ACP granted to ElastiCache by ACL or bucket policy, no
// object at a key it would write), with the same messages. The snapshot is then exported for the emulated export time
// and its `.rdb` object(s) written into the bucket (rdb.ts), and it is `available` again.
//
// Assumptions, where AWS documents nothing:
// - Status while exporting: `exporting` (setting `serverlessExportStatus`). The ServerlessCacheSnapshot data type does
//   not list its statuses. A node-based source shows `copying` during CopySnapshot, but an export of a serverless
//   snapshot is no copy (no new snapshot is made, and the response is the snapshot itself), and ElastiCache names its
//   other long-running states after the action (`creating`, `deleting`, `modifying`), hence `exporting`.
// - Object keys: handlers/lib/naming.ts serverlessExportKeys (`<snapshot>-0001.rdb`, one per internal shard).
// - A snapshot of a cache that is backing up is refused with InvalidServerlessCacheStateFault, which the reference
//   does not list for this action: the User Guide's "you can't run any other API or CLI operations on serverless
//   cache" during a backup.
// - Memcached: refused with InvalidParameterValue. The API reference says of the action and of both its parameters
//   "Available for Valkey and Redis OSS only"; the User Guide's "Exporting a backup" lists Serverless Memcached among
//   what can be exported. The reference, the narrower, wins here; a Memcached snapshot has no RDB form either.
// - The caller's own S3 permissions are checked as for a node-based export (iam/elasticache.ts).

import { serverlessExportKeys } from '../../../handlers/lib/naming.js';
import { AwsError } from '../errors.js';
import { damagedExportBody } from '../faults.js';
import type { ElastiCacheContext } from './context.js';
import { checkExportBucket } from './exports.js';
import { serverlessShardFile } from './key-data.js';
import type { Scope, ServerlessSnapshotModel, Work } from './model.js';
import { invalidValue } from './params.js';
import { backingUp } from './serverless-backups.js';
import { findServerlessSnapshot, invalidServerlessSnapshotState } from './serverless-snapshots.js';
import type { RegionState } from './state.js';

const SETTLED = ['creating', 'available', 'deleting', 'failed'];

/** ExportServerlessCacheSnapshot: answers the snapshot, now in the export status until `finish-serverless-export`. */
export const exportServerlessCacheSnapshot = (
  context: ElastiCacheContext,
  scope: Scope,
  input: { snapshotName: string; bucket: string },
): ServerlessSnapshotModel =>
  context.state.change(scope, (region) => {
    const snapshot = findServerlessSnapshot(region, input.snapshotName);
    if (snapshot.status !== 'available') throw invalidServerlessSnapshotState(snapshot);
    const busy = backingUp(region, snapshot.serverlessCacheName);
    if (busy) {
      // Assumed wording.
      throw new AwsError(
        'InvalidServerlessCacheStateFault',
        `Serverless cache ${snapshot.serverlessCacheName} is backing up (snapshot ${busy.name}).`,
        400,
      );
    }
    if (snapshot.engine === 'memcached') {
      // Assumed wording.
      throw invalidValue('Exporting a serverless cache snapshot is available for Valkey and Redis OSS only.');
    }
    const keys = serverlessExportKeys(snapshot.name, context.serverlessExport.serverlessExportShards);
    checkExportBucket(context, scope, input.bucket, keys);
    // Taken now, so a staged outcome belongs to this export (and is saved with it).
    const outcome = context.faults.takeExportOutcome(snapshot.name);
    snapshot.status = context.serverlessExport.serverlessExportStatus;
    context.state.schedule(region, context.timings.exportSeconds, {
      kind: 'finish-serverless-export',
      snapshotName: snapshot.name,
      bucket: input.bucket,
      keys,
      ...(outcome && { outcome }),
    });
    return snapshot;
  });

/**
 * Completes an export: the objects are written before the snapshot is `available` again (deterministic bytes, so an
 * export redone after a crash in between writes the same objects). A staged `failed` leaves the snapshot `failed`
 * with nothing written, `no-objects` writes nothing; a bucket deleted meanwhile gets nothing.
 */
export const finishServerlessExport = (
  context: ElastiCacheContext,
  region: RegionState,
  work: Extract<Work, { kind: 'finish-serverless-export' }>,
): void => {
  const snapshot = region.serverlessSnapshots.get(work.snapshotName);
  // Whatever the export status was called when the export started (the setting may differ after a restart).
  if (!snapshot || SETTLED.includes(snapshot.status)) return;
  if (work.outcome === 'failed') {
    snapshot.status = 'failed';
    return;
  }
  if (work.outcome !== 'no-objects' && context.s3Store.getBucket(work.bucket)) {
    work.keys.forEach((key, shard) => {
      const body = serverlessShardFile(snapshot, shard, work.keys.length);
      context.s3Store.putObject(work.bucket, key, damagedExportBody(work.outcome, shard, body), {
        contentType: 'application/octet-stream',
      });
    });
  }
  snapshot.status = 'available';
};
