// The outcome metrics as CloudWatch reads them: the embedded-metric-format lines Powertools writes to stdout
// (its own console on process.stdout), captured and parsed. Each line is one EMF document; CloudWatch makes a
// metric of every (metric name, dimension set) it declares.

import { Metrics } from '@aws-lambda-powertools/metrics';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { DescribeExecutionCommand, GetExecutionHistoryCommand, SFNClient } from '@aws-sdk/client-sfn';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { freshnessAlarm } from '../../../config/observability';
import type { Outcome } from '../../../handlers/lib/contracts';
import {
  DIMENSION,
  METRIC,
  METRICS_NAMESPACE,
  type OutcomeMetricsOptions,
  outcomeMetrics,
  recordOutcomeMetrics,
  UNKNOWN_SOURCE,
} from '../../../handlers/lib/metrics';
import { type PublishOutcomeDeps, publishOutcome } from '../../../handlers/lib/publishing';
import { reportIfUnnotified } from '../../../handlers/lib/safety-net';
import { handler } from '../../../handlers/publish-outcome';
import { invokeHandler, type LambdaHandler, lambdaContext } from '../../../local/lambda';
import { exportState, pollState } from '../../support/builders';
import { sleep } from '../../support/waiting';

const snsMock = mockClient(SNSClient);
const dynamoDbMock = mockClient(DynamoDBClient);
const sfnMock = mockClient(SFNClient);
mockClient(ElastiCacheClient);

const NOW = new Date('2026-11-25T03:12:30.000Z');
const DEFAULT_TOPIC = 'arn:aws:sns:us-east-1:123456789012:elasticache-export-outcomes-test';

interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: Array<{
      Namespace: string;
      Dimensions: string[][];
      Metrics: Array<{ Name: string; Unit: string }>;
    }>;
  };
  [key: string]: unknown;
}

/** The EMF documents written to stdout while `act` runs (other lines pass through untouched). */
const emitted = async (act: () => unknown): Promise<EmfDocument[]> => {
  const documents: EmfDocument[] = [];
  const write = process.stdout.write.bind(process.stdout);
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    let metrics = false;
    for (const line of String(chunk).split('\n')) {
      if (!line.startsWith('{')) continue;
      const parsed = JSON.parse(line) as Partial<EmfDocument>;
      if (!parsed._aws?.CloudWatchMetrics) continue;
      documents.push(parsed as EmfDocument);
      metrics = true;
    }
    return metrics || write(chunk);
  });
  try {
    await act();
  } finally {
    spy.mockRestore();
  }
  return documents;
};

const directive = (document: EmfDocument) => {
  const [only, ...others] = document._aws.CloudWatchMetrics;
  expect(others).toHaveLength(0);
  if (!only) throw new Error('No CloudWatchMetrics directive');
  return only;
};

/** Dimension sets as sorted name lists, order-free like CloudWatch's matching. */
const dimensionSets = (document: EmfDocument): string[][] =>
  directive(document)
    .Dimensions.map((set) => [...set].sort())
    .sort((a, b) => a.join().localeCompare(b.join()));

const outcome = (overrides: Partial<Outcome> = {}): Outcome => ({
  version: 1,
  exportId: 'nightly-2026-11-25-exports-bucket-0123456789ab',
  status: 'SUCCEEDED',
  sourceSnapshotName: 'nightly',
  targetSnapshotName: 'nightly-2026-11-25',
  targetBucket: 'exports-bucket',
  objects: [
    { key: 'nightly-2026-11-25-0001.rdb', size: 1024 },
    { key: 'nightly-2026-11-25-0002.rdb', size: 2048 },
  ],
  snapshot: { engine: 'redis', engineVersion: '7.1', replicationGroupId: 'orders', numNodeGroups: 2 },
  startedAt: '2026-11-25T03:00:00.000Z',
  finishedAt: NOW.toISOString(),
  durationSeconds: 750,
  ...overrides,
});

const failure = (overrides: Partial<Outcome> = {}): Outcome =>
  outcome({
    status: 'FAILED',
    objects: [],
    durationSeconds: 15,
    error: {
      code: 'S3BucketOutsideRegion',
      message: 'The S3 bucket exports-bucket is outside of the region.',
      solution: 'Create the bucket in the same Region as the cache.',
      docsUrl: 'https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-exporting.html',
    },
    ...overrides,
  });

const SCHEDULE = { name: 'orders-nightly', scheduledTime: '2026-11-25T03:00:00.000Z' };

const options = (overrides: Partial<OutcomeMetricsOptions> = {}): OutcomeMetricsOptions => ({
  publisher: 'workflow',
  stage: 'test',
  now: () => NOW,
  ...overrides,
});

