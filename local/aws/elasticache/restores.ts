// Seeding a new replication group or cache cluster from .rdb files in S3 (SnapshotArns), as ElastiCache does it
// ("Tutorial: Seeding a new node-based cluster with an externally created backup", ElastiCache User Guide; the
// SnapshotArns parameter of CreateReplicationGroup and CreateCacheCluster, API reference 2015-02-02):
// - each ARN names an S3 object, `arn:aws:s3:::bucket/key`, whose name has no comma; CreateCacheCluster takes a
//   single-element list;
// - the bucket is in the cluster's Region and grants ElastiCache read access to the object: in default Regions by
//   ACL to ElastiCache's canonical user (the emulator has no object ACLs, so the bucket ACL's READ grant stands in
//   for the object's), in every Region by a bucket policy allowing the ElastiCache service principal s3:GetObject
//   on the object;
// - the object is encrypted with SSE-S3 (S3's default), not SSE-KMS (the issue's facts; assumed from AWS's guidance);
// - "The new replication group will have the number of node groups ... specified by the parameter NumNodeGroups ...
//   regardless of the number of ARNs specified here": the keys of every file are spread over the new shards by hash
//   slot ("Distribute your keys in the slots of the new ... cluster differently than in the cluster that was used to
//   create the backup file");
// - "You can't seed a ... (cluster mode disabled) cluster from an .rdb file created from a ... (cluster mode enabled)
//   cluster": the emulator recognises such a source by its several files.
// Those are checked when the request arrives and refused with InvalidParameterValue / InvalidParameterCombination
// (assumed: AWS documents neither the moment nor the wording). The files' content is loaded while the cluster is
// `creating`, as a real node loads its RDB: a file that does not parse (truncated, corrupt, wrong checksum), that the
// engine version cannot load (a newer RDB version: "Can't handle RDB format version N") or that holds databases other
// than 0 for a cluster-mode-enabled group ends the creation `create-failed` (the group) and `restore-failed` (its
// clusters), the statuses the guide names for a failed seeding ("the resulting cluster has a status of
// restore-failed"); the reason is kept with the group. Keys already expired are dropped, as a primary loading an RDB
// drops them. A key in several files keeps its last copy (assumed).
import {
  aclGrants,
  elastiCacheCanonicalIdFor,
  elastiCacheServicePrincipalFor,
  policyAllows,
} from '../s3/bucket-access.js';
import { isOptInRegion, partitionFor } from '../sigv4.js';
import type { ElastiCacheContext } from './context.js';
import { liveKeys } from './demo-data.js';
import type { Scope } from './model.js';
import { invalidCombination, invalidValue } from './params.js';
import { engineReads, type KeyRecord, RdbError, rdbFormatFor, readersOf, readRdb } from './rdb.js';

/** What seeding from the files gives: the keys, or why the new cluster's restore fails. */
export type Seed = { keys: KeyRecord[]; failure?: undefined } | { keys?: undefined; failure: string };

interface Target {
  engine: string;
  engineVersion: string;
  clusterEnabled: boolean;
  /** CreateCacheCluster takes one ARN only. */
  single: boolean;
}

const S3_OBJECT_ARN = /^arn:(aws|aws-cn|aws-us-gov):s3:::([^/]+)\/(.+)$/;

interface ObjectRef {
  arn: string;
  bucket: string;
  key: string;
}

