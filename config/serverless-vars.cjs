// Values serverless.yml cannot compute with plain variables, resolved when the service is packaged:
// the schedule events built from the schedules file (inputs checked with the same code as POST /exports),
// the IAM resources for the target-bucket allow-list, and the state machine definition with its execution timeout
// derived from the export deadline. Used as ${file(config/serverless-vars.cjs):<name>}.
'use strict';

const { existsSync, readFileSync } = require('node:fs');
const path = require('node:path');
const { require: tsRequire } = require('tsx/cjs/api');

const SERVICE_DIR = path.join(__dirname, '..');

/** The request contracts and bucket naming rules, loaded from the TypeScript sources the handlers bundle. */
const core = () => ({
  contracts: tsRequire('../handlers/lib/contracts.ts', __filename),
  naming: tsRequire('../handlers/lib/naming.ts', __filename),
  backoff: tsRequire('../handlers/lib/backoff.ts', __filename),
  bounds: tsRequire('./execution-bounds.ts', __filename),
  partition: tsRequire('../handlers/lib/partition.ts', __filename),
  scheduleRules: tsRequire('./schedule-rules.ts', __filename),
  scheduleResources: tsRequire('./schedule-resources.ts', __filename),
  verification: tsRequire('../handlers/lib/export-verification.ts', __filename),
});

const DEFINITION_FILE = path.join(SERVICE_DIR, 'statemachine', 'export-snapshot.asl.json');

// EventBridge Scheduler: names are [0-9a-zA-Z-_.]{1,64}; ours are exportSnapshot-<stage>-<name> (config/schedule-rules.ts
// checks the whole name).

const SCHEDULE_KEYS = new Set(['name', 'schedule', 'timezone', 'enabled', 'input', 'retention', 'flexibleTimeWindow']);

/**
 * A configuration error, printed by the framework as its message alone: it quotes `error.stack` when there is one
 * (lib/configuration/variables/sources/file.js), so the stack is the message, and the lines name file and field.
 */
const configurationError = (lines) => {
  const error = new Error(lines.join('\n'));
  error.stack = `\n${lines.map((line) => `  ${line}`).join('\n')}`;
  return error;
};

const fail = (file, message) => {
  throw configurationError([`${file}: ${message}`]);
};

const allowList = async (resolveVariable) => {
  const { contracts, naming } = core();
  const buckets = contracts.parseAllowList(await resolveVariable('self:custom.allowedTargetBuckets'));
  for (const bucket of buckets) {
    const problems = naming.bucketNameProblems(bucket);
    if (problems.length > 0) throw new Error(`ALLOWED_TARGET_BUCKETS: ${bucket}: ${problems.join('; ')}`);
  }
  return buckets;
};

const readSchedules = async (resolveVariable, file) => {
  if (!existsSync(path.resolve(SERVICE_DIR, file))) fail(file, 'schedules file not found');
  const content = await resolveVariable(`file(${file})`);
  if (content === null || typeof content !== 'object' || Array.isArray(content)) {
    fail(file, 'expected a mapping with a `schedules` list');
  }
  const schedules = content.schedules ?? [];
  if (!Array.isArray(schedules)) fail(file, '`schedules` must be a list');
  return schedules;
};

