// The CloudWatch resources built at package time: the freshness alarm's window arithmetic against CloudWatch's
// limits, the alarm resource, and the dashboard (its metrics, its alarms, and its size for many schedules).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import {
  alarmWindow,
  type DashboardOptions,
  dashboard,
  dashboardBody,
  describeDuration,
  effectiveWindowSeconds,
  FUNCTION_KEYS,
  freshnessAlarm,
  freshnessAlarmLogicalId,
  freshnessAlarmName,
  MAX_EVALUATION_RANGE_SECONDS,
  MAX_SHORT_PERIOD_RANGE_SECONDS,
  SERVICE_NAME,
  serviceAlarmNames,
  stateMachineName,
} from '../../config/observability';
import { DIMENSION, METRIC, METRICS_NAMESPACE } from '../../handlers/lib/metric-names';

const HOUR = 3600;
const DAY = 86_400;

const serverless = parse(readFileSync(path.join(__dirname, '..', '..', 'serverless.yml'), 'utf8')) as {
  service: string;
  custom: Record<string, unknown>;
  functions: Record<string, Record<string, unknown>>;
  // A list: the fixed resources, then the schedules' variable.
  resources: Array<{ Resources?: Record<string, { Type: string; Properties: Record<string, unknown> }> } | string>;
};

describe('alarmWindow', () => {
  it.each([
    [1, 60, 1],
    [60, 60, 1],
    [61, 60, 2],
    [90 * 60, 60, 90],
    [DAY - 1, 60, 1440],
    [DAY, 60, 1440],
    [DAY + 1, HOUR, 25],
    [26 * HOUR, HOUR, 26],
    [7 * DAY, HOUR, 168],
  ])('covers a window of %i s with %i-second periods, all %i of them', (window, period, periods) => {
    // Act
    const result = alarmWindow(window);

    // Assert
    expect(result).toMatchObject({ periodSeconds: period, evaluationPeriods: periods, datapointsToAlarm: periods });
    expect(result.windowSeconds).toBe(period * periods);
    expect(result.capped).toBe(false);
  });

  it('never watches less than the window, and at most one period more', () => {
    for (const window of [1, 59, 60, 3599, 3600, 86_399, 86_400, 86_401, 100_000, 500_000, 604_800]) {
      const { windowSeconds, periodSeconds } = alarmWindow(window);
      expect(windowSeconds).toBeGreaterThanOrEqual(window);
      expect(windowSeconds - window).toBeLessThan(periodSeconds);
    }
  });

  it('stays within the evaluation limits of PutMetricAlarm for every window', () => {
    for (let window = 60; window <= 10 * DAY; window += 997) {
      const { periodSeconds, evaluationPeriods } = alarmWindow(window);
      const range = periodSeconds * evaluationPeriods;
      // Period: 10, 20, 30 or a multiple of 60; the range: one day under 1-hour periods, else seven days.
      expect(periodSeconds % 60).toBe(0);
      expect(range).toBeLessThanOrEqual(
        periodSeconds < HOUR ? MAX_SHORT_PERIOD_RANGE_SECONDS : MAX_EVALUATION_RANGE_SECONDS,
      );
    }
    expect(MAX_SHORT_PERIOD_RANGE_SECONDS).toBe(86_400);
    expect(MAX_EVALUATION_RANGE_SECONDS).toBe(604_800);
  });

  it('caps a window over seven days at seven days, and says it did', () => {
    // Act
    const result = alarmWindow(14 * DAY);

    // Assert
    expect(result).toEqual({
      periodSeconds: HOUR,
      evaluationPeriods: 168,
      datapointsToAlarm: 168,
      windowSeconds: 7 * DAY,
      requestedSeconds: 14 * DAY,
      capped: true,
    });
    expect(effectiveWindowSeconds(14 * DAY)).toBe(7 * DAY);
  });

  it.each([0, -1, Number.NaN, Number.POSITIVE_INFINITY])('refuses a window of %p', (window) => {
    expect(() => alarmWindow(window)).toThrow(RangeError);
  });
});

describe('describeDuration', () => {
  it.each([
    [7 * DAY, '7 days'],
    [DAY, '1 day'],
    [26 * HOUR, '26 hours'],
    [90 * 60, '1 hour 30 minutes'],
    [60, '1 minute'],
    [61, '1 minute 1 second'],
  ])('writes %i s as %s', (seconds, text) => {
    expect(describeDuration(seconds)).toBe(text);
  });
});

