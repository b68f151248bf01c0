// The error catalogue: every way an export can fail, mapped to a code, a solution a person can act on, a docs
// link and whether asking again can help. Matched on ElastiCache's message text first, then on the error code.
//
// The first eight entries are the error messages of the CopySnapshot reference
// (../shared/reference/aws-cli-elasticache-copy-snapshot.rst); their Solution text is carried word for word
// (RST markup removed, the link moved to docsUrl). `%s` in those messages is the bucket name (and the key).
import type { OutcomeError } from './contracts.js';
import { OBJECT_ALREADY_EXISTS_CODE, OBJECT_ALREADY_EXISTS_MESSAGE } from './copy-snapshot-messages.js';
import type { DecodedFailure } from './errors.js';

export interface CatalogueEntry {
  code: string;
  solution: string;
  docsUrl: string;
  retryable: boolean;
  /** ElastiCache's message text, when the failure is recognised by it. */
  messagePattern?: RegExp;
  /** Our own codes, AWS wire codes and error names that select this entry when no message matched. */
  codes?: readonly string[];
}

const DOCS = 'https://docs.aws.amazon.com/AmazonElastiCache/latest/UserGuide';
const CREATE_BUCKET_URL = `${DOCS}/Snapshots.Exporting.html#Snapshots.Exporting.CreateBucket`;
const GRANT_ACCESS_URL = `${DOCS}/Snapshots.Exporting.html#Snapshots.Exporting.GrantAccess`;
const EXPORTING_URL = `${DOCS}/Snapshots.Exporting.html`;
const IAM_URL = `${DOCS}/IAM.html`;
const COPY_SNAPSHOT_URL = 'https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CopySnapshot.html';
const DESCRIBE_SNAPSHOTS_URL =
  'https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeSnapshots.html';
const BACKUPS_URL = `${DOCS}/backups.html`;
const EXPORT_SERVERLESS_SNAPSHOT_URL =
  'https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ExportServerlessCacheSnapshot.html';
const DESCRIBE_SERVERLESS_CACHES_URL =
  'https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeServerlessCaches.html';
const DESCRIBE_SERVERLESS_SNAPSHOTS_URL =
  'https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DescribeServerlessCacheSnapshots.html';
const QUOTAS_URL = 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/quota-limits.html';

const CREATE_BUCKET_SOLUTION =
  'Create an Amazon S3 bucket in the same region as your snapshot. For more information, see Step 1: Create an Amazon S3 Bucket in the ElastiCache User Guide.';

/**
 * Appended to the three grant solutions: the seed text assumes ACLs work, and on buckets created since April 2023
 * they are disabled by default, which is the commonest reason the grant "cannot be added".
 */
const ACLS_DISABLED_NOTE =
  ' If the bucket\'s Object Ownership is "Bucket owner enforced" (the S3 default since April 2023), ACLs are disabled and the grant to the ElastiCache canonical ID cannot be added: switch Object Ownership to "Bucket owner preferred" and add the grant, or grant the service principal <region>.elasticache-snapshot.amazonaws.com s3:GetObject, s3:PutObject, s3:ListBucket, s3:GetBucketAcl, s3:ListMultipartUploadParts and s3:ListBucketMultipartUploads in the bucket policy.';

