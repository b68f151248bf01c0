// CloudWatch resources built when the service is packaged: one freshness alarm per schedule ("no export of this
// schedule succeeded within its window") and the service's dashboard. Pure: CloudFormation resources as plain
// objects, from the metric names handlers/lib/metrics.ts publishes (handlers/lib/metric-names.ts, one definition).
//
// CloudWatch's limits, and where they are written:
// - PutMetricAlarm, Period: 10, 20, 30 or any multiple of 60 seconds. "An alarm's total current evaluation period
//   can be no longer than seven days, so Period multiplied by EvaluationPeriods can't be more than 604,800
//   seconds. For alarms with a period of less than one hour (3,600 seconds), the total evaluation period can't be
//   longer than one day (86,400 seconds)." (CloudWatch API Reference, PutMetricAlarm; older editions, and the
//   quotas page of some partitions, still say one day for every alarm.)
// - PutMetricAlarm: AlarmName 1-255 characters, AlarmDescription at most 1,024.
// - Dashboards: up to 500 widgets, up to 500 metrics per widget (CloudWatch service quotas); an alarm status
//   widget lists 1 to 100 alarm ARNs (dashboard body structure, alarm widget). A SEARCH expression returns up to
//   500 time series. DashboardName: letters, digits, '-' and '_', up to 255 characters.
// - CloudFormation: the whole template, this dashboard body included, must stay under the template size limit
//   (1 MB from S3, where the framework uploads it); test/unit/observability.test.ts keeps the body small.
import { createHash } from 'node:crypto';
import { DIMENSION, METRIC, METRICS_NAMESPACE } from '../handlers/lib/metric-names.js';

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/** The longest evaluation range of an alarm whose period is under an hour (PutMetricAlarm). */
export const MAX_SHORT_PERIOD_RANGE_SECONDS = DAY;
/** The longest evaluation range of any alarm, with a period of an hour or more (PutMetricAlarm). */
export const MAX_EVALUATION_RANGE_SECONDS = 7 * DAY;

const ALARM_NAME_MAX = 255;
const ALARM_DESCRIPTION_MAX = 1024;
const ALARMS_PER_ALARM_WIDGET = 100;
const WIDGETS_PER_DASHBOARD = 500;

/** The stage already names SNS topics and queues, so it is letters, digits, '-' and '_'; checked again here. */
const STAGE_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** config/serverless-vars.cjs's rule for schedule names. */
const SCHEDULE_NAME_PATTERN = /^[A-Za-z0-9._-]{1,40}$/;

/** The topic every alarm of the stack notifies (serverless.yml). */
const ALARMS_TOPIC = { Ref: 'AlarmsTopic' } as const;

/** serverless.yml's `service`, the prefix of every function name (`<service>-<stage>-<function key>`). */
export const SERVICE_NAME = 'elasticache-snapshot-export';
/** serverless.yml's function keys, for the Lambda health widgets (a test holds the two lists together). */
export const FUNCTION_KEYS = [
  'requestExport',
  'getExport',
  'cancelExport',
  'listExports',
  'validateExport',
  'takeSnapshot',
  'startExport',
  'checkExport',
  'cleanUp',
  'publishOutcome',
  'safetyNet',
  'runSchedule',
] as const;
/** serverless.yml's custom.stateMachineName. */
export const stateMachineName = (stage: string): string => `exportSnapshot-${stage}`;
/** The alarms serverless.yml declares with fixed names: the safety net's dead letters and errors, runs not started. */
export const serviceAlarmNames = (stage: string): string[] => [
  `elasticache-export-unreported-${stage}`,
  `elasticache-export-safety-net-errors-${stage}`,
  `elasticache-export-schedule-not-started-${stage}`,
];

const checkStage = (stage: string): void => {
  if (!STAGE_PATTERN.test(stage)) {
    throw new Error(`stage ${JSON.stringify(stage)} must be 1 to 64 letters, digits, '-' or '_'`);
  }
};

const checkScheduleName = (name: string): void => {
  if (!SCHEDULE_NAME_PATTERN.test(name)) {
    throw new Error(`schedule name ${JSON.stringify(name)} must be 1 to 40 letters, digits, '.', '_' or '-'`);
  }
};

// ---- The freshness alarm's window -------------------------------------------------------------------------------

