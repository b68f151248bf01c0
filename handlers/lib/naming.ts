// Names and their rules: S3 bucket names, target snapshot names, the exported object keys, scheduled runs' names
// and the export id.
import { createHash } from 'node:crypto';
import { ConfigError, InvalidRequestError } from './errors.js';

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

// The S3 keys an ElastiCache export writes, for node-based (CopySnapshot with TargetBucket) and serverless
// (ExportServerlessCacheSnapshot) snapshots: one rule, used by the checks and CheckExport here and by the local
// emulator (local/aws/elasticache), which writes the objects.
//
// Node-based: `<TargetSnapshotName lowercased>-0001.rdb`, one object per shard (0001, 0002, …), as exports of
// cluster-mode-enabled groups are seen to land.
//
// Serverless: assumed. AWS documents neither the key nor the number of objects of ExportServerlessCacheSnapshot (its
// reference and the User Guide's "Exporting a backup" say only that the .rdb data goes to the bucket). The request
// names no target, so the snapshot's own name (stored lowercased) is the only name it can use; a serverless cache is
// sharded internally, so the node-based pattern, one `-NNNN.rdb` per shard, is the most likely form. How many shards
// is not known before the export (the emulator's `serverlessExportShards` setting, default 1): CheckExport expects
// at least one and accepts every `-NNNN` object of the name.

const keysFor = (name: string, shards: number): string[] =>
  Array.from(
    { length: Math.max(1, shards) },
    (_, index) => `${objectKeyBase(name)}-${(index + 1).toString().padStart(4, '0')}.rdb`,
  );

/** The keys we expect for a snapshot with `numNodeGroups` shards (`-0001` … `-NNNN`). */
export const expectedObjectKeys = (targetSnapshotName: string, numNodeGroups: number): string[] =>
  keysFor(targetSnapshotName, numNodeGroups);

/** The objects a node-based export writes: `<target lowercased>-0001.rdb`, one per shard. */
export const exportKeys = (target: string, shards: number): string[] => keysFor(target, shards);

/** The objects an ExportServerlessCacheSnapshot writes (assumed, see above): `<snapshot>-0001.rdb`, one per shard. */
export const serverlessExportKeys = (snapshotName: string, shards = 1): string[] => keysFor(snapshotName, shards);

/**
 * The target name of a serverless export: ExportServerlessCacheSnapshot takes none and (assumed, see above) names
 * the objects after the snapshot, which ElastiCache stores lowercased.
 */
export const serverlessTargetName = (snapshotName: string): string => snapshotName.toLowerCase();

/**
 * A fresh snapshot of a serverless cache is named after its export's target, because ExportServerlessCacheSnapshot
 * names the objects after the snapshot: `export-<cache>-yyyyMMdd-HHmm` by default, a scheduled run's name, or a
 * target of the caller's that starts with this prefix. IAM lets the service create and delete serverless snapshots
 * only under this prefix and its schedules' names (serverless.yml, config/serverless-vars.cjs).
 */
export const FRESH_SERVERLESS_PREFIX = 'export-';

/** Whether a target name may name a fresh serverless snapshot requested through the API. */
export const isFreshServerlessTarget = (targetSnapshotName: string): boolean =>
  targetSnapshotName.toLowerCase().startsWith(FRESH_SERVERLESS_PREFIX);

/** A schedule's name in the schedules file: 1 to 40 of `[A-Za-z0-9._-]` (config/serverless-vars.cjs). */
export const SCHEDULE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

const stampOf = (time: Date): string =>
  `${time.getUTCFullYear().toString().padStart(4, '0')}${pad(time.getUTCMonth() + 1)}${pad(time.getUTCDate())}-` +
  `${pad(time.getUTCHours())}${pad(time.getUTCMinutes())}${pad(time.getUTCSeconds())}`;

/**
 * A scheduled run's target name, `<scheduleName>-<yyyyMMdd-HHmmss>` in UTC, from the schedule and Scheduler's
 * `<aws.scheduler.scheduled-time>`: two runs never share a name, and a retried or redelivered run gets the same one
 * (so its CopySnapshot finds its own export rather than starting a second). Seconds are kept so that no manual
 * export's default name (`<source>-yyyyMMdd-HHmm`) can look like a scheduled one.
 */
