// config/serverless-vars.cjs: what serverless.yml gets for ${file(config/serverless-vars.cjs):...}. It runs in a
// child Node process, as under `serverless package` (it loads the TypeScript contracts with tsx, which cannot run
// inside jest's module system); variables are answered from a table, `file(...)` from JSON files.

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { executionTimeoutSeconds } from '../../config/execution-bounds';
import { DEFAULT_BACKOFF } from '../../handlers/lib/backoff';
import { withPartition } from '../../handlers/lib/partition';
import { DEFINITION_PATH } from '../../local/statemachine';
import { SERVICE_DIR } from './serverless-package';

const MODULE = path.join(SERVICE_DIR, 'config', 'serverless-vars.cjs');
const workDir = mkdtempSync(path.join(tmpdir(), 'serverless-vars-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

interface Result {
  value?: unknown;
  error?: string;
}

const call = async (fn: string, variables: Record<string, string>): Promise<Result> => {
  const script = `
    const { readFileSync } = require('node:fs');
    const variables = ${JSON.stringify(variables)};
    const resolveVariable = async (name) => {
      const file = /^file\\((.+)\\)$/.exec(name);
      if (file) return JSON.parse(readFileSync(file[1], 'utf8'));
      if (name in variables) return variables[name];
      throw new Error('unexpected variable ' + name);
    };
    require(${JSON.stringify(MODULE)})[${JSON.stringify(fn)}]({ resolveVariable }).then(
      (value) => process.stdout.write(JSON.stringify({ value })),
      (error) => process.stdout.write(JSON.stringify({ error: error.message })),
    );`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: SERVICE_DIR });
  return JSON.parse(stdout) as Result;
};

let fileCount = 0;
const schedulesFile = (content: unknown): string => {
  fileCount += 1;
  const file = path.join(workDir, `schedules-${fileCount}.json`);
  writeFileSync(file, JSON.stringify(content));
  return file;
};

const settings = (schedules: unknown, overrides: Record<string, string> = {}): Record<string, string> => ({
  'self:custom.schedulesFile': schedulesFile({ schedules }),
  'sls:stage': 'qa',
  'self:custom.allowedTargetBuckets': 'exports-bucket, other-bucket',
  'self:custom.defaultTargetBucket': '',
  'self:custom.exportDeadlineMinutes': '720',
  'self:custom.verifyExports': 'full',
  'self:provider.region': 'us-east-1',
  ...overrides,
});

const nightly = (overrides: Record<string, unknown> = {}) => ({
  name: 'sessions-nightly',
  schedule: 'cron(30 2 * * ? *)',
  input: { replicationGroupId: 'sessions', targetBucket: 'exports-bucket' },
  ...overrides,
});

interface TemplateResource {
  Type: string;
  Properties: Record<string, unknown>;
}

/** The resources scheduleResources returned, or the configuration error it threw. */
const resourcesOf = (result: Result): Record<string, TemplateResource> => {
  if (result.error !== undefined) throw new Error(result.error);
  return (result.value as { Resources: Record<string, TemplateResource> }).Resources;
};

const ofType = (resources: Record<string, TemplateResource>, type: string): TemplateResource[] =>
  Object.values(resources).filter((resource) => resource.Type === type);

const targetOf = (schedule: TemplateResource | undefined) => schedule?.Properties.Target as { Input: string };