/** Every problem of one entry, each a line naming the file, the entry and the field; and the entry when it has none. */
const checkSchedule = (file, entry, index, context) => {
  const label = entry && typeof entry === 'object' && typeof entry.name === 'string' ? ` (${entry.name})` : '';
  const at = `${file}: schedules[${index}]${label}`;
  if (entry === null || typeof entry !== 'object' || Array.isArray(entry))
    return { problems: [`${at} must be a mapping`] };
  const problems = [];
  for (const key of Object.keys(entry)) if (!SCHEDULE_KEYS.has(key)) problems.push(`${at}: unknown key ${key}`);
  const { name, schedule, timezone, enabled, input } = entry;
  const { scheduleRules } = core();
  if (typeof name !== 'string' || !core().naming.SCHEDULE_NAME_PATTERN.test(name)) {
    problems.push(`${at}.name must be 1-40 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  } else {
    const nameProblem = scheduleRules.scheduleNameProblem(`exportSnapshot-${context.stage}-${name}`);
    if (nameProblem) problems.push(`${at}.name: ${nameProblem}`);
  }
  if (typeof schedule !== 'string') {
    problems.push(`${at}.schedule must be cron(...), rate(...) or at(...)`);
  } else {
    for (const problem of scheduleRules.expressionProblems(schedule.trim()))
      problems.push(`${at}.schedule: ${problem}`);
  }
  if (timezone !== undefined) {
    const zoneProblem = typeof timezone === 'string' ? scheduleRules.timezoneProblem(timezone) : 'must be a string';
    if (zoneProblem) problems.push(`${at}.timezone: ${zoneProblem}`);
  }
  if (enabled !== undefined && typeof enabled !== 'boolean') problems.push(`${at}.enabled must be true or false`);
  const { retention, flexibleTimeWindow } = entry;
  if (retention !== undefined) {
    for (const problem of scheduleRules.retentionProblems(retention)) problems.push(`${at}.retention: ${problem}`);
    if (typeof schedule === 'string' && schedule.trim().startsWith('at(')) {
      problems.push(`${at}.retention is for recurring schedules; a one-time at(...) schedule has no older exports`);
    }
  }
  if (
    flexibleTimeWindow !== undefined &&
    !(Number.isInteger(flexibleTimeWindow) && flexibleTimeWindow >= 1 && flexibleTimeWindow <= 1440)
  ) {
    problems.push(`${at}.flexibleTimeWindow must be a whole number of minutes from 1 to 1440 (EventBridge Scheduler)`);
  }

  // The same parsing and defaults ValidateExport applies at run time, so a bad input fails the deploy, not 2 a.m.
  let request;
  try {
    request = context.contracts.normalizeExportRequest(input, {
      defaultTargetBucket: context.defaultTargetBucket,
      now: new Date(),
    });
  } catch (error) {
    problems.push(`${at}.input: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (request && !context.allowedBuckets.includes(request.targetBucket)) {
    problems.push(`${at}.input: target bucket ${request.targetBucket} is not in ALLOWED_TARGET_BUCKETS`);
  }
  // The export of a serverless cache's newest snapshot is named after that snapshot, not after the run: no key of it
  // has the schedule's prefix, so retention could never find (or prune) it.
  if (
    retention !== undefined &&
    input &&
    typeof input === 'object' &&
    input.serverlessCacheName !== undefined &&
    input.freshSnapshot !== true
  ) {
    problems.push(
      `${at}.retention needs "freshSnapshot": true with serverlessCacheName (the newest snapshot's export is named after that snapshot, not after the schedule)`,
    );
  }
  // A fixed target name is fine once; a recurring schedule would collide with its own previous export.
  if (
    input &&
    typeof input === 'object' &&
    input.targetSnapshotName !== undefined &&
    !String(schedule).startsWith('at(')
  ) {
    problems.push(`${at}.input.targetSnapshotName is only allowed for one-time at(...) schedules`);
  }
  return {
    problems,
    schedule: {
      name,
      schedule: typeof schedule === 'string' ? schedule.trim() : schedule,
      timezone,
      enabled,
      input,
      ...(retention !== undefined && { retention }),
      ...(flexibleTimeWindow !== undefined && { flexibleTimeWindow }),
    },
  };
};

/** The schedules file's entries, every one checked (all problems at once, one line each, no stack trace). */
const checkedSchedules = async (resolveVariable) => {
  const file = await resolveVariable('self:custom.schedulesFile');
  const stage = await resolveVariable('sls:stage');
  const entries = await readSchedules(resolveVariable, file);
  if (entries.length === 0) return { stage, schedules: [] };

  const context = {
    contracts: core().contracts,
    allowedBuckets: await allowList(resolveVariable),
    defaultTargetBucket: (await resolveVariable('self:custom.defaultTargetBucket')) || undefined,
    stage,
  };
  const checked = entries.map((entry, index) => checkSchedule(file, entry, index, context));
  const problems = checked.flatMap((result) => result.problems);
  // Compared without case: S3 keys are the lowercased name, so `Nightly` and `nightly` would share (and prune) exports.
  const names = checked
    .map((result) => result.schedule?.name)
    .filter((name) => typeof name === 'string')
    .map((name) => name.toLowerCase());
  for (const name of new Set(names.filter((name, index) => names.indexOf(name) !== index))) {
    problems.push(`${file}: schedule name ${name} is used twice (names are compared without case)`);
  }
  if (problems.length > 0) {
    throw configurationError([`${problems.length} problem(s) in the schedules; fix each line:`, ...problems]);
  }
  return {
    stage,
    schedules: checked.map((result) => result.schedule),
    defaultTargetBucket: context.defaultTargetBucket,
  };
};

/**
 * The schedules' resources (config/schedule-resources.ts): one AWS::Scheduler::Schedule per entry targeting
 * runSchedule, its freshness alarm, and the dashboard. Merged into `resources` (serverless.yml's list form).
 */
const scheduleResources = async ({ resolveVariable }) => {
  const { stage, schedules } = await checkedSchedules(resolveVariable);
  const deadline = await deadlineMinutes(resolveVariable);
  return { Resources: core().scheduleResources.scheduleResources(schedules, { stage, deadlineMinutes: deadline }) };
};

/** Each schedule with a retention policy, with the bucket its exports go to. */
const retentionTargets = async (resolveVariable) => {
  const { schedules, defaultTargetBucket } = await checkedSchedules(resolveVariable);
  return schedules
    .filter((entry) => entry.retention !== undefined)
    .map((entry) => ({
      name: entry.name,
      bucket: (entry.input && typeof entry.input === 'object' && entry.input.targetBucket) || defaultTargetBucket,
    }));
};

/** 'true' when the schedules file has a schedule (drives the HasSchedules condition: Scheduler's execution role). */
const hasSchedules = async ({ resolveVariable }) =>
  String((await checkedSchedules(resolveVariable)).schedules.length > 0);

/** 'true' when a schedule has a retention policy (drives the HasRetentionSchedules condition). */
const hasRetentionSchedules = async ({ resolveVariable }) =>
  String((await retentionTargets(resolveVariable)).length > 0);

/** The buckets of schedules with a retention policy; a placeholder the condition keeps out of IAM when none. */
const retentionBucketArns = async ({ resolveVariable }) => {
  const buckets = [...new Set((await retentionTargets(resolveVariable)).map((target) => target.bucket))];
  if (buckets.length === 0) return [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::no-retention-bucket` }];
  return buckets.map((bucket) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}` }));
};