export const CATALOGUE: readonly CatalogueEntry[] = [
  // ---- The CopySnapshot reference's error messages, Solution word for word ----
  {
    code: 'S3BucketOutsideRegion',
    messagePattern: /^The S3 bucket \S+ is outside of the region\.?/,
    solution: CREATE_BUCKET_SOLUTION,
    docsUrl: CREATE_BUCKET_URL,
    retryable: false,
  },
  {
    code: 'S3BucketNotFound',
    messagePattern: /^The S3 bucket \S+ does not exist\.?/,
    solution: CREATE_BUCKET_SOLUTION,
    docsUrl: CREATE_BUCKET_URL,
    retryable: false,
  },
  {
    code: 'S3BucketNotOwned',
    messagePattern: /^The S3 bucket \S+ is not owned by the authenticated user\.?/,
    solution: CREATE_BUCKET_SOLUTION,
    docsUrl: CREATE_BUCKET_URL,
    retryable: false,
  },
  {
    code: 'InsufficientPermissions',
    messagePattern: /^The authenticated user does not have sufficient permissions to perform the desired activity\.?/,
    solution: 'Contact your system administrator to get the needed permissions.',
    docsUrl: IAM_URL,
    retryable: false,
  },
  {
    // The ElastiCache User Guide, "Exporting a backup": the error for a caller (here the startExport function's
    // role) whose S3 permissions are scoped too narrowly; the guide lists the permissions the caller needs.
    code: 'CallerS3AccessNotValidated',
    messagePattern: /^Elasticache was unable to validate the authenticated user has access on the S3 bucket\.?/i,
    solution:
      "The identity that calls CopySnapshot (this service's startExport function role) must itself be allowed to use the bucket: s3:PutObject, s3:GetObject, s3:DeleteObject, s3:ListBucket and s3:GetBucketLocation on arn:aws:s3:::<bucket> and arn:aws:s3:::<bucket>/*, and s3:ListAllMyBuckets on *. Check that the bucket is on ALLOWED_TARGET_BUCKETS (the role is scoped to those buckets) and that no bucket policy, permissions boundary or SCP denies these actions, then request the export again with a new targetSnapshotName.",
    docsUrl: EXPORTING_URL,
    retryable: false,
  },
  {
    code: OBJECT_ALREADY_EXISTS_CODE,
    messagePattern: OBJECT_ALREADY_EXISTS_MESSAGE,
    solution:
      'Give the TargetSnapshotName a new and unique value. If exporting a snapshot, you could alternatively create a new Amazon S3 bucket and use this same value for TargetSnapshotName .',
    docsUrl: COPY_SNAPSHOT_URL,
    retryable: false,
  },
  {
    code: 'S3ReadPermissionMissing',
    messagePattern: /^ElastiCache has not been granted READ permissions .*on the S3 Bucket\.?/,
    solution: `Add List and Read permissions on the bucket. For more information, see Step 2: Grant ElastiCache Access to Your Amazon S3 Bucket in the ElastiCache User Guide.${ACLS_DISABLED_NOTE}`,
    docsUrl: GRANT_ACCESS_URL,
    retryable: false,
  },
  {
    code: 'S3WritePermissionMissing',
    messagePattern: /^ElastiCache has not been granted WRITE permissions .*on the S3 Bucket\.?/,
    solution: `Add Upload/Delete permissions on the bucket. For more information, see Step 2: Grant ElastiCache Access to Your Amazon S3 Bucket in the ElastiCache User Guide.${ACLS_DISABLED_NOTE}`,
    docsUrl: GRANT_ACCESS_URL,
    retryable: false,
  },
  {
    code: 'S3ReadAcpPermissionMissing',
    messagePattern: /^ElastiCache has not been granted READ_ACP permissions .*on the S3 Bucket\.?/,
    solution: `Add View Permissions on the bucket. For more information, see Step 2: Grant ElastiCache Access to Your Amazon S3 Bucket in the ElastiCache User Guide.${ACLS_DISABLED_NOTE}`,
    docsUrl: GRANT_ACCESS_URL,
    retryable: false,
  },

  // ---- CopySnapshot's modeled faults and other AWS errors, by code ----
  {
    code: 'SnapshotNotFound',
    codes: ['SnapshotNotFound', 'SnapshotNotFoundFault'],
    solution:
      'Check the snapshot name and Region with `aws elasticache describe-snapshots`; the snapshot may have been deleted. Snapshots of ElastiCache Serverless caches are exported with ExportServerlessCacheSnapshot and are not listed there.',
    docsUrl: DESCRIBE_SNAPSHOTS_URL,
    retryable: false,
  },
  // ---- ExportServerlessCacheSnapshot's documented faults (ElastiCache API Reference) ----
  {
    code: 'ServerlessSnapshotNotFound',
    codes: ['ServerlessSnapshotNotFound', 'ServerlessCacheSnapshotNotFoundFault'],
    solution:
      'Check the serverless cache snapshot name and Region with `aws elasticache describe-serverless-cache-snapshots`; the snapshot may have been deleted. Snapshots of node-based clusters are exported with sourceSnapshotName instead.',
    docsUrl: DESCRIBE_SERVERLESS_SNAPSHOTS_URL,
    retryable: false,
  },
  {
    code: 'InvalidServerlessCacheSnapshotState',
    codes: ['InvalidServerlessCacheSnapshotStateFault', 'ServerlessSnapshotNotAvailable'],
    solution:
      'The serverless cache snapshot is not in the available state (it is being created, exported or deleted, or it failed). Wait until `aws elasticache describe-serverless-cache-snapshots` shows it as available, then request the export again; a snapshot that failed cannot be exported: take a new one with `aws elasticache create-serverless-cache-snapshot`.',
    docsUrl: EXPORT_SERVERLESS_SNAPSHOT_URL,
    retryable: true,
  },
  {
    // ElastiCache acts on serverless caches through its service-linked role, AWSServiceRoleForElastiCache; the fault
    // means the account has none (deleted, or never created because no cache was made in the console).
    code: 'ServiceLinkedRoleNotFound',
    codes: ['ServiceLinkedRoleNotFoundFault'],
    solution:
      "ElastiCache's service-linked role AWSServiceRoleForElastiCache is missing in this account. Create it with `aws iam create-service-linked-role --aws-service-name elasticache.amazonaws.com` (an administrator with iam:CreateServiceLinkedRole), then request the export again.",
    docsUrl: `${DOCS}/using-service-linked-roles.html`,
    retryable: false,
  },
  {
    // The User Guide: no other API call on a serverless cache while it is backing up (the emulator answers
    // InvalidServerlessCacheStateFault: assumed).
    code: 'ServerlessCacheBusy',
    codes: ['ServerlessCacheBusy', 'InvalidServerlessCacheStateFault'],
    solution:
      'The serverless cache is backing up (or not available), and ElastiCache accepts no other call on it meanwhile. Wait until `aws elasticache describe-serverless-caches` shows it as available, then request the export again.',
    docsUrl: EXPORT_SERVERLESS_SNAPSHOT_URL,
    retryable: true,
  },
  {
    code: 'ServerlessCacheNotFound',
    codes: ['ServerlessCacheNotFound', 'ServerlessCacheNotFoundFault'],
    solution:
      'The serverless cache named in the request does not exist in this Region. Check the name (a typo, another Region, a deleted cache) with `aws elasticache describe-serverless-caches`; node-based clusters are named with replicationGroupId or cacheClusterId instead. For a scheduled export, correct the schedule input.',
    docsUrl: DESCRIBE_SERVERLESS_CACHES_URL,
    retryable: false,
  },
  {
    code: 'NoAvailableServerlessSnapshot',
    codes: ['NoAvailableServerlessSnapshot'],
    solution:
      'The serverless cache has no snapshot in the available state. Set a daily snapshot time on the cache (`aws elasticache modify-serverless-cache --daily-snapshot-time`) or take one now by requesting the export with "freshSnapshot": true, then request the export again.',
    docsUrl: DESCRIBE_SERVERLESS_SNAPSHOTS_URL,
    retryable: true,
  },
  {
    // CreateServerlessCacheSnapshot's ServerlessCacheSnapshotQuotaExceededFault: the User Guide allows 24 snapshots
    // of a serverless cache in any 24 hours.
    code: 'ServerlessSnapshotQuotaExceeded',
    codes: ['ServerlessSnapshotQuotaExceeded', 'ServerlessCacheSnapshotQuotaExceededFault'],
    solution:
      'ElastiCache takes at most 24 snapshots of a serverless cache in any 24 hours. Fresh-snapshot exports of this cache ran more often than that (counting the daily automatic snapshot and any taken by hand): run the schedule at most about 20 times a day, or export the newest snapshot instead by dropping freshSnapshot; then request the export again.',
    docsUrl: QUOTAS_URL,
    retryable: true,
  },
  {
    // DescribeSnapshots answers CacheClusterNotFound (modeled) for an unknown cacheClusterId; the local emulator,
    // and possibly AWS, answers ReplicationGroupNotFoundFault for an unknown replicationGroupId.
    code: 'ClusterNotFound',
    codes: ['CacheClusterNotFound', 'CacheClusterNotFoundFault', 'ReplicationGroupNotFoundFault'],
    solution:
      'The replication group or cache cluster named in the request does not exist in this Region. Check the id (a typo, another Region, a deleted cluster) with `aws elasticache describe-replication-groups` or `aws elasticache describe-cache-clusters`; for a scheduled export, correct the schedule input.',
    docsUrl: DESCRIBE_SNAPSHOTS_URL,
    retryable: false,
  },
  {
    code: 'InvalidSnapshotState',
    codes: ['InvalidSnapshotState', 'InvalidSnapshotStateFault', 'SnapshotNotAvailable'],
    solution:
      'The source snapshot is not in the available state (it is being created, copied, exported or deleted). Wait until `aws elasticache describe-snapshots` shows it as available, then request the export again with a new targetSnapshotName (or none, for a time-stamped default).',
    docsUrl: COPY_SNAPSHOT_URL,
    retryable: true,
  },
  {
    code: 'SnapshotBusy',
    codes: ['SnapshotBusy'],
    solution:
      'ElastiCache exports or copies a snapshot one request at a time, and another request was using this one. Request this export again, with a new targetSnapshotName (or none, for a time-stamped default), once `aws elasticache describe-snapshots` shows the snapshot as available; for schedules, give schedules of the same cluster different times.',
    docsUrl: COPY_SNAPSHOT_URL,
    retryable: true,
  },
  {
    code: 'SnapshotAlreadyExists',
    codes: ['SnapshotAlreadyExistsFault', 'ServerlessCacheSnapshotAlreadyExistsFault'],
    solution: 'A snapshot with the target name already exists. Give the export a new, unique targetSnapshotName.',
    docsUrl: COPY_SNAPSHOT_URL,
    retryable: false,
  },
  {
    code: 'SnapshotQuotaExceeded',
    codes: ['SnapshotQuotaExceededFault'],
    solution:
      'The account has reached its snapshot quota. Delete manual snapshots you no longer need, or request a quota increase in Service Quotas, then request the export again with a new targetSnapshotName (or none, for a time-stamped default).',
    docsUrl: QUOTAS_URL,
    retryable: false,
  },
  {
    code: 'TagQuotaPerResourceExceeded',
    codes: ['TagQuotaPerResourceExceeded'],
    solution:
      'The snapshot carries the maximum number of tags. Remove tags you do not need, then request the export again with a new targetSnapshotName (or none, for a time-stamped default).',
    docsUrl: COPY_SNAPSHOT_URL,
    retryable: false,
  },
  {
    code: 'InvalidParameterCombination',
    codes: ['InvalidParameterCombination', 'InvalidParameterCombinationException'],
    solution:
      'ElastiCache rejected the combination of CopySnapshot parameters. Read the message above for the parameter at fault and correct the request.',
    docsUrl: COPY_SNAPSHOT_URL,
    retryable: false,
  },
  {
    code: 'InvalidKMSKey',
    codes: ['InvalidKMSKeyFault'],
    solution:
      'The KMS key of the snapshot or bucket cannot be used. Check that the key exists, is enabled and that its key policy allows ElastiCache; prefer SSE-S3 default encryption on export buckets.',
    docsUrl: EXPORTING_URL,
    retryable: false,
  },
  {
    code: 'AccessDenied',
    codes: ['AccessDenied', 'AccessDeniedException', 'Forbidden', 'UnauthorizedOperation'],
    solution:
      "The service's IAM role was refused an action. Redeploy the stack so the role has its statements (elasticache:CopySnapshot and DescribeSnapshots, s3:ListAllMyBuckets, s3:GetBucketLocation, s3:GetBucketAcl, s3:GetBucketPolicy, s3:GetBucketOwnershipControls, s3:ListBucket, sns:Publish), and check that no SCP or permissions boundary denies them.",
    docsUrl: IAM_URL,
    retryable: false,
  },
  {
    code: 'InvalidParameterValue',
    codes: ['InvalidParameterValue', 'InvalidParameterValueException'],
    solution:
      'ElastiCache rejected a parameter value. Read the message above for the value at fault and correct the request.',
    docsUrl: COPY_SNAPSHOT_URL,
    retryable: false,
  },

  // ---- Failures our own checks and the state machine recognise ----
  {
    code: 'Throttled',
    codes: ['AwsThrottledError'],
    solution:
      'AWS kept throttling the calls ("Rate exceeded") after every retry. Spread scheduled exports over time, or ask for a higher API rate in Service Quotas, then request the export again with a new targetSnapshotName (or none, for a time-stamped default).',
    docsUrl: QUOTAS_URL,
    retryable: true,
  },
  {
    code: 'AwsUnavailable',
    codes: ['AwsUnavailableError'],
    solution:
      'ElastiCache or S3 kept failing on the AWS side after every retry. Check the AWS Health Dashboard, then request the export again with a new targetSnapshotName (or none, for a time-stamped default).',
    docsUrl: 'https://health.aws.amazon.com/health/status',
    retryable: true,
  },
  {
    code: 'UnsupportedEngine',
    codes: ['UnsupportedEngine'],
    solution:
      'Only Redis OSS and Valkey snapshots can be exported to S3; Memcached clusters have no snapshots to export.',
    docsUrl: EXPORTING_URL,
    retryable: false,
  },
  {
    code: 'DataTieringNotSupported',
    codes: ['DataTieringNotSupported'],
    solution:
      'Snapshots of clusters with data tiering (r6gd nodes) cannot be exported to S3. Restore the snapshot to a cluster without data tiering, take a snapshot there and export that one.',
    docsUrl: EXPORTING_URL,
    retryable: false,
  },
  {
    code: 'NoAvailableSnapshot',
    codes: ['NoAvailableSnapshot'],
    solution:
      'The replication group or cluster has no snapshot in the available state. Turn on automatic backups or create one with `aws elasticache create-snapshot`, wait until it is available, then request the export again with a new targetSnapshotName (or none, for a time-stamped default). Backups are not supported on cluster-mode-disabled T1 nodes.',
    docsUrl: BACKUPS_URL,
    retryable: true,
  },
  // ---- "freshSnapshot": true (CreateSnapshot, then CheckSnapshot) ----
  {
    // CreateSnapshot refuses a replication group or cluster that is not `available`: still `creating`,
    // `modifying`, or `snapshotting` (its automatic backup, or another snapshot, is running) (ElastiCache API
    // Reference, CreateSnapshot: InvalidReplicationGroupState, InvalidCacheClusterState).
    code: 'SourceBusy',
    codes: ['SourceBusy'],
    solution:
      "ElastiCache takes a snapshot only of an available replication group or cluster, one snapshot at a time. If it is snapshotting, its automatic backup (or another snapshot) is running: move the schedule out of the cluster's backup window (`aws elasticache describe-replication-groups` shows SnapshotWindow), or export that automatic backup instead by dropping freshSnapshot. If it is creating or modifying, wait until it is available. Then request the export again (a scheduled run is retried at its next time).",
    docsUrl: `${DOCS}/backups-manual.html`,
    retryable: true,
  },
  {
    // CreateSnapshot's SnapshotQuotaExceededFault: at most 20 manual snapshots per node in a rolling 24 hours, and
    // the account's snapshot quota (ElastiCache User Guide, "Taking manual backups"; quotas page).
    code: 'FreshSnapshotQuotaExceeded',
    codes: ['FreshSnapshotQuotaExceeded'],
    solution:
      'ElastiCache allows at most 20 manual snapshots per node in any 24 hours, and a total per account. Fresh-snapshot exports of this cluster ran more often than that: run the schedule less often (at most 20 a day, fewer if people also take manual snapshots), or export the automatic backup instead by dropping freshSnapshot; delete manual snapshots you no longer need, or ask for a higher account quota in Service Quotas.',
    docsUrl: QUOTAS_URL,
    retryable: true,
  },
  {
    code: 'SnapshotFailed',
    codes: ['SnapshotFailed'],
    solution:
      "ElastiCache could not complete the fresh snapshot (its status became failed, or it disappeared). Check the cluster's events with `aws elasticache describe-events --source-type replication-group --duration 1440` (or cache-cluster, or serverless-cache) for the reason, commonly too little memory for the background save (reserved-memory-percent) or a node being replaced; then request the export again.",
    docsUrl: `${DOCS}/backups-manual.html`,
    retryable: true,
  },
  {
    code: 'TargetBucketNotAllowed',
    codes: ['TargetBucketNotAllowed', 'TargetBucketNotAllowedError'],
    solution:
      'This deployment exports only to the buckets in ALLOWED_TARGET_BUCKETS, because whoever may call CopySnapshot can copy snapshots into any bucket. Choose an allowed bucket, or ask the operators to add this one to the allow-list.',
    docsUrl: EXPORTING_URL,
    retryable: false,
  },
  {
    code: 'InvalidRequest',
    codes: ['InvalidRequest', 'InvalidRequestError'],
    solution:
      'The export request does not match the request schema. Correct the fields named in the message (for a scheduled export, in the schedule configuration) and request the export again.',
    docsUrl: EXPORTING_URL,
    retryable: false,
  },
  {
    code: 'ExportNoObjects',
    codes: ['ExportNoObjects'],
    solution:
      'ElastiCache finished the export but wrote no .rdb object to the bucket. Check the bucket grants, its default encryption (use SSE-S3) and any bucket policy that denies writes, then request the export again under a new targetSnapshotName.',
    docsUrl: GRANT_ACCESS_URL,
    retryable: true,
  },
  {
    code: 'ExportIncomplete',
    codes: ['ExportIncomplete'],
    solution:
      'ElastiCache finished the export but wrote fewer .rdb objects than the snapshot has shards, or empty ones. Do not restore from these files; request the export again under a new targetSnapshotName.',
    docsUrl: EXPORTING_URL,
    retryable: true,
  },
  {
    code: 'ExportCorrupt',
    // CheckExport read the object's header and trailer, or its every byte, and they are not a complete RDB file
    // (handlers/lib/export-verification.ts): cut short, bytes changed, or not an RDB at all.
    codes: ['ExportCorrupt'],
    solution:
      "The .rdb object in the bucket is damaged: it is cut short, its bytes do not match the checksum it records, or it is not an RDB file at all. Do not restore from it. Delete the export's objects, check that nothing else writes to these keys (another export under the same targetSnapshotName, a lifecycle or replication rule), then request the export again under a new targetSnapshotName. If a fresh export is damaged again, open a case with AWS Support quoting the snapshot name.",
    docsUrl: EXPORTING_URL,
    retryable: true,
  },
  {
    code: 'ExportFailed',
    codes: ['ExportFailed'],
    solution:
      'ElastiCache reported the export as failed or the source snapshot disappeared while it ran. Check the ElastiCache events for the snapshot (`aws elasticache describe-events --source-type cache-cluster`), then request the export again under a new targetSnapshotName.',
    docsUrl: EXPORTING_URL,
    retryable: true,
  },
  {
    code: 'DeadlinePassed',
    codes: ['DeadlinePassed', 'ExportDeadlineError'],
    solution:
      'The export did not finish before its deadline (EXPORT_DEADLINE_MINUTES). Very large snapshots take longer: raise the deadline, check the snapshot in the ElastiCache console, and look in the bucket before exporting again.',
    docsUrl: EXPORTING_URL,
    retryable: true,
  },
  {
    code: 'TaskTimedOut',
    // States.Timeout: the Task's TimeoutSeconds. Sandbox.Timedout: the function's own timeout, which serverless.yml
    // sets below TimeoutSeconds, so it is the one a slow step actually hits.
    codes: ['States.Timeout', 'Sandbox.Timedout'],
    solution:
      'A step of the export workflow ran out of time after its retries. Check the function logs of the export workflow, then request the export again with a new targetSnapshotName (or none, for a time-stamped default).',
    docsUrl: 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html',
    retryable: true,
  },
  {
    code: 'FunctionFailed',
    // Step Functions guide, "Handle Lambda service exceptions": unhandled Lambda errors, which include running out
    // of memory and function timeouts, reach the state machine as Lambda.Unknown.
    codes: ['Lambda.Unknown'],
    solution:
      'A function of the export workflow ended without an answer after its retries: Lambda reports a function that ran out of memory or time as Lambda.Unknown. Look in the function log groups of the export workflow (/aws/lambda/elasticache-snapshot-export-<stage>-*) for "Runtime exited" or "Task timed out", raise memorySize or timeout for that function in serverless.yml if needed, then request the export again with a new targetSnapshotName.',
    docsUrl: 'https://docs.aws.amazon.com/step-functions/latest/dg/bp-lambda-serviceexception.html',
    retryable: true,
  },
  {
    code: 'ExportCancelled',
    // DELETE /exports/{exportId} stops the execution with this error (handlers/cancel-export.ts); a StopExecution
    // by hand is reported the same way by the safety net.
    codes: ['ExportCancelled'],
    solution:
      'The export was cancelled before it finished. CopySnapshot cannot be cancelled: if ElastiCache had already started the copy, it may still finish writing the .rdb objects to the target bucket. Look in the bucket, delete the objects you do not want, and request the export again with a new targetSnapshotName if you still need it.',
    docsUrl: COPY_SNAPSHOT_URL,
    retryable: true,
  },
  {
    code: 'ExecutionTimedOut',
    codes: ['ExecutionTimedOut'],
    solution:
      "The export workflow ran past the state machine's own time limit, which is set above the export deadline, so a step was stuck rather than the export slow. Check the execution's history in the Step Functions console and the function log groups, look in the bucket, then request the export again with a new targetSnapshotName.",
    docsUrl: 'https://docs.aws.amazon.com/step-functions/latest/dg/statemachine-structure.html',
    retryable: true,
  },
  {
    code: 'WorkflowFailed',
    // Failures of the workflow itself, which no Catch sees: a runtime error in a state's paths or data (Step
    // Functions guide, "Error names": States.Runtime, States.DataLimitExceeded, States.QueryEvaluationError), or the
    // 25,000-event history quota. The safety net reports them (handlers/lib/closed-execution.ts).
    codes: [
      'States.Runtime',
      'States.DataLimitExceeded',
      'States.QueryEvaluationError',
      'States.ResultPathMatchFailure',
    ],
    solution:
      "The export workflow itself failed, outside the steps that report errors. The message above is Step Functions' own error. Check the execution's history in the Step Functions console; if the input was written by hand or by a schedule, correct it, then request the export again. If it keeps happening, open an issue with the message.",
    docsUrl: 'https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html',
    retryable: false,
  },
];