describe('scheduleResources', () => {
  it('returns only the dashboard for an empty schedules list', async () => {
    // Act
    const resources = resourcesOf(await call('scheduleResources', settings([])));

    // Assert
    expect(Object.keys(resources)).toEqual(['ExportDashboard']);
    expect(resources.ExportDashboard).toMatchObject({
      Type: 'AWS::CloudWatch::Dashboard',
      Properties: { DashboardName: 'elasticache-export-qa' },
    });
  });

  it("turns an entry into a Scheduler schedule that invokes runSchedule with Scheduler's scheduled time, retrying, then dead-lettering", async () => {
    // Arrange
    const variables = settings([
      nightly({ timezone: 'Europe/Paris', retention: { keepLast: 7 }, flexibleTimeWindow: 30 }),
    ]);

    // Act
    const [schedule, ...others] = ofType(
      resourcesOf(await call('scheduleResources', variables)),
      'AWS::Scheduler::Schedule',
    );

    // Assert
    expect(others).toEqual([]);
    expect(schedule).toEqual({
      Type: 'AWS::Scheduler::Schedule',
      Properties: {
        Name: 'exportSnapshot-qa-sessions-nightly',
        Description: 'ElastiCache snapshot export sessions-nightly',
        ScheduleExpression: 'cron(30 2 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/Paris',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 30 },
        Target: {
          Arn: { 'Fn::GetAtt': ['RunScheduleLambdaFunction', 'Arn'] },
          RoleArn: { 'Fn::GetAtt': ['SchedulerRole', 'Arn'] },
          Input: expect.any(String),
          // Scheduler's maxima: 24 hours, 185 retries (RetryPolicy, EventBridge Scheduler API Reference).
          RetryPolicy: { MaximumEventAgeInSeconds: 86_400, MaximumRetryAttempts: 185 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': ['SchedulesDeadLetterQueue', 'Arn'] } },
        },
      },
    });
    expect(JSON.parse(targetOf(schedule).Input)).toStrictEqual({
      schedule: 'sessions-nightly',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      input: { replicationGroupId: 'sessions', targetBucket: 'exports-bucket' },
      retention: { keepLast: 7 },
    });
  });

  it('keeps the input as written, leaves the window OFF and the time zone out, and disables a disabled entry', async () => {
    // Arrange: the default bucket is applied at run time, not written into the schedule.
    const variables = settings(
      [{ name: 'weekly', schedule: 'rate(7 days)', enabled: false, input: { cacheClusterId: 'cache-0001' } }],
      { 'self:custom.defaultTargetBucket': 'other-bucket' },
    );

    // Act
    const [schedule] = ofType(resourcesOf(await call('scheduleResources', variables)), 'AWS::Scheduler::Schedule');

    // Assert
    expect(schedule?.Properties).toMatchObject({
      Name: 'exportSnapshot-qa-weekly',
      ScheduleExpression: 'rate(7 days)',
      State: 'DISABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
    });
    expect(schedule?.Properties).not.toHaveProperty('ScheduleExpressionTimezone');
    expect(JSON.parse(targetOf(schedule).Input)).toStrictEqual({
      schedule: 'weekly',
      scheduledTime: '<aws.scheduler.scheduled-time>',
      input: { cacheClusterId: 'cache-0001' },
    });
  });

  it('gives an enabled recurring schedule a freshness alarm: no success within its interval, flexible window and deadline', async () => {
    // Arrange: rate(6 hours); with a 60-minute window 6 h + 1 h + the 720-minute deadline = 19 h, else 18 h.
    const variables = settings([
      nightly({ name: 'flexible', schedule: 'rate(6 hours)', flexibleTimeWindow: 60 }),
      nightly({ name: 'punctual', schedule: 'rate(6 hours)' }),
    ]);

    // Act
    const alarms = ofType(resourcesOf(await call('scheduleResources', variables)), 'AWS::CloudWatch::Alarm');

    // Assert: a day or less is watched in 1-minute periods, every one of them without a success.
    const alarm = (name: string, minutes: number) => ({
      Type: 'AWS::CloudWatch::Alarm',
      Properties: {
        AlarmName: `elasticache-export-qa-${name}-stale`,
        AlarmDescription: expect.stringContaining(`No export of schedule ${name} (stage qa) has succeeded for`),
        Namespace: 'ElastiCacheSnapshotExport',
        MetricName: 'ExportsSucceeded',
        Dimensions: [
          { Name: 'Stage', Value: 'qa' },
          { Name: 'Schedule', Value: name },
        ],
        Statistic: 'Sum',
        Period: 60,
        EvaluationPeriods: minutes,
        DatapointsToAlarm: minutes,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: 'AlarmsTopic' }],
        OKActions: [{ Ref: 'AlarmsTopic' }],
      },
    });
    expect(alarms).toEqual([alarm('flexible', 19 * 60), alarm('punctual', 18 * 60)]);
  });

  it('gives no freshness alarm to a disabled schedule or to a one-time at(...) schedule', async () => {
    // Arrange
    const variables = settings([
      nightly({ enabled: false }),
      nightly({ name: 'once', schedule: 'at(2027-01-31T02:30:00)' }),
    ]);

    // Act
    const resources = resourcesOf(await call('scheduleResources', variables));

    // Assert
    expect(ofType(resources, 'AWS::Scheduler::Schedule').map((schedule) => schedule.Properties.Name)).toEqual([
      'exportSnapshot-qa-sessions-nightly',
      'exportSnapshot-qa-once',
    ]);
    expect(ofType(resources, 'AWS::CloudWatch::Alarm')).toEqual([]);
  });

  it('reports every problem of retention, flexible windows and names at once, one line each', async () => {
    // Arrange
    const variables = settings([
      nightly({ retention: { keepLast: 0 } }),
      nightly({ name: 'hourly', schedule: 'rate(1 hour)', flexibleTimeWindow: 1441 }),
      nightly({ name: 'once', schedule: 'at(2027-01-31T02:30:00)', retention: { keepLast: 3 } }),
      nightly({ name: 'Sessions-Nightly' }),
      nightly({ name: '-weekly' }),
    ]);

    // Act
    const result = await call('scheduleResources', variables);
    const lines = (result.error ?? '').split('\n');

    // Assert
    expect(lines).toEqual([
      '5 problem(s) in the schedules; fix each line:',
      expect.stringMatching(
        /schedules\[0\] \(sessions-nightly\)\.retention: keepLast must be a whole number from 1 to 1000, got 0$/,
      ),
      expect.stringMatching(
        /schedules\[1\] \(hourly\)\.flexibleTimeWindow must be a whole number of minutes from 1 to 1440/,
      ),
      expect.stringMatching(/schedules\[2\] \(once\)\.retention is for recurring schedules/),
      expect.stringMatching(/schedules\[4\] \(-weekly\)\.name must be .*starting with a letter or digit$/),
      expect.stringMatching(/: schedule name sessions-nightly is used twice \(names are compared without case\)$/),
    ]);
    expect(result.error).not.toMatch(/\n\s+at /);
  });

  it.each([
    [{ flexibleTimeWindow: 0 }, /flexibleTimeWindow must be a whole number of minutes from 1 to 1440/],
    [{ flexibleTimeWindow: 2.5 }, /flexibleTimeWindow must be a whole number of minutes from 1 to 1440/],
    [{ retention: {} }, /retention: must set keepLast, maxAgeDays or both/],
    [{ retention: { keepLast: 7, keepFirst: 1 } }, /retention: unknown key keepFirst/],
    [{ retention: { maxAgeDays: 3651 } }, /retention: maxAgeDays must be a whole number from 1 to 3650, got 3651/],
  ])('rejects %j, saying why', async (overrides, message) => {
    // Act
    const result = await call('scheduleResources', settings([nightly(overrides)]));

    // Assert
    expect(result.error).toMatch(message);
  });

  it.each([
    { flexibleTimeWindow: 1 },
    { flexibleTimeWindow: 1440 },
    { retention: { keepLast: 1000, maxAgeDays: 3650 } },
    { retention: { maxAgeDays: 1 } },
  ])('accepts %j', async (overrides) => {
    // Act
    const result = await call('scheduleResources', settings([nightly(overrides)]));

    // Assert
    expect(result.error).toBeUndefined();
  });

  it('rejects an input that POST /exports would reject, naming the entry', async () => {
    // Arrange
    const variables = settings([nightly({ input: { replicationGroupId: 'sessions', cacheClusterId: 'c1' } })]);

    // Act
    const result = await call('scheduleResources', variables);

    // Assert
    expect(result.error).toMatch(
      /schedules\[0\] \(sessions-nightly\)\.input: Invalid export request: .*exactly one of/,
    );
  });

  it('rejects a target bucket that is not on the allow-list', async () => {
    // Act
    const result = await call(
      'scheduleResources',
      settings([nightly({ input: { replicationGroupId: 'sessions', targetBucket: 'elsewhere' } })]),
    );

    // Assert
    expect(result.error).toMatch(/target bucket elsewhere is not in ALLOWED_TARGET_BUCKETS/);
  });

  it('rejects an input without a bucket when no default bucket is configured', async () => {
    // Act
    const result = await call('scheduleResources', settings([nightly({ input: { replicationGroupId: 'sessions' } })]));

    // Assert
    expect(result.error).toMatch(/targetBucket is required/);
  });

  it('rejects a fixed targetSnapshotName on a recurring schedule but accepts it on a one-time one', async () => {
    // Arrange
    const input = { replicationGroupId: 'sessions', targetBucket: 'exports-bucket', targetSnapshotName: 'fixed' };

    // Act
    const recurring = await call('scheduleResources', settings([nightly({ input })]));
    const once = await call('scheduleResources', settings([nightly({ schedule: 'at(2027-01-01T02:00:00)', input })]));

    // Assert
    expect(recurring.error).toMatch(/targetSnapshotName is only allowed for one-time at\(\.\.\.\) schedules/);
    expect(once.error).toBeUndefined();
  });

  it('rejects duplicate names, unknown keys and malformed expressions', async () => {
    // Act
    const duplicate = await call('scheduleResources', settings([nightly(), nightly()]));
    const unknownKey = await call('scheduleResources', settings([nightly({ cron: 'x' })]));
    const expression = await call('scheduleResources', settings([nightly({ schedule: '0 2 * * *' })]));

    // Assert
    expect(duplicate.error).toMatch(/schedule name sessions-nightly is used twice/);
    expect(unknownKey.error).toMatch(/schedules\[0\] \(sessions-nightly\): unknown key cron/);
    expect(expression.error).toMatch(
      /schedules\[0\] \(sessions-nightly\)\.schedule: 0 2 \* \* \* must be cron\(\.\.\.\) with six fields, rate\(value unit\) or at\(yyyy-mm-ddThh:mm:ss\)/,
    );
  });

  it('reports every problem of every entry at once, one line each naming file, entry and field', async () => {
    // Arrange: what the issue found packaging without error, and a name too long for the stage.
    const variables = settings(
      [
        nightly({ schedule: 'cron(30 2 * * *)', timezone: 'Europe/Pariss' }),
        nightly({ name: 'daily', schedule: 'rate(1 days)' }),
        nightly({ name: 'x'.repeat(40), schedule: 'at(2027-02-30T02:00:00)' }),
      ],
      { 'sls:stage': 'production-eu' },
    );

    // Act
    const result = await call('scheduleResources', variables);
    const lines = (result.error ?? '').split('\n');

    // Assert
    expect(lines[0]).toBe('5 problem(s) in the schedules; fix each line:');
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(
        /schedules\[0\] \(sessions-nightly\)\.schedule: cron\(30 2 \* \* \*\): Expected 6 values, but got 5\.$/,
      ),
      expect.stringMatching(
        /schedules\[0\] \(sessions-nightly\)\.timezone: Europe\/Pariss is not an IANA time zone name/,
      ),
      expect.stringMatching(/schedules\[1\] \(daily\)\.schedule: rate\(1 days\) must use the singular: rate\(1 day\)$/),
      expect.stringMatching(
        /schedules\[2\] \(x{40}\)\.name: the schedule's name exportSnapshot-production-eu-x{40} is 69 characters; EventBridge Scheduler allows 64/,
      ),
      expect.stringMatching(
        /schedules\[2\] \(x{40}\)\.schedule: at\(2027-02-30T02:00:00\) is not a date and time that exists$/,
      ),
    ]);
    expect(result.error).not.toMatch(/\n\s+at /);
  });

  it.each([
    'cron(0 18 ? * MON-FRI *)',
    'cron(0/15 * * * ? *)',
    'cron(0 0 L * ? *)',
    'cron(0 0 15W * ? *)',
    'cron(0 10 ? * 6#3 *)',
    'rate(1 hour)',
    'rate(12 hours)',
    'at(2027-01-31T02:30:00)',
  ])('accepts %s as EventBridge Scheduler does', async (schedule) => {
    // Act
    const result = await call('scheduleResources', settings([nightly({ schedule, timezone: 'America/New_York' })]));

    // Assert
    expect(result.error).toBeUndefined();
  });

  it.each([
    ['cron(0 0 * * * *)', /Cannot specify both daysOfMonth and daysOfWeek/],
    ['cron(61 0 * * ? *)', /'61' of minutes field is bigger than upper limit '59'/],
    ['rate(5 minute)', /must use the plural: rate\(5 minutes\)/],
    ['rate(0 days)', /rate value 0 must be a whole number from 1/],
    ['rate(2 weeks)', /rate unit weeks must be minute\(s\), hour\(s\) or day\(s\)/],
    ['at(2027-1-31 02:30)', /at\(yyyy-mm-ddThh:mm:ss\)/],
  ])('rejects %s, saying why', async (schedule, message) => {
    // Act
    const result = await call('scheduleResources', settings([nightly({ schedule })]));

    // Assert
    expect(result.error).toMatch(message);
  });

  it('fails with the file name when the schedules file does not exist', async () => {
    // Act
    const result = await call('scheduleResources', {
      ...settings([]),
      'self:custom.schedulesFile': path.join(workDir, 'missing.yml'),
    });

    // Assert
    expect(result.error).toMatch(/missing\.yml: schedules file not found/);
  });
});

