// The outcome's `restore`: the S3 ARNs to seed a new cache with, in shard order, and what matters for that restore
// (ElastiCache User Guide, "Seeding a new self-designed cluster with an externally created backup": SnapshotArns in
// CreateReplicationGroup / CreateCacheCluster, SnapshotArnsToRestore in CreateServerlessCache; the objects must be
// readable by ElastiCache and not SSE-KMS encrypted). Pure.
import type { ExportedObject, RestoreAdvice, VerificationSummary } from './contracts.js';
import { enginesReading } from './rdb-format.js';

export interface RestoreFacts {
  partition: string;
  bucket: string;
  objects: readonly ExportedObject[];
  numNodeGroups?: number | undefined;
  serverless: boolean;
  verification?: VerificationSummary | undefined;
}

/** The partition of an ARN (`aws`, `aws-cn`, `aws-us-gov`), `aws` when it is not one. */
export const partitionOfArn = (arn: string | undefined): string => /^arn:([a-z-]+):/.exec(arn ?? '')?.[1] ?? 'aws';

const magicOf = (format: string, version: number): string =>
  format === 'valkey' ? `VALKEY${String(version).padStart(3, '0')}` : `REDIS${String(version).padStart(4, '0')}`;

export const restoreAdvice = (facts: RestoreFacts): RestoreAdvice => {
  // Keys end -0001.rdb, -0002.rdb...: sorted by key is shard order.
  const objects = [...facts.objects].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const snapshotArns = objects.map((object) => `arn:${facts.partition}:s3:::${facts.bucket}/${object.key}`);
  const notes: string[] = [];
  if (facts.serverless) {
    notes.push(
      'Exported from a serverless cache: seed a new serverless cache with these ARNs as SnapshotArnsToRestore (aws elasticache create-serverless-cache --snapshot-arns-to-restore ...), or a self-designed cluster with them as SnapshotArns.',
    );
  } else if (objects.length > 1) {
    notes.push(
      `${objects.length} objects, one per shard: seed a cluster-mode-enabled replication group (--num-node-groups ${facts.numNodeGroups ?? objects.length}) with the ARNs in this order; a cluster-mode-disabled group cannot be seeded from a multi-shard export.`,
    );
  } else {
    notes.push(
      'One object: it seeds a cluster-mode-disabled replication group or cluster; a source that ran in cluster mode is restored into a cluster-mode-enabled group instead.',
    );
  }
  const versions = new Map<string, { format: string; version: number }>();
  for (const object of objects) {
    if (object.rdb) versions.set(magicOf(object.rdb.format, object.rdb.version), object.rdb);
  }
  for (const [magic, { format, version }] of versions) {
    const readers = enginesReading({ format: format as 'redis' | 'valkey', version });
    notes.push(
      readers.length > 0
        ? `RDB version ${version} (${magic}) loads into ElastiCache ${readers.join('; ')}; older engines refuse it ("Can't handle RDB format version ${version}"). Source: RDB_VERSION in redis and valkey src/rdb.h.`
        : `RDB version ${version} (${magic}) loads into no ElastiCache engine version this service knows (Redis OSS up to 7.1 reads 10, Valkey reads 11 and its own 80 and 81). Source: RDB_VERSION in redis and valkey src/rdb.h.`,
    );
  }
  const kms = facts.verification?.kmsEncryptedKeys ?? [];
  if (kms.length > 0) {
    notes.push(
      `S3 reports ${kms.length === objects.length ? 'the objects' : kms.join(', ')} encrypted with SSE-KMS (the bucket's default encryption): ElastiCache refuses to seed a cluster from SSE-KMS objects. Copy them over themselves with SSE-S3 first (aws s3 cp s3://${facts.bucket}/<key> s3://${facts.bucket}/<key> --sse AES256), and make SSE-S3 the bucket's default.`,
    );
  }
  if (facts.verification?.mode === 'off') {
    notes.push('The objects were not verified (VERIFY_EXPORTS=off): check them with redis-check-rdb before a restore.');
  }
  notes.push(...(facts.verification?.notes ?? []));
  return { snapshotArns, notes };
};