/** The objects each schedule with a retention policy may prune: `<bucket>/<lowercased name>-*`. */
const retentionObjectArns = async ({ resolveVariable }) => {
  const { naming } = core();
  const targets = await retentionTargets(resolveVariable);
  if (targets.length === 0) return [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::no-retention-bucket/*` }];
  return targets.map((target) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:s3:::${target.bucket}/${naming.scheduleKeyPrefix(target.name)}*`,
  }));
};

/**
 * The serverless cache snapshots this service may create and delete: its fresh snapshots are named after their
 * export's target (handlers/lib/naming.ts FRESH_SERVERLESS_PREFIX), so `export-*` for requests, and
 * `<lowercased schedule name>-*` for each schedule that takes a fresh snapshot of a serverless cache.
 */
const freshServerlessSnapshotArns = async ({ resolveVariable }) => {
  const { naming } = core();
  const { schedules } = await checkedSchedules(resolveVariable);
  const prefixes = [
    naming.FRESH_SERVERLESS_PREFIX,
    ...schedules
      .filter((entry) => entry.input?.serverlessCacheName !== undefined && entry.input?.freshSnapshot === true)
      .map((entry) => naming.scheduleKeyPrefix(entry.name)),
  ];
  return [...new Set(prefixes)].map((prefix) => ({
    'Fn::Sub': `arn:\${AWS::Partition}:elasticache:\${AWS::Region}:\${AWS::AccountId}:serverlesscachesnapshot:${prefix}*`,
  }));
};

/** The configured deadline in minutes, refused unless the handlers would accept it. */
const deadlineMinutes = async (resolveVariable) => {
  const { contracts } = core();
  const deadline = String(await resolveVariable('self:custom.exportDeadlineMinutes')).trim();
  const minutes = Number(deadline);
  if (!Number.isFinite(minutes) || minutes <= 0 || minutes > contracts.MAX_DEADLINE_MINUTES) {
    throw new Error(
      `EXPORT_DEADLINE_MINUTES must be a number of minutes from 1 to ${contracts.MAX_DEADLINE_MINUTES}, got ${deadline}`,
    );
  }
  return minutes;
};

/**
 * Settings that would otherwise deploy fine and fail every export later: the deadline the handlers accept, a
 * default bucket the allow-list would refuse, and a VERIFY_EXPORTS that CheckExport would refuse at cold start.
 */
const checkSettings = async (resolveVariable, buckets) => {
  await deadlineMinutes(resolveVariable);
  core().verification.parseVerifyMode(String((await resolveVariable('self:custom.verifyExports')) ?? ''));
  const defaultBucket = String((await resolveVariable('self:custom.defaultTargetBucket')) ?? '').trim();
  if (defaultBucket && !buckets.includes(defaultBucket)) {
    throw new Error(`DEFAULT_TARGET_BUCKET ${defaultBucket} is not in ALLOWED_TARGET_BUCKETS`);
  }
};

/**
 * statemachine/export-snapshot.asl.json for the Region being packaged: its Task resources in that Region's partition
 * (the file says `${AWS::Partition}`, which the plugin's ASL validation would refuse), and the execution's
 * TimeoutSeconds derived from the configured deadline: the deadline plus the worst case of what may run after it,
 * every Retry counted.
 */
const definition = async ({ resolveVariable }) => {
  const { backoff, bounds, partition } = core();
  const region = String(await resolveVariable('self:provider.region'));
  const asl = JSON.parse(partition.withPartition(readFileSync(DEFINITION_FILE, 'utf8'), region));
  const minutes = await deadlineMinutes(resolveVariable);
  const longestWait = backoff.DEFAULT_BACKOFF.maxSeconds;
  return { ...asl, TimeoutSeconds: bounds.executionTimeoutSeconds(asl, minutes, longestWait) };
};

/**
 * 'true' when the allow-list names at least one bucket (drives the HasAllowedTargetBuckets condition). Resolved on
 * every package, so it also checks the settings that depend on the allow-list.
 */
const hasAllowedTargetBuckets = async ({ resolveVariable }) => {
  const buckets = await allowList(resolveVariable);
  await checkSettings(resolveVariable, buckets);
  return String(buckets.length > 0);
};

/** The allow-listed buckets as IAM resources. Empty allow-list: a placeholder the condition keeps out of IAM. */
const allowedTargetBucketArns = async ({ resolveVariable }) => {
  const buckets = await allowList(resolveVariable);
  if (buckets.length === 0) return [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::no-allowed-target-bucket` }];
  return buckets.map((bucket) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}` }));
};