describe('freshnessAlarm', () => {
  it('alarms when the schedule had no success in the window, to the alarms topic both ways', () => {
    // Act
    const alarm = freshnessAlarm({ name: 'orders-nightly', windowSeconds: 26 * HOUR, stage: 'prod' });

    // Assert
    expect(alarm.Type).toBe('AWS::CloudWatch::Alarm');
    expect(alarm.Properties).toMatchObject({
      AlarmName: 'elasticache-export-prod-orders-nightly-stale',
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.exportsSucceeded,
      Dimensions: [
        { Name: DIMENSION.stage, Value: 'prod' },
        { Name: DIMENSION.schedule, Value: 'orders-nightly' },
      ],
      Statistic: 'Sum',
      Period: HOUR,
      EvaluationPeriods: 26,
      DatapointsToAlarm: 26,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      AlarmActions: [{ Ref: 'AlarmsTopic' }],
      OKActions: [{ Ref: 'AlarmsTopic' }],
    });
    expect(alarm.Properties.AlarmDescription).toMatch(
      /^No export of schedule orders-nightly \(stage prod\) has succeeded for 26 hours/,
    );
    expect(alarm.Properties.AlarmDescription).not.toMatch(/looks back at most/);
  });

  it('says in its description that a window over seven days was cut', () => {
    // Act
    const alarm = freshnessAlarm({ name: 'weekly', windowSeconds: 10 * DAY, stage: 'prod' });

    // Assert
    expect(alarm.Properties.EvaluationPeriods * alarm.Properties.Period).toBe(7 * DAY);
    expect(alarm.Properties.AlarmDescription).toContain(
      'The schedule allows 10 days between successes, but a CloudWatch alarm looks back at most 7 days, so this alarm fires after 7 days.',
    );
  });

  it('stays within CloudWatch name and description lengths for the longest names', () => {
    // Act
    const alarm = freshnessAlarm({ name: 'n'.repeat(40), windowSeconds: 30 * DAY, stage: 's'.repeat(64) });

    // Assert
    expect(alarm.Properties.AlarmName.length).toBeLessThanOrEqual(255);
    expect(alarm.Properties.AlarmDescription.length).toBeLessThanOrEqual(1024);
  });

  it.each([
    ['a schedule name outside the schedules file rule', { name: 'a b', stage: 'prod' }],
    ['a stage that could not name a topic', { name: 'nightly', stage: 'pr/od' }],
  ])('refuses %s', (_what, names) => {
    expect(() => freshnessAlarm({ ...names, windowSeconds: DAY })).toThrow();
  });

  it('gives every schedule a logical id of letters and digits, distinct even when the names differ only in punctuation', () => {
    // Act
    const ids = ['a-b', 'a_b', 'a.b', 'ab'].map(freshnessAlarmLogicalId);

    // Assert
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9]+$/);
    expect(new Set(ids).size).toBe(4);
  });
});