describe('hasSchedules', () => {
  it("is 'true' with a schedule, disabled or not, and 'false' for an empty schedules list", async () => {
    // Act
    const some = await call('hasSchedules', settings([nightly({ enabled: false })]));
    const none = await call('hasSchedules', settings([]));

    // Assert
    expect(some).toEqual({ value: 'true' });
    expect(none).toEqual({ value: 'false' });
  });
});

describe('retention resources', () => {
  it("scopes pruning to each retention schedule's own bucket and lowercased key prefix, and to no other schedule", async () => {
    // Arrange: one schedule in its input's bucket, one in the default bucket, one without retention.
    const variables = settings(
      [
        nightly({ name: 'Sessions-Nightly', retention: { keepLast: 7 } }),
        nightly({
          name: 'orders.hourly',
          schedule: 'rate(1 hour)',
          input: { cacheClusterId: 'orders-0001' },
          retention: { maxAgeDays: 2 },
        }),
        nightly({ name: 'kept', input: { replicationGroupId: 'kept', targetBucket: 'exports-bucket' } }),
      ],
      { 'self:custom.defaultTargetBucket': 'other-bucket' },
    );

    // Act
    const has = await call('hasRetentionSchedules', variables);
    const buckets = await call('retentionBucketArns', variables);
    const objects = await call('retentionObjectArns', variables);

    // Assert: S3 keys start with the lowercased schedule name (handlers/lib/naming.ts, scheduleKeyPrefix).
    expect(has).toEqual({ value: 'true' });
    expect(buckets).toEqual({
      value: [
        { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::exports-bucket` },
        { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::other-bucket` },
      ],
    });
    expect(objects).toEqual({
      value: [
        { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::exports-bucket/sessions-nightly-*` },
        { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::other-bucket/orders.hourly-*` },
      ],
    });
  });

  it('lists each bucket once when several retention schedules share it', async () => {
    // Act
    const buckets = await call(
      'retentionBucketArns',
      settings([nightly({ retention: { keepLast: 7 } }), nightly({ name: 'weekly', retention: { keepLast: 4 } })]),
    );

    // Assert
    expect(buckets).toEqual({ value: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::exports-bucket` }] });
  });

  it('reports no retention schedule, with placeholders that the HasRetentionSchedules condition keeps out of IAM', async () => {
    // Arrange
    const variables = settings([nightly()]);

    // Act
    const has = await call('hasRetentionSchedules', variables);
    const buckets = await call('retentionBucketArns', variables);
    const objects = await call('retentionObjectArns', variables);
    const empty = await call('hasRetentionSchedules', settings([]));

    // Assert
    expect(has).toEqual({ value: 'false' });
    expect(empty).toEqual({ value: 'false' });
    expect(buckets).toEqual({ value: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::no-retention-bucket` }] });
    expect(objects).toEqual({ value: [{ 'Fn::Sub': `arn:\${AWS::Partition}:s3:::no-retention-bucket/*` }] });
  });

  it('refuses to compute the retention resources from a schedules file with problems', async () => {
    // Act
    const result = await call('retentionObjectArns', settings([nightly({ retention: { keepLast: 0 } })]));

    // Assert
    expect(result.error).toMatch(/^1 problem\(s\) in the schedules; fix each line:\n.*retention: keepLast must be/);
  });
});

