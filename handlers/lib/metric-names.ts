// The names the outcome metrics are published under (handlers/lib/metrics.ts) and that the freshness alarms and the
// dashboard read (config/observability.ts): one definition, so a rename moves both, and a test holds an alarm to
// the dimension set the metrics really declare. No imports, so the packaging step loads it without Powertools.

/** The CloudWatch namespace of every outcome metric. */
export const METRICS_NAMESPACE = 'ElastiCacheSnapshotExport';

export const METRIC = {
  /** 1 for a successful export, 0 for a failed one (Count). */
  exportsSucceeded: 'ExportsSucceeded',
  /** 1 for a failed export, 0 for a successful one (Count); also by ErrorCode, failures only. */
  exportsFailed: 'ExportsFailed',
  /** Start of the execution to its outcome, successful exports only (Seconds). */
  exportDurationSeconds: 'ExportDurationSeconds',
  /** The sum of the exported objects' sizes, successful exports only (Bytes). */
  exportedBytes: 'ExportedBytes',
} as const;

export const DIMENSION = {
  /** The deployment stage (serverless `--stage`): stages may share an account and Region. */
  stage: 'Stage',
  /** The schedule's name (config/schedules.yml); scheduled runs only. */
  schedule: 'Schedule',
  /** The replication group or cluster of the exported snapshot, else the snapshot's name. */
  source: 'Source',
  /** The catalogue's error code (`outcome.error.code`); ExportsFailed only. */
  errorCode: 'ErrorCode',
} as const;

/**
 * The Source of an export whose source is not known (it failed before its snapshot was read, and the request named
 * no usable snapshot). Parentheses cannot appear in a group, cluster or snapshot name, so it never collides.
 */
export const UNKNOWN_SOURCE = '(unknown)';

/** Where the functions find the stage for the Stage dimension (serverless.yml: `${sls:stage}`). */
export const STAGE_ENV_NAME = 'STAGE_NAME';
