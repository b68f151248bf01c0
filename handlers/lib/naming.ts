// Names and their rules: S3 bucket names, target snapshot names, the exported object keys and the export id.
import { createHash } from 'node:crypto';

/** Problems with an S3 bucket name under the general-purpose bucket naming rules; empty when valid. */
export const bucketNameProblems = (name: string): string[] => {
  const problems: string[] = [];
  if (name.length < 3 || name.length > 63) problems.push('must be 3 to 63 characters long');
  if (!/^[a-z0-9.-]*$/.test(name)) problems.push("may contain only lowercase letters, digits, '.' and '-'");
  if (!/^[a-z0-9].*[a-z0-9]$|^[a-z0-9]$/.test(name)) problems.push('must begin and end with a letter or digit');
  if (name.includes('..')) problems.push("must not contain '..'");
  if (name.includes('.-') || name.includes('-.')) problems.push("must not contain '.-' or '-.'");
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) problems.push('must not be formatted as an IP address');
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name))
    problems.push("must not start with 'xn--', 'sthree-' or 'amzn-s3-demo-'");
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) {
    problems.push("must not end with '-s3alias', '--ol-s3', '.mrap', '--x-s3' or '--table-s3'");
  }
  return problems;
};

/**
 * Target snapshot names become S3 keys (`<lowercased name>-0001.rdb`). ElastiCache has no prefix parameter, so
 * a '/' would not create a folder; we allow only characters that are safe in a key and in a snapshot name.
 */
export const TARGET_SNAPSHOT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const TARGET_SNAPSHOT_NAME_MAX_LENGTH = 200;

/** ElastiCache snapshot names, automatic ones included (`automatic.my-cluster-2026-11-25-03-00`). */
export const SOURCE_SNAPSHOT_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;

/** Replication group and cache cluster ids: a letter first, then letters, digits and single hyphens. */
export const CLUSTER_ID_PATTERN = /^[A-Za-z](?:[A-Za-z0-9]|-(?!-))*(?<!-)$/;

const pad = (value: number): string => value.toString().padStart(2, '0');

/** `{source}-{yyyyMMdd-HHmm}` in UTC, cut so the result stays a valid target name. */
export const defaultTargetSnapshotName = (source: string, now: Date): string => {
  const stamp = `${now.getUTCFullYear()}${pad(now.getUTCMonth() + 1)}${pad(now.getUTCDate())}-${pad(now.getUTCHours())}${pad(now.getUTCMinutes())}`;
  const safeSource = source.replace(/[^A-Za-z0-9._-]/g, '-').replace(/^[^A-Za-z0-9]+/, '');
  const room = TARGET_SNAPSHOT_NAME_MAX_LENGTH - stamp.length - 1;
  return `${safeSource.slice(0, room) || 'export'}-${stamp}`;
};

/** The key prefix ElastiCache writes under: the lowercased target snapshot name. */
export const objectKeyBase = (targetSnapshotName: string): string => targetSnapshotName.toLowerCase();

/**
 * Whether an S3 key is one of this export's `.rdb` files: `<base>.rdb` or `<base>-NNNN.rdb`. Only `-0001` is
 * documented; we accept any four-digit shard suffix so either numbering scheme is recognised.
 */
export const isExportObjectKey = (targetSnapshotName: string, key: string): boolean => {
  const base = objectKeyBase(targetSnapshotName);
  if (!key.startsWith(base)) return false;
  return /^(-\d{4})?\.rdb$/.test(key.slice(base.length));
};

/** The keys we expect for a snapshot with `numNodeGroups` shards (`-0001` … `-NNNN`). */
export const expectedObjectKeys = (targetSnapshotName: string, numNodeGroups: number): string[] =>
  Array.from(
    { length: Math.max(1, numNodeGroups) },
    (_, index) => `${objectKeyBase(targetSnapshotName)}-${(index + 1).toString().padStart(4, '0')}.rdb`,
  );

const EXPORT_ID_MAX_LENGTH = 80;
const HASH_LENGTH = 12;

/**
 * The export id, also the Step Functions execution name: a readable slug of bucket and target name plus a hash
 * of `(targetBucket, lowercased targetSnapshotName)`. Deterministic, at most 80 characters of `[a-z0-9_-]`.
 */
export const exportIdFor = (targetBucket: string, targetSnapshotName: string): string => {
  const identity = `${targetBucket}/${targetSnapshotName.toLowerCase()}`;
  const hash = createHash('sha256').update(identity).digest('hex').slice(0, HASH_LENGTH);
  const slug = `${targetSnapshotName}-${targetBucket}`
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, EXPORT_ID_MAX_LENGTH - HASH_LENGTH - 1)
    .replace(/-+$/, '');
  return slug ? `${slug}-${hash}` : hash;
};