beforeEach(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  snsMock.reset();
  dynamoDbMock.reset();
  sfnMock.reset();
  snsMock.on(PublishCommand).resolves({ MessageId: 'm-1' });
  dynamoDbMock.on(PutItemCommand).resolves({});
  dynamoDbMock.on(GetItemCommand).resolves({});
});

afterEach(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

describe('recordOutcomeMetrics', () => {
  it('writes one document for a success on request: both counts, duration and bytes, by stage and by source', async () => {
    // Act
    const documents = await emitted(() => recordOutcomeMetrics(outcome(), options()));

    // Assert
    expect(documents).toHaveLength(1);
    const [document] = documents as [EmfDocument];
    expect(directive(document).Namespace).toBe(METRICS_NAMESPACE);
    expect(directive(document).Metrics).toEqual([
      { Name: 'ExportsSucceeded', Unit: 'Count' },
      { Name: 'ExportsFailed', Unit: 'Count' },
      { Name: 'ExportDurationSeconds', Unit: 'Seconds' },
      { Name: 'ExportedBytes', Unit: 'Bytes' },
    ]);
    expect(dimensionSets(document)).toEqual([['Source', 'Stage'], ['Stage']]);
    expect(document).toMatchObject({
      Stage: 'test',
      Source: 'orders',
      ExportsSucceeded: 1,
      ExportsFailed: 0,
      ExportDurationSeconds: 750,
      ExportedBytes: 3072,
      exportId: outcome().exportId,
      status: 'SUCCEEDED',
      publishedBy: 'workflow',
    });
    expect(document._aws.Timestamp).toBe(NOW.getTime());
    // Powertools' default `service` dimension is cleared: the namespace names the service.
    expect(document).not.toHaveProperty('service');
    expect(document).not.toHaveProperty('Schedule');
  });

  it('writes the failure counts, then ExportsFailed alone by error code, with no duration or bytes', async () => {
    // Act
    const documents = await emitted(() => recordOutcomeMetrics(failure(), options()));

    // Assert
    expect(documents).toHaveLength(2);
    const [counts, byCode] = documents as [EmfDocument, EmfDocument];
    expect(directive(counts).Metrics.map((metric) => metric.Name)).toEqual(['ExportsSucceeded', 'ExportsFailed']);
    expect(dimensionSets(counts)).toEqual([['Source', 'Stage'], ['Stage']]);
    expect(counts).toMatchObject({ ExportsSucceeded: 0, ExportsFailed: 1, errorCode: 'S3BucketOutsideRegion' });
    expect(counts).not.toHaveProperty('ExportDurationSeconds');
    expect(counts).not.toHaveProperty('ExportedBytes');
    expect(directive(byCode)).toEqual({
      Namespace: METRICS_NAMESPACE,
      Dimensions: [['Stage', 'ErrorCode']],
      Metrics: [{ Name: 'ExportsFailed', Unit: 'Count' }],
    });
    expect(byCode).toMatchObject({ Stage: 'test', ErrorCode: 'S3BucketOutsideRegion', ExportsFailed: 1 });
  });

  it('adds the [Stage, Schedule] set for a scheduled run, and its scheduled time as a property', async () => {
    // Act
    const documents = await emitted(() => recordOutcomeMetrics(outcome({ schedule: SCHEDULE }), options()));

    // Assert
    const [document] = documents as [EmfDocument];
    expect(dimensionSets(document)).toEqual([['Schedule', 'Stage'], ['Source', 'Stage'], ['Stage']]);
    expect(document).toMatchObject({ Schedule: 'orders-nightly', scheduledTime: SCHEDULE.scheduledTime });
  });

  it('counts a scheduled failure against its schedule too, by error code only without it', async () => {
    // Act
    const documents = await emitted(() => recordOutcomeMetrics(failure({ schedule: SCHEDULE }), options()));

    // Assert
    const [counts, byCode] = documents as [EmfDocument, EmfDocument];
    expect(dimensionSets(counts)).toEqual([['Schedule', 'Stage'], ['Source', 'Stage'], ['Stage']]);
    expect(counts).toMatchObject({ Schedule: 'orders-nightly', ExportsSucceeded: 0, ExportsFailed: 1 });
    expect(directive(byCode).Dimensions).toEqual([['Stage', 'ErrorCode']]);
  });

  it.each([
    ['the replication group', { replicationGroupId: 'orders' }, 'nightly', 'orders'],
    ['the cluster', { cacheClusterId: 'orders-0001-001' }, 'nightly', 'orders-0001-001'],
    ['the snapshot named, before the snapshot was read', undefined, 'nightly', 'nightly'],
    ['a fixed value for a name that is no snapshot name', undefined, 'not a {name}', UNKNOWN_SOURCE],
    ['a fixed value when nothing names the source', undefined, undefined, UNKNOWN_SOURCE],
  ])('takes the Source from %s', async (_what, owner, sourceSnapshotName, expected) => {
    // Arrange
    const { snapshot: _snapshot, sourceSnapshotName: _name, ...rest } = failure();
    const subject: Outcome = {
      ...rest,
      ...(owner && { snapshot: { engine: 'redis', numNodeGroups: 1, ...owner } }),
      ...(sourceSnapshotName !== undefined && { sourceSnapshotName }),
    };

    // Act
    const documents = await emitted(() => recordOutcomeMetrics(subject, options()));

    // Assert
    expect(documents[0]?.Source).toBe(expected);
  });

  it('stamps the metrics with the time of writing when the end is older than CloudWatch accepts', async () => {
    // Arrange
    const later = new Date(NOW.getTime() + 15 * 24 * 3600 * 1000);

    // Act
    const documents = await emitted(() => recordOutcomeMetrics(outcome(), options({ now: () => later })));

    // Assert
    expect(documents[0]?._aws.Timestamp).not.toBe(NOW.getTime());
    expect(documents[0]?._aws.Timestamp).toBeGreaterThan(NOW.getTime());
  });

  it('emits nothing, and does not throw, without a stage', async () => {
    // Act
    const documents = await emitted(() => recordOutcomeMetrics(outcome(), options({ stage: undefined })));

    // Assert
    expect(documents).toHaveLength(0);
  });

  it('leaves out a value that is not a finite number, which Powertools would write as null', async () => {
    // Act
    const documents = await emitted(() => recordOutcomeMetrics(outcome({ durationSeconds: Number.NaN }), options()));

    // Assert
    expect(directive(documents[0] as EmfDocument).Metrics.map((metric) => metric.Name)).toEqual([
      'ExportsSucceeded',
      'ExportsFailed',
      'ExportedBytes',
    ]);
    expect(documents[0]).not.toHaveProperty('ExportDurationSeconds');
  });

  it('does not throw when Powertools does', async () => {
    // Arrange
    const publish = jest.spyOn(Metrics.prototype, 'publishStoredMetrics').mockImplementation(() => {
      throw new Error('stdout closed');
    });

    // Act
    const act = () => recordOutcomeMetrics(failure(), options());

    // Assert
    try {
      expect(act).not.toThrow();
      expect(publish).toHaveBeenCalledTimes(1);
    } finally {
      publish.mockRestore();
    }
  });
});

describe('the freshness alarm', () => {
  it('watches exactly the metric and dimension set a scheduled success declares', async () => {
    // Arrange
    const alarm = freshnessAlarm({ name: SCHEDULE.name, windowSeconds: 26 * 3600, stage: 'test' }).Properties;

    // Act
    const documents = await emitted(() => recordOutcomeMetrics(outcome({ schedule: SCHEDULE }), options()));

    // Assert
    const alarmDimensions = alarm.Dimensions.map((dimension) => dimension.Name).sort();
    const matching = documents.filter((document) => {
      const { Namespace, Metrics, Dimensions } = directive(document);
      return (
        Namespace === alarm.Namespace &&
        Metrics.some((metric) => metric.Name === alarm.MetricName) &&
        Dimensions.some((set) => JSON.stringify([...set].sort()) === JSON.stringify(alarmDimensions))
      );
    });
    expect(matching).toHaveLength(1);
    for (const { Name, Value } of alarm.Dimensions) expect(matching[0]?.[Name]).toBe(Value);
    expect(matching[0]?.[alarm.MetricName]).toBeGreaterThanOrEqual(alarm.Threshold);
    expect([alarm.MetricName, ...alarmDimensions]).toEqual([
      METRIC.exportsSucceeded,
      DIMENSION.schedule,
      DIMENSION.stage,
    ]);
  });
});

describe('publishing with the metrics', () => {
  const publishDeps = (overrides: Partial<PublishOutcomeDeps> = {}): PublishOutcomeDeps => ({
    sns: new SNSClient({}),
    elastiCache: new ElastiCacheClient({}),
    notifications: { dynamoDb: new DynamoDBClient({}), table: 'notifications' },
    defaultTopicArn: DEFAULT_TOPIC,
    now: () => NOW,
    onPublished: outcomeMetrics(options()),
    ...overrides,
  });
  const verified = () => exportState({ poll: pollState({ status: 'exported' }), objects: [{ key: 'a.rdb', size: 5 }] });

  it('counts an outcome once it is published', async () => {
    // Act
    const documents = await emitted(() => publishOutcome(verified(), publishDeps()));

    // Assert
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({ ExportsSucceeded: 1, ExportedBytes: 5, Source: 'orders' });
  });

  it('counts nothing when the notification was sent already (a retried task)', async () => {
    // Arrange
    dynamoDbMock.on(GetItemCommand).resolves({
      Item: { exportId: { S: 'e' }, messageId: { S: 'm-0' }, topicArn: { S: DEFAULT_TOPIC }, expiresAt: { N: '1' } },
    });

    // Act
    const documents = await emitted(() => publishOutcome(verified(), publishDeps()));

    // Assert
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 0);
    expect(documents).toHaveLength(0);
  });

  it('publishes even when counting throws', async () => {
    // Arrange
    const onPublished = () => {
      throw new Error('metrics broke');
    };

    // Act
    const result = await publishOutcome(verified(), publishDeps({ onPublished }));

    // Assert
    expect(result.status).toBe('SUCCEEDED');
    expect(snsMock).toHaveReceivedCommandTimes(PublishCommand, 1);
  });

  it('counts what the safety net publishes as published by it', async () => {
    // Arrange
    const stateMachineArn = 'arn:aws:states:us-east-1:123456789012:stateMachine:exportSnapshot-test';
    const executionArn = 'arn:aws:states:us-east-1:123456789012:execution:exportSnapshot-test:e-1';
    sfnMock.on(DescribeExecutionCommand).resolves({
      executionArn,
      stateMachineArn,
      name: 'e-1',
      status: 'ABORTED',
      startDate: new Date('2026-11-25T03:00:00.000Z'),
      stopDate: NOW,
      input: JSON.stringify({ sourceSnapshotName: 'nightly', targetBucket: 'exports-bucket' }),
      error: 'ExportCancelled',
      cause: 'stopped',
    });
    sfnMock.on(GetExecutionHistoryCommand).resolves({ events: [{ id: 1, type: 'ExecutionStarted' } as never] });
    const event = {
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: { executionArn, stateMachineArn, name: 'e-1', status: 'ABORTED' },
    };

    // Act
    const documents = await emitted(() =>
      reportIfUnnotified(event, {
        sfn: new SFNClient({}),
        sns: new SNSClient({}),
        elastiCache: new ElastiCacheClient({}),
        defaultTopicArn: DEFAULT_TOPIC,
        stateMachineArn,
        notifications: { dynamoDb: new DynamoDBClient({}), table: 'notifications' },
        onPublished: outcomeMetrics(options({ publisher: 'safety-net' })),
      }),
    );

    // Assert
    expect(documents).toHaveLength(2);
    expect(documents[0]).toMatchObject({
      publishedBy: 'safety-net',
      exportId: 'e-1',
      ExportsFailed: 1,
      Source: 'nightly',
    });
    expect(documents[0]?._aws.Timestamp).toBe(NOW.getTime());
    expect(documents[1]).toMatchObject({ ErrorCode: 'ExportCancelled', ExportsFailed: 1 });
  });
});