export interface AlarmWindow {
  periodSeconds: number;
  evaluationPeriods: number;
  /** Equal to evaluationPeriods: every period of the window must be without a success. */
  datapointsToAlarm: number;
  /** What the alarm watches: periodSeconds × evaluationPeriods, at least the window asked for unless capped. */
  windowSeconds: number;
  /** The window asked for. */
  requestedSeconds: number;
  /** The window asked for was longer than CloudWatch lets an alarm look back (MAX_EVALUATION_RANGE_SECONDS). */
  capped: boolean;
}

/**
 * Period, EvaluationPeriods and DatapointsToAlarm for "no success within `windowSeconds`". Sum of ExportsSucceeded
 * per period, below 1 in every one of N consecutive periods (N of N), missing data counting as none: the alarm can
 * fire only once N × Period ≥ the window has gone by without a success, and fires at most one period later (plus
 * CloudWatch's evaluation delay). Windows up to a day use 1-minute periods (at most 1,440: the one-day limit for
 * periods under an hour); longer ones 1-hour periods, so they may reach the 7-day limit (at most 168). The window
 * is rounded up to whole minutes or hours, and a window over 7 days is cut to 7 days (`capped`).
 */
export const alarmWindow = (windowSeconds: number): AlarmWindow => {
  if (!Number.isFinite(windowSeconds) || windowSeconds <= 0) {
    throw new RangeError(`windowSeconds must be a positive number of seconds, got ${windowSeconds}`);
  }
  const requestedSeconds = Math.ceil(windowSeconds);
  const capped = requestedSeconds > MAX_EVALUATION_RANGE_SECONDS;
  const wanted = Math.min(requestedSeconds, MAX_EVALUATION_RANGE_SECONDS);
  const periodSeconds = wanted <= MAX_SHORT_PERIOD_RANGE_SECONDS ? MINUTE : HOUR;
  const evaluationPeriods = Math.ceil(wanted / periodSeconds);
  return {
    periodSeconds,
    evaluationPeriods,
    datapointsToAlarm: evaluationPeriods,
    windowSeconds: periodSeconds * evaluationPeriods,
    requestedSeconds,
    capped,
  };
};

/** How long without a success the freshness alarm for `windowSeconds` actually waits for (see alarmWindow). */
export const effectiveWindowSeconds = (windowSeconds: number): number => alarmWindow(windowSeconds).windowSeconds;

const plural = (count: number, unit: string): string => `${count} ${unit}${count === 1 ? '' : 's'}`;

/** "7 days", "26 hours", "1 hour 30 minutes": for people reading an alarm. */
export const describeDuration = (seconds: number): string => {
  if (seconds > 0 && seconds % DAY === 0) return plural(seconds / DAY, 'day');
  const hours = Math.floor(seconds / HOUR);
  const minutes = Math.floor((seconds % HOUR) / MINUTE);
  const rest = seconds % MINUTE;
  const parts = [
    hours > 0 ? plural(hours, 'hour') : '',
    minutes > 0 ? plural(minutes, 'minute') : '',
    rest > 0 ? plural(rest, 'second') : '',
  ].filter((part) => part.length > 0);
  return parts.length > 0 ? parts.join(' ') : '0 seconds';
};

// ---- The freshness alarm ------------------------------------------------------------------------------------------

export interface FreshnessAlarmOptions {
  /** The schedule's name (config/schedules.yml). */
  name: string;
  /** The longest time between two successful exports of the schedule that is still fine (its interval plus slack). */
  windowSeconds: number;
  stage: string;
}

export interface MetricDimension {
  Name: string;
  Value: string;
}

export interface FreshnessAlarmResource {
  Type: 'AWS::CloudWatch::Alarm';
  Properties: {
    AlarmName: string;
    AlarmDescription: string;
    Namespace: string;
    MetricName: string;
    Dimensions: MetricDimension[];
    Statistic: 'Sum';
    Period: number;
    EvaluationPeriods: number;
    DatapointsToAlarm: number;
    Threshold: number;
    ComparisonOperator: 'LessThanThreshold';
    TreatMissingData: 'breaching';
    AlarmActions: Array<typeof ALARMS_TOPIC>;
    OKActions: Array<typeof ALARMS_TOPIC>;
  };
}

/** `elasticache-export-<stage>-<schedule>-stale` (at most 19 + 64 + 1 + 40 + 6 = 130 characters). */
export const freshnessAlarmName = ({ stage, name }: { stage: string; name: string }): string =>
  `elasticache-export-${stage}-${name}-stale`;