describe('allow-list resources', () => {
  it('lists each allow-listed bucket as an ARN in the deployment partition', async () => {
    // Act
    const arns = await call('allowedTargetBucketArns', settings([]));
    const has = await call('hasAllowedTargetBuckets', settings([]));

    // Assert
    expect(arns).toEqual({
      value: [
        { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::exports-bucket` },
        { 'Fn::Sub': `arn:\${AWS::Partition}:s3:::other-bucket` },
      ],
    });
    expect(has).toEqual({ value: 'true' });
  });

  it('reports an empty allow-list so that the bucket policies are left out', async () => {
    // Act
    const has = await call('hasAllowedTargetBuckets', settings([], { 'self:custom.allowedTargetBuckets': ' ,' }));

    // Assert
    expect(has).toEqual({ value: 'false' });
  });

  it('rejects an allow-list entry that is not a valid bucket name', async () => {
    // Act
    const result = await call(
      'allowedTargetBucketArns',
      settings([], { 'self:custom.allowedTargetBuckets': 'exports-bucket,Not_A_Bucket' }),
    );

    // Assert
    expect(result.error).toMatch(/^ALLOWED_TARGET_BUCKETS: Not_A_Bucket: /);
  });

  it('rejects a deadline the handlers would refuse at cold start', async () => {
    // Act
    const tooLong = await call(
      'hasAllowedTargetBuckets',
      settings([], { 'self:custom.exportDeadlineMinutes': '3000' }),
    );
    const notANumber = await call(
      'hasAllowedTargetBuckets',
      settings([], { 'self:custom.exportDeadlineMinutes': 'soon' }),
    );

    // Assert
    expect(tooLong.error).toBe('EXPORT_DEADLINE_MINUTES must be a number of minutes from 1 to 2880, got 3000');
    expect(notANumber.error).toMatch(/^EXPORT_DEADLINE_MINUTES must be a number/);
  });

  it('rejects a VERIFY_EXPORTS CheckExport would refuse at cold start', async () => {
    // Act
    const wrong = await call('hasAllowedTargetBuckets', settings([], { 'self:custom.verifyExports': 'crc' }));
    const header = await call('hasAllowedTargetBuckets', settings([], { 'self:custom.verifyExports': 'header' }));

    // Assert
    expect(wrong.error).toBe('Environment variable VERIFY_EXPORTS must be full, header or off, got crc');
    expect(header.error).toBeUndefined();
  });

  it('rejects a default bucket that the allow-list would refuse', async () => {
    // Act
    const result = await call(
      'hasAllowedTargetBuckets',
      settings([], { 'self:custom.defaultTargetBucket': 'elsewhere' }),
    );
    const allowed = await call(
      'hasAllowedTargetBuckets',
      settings([], { 'self:custom.defaultTargetBucket': 'other-bucket' }),
    );

    // Assert
    expect(result.error).toBe('DEFAULT_TARGET_BUCKET elsewhere is not in ALLOWED_TARGET_BUCKETS');
    expect(allowed).toEqual({ value: 'true' });
  });
});

describe('definition', () => {
  it('is the committed ASL with the execution timeout derived from the configured deadline', async () => {
    // Act
    const twelveHours = await call('definition', settings([]));
    const fourHours = await call('definition', settings([], { 'self:custom.exportDeadlineMinutes': '240' }));
    const tooLong = await call('definition', settings([], { 'self:custom.exportDeadlineMinutes': '3000' }));

    // Assert
    const committed = JSON.parse(withPartition(readFileSync(DEFINITION_PATH, 'utf8'), 'us-east-1')) as object;
    const { TimeoutSeconds: _committed, ...rest } = committed as { TimeoutSeconds?: number };
    expect(twelveHours.value).toEqual({
      ...rest,
      TimeoutSeconds: executionTimeoutSeconds(committed as never, 720, DEFAULT_BACKOFF.maxSeconds),
    });
    const timeouts = [twelveHours, fourHours].map(
      (result) => (result.value as { TimeoutSeconds: number }).TimeoutSeconds,
    );
    expect((timeouts[0] ?? 0) - (timeouts[1] ?? 0)).toBe(480 * 60);
    expect(tooLong.error).toBe('EXPORT_DEADLINE_MINUTES must be a number of minutes from 1 to 2880, got 3000');
  });

  it("names the partition of the Region it is packaged for in every Task's Resource", async () => {
    // Act
    const govCloud = await call('definition', settings([], { 'self:provider.region': 'us-gov-west-1' }));

    // Assert
    const resources = Object.values((govCloud.value as { States: Record<string, { Resource?: string }> }).States)
      .map((state) => state.Resource)
      .filter((resource) => resource !== undefined);
    expect(new Set(resources)).toEqual(new Set(['arn:aws-us-gov:states:::lambda:invoke']));
  });
});

describe('publishTopicArns', () => {
  it('is the outcomes topic plus the snapshot topics named, every topic of the Region for "*", none for ""', async () => {
    // Act
    const all = await call('publishTopicArns', settings([], { 'self:custom.snapshotTopics': '*' }));
    const none = await call('publishTopicArns', settings([], { 'self:custom.snapshotTopics': '' }));
    const named = await call('publishTopicArns', settings([], { 'self:custom.snapshotTopics': 'a-*, b_1' }));
    const wrong = await call('publishTopicArns', settings([], { 'self:custom.snapshotTopics': 'arn:aws:sns:x' }));

    // Assert
    const topic = (name: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:sns:\${AWS::Region}:\${AWS::AccountId}:${name}`,
    });
    expect(all.value).toEqual([{ Ref: 'OutcomesTopic' }, topic('*')]);
    expect(none.value).toEqual([{ Ref: 'OutcomesTopic' }]);
    expect(named.value).toEqual([{ Ref: 'OutcomesTopic' }, topic('a-*'), topic('b_1')]);
    expect(wrong.error).toMatch(/^SNAPSHOT_TOPICS: "arn:aws:sns:x" is not a topic name/);
  });
});

describe('serverless caches in schedules', () => {
  it('lets the service create and delete serverless snapshots named export-* and those of each fresh serverless schedule', async () => {
    // Arrange: a fresh serverless schedule, a newest-snapshot one, and a node-based fresh one.
    const variables = settings([
      nightly({
        name: 'Sessions-Nightly',
        input: { serverlessCacheName: 'sessions', freshSnapshot: true, targetBucket: 'exports-bucket' },
      }),
      nightly({ name: 'newest', input: { serverlessCacheName: 'sessions', targetBucket: 'exports-bucket' } }),
      nightly({
        name: 'node',
        input: { replicationGroupId: 'orders', freshSnapshot: true, targetBucket: 'exports-bucket' },
      }),
    ]);

    // Act
    const arns = await call('freshServerlessSnapshotArns', variables);

    // Assert: the run's snapshot is named after the run (handlers/lib/naming.ts), lowercased as ElastiCache stores it.
    const snapshots = (name: string) => ({
      'Fn::Sub': `arn:\${AWS::Partition}:elasticache:\${AWS::Region}:\${AWS::AccountId}:serverlesscachesnapshot:${name}`,
    });
    expect(arns).toEqual({ value: [snapshots('export-*'), snapshots('sessions-nightly-*')] });
  });

  it("refuses retention on a schedule of a serverless cache's newest snapshot, saying what to add", async () => {
    // Act
    const newest = await call(
      'scheduleResources',
      settings([
        nightly({
          input: { serverlessCacheName: 'sessions', targetBucket: 'exports-bucket' },
          retention: { keepLast: 3 },
        }),
      ]),
    );
    const fresh = await call(
      'scheduleResources',
      settings([
        nightly({
          input: { serverlessCacheName: 'sessions', freshSnapshot: true, targetBucket: 'exports-bucket' },
          retention: { keepLast: 3 },
        }),
      ]),
    );

    // Assert
    expect(newest.error).toMatch(/retention needs "freshSnapshot": true with serverlessCacheName/);
    expect(fresh.error).toBeUndefined();
  });
});