describe('handler', () => {
  it('counts the published outcome under the STAGE_NAME setting, as the workflow', async () => {
    // Arrange
    const input = exportState({ poll: pollState({ status: 'exported' }) });

    // Act
    const documents = await emitted(() => handler(input, {} as Context));

    // Assert
    expect(documents).toHaveLength(1);
    expect(documents[0]).toMatchObject({ Stage: 'test', publishedBy: 'workflow', ExportsSucceeded: 1 });
  });

  it('keeps every outcome apart when invocations run at once in one process', async () => {
    // Arrange: each invocation's SNS call waits a different time, so their publishing interleaves.
    let call = 0;
    snsMock.on(PublishCommand).callsFake(async () => {
      await sleep(1 + ((call++ * 7) % 11));
      return { MessageId: `m-${call}` };
    });
    const inputs = [0, 1, 2, 3, 4, 5].map((index) =>
      exportState({
        targetSnapshotName: `Concurrent-${index}`,
        poll: pollState({ status: 'exported' }),
        snapshot: { snapshotName: 'nightly', engine: 'redis', replicationGroupId: `group-${index}`, numNodeGroups: 1 },
        objects: [{ key: `concurrent-${index}.rdb`, size: index + 1 }],
      }),
    );

    // Act
    const documents = await emitted(() =>
      Promise.all(
        inputs.map((input) => invokeHandler(handler as LambdaHandler, input as never, lambdaContext('publishOutcome'))),
      ),
    );

    // Assert
    expect(documents).toHaveLength(inputs.length);
    for (const input of inputs) {
      const index = Number(input.targetSnapshotName.split('-')[1]);
      const mine = documents.filter((document) => document.exportId === input.exportId);
      expect(mine).toHaveLength(1);
      expect(mine[0]).toMatchObject({ Source: `group-${index}`, ExportedBytes: index + 1 });
      expect(dimensionSets(mine[0] as EmfDocument)).toEqual([['Source', 'Stage'], ['Stage']]);
    }
  });
});