/**
 * A CloudFormation logical id for a resource of a schedule (its schedule, its alarm): letters and digits only, so
 * the name's other characters are dropped, and a hash of the name keeps `a-b` and `a_b` apart.
 */
export const scheduleLogicalId = (prefix: string, name: string): string => {
  const letters = name.replace(/[^A-Za-z0-9]/g, '');
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return `${prefix}${letters.charAt(0).toUpperCase()}${letters.slice(1)}${hash}`;
};

/** The logical id of the schedule's freshness alarm. */
export const freshnessAlarmLogicalId = (name: string): string => scheduleLogicalId('FreshnessAlarm', name);

/** The exact dimensions metrics.ts gives a scheduled run's counts: the [Stage, Schedule] set. */
const freshnessDimensions = (stage: string, name: string): MetricDimension[] => [
  { Name: DIMENSION.stage, Value: stage },
  { Name: DIMENSION.schedule, Value: name },
];

const freshnessDescription = (stage: string, name: string, window: AlarmWindow): string => {
  const watched = describeDuration(window.windowSeconds);
  return [
    `No export of schedule ${name} (stage ${stage}) has succeeded for ${watched}, so its newest backup is at least that old.`,
    window.capped
      ? `The schedule allows ${describeDuration(window.requestedSeconds)} between successes, but a CloudWatch alarm looks back at most ${describeDuration(MAX_EVALUATION_RANGE_SECONDS)}, so this alarm fires after ${watched}.`
      : '',
    `Check that the schedule exportSnapshot-${stage}-${name} is enabled, and read its latest outcome notifications (or GET /exports) for the failures.`,
    'The alarm clears at the next successful export; a newly added schedule is in alarm until its first success.',
    `Metric: ${METRICS_NAMESPACE} ${METRIC.exportsSucceeded} (Sum) with ${DIMENSION.stage}=${stage}, ${DIMENSION.schedule}=${name}.`,
  ]
    .filter((sentence) => sentence.length > 0)
    .join(' ');
};

/**
 * The alarm "no export of schedule `name` succeeded within `windowSeconds`" (window arithmetic: alarmWindow).
 * It notifies AlarmsTopic when it fires and when it clears.
 */
export const freshnessAlarm = ({ name, windowSeconds, stage }: FreshnessAlarmOptions): FreshnessAlarmResource => {
  checkStage(stage);
  checkScheduleName(name);
  const window = alarmWindow(windowSeconds);
  const alarmName = freshnessAlarmName({ stage, name });
  const description = freshnessDescription(stage, name, window);
  if (alarmName.length > ALARM_NAME_MAX || description.length > ALARM_DESCRIPTION_MAX) {
    throw new Error(`The freshness alarm of schedule ${name} exceeds CloudWatch's name or description length`);
  }
  return {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: alarmName,
      AlarmDescription: description,
      Namespace: METRICS_NAMESPACE,
      MetricName: METRIC.exportsSucceeded,
      Dimensions: freshnessDimensions(stage, name),
      Statistic: 'Sum',
      Period: window.periodSeconds,
      EvaluationPeriods: window.evaluationPeriods,
      DatapointsToAlarm: window.datapointsToAlarm,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      // No datapoint is no success: that is the very thing to alarm on.
      TreatMissingData: 'breaching',
      AlarmActions: [ALARMS_TOPIC],
      OKActions: [ALARMS_TOPIC],
    },
  };
};

// ---- The dashboard ------------------------------------------------------------------------------------------------

export interface DashboardOptions {
  stage: string;
  schedules: ReadonlyArray<{ name: string }>;
}

export interface DashboardResource {
  Type: 'AWS::CloudWatch::Dashboard';
  Properties: {
    DashboardName: string;
    /** The body's JSON, with `${AWS::Region}`, `${AWS::AccountId}` and `${AWS::Partition}` for Fn::Sub to fill. */
    DashboardBody: { 'Fn::Sub': string };
  };
}

interface Widget {
  type: 'metric' | 'alarm' | 'text';
  x: number;
  y: number;
  width: number;
  height: number;
  properties: Record<string, unknown>;
}

// Filled by Fn::Sub. Nothing else in the body may contain "${": names are checked, labels are plain text.
// biome-ignore lint/suspicious/noTemplateCurlyInString: a CloudFormation pseudo parameter for Fn::Sub, not a template.
const REGION = '${AWS::Region}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: as above.
const ARN_PREFIX = 'arn:${AWS::Partition}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: as above.
const ACCOUNT = '${AWS::AccountId}';