export const scheduledTargetSnapshotName = (scheduleName: string, scheduledTime: Date): string => {
  const year = scheduledTime.getUTCFullYear();
  if (Number.isNaN(scheduledTime.getTime()) || year < 0 || year > 9999) {
    throw new InvalidRequestError(`The scheduled time of schedule ${scheduleName} is not a date from year 0 to 9999`);
  }
  const name = `${scheduleName}-${stampOf(scheduledTime)}`;
  // The schedules file allows a leading '.', '_' or '-', which a target name does not.
  if (!SCHEDULE_NAME_PATTERN.test(scheduleName) || !TARGET_SNAPSHOT_NAME_PATTERN.test(name)) {
    throw new InvalidRequestError(
      `Schedule name ${scheduleName} cannot start a target snapshot name: use 1 to 40 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return name;
};

/** The key prefix every object of a schedule's runs starts with, for ListObjectsV2 and IAM resources. */
export const scheduleKeyPrefix = (scheduleName: string): string => `${scheduleName.toLowerCase()}-`;

/** One `.rdb` object of a scheduled run, read back from its key. */
export interface ScheduledExportObject {
  /** The export's key base: the lowercased target name, e.g. `nightly-20261125-023000`. */
  base: string;
  scheduledTime: Date;
  /** The `-NNNN` shard number; absent for a `<base>.rdb` key. */
  shard?: number;
}

// After the schedule's prefix: the stamp and nothing else but the shard suffix. Another schedule whose name starts
// with this one's (`a-b`, `a.b`, `a-1` for `a`) never fits: its extra characters would have to stand where the
// stamp's digits and dashes are, in exactly their places, and the key's length leaves no room for both.
const SCHEDULED_KEY_REST = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:-(\d{4}))?\.rdb$/;

/** The UTC time of a stamp's fields, or undefined unless each field is in range (no 20261131, no 246000). */
const timeOfStamp = (fields: number[]): Date | undefined => {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = fields;
  const time = new Date(0);
  // setUTCFullYear, not Date.UTC, which would read years 0-99 as 1900-1999.
  time.setUTCFullYear(year, month - 1, day);
  time.setUTCHours(hour, minute, second, 0);
  const exists =
    time.getUTCFullYear() === year &&
    time.getUTCMonth() === month - 1 &&
    time.getUTCDate() === day &&
    time.getUTCHours() === hour &&
    time.getUTCMinutes() === minute &&
    time.getUTCSeconds() === second;
  return exists ? time : undefined;
};

/**
 * Whether an S3 key is one of the `.rdb` objects a run of this schedule produced, and which: exactly
 * `<lower(schedule)>-<yyyyMMdd>-<HHmmss>(-NNNN)?.rdb` with a date and time that exist and a shard from 0001.
 * Undefined for anything else, other schedules' objects included, and for an invalid schedule name.
 */
export const scheduledExportOf = (scheduleName: string, key: string): ScheduledExportObject | undefined => {
  if (!SCHEDULE_NAME_PATTERN.test(scheduleName)) return undefined;
  const prefix = scheduleKeyPrefix(scheduleName);
  if (!key.startsWith(prefix)) return undefined;
  const match = SCHEDULED_KEY_REST.exec(key.slice(prefix.length));
  if (!match) return undefined;
  const scheduledTime = timeOfStamp(match.slice(1, 7).map(Number));
  if (!scheduledTime) return undefined;
  const shard = match[7] === undefined ? undefined : Number(match[7]);
  if (shard === 0) return undefined;
  const base = `${prefix}${match[1]}${match[2]}${match[3]}-${match[4]}${match[5]}${match[6]}`;
  return shard === undefined ? { base, scheduledTime } : { base, scheduledTime, shard };
};

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

/**
 * The ARN of the execution named `exportId` of this state machine:
 * `arn:aws:states:r:a:stateMachine:sm` → `arn:aws:states:r:a:execution:sm:exportId`.
 */
export const executionArnFor = (stateMachineArn: string, exportId: string): string => {
  if (!/^arn:[^:]+:states:[^:]*:[^:]*:stateMachine:[^:]+$/.test(stateMachineArn)) {
    throw new ConfigError(`STATE_MACHINE_ARN is not a state machine ARN: ${stateMachineArn}`);
  }
  return `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${exportId}`;
};