/** The objects of the allow-listed buckets (`bucket/*`) as IAM resources; the same placeholder when none. */
const allowedTargetObjectArns = async ({ resolveVariable }) => {
  const buckets = await allowList(resolveVariable);
  if (buckets.length === 0) return [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::no-allowed-target-bucket/*` }];
  return buckets.map((bucket) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}/*` }));
};

/** The export objects (`*.rdb`) of every allowed bucket: what CheckExport reads to verify them. */
const allowedTargetRdbObjectArns = async ({ resolveVariable }) => {
  const buckets = await allowList(resolveVariable);
  if (buckets.length === 0) return [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::no-allowed-target-bucket/*.rdb` }];
  return buckets.map((bucket) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::${bucket}/*.rdb` }));
};

// An SNS topic name (CreateTopic: 1-256 letters, digits, hyphens and underscores), here with IAM wildcards.
const TOPIC_NAME_PATTERN = /^[A-Za-z0-9_*?-]{1,256}$/;

/**
 * The topics publishOutcome may publish to: the outcomes topic, and the snapshot topics of the snapshotTopics
 * setting ("*": every topic of this account and Region; "": none; else topic names, wildcards allowed).
 */
const publishTopicArns = async ({ resolveVariable }) => {
  const raw = String((await resolveVariable('self:custom.snapshotTopics')) ?? '').trim();
  const names =
    raw === ''
      ? []
      : raw
          .split(',')
          .map((name) => name.trim())
          .filter(Boolean);
  for (const name of names) {
    if (!TOPIC_NAME_PATTERN.test(name)) {
      throw new Error(
        `SNAPSHOT_TOPICS: ${JSON.stringify(name)} is not a topic name (letters, digits, - and _, wildcards * and ?)`,
      );
    }
  }
  return [
    { Ref: 'OutcomesTopic' },
    ...names.map((name) => ({ 'Fn::Sub': `arn:\${AWS::Partition}:sns:\${AWS::Region}:\${AWS::AccountId}:${name}` })),
  ];
};

module.exports = {
  scheduleResources,
  hasSchedules,
  hasRetentionSchedules,
  retentionBucketArns,
  retentionObjectArns,
  freshServerlessSnapshotArns,
  hasAllowedTargetBuckets,
  allowedTargetBucketArns,
  allowedTargetObjectArns,
  allowedTargetRdbObjectArns,
  publishTopicArns,
  definition,
};