export const dashboardName = (stage: string): string => `elasticache-export-${stage}`;

const alarmArn = (name: string): string => `${ARN_PREFIX}:cloudwatch:${REGION}:${ACCOUNT}:alarm:${name}`;

/** A SEARCH over this stage's metrics with exactly `dimensions` (besides Stage). */
const search = (stage: string, dimensions: string[], metric: string, stat: string, period: number): string =>
  `SEARCH('{${METRICS_NAMESPACE},${[DIMENSION.stage, ...dimensions].join(',')}} MetricName="${metric}" ${DIMENSION.stage}="${stage}"', '${stat}', ${period})`;

const metricWidget = (
  layout: Pick<Widget, 'x' | 'y' | 'width' | 'height'>,
  title: string,
  properties: Record<string, unknown>,
): Widget => ({
  type: 'metric',
  ...layout,
  properties: { title, region: REGION, view: 'timeSeries', stacked: false, ...properties },
});

const chunks = <T>(items: readonly T[], size: number): T[][] =>
  Array.from({ length: Math.ceil(items.length / size) }, (_, index) => items.slice(index * size, (index + 1) * size));

/** Widgets for the freshness alarms, 100 to a widget (the alarm widget's limit), from row `y`. */
const freshnessWidgets = (stage: string, schedules: DashboardOptions['schedules'], y: number): Widget[] => {
  if (schedules.length === 0) {
    return [
      {
        type: 'text',
        x: 0,
        y,
        width: 24,
        height: 2,
        properties: {
          markdown:
            '## Schedules\nNo schedule is configured (config/schedules.yml): each schedule gets a freshness alarm here.',
        },
      },
    ];
  }
  const groups = chunks(schedules, ALARMS_PER_ALARM_WIDGET);
  let row = y;
  return groups.map((group, index) => {
    // The alarm widget tiles its alarms; about six fit a row of a full-width widget.
    const height = Math.min(2 + Math.ceil(group.length / 6), 20);
    const widget: Widget = {
      type: 'alarm',
      x: 0,
      y: row,
      width: 24,
      height,
      properties: {
        title:
          groups.length === 1
            ? 'Schedules: red when no export succeeded within the window'
            : `Schedules (${index + 1} of ${groups.length}): red when no export succeeded within the window`,
        alarms: group.map(({ name }) => alarmArn(freshnessAlarmName({ stage, name }))),
        sortBy: 'stateUpdatedTimestamp',
      },
    };
    row += height;
    return widget;
  });
};