/** The request-time checks of each ARN, in order; answers the objects to read. */
const checkArns = (context: ElastiCacheContext, scope: Scope, arns: string[], target: Target): ObjectRef[] => {
  if (target.single && arns.length > 1) {
    // Assumed wording; the reference: "A single-element string list containing an Amazon Resource Name (ARN)".
    throw invalidValue(`SnapshotArns of CreateCacheCluster takes a single ARN; got ${arns.length}.`);
  }
  if (!target.clusterEnabled && arns.length > 1) {
    // Assumed code and wording.
    throw invalidCombination(
      `A cluster-mode-disabled cluster cannot be seeded from ${arns.length} .rdb files (an export of a cluster-mode-enabled group): create a cluster-mode-enabled replication group, or pass one file.`,
    );
  }
  return arns.map((arn) => {
    const match = S3_OBJECT_ARN.exec(arn);
    if (!match || match[1] !== partitionFor(scope.region)) {
      throw invalidValue(
        `Invalid SnapshotArns member ${arn}: expected the ARN of an S3 object, arn:${partitionFor(scope.region)}:s3:::bucket/key.rdb.`,
      );
    }
    const bucketName = match[2] ?? '';
    const key = match[3] ?? '';
    if (key.includes(',')) {
      throw invalidValue(`The Amazon S3 object name in the ARN cannot contain any commas: ${arn}.`);
    }
    const bucket = context.s3Store.getBucket(bucketName);
    if (!bucket) throw invalidValue(`The S3 bucket ${bucketName} does not exist.`);
    if (bucket.region !== scope.region) throw invalidValue(`The S3 bucket ${bucketName} is outside of the region.`);
    const objectArn = `arn:${partitionFor(scope.region)}:s3:::${bucketName}/${key}`;
    const readable =
      (!isOptInRegion(scope.region) && aclGrants(bucket, elastiCacheCanonicalIdFor(scope.region), 'READ')) ||
      policyAllows(bucket.policy, elastiCacheServicePrincipalFor(scope.region), 's3:GetObject', objectArn);
    if (!readable) {
      throw invalidValue(`ElastiCache has not been granted READ permissions on the S3 object ${bucketName}/${key}.`);
    }
    const record = context.s3Store.headObject(bucketName, key);
    if (!record) throw invalidValue(`The S3 object ${key} does not exist in the bucket ${bucketName}.`);
    if (record.serverSideEncryption) {
      throw invalidValue(
        `The S3 object ${bucketName}/${key} is encrypted with SSE-KMS; ElastiCache seeds a cluster only from objects encrypted with SSE-S3. Copy it with --server-side-encryption AES256 and try again.`,
      );
    }
    return { arn, bucket: bucketName, key };
  });
};

/** What loading one file gives, or why it cannot be loaded. */
const loadFile = (context: ElastiCacheContext, ref: ObjectRef, target: Target): KeyRecord[] | string => {
  const object = context.s3Store.getObject(ref.bucket, ref.key);
  if (!object) return `The .rdb file ${ref.arn} was deleted before it could be loaded.`;
  let parsed: ReturnType<typeof readRdb>;
  try {
    parsed = readRdb(object.body);
  } catch (error) {
    if (error instanceof RdbError) return `The .rdb file ${ref.arn} cannot be loaded: ${error.message}.`;
    throw error;
  }
  const reader = rdbFormatFor(target.engine, target.engineVersion);
  if (!engineReads(reader, parsed)) {
    const header = object.body.subarray(0, 9).toString('latin1');
    return `The .rdb file ${ref.arn} is RDB format version ${parsed.version} (${header}), which ${target.engine} ${target.engineVersion} cannot load ("Can't handle RDB format version ${parsed.version}"); it needs ${readersOf(parsed)}.`;
  }
  if (target.clusterEnabled) {
    const other = parsed.keys.find((record) => (record.db ?? 0) !== 0);
    if (other) {
      return `The .rdb file ${ref.arn} holds keys in database ${other.db}; a cluster-mode-enabled cluster has only database 0.`;
    }
  }
  return parsed.keys;
};

/**
 * Checks SnapshotArns now (throws what ElastiCache answers) and loads the files: the keys to seed with, or the
 * reason the restore fails once the cluster has been created.
 */
export const seedFromS3 = (context: ElastiCacheContext, scope: Scope, arns: string[], target: Target): Seed => {
  const refs = checkArns(context, scope, arns, target);
  const byKey = new Map<string, KeyRecord>();
  for (const ref of refs) {
    const loaded = loadFile(context, ref, target);
    if (typeof loaded === 'string') return { failure: loaded };
    for (const record of loaded) byKey.set(`${record.db ?? 0}\u0000${record.key}`, record);
  }
  return { keys: liveKeys([...byKey.values()], context.clock.now()) };
};