describe('dashboard', () => {
  const options = (count: number): DashboardOptions => ({
    stage: 'prod',
    schedules: Array.from({ length: count }, (_, index) => ({ name: `schedule-${String(index).padStart(3, '0')}` })),
  });
  const body = (count: number) => {
    const resource = dashboard(options(count));
    return { resource, text: resource.Properties.DashboardBody['Fn::Sub'], parsed: dashboardBody(options(count)) };
  };

  it('is a dashboard named after the stage whose Fn::Sub body is the JSON of dashboardBody', () => {
    // Act
    const { resource, text, parsed } = body(3);

    // Assert
    expect(resource.Type).toBe('AWS::CloudWatch::Dashboard');
    expect(resource.Properties.DashboardName).toBe('elasticache-export-prod');
    expect(JSON.parse(text)).toEqual(parsed);
  });

  it('leaves Fn::Sub only the pseudo parameters to fill', () => {
    // Act
    const { text } = body(3);

    // Assert
    const variables = new Set(text.match(/\$\{[^}]*\}/g));
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation pseudo parameters, literally.
    expect([...variables].sort()).toEqual(['${AWS::AccountId}', '${AWS::Partition}', '${AWS::Region}']);
  });

  it("shows each schedule's freshness alarm by the name freshnessAlarm gives it", () => {
    // Act
    const { parsed } = body(3);

    // Assert
    const alarms = parsed.widgets
      .filter((widget) => widget.type === 'alarm')
      .flatMap((widget) => widget.properties.alarms as string[]);
    for (const { name } of options(3).schedules) {
      const alarmName = freshnessAlarm({ name, windowSeconds: DAY, stage: 'prod' }).Properties.AlarmName;
      expect(alarmName).toBe(freshnessAlarmName({ stage: 'prod', name }));
      expect(alarms).toContain(
        `arn:\${AWS::Partition}:cloudwatch:\${AWS::Region}:\${AWS::AccountId}:alarm:${alarmName}`,
      );
    }
  });

  it('graphs the outcome metrics by their published names and dimensions', () => {
    // Act
    const { text } = body(1);

    // Assert
    for (const metric of Object.values(METRIC)) expect(text).toContain(metric);
    expect(text).toContain(
      `SEARCH('{${METRICS_NAMESPACE},${DIMENSION.stage},${DIMENSION.errorCode}} MetricName=\\"${METRIC.exportsFailed}\\" ${DIMENSION.stage}=\\"prod\\"', 'Sum', 86400)`,
    );
    expect(text).toContain(`{${METRICS_NAMESPACE},${DIMENSION.stage},${DIMENSION.schedule}}`);
    expect(text).toContain(`{${METRICS_NAMESPACE},${DIMENSION.stage},${DIMENSION.source}}`);
  });

  it('stays within the dashboard limits, and small, for 100 and for 250 schedules', () => {
    for (const count of [100, 250]) {
      // Act
      const { text, parsed } = body(count);

      // Assert
      const alarmWidgets = parsed.widgets.filter((widget) => widget.type === 'alarm');
      expect(alarmWidgets.length).toBeGreaterThanOrEqual(Math.ceil(count / 100));
      for (const widget of alarmWidgets) expect((widget.properties.alarms as string[]).length).toBeLessThanOrEqual(100);
      expect(parsed.widgets.length).toBeLessThanOrEqual(500);
      for (const widget of parsed.widgets) {
        expect(widget.x + widget.width).toBeLessThanOrEqual(24);
        if (widget.type === 'metric') expect((widget.properties.metrics as unknown[]).length).toBeLessThanOrEqual(500);
      }
      // 100 schedules: about 18 KB of a template that may reach 1 MB.
      expect(Buffer.byteLength(text)).toBeLessThan(count * 200 + 10_000);
    }
  });

  it('says so when there is no schedule, rather than an empty alarm widget', () => {
    // Act
    const { parsed } = body(0);

    // Assert
    for (const widget of parsed.widgets.filter((candidate) => candidate.type === 'alarm')) {
      expect((widget.properties.alarms as string[]).length).toBeGreaterThan(0);
    }
    expect(JSON.stringify(parsed)).toContain('No schedule is configured');
  });

  it('refuses a schedule given twice', () => {
    expect(() => dashboard({ stage: 'prod', schedules: [{ name: 'a' }, { name: 'a' }] })).toThrow(/twice/);
  });
});

describe('the names the dashboard shares with serverless.yml', () => {
  it('knows every function, under the name the framework gives it', () => {
    expect(serverless.service).toBe(SERVICE_NAME);
    expect(Object.keys(serverless.functions).sort()).toEqual([...FUNCTION_KEYS].sort());
    for (const fn of Object.values(serverless.functions)) expect(fn).not.toHaveProperty('name');
  });

  it('knows the state machine name and the fixed alarm names', () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the Serverless Framework variable, literally.
    const stage = '${sls:stage}';
    expect(serverless.custom.stateMachineName).toBe(stateMachineName(stage));
    const fixed = serverless.resources.find((block) => typeof block === 'object' && block.Resources !== undefined);
    const alarmNames = Object.values((typeof fixed === 'object' && fixed.Resources) || {})
      .filter((resource) => resource.Type === 'AWS::CloudWatch::Alarm')
      .map((resource) => resource.Properties.AlarmName);
    expect(alarmNames).toEqual(expect.arrayContaining(serviceAlarmNames(stage)));
  });
});