/** The dashboard body as an object, `${AWS::…}` placeholders included. */
export const dashboardBody = ({ stage, schedules }: DashboardOptions): { start: string; widgets: Widget[] } => {
  checkStage(stage);
  const names = new Set<string>();
  for (const { name } of schedules) {
    checkScheduleName(name);
    if (names.has(name)) throw new Error(`schedule name ${name} is given twice`);
    names.add(name);
  }
  const day = DAY;
  const stageDimension = [DIMENSION.stage, stage];
  const header: Widget = {
    type: 'text',
    x: 0,
    y: 0,
    width: 24,
    height: 3,
    properties: {
      markdown: [
        `# ElastiCache snapshot exports: ${stage}`,
        `Every export ends in one outcome notification, sent by the workflow or by the safety net; these graphs count them (namespace ${METRICS_NAMESPACE}). A schedule turns red when none of its exports succeeded within its window. Alarms notify the topic elasticache-export-alarms-${stage}.`,
      ].join('\n\n'),
    },
  };
  const freshness = freshnessWidgets(stage, schedules, header.height);
  let y = Math.max(...freshness.map((widget) => widget.y + widget.height));
  const row = (x: number) => ({ x, y, width: 12, height: 6 });

  const outcomes = [
    metricWidget(row(0), 'Exports per day', {
      stat: 'Sum',
      period: day,
      metrics: [
        [{ expression: 'FILL(succeeded, 0)', label: 'Succeeded', id: 'succeededFilled', color: '#2ca02c' }],
        [{ expression: 'FILL(failed, 0)', label: 'Failed', id: 'failedFilled', color: '#d62728' }],
        [METRICS_NAMESPACE, METRIC.exportsSucceeded, ...stageDimension, { id: 'succeeded', visible: false }],
        [METRICS_NAMESPACE, METRIC.exportsFailed, ...stageDimension, { id: 'failed', visible: false }],
      ],
    }),
    metricWidget(row(12), 'Failed exports per day, by error code', {
      period: day,
      metrics: [[{ expression: search(stage, [DIMENSION.errorCode], METRIC.exportsFailed, 'Sum', day), id: 'codes' }]],
    }),
  ];
  y += 6;
  const perSchedule = [
    metricWidget(row(0), 'Successful exports per day, by schedule', {
      period: day,
      metrics: [
        [
          {
            expression: `FILL(${search(stage, [DIMENSION.schedule], METRIC.exportsSucceeded, 'Sum', day)}, 0)`,
            id: 'scheduleSucceeded',
          },
        ],
      ],
    }),
    metricWidget(row(12), 'Failed exports per day, by schedule', {
      period: day,
      metrics: [
        [{ expression: search(stage, [DIMENSION.schedule], METRIC.exportsFailed, 'Sum', day), id: 'scheduleFailed' }],
      ],
    }),
  ];
  y += 6;
  const sizes = [
    metricWidget(row(0), 'Duration of successful exports (seconds)', {
      period: day,
      metrics: [
        [METRICS_NAMESPACE, METRIC.exportDurationSeconds, ...stageDimension, { stat: 'Average', label: 'Average' }],
        [METRICS_NAMESPACE, METRIC.exportDurationSeconds, ...stageDimension, { stat: 'Maximum', label: 'Maximum' }],
      ],
      yAxis: { left: { min: 0 } },
    }),
    metricWidget(row(12), 'Bytes exported per day, by source', {
      period: day,
      metrics: [[{ expression: search(stage, [DIMENSION.source], METRIC.exportedBytes, 'Sum', day), id: 'bytes' }]],
      yAxis: { left: { min: 0 } },
    }),
  ];
  y += 6;

  const quarter = (x: number) => ({ x, y, width: 6, height: 6 });
  const functionName = (key: string) => `${SERVICE_NAME}-${stage}-${key}`;
  const stateMachineArn = `${ARN_PREFIX}:states:${REGION}:${ACCOUNT}:stateMachine:${stateMachineName(stage)}`;
  const health: Widget[] = [
    {
      type: 'alarm',
      ...quarter(0),
      properties: { title: 'Safety net alarms', alarms: serviceAlarmNames(stage).map(alarmArn) },
    },
    metricWidget(quarter(6), 'Export executions (Step Functions)', {
      stat: 'Sum',
      period: HOUR,
      metrics: [
        'ExecutionsStarted',
        'ExecutionsSucceeded',
        'ExecutionsFailed',
        'ExecutionsTimedOut',
        'ExecutionsAborted',
      ].map((metric) => [
        'AWS/States',
        metric,
        'StateMachineArn',
        stateMachineArn,
        { label: metric.replace('Executions', '') },
      ]),
    }),
    metricWidget(quarter(12), 'Lambda errors', {
      stat: 'Sum',
      period: 300,
      metrics: FUNCTION_KEYS.map((key) => ['AWS/Lambda', 'Errors', 'FunctionName', functionName(key), { label: key }]),
    }),
    metricWidget(quarter(18), 'Lambda throttles', {
      stat: 'Sum',
      period: 300,
      metrics: FUNCTION_KEYS.map((key) => [
        'AWS/Lambda',
        'Throttles',
        'FunctionName',
        functionName(key),
        { label: key },
      ]),
    }),
  ];

  const widgets = [header, ...freshness, ...outcomes, ...perSchedule, ...sizes, ...health];
  if (widgets.length > WIDGETS_PER_DASHBOARD) throw new Error(`The dashboard would have ${widgets.length} widgets`);
  return { start: '-P14D', widgets };
};

/**
 * The stage's dashboard: schedule freshness (the alarms' state), outcomes per day (succeeded, failed, failures by
 * error code, per schedule), duration and bytes, and the health of the state machine and the functions.
 */
export const dashboard = (options: DashboardOptions): DashboardResource => ({
  Type: 'AWS::CloudWatch::Dashboard',
  Properties: {
    DashboardName: dashboardName(options.stage),
    DashboardBody: { 'Fn::Sub': JSON.stringify(dashboardBody(options)) },
  },
});