export const UNKNOWN_ENTRY: CatalogueEntry = {
  code: 'Unknown',
  solution:
    'The export failed for a reason this service does not recognise. The message above is the raw error; search for it in the ElastiCache documentation or open an issue with it and the request id.',
  docsUrl: EXPORTING_URL,
  retryable: false,
};

/**
 * The catalogue entry for a failure: message text first, then our code, the AWS code, the error name (each matched
 * against an entry's code and its `codes`).
 */
export const catalogueEntryFor = (failure: DecodedFailure): CatalogueEntry => {
  const byMessage = CATALOGUE.find((entry) => entry.messagePattern?.test(failure.message));
  if (byMessage) return byMessage;
  const keys = [failure.details.code, failure.details.awsErrorCode, failure.errorName].filter(
    (key): key is string => key !== undefined,
  );
  for (const key of keys) {
    // An entry answers to its own code too: a code set by this service needs no second listing.
    const byCode = CATALOGUE.find((entry) => entry.code === key || entry.codes?.includes(key));
    if (byCode) return byCode;
  }
  return UNKNOWN_ENTRY;
};

/** The `error` of the outcome document: the catalogue's words plus the raw message and request id. */
export const explainFailure = (failure: DecodedFailure): OutcomeError => {
  const entry = catalogueEntryFor(failure);
  const message =
    failure.message ||
    (entry === UNKNOWN_ENTRY ? `The export failed with ${failure.errorName} and no message.` : entry.code);
  return {
    code: entry.code,
    message,
    solution: entry.solution,
    docsUrl: entry.docsUrl,
    ...(failure.details.awsErrorCode && { awsErrorCode: failure.details.awsErrorCode }),
    ...(failure.details.requestId && { requestId: failure.details.requestId }),
  };
};
