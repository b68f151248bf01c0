// Outcome metrics: what each published outcome adds to CloudWatch, written in embedded metric format (EMF), JSON
// lines on stdout that CloudWatch Logs turns into metrics. No CloudWatch API call, so no IAM permission. Called
// through `onPublished` (handlers/lib/publishing.ts) by PublishSuccess/PublishFailure and by the safety net, once per
// notification actually sent: a retried task that finds its notification sent already counts nothing again.
//
// Metrics (names in metric-names.ts): ExportsSucceeded and ExportsFailed (1 and 0, so every outcome is a datapoint
// of both), ExportDurationSeconds and ExportedBytes (successes only: a failure's duration is its deadline or
// its error, not how long exports take). Dimension sets, each a metric of its own (CloudWatch matches a metric,
// and an alarm to it, by the full set of its dimensions):
//   [Stage]               every export of the stage: the dashboard's totals
//   [Stage, Schedule]     scheduled runs only: the per-schedule freshness alarm (config/observability.ts)
//   [Stage, Source]       per replication group, cluster or snapshot
//   [Stage, ErrorCode]    ExportsFailed of failures only, in a second EMF document so that only it has this set
// An export on request has no Schedule dimension at all rather than a made-up value: any value could be a
// schedule's name, and it would count towards no alarm anyway. It is in [Stage] and [Stage, Source].
// Stage is there because stages may share an account and Region (every resource name ends in the stage).
//
// Powertools Metrics 2.36, read in its source: every dimension set gets the default dimensions prepended, and the
// constructor always sets the default dimension `service`. We clear it: the namespace names the service, and an
// alarm would otherwise have to repeat it. Stored metrics, dimensions and metadata are kept per invocation in the
// Lambda InvokeStore where one process runs several at once (the local stack); default dimensions are not. We
// do not lean on either: one Metrics instance per outcome, filled and flushed (publishStoredMetrics) in one
// synchronous call, so nothing another invocation does can interleave, whatever the runtime.
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Outcome } from './contracts.js';
import { logger } from './logger.js';
import { DIMENSION, METRIC, METRICS_NAMESPACE, STAGE_ENV_NAME, UNKNOWN_SOURCE } from './metric-names.js';
import { SOURCE_SNAPSHOT_NAME_PATTERN } from './naming.js';

export { DIMENSION, METRIC, METRICS_NAMESPACE, STAGE_ENV_NAME, UNKNOWN_SOURCE } from './metric-names.js';

/** Who sent the notification the metrics count: the workflow's own publish states, or the safety net. */
export type OutcomePublisher = 'workflow' | 'safety-net';

export interface OutcomeMetricsOptions {
  publisher: OutcomePublisher;
  /** The stage for the Stage dimension (STAGE_NAME). Without it nothing is emitted, and a warning is logged. */
  stage: string | undefined;
  now?: () => Date;
}

type Dimensions = Record<string, string>;

/** The catalogue's fallback code, for a failure that somehow carries no error. */
const FALLBACK_ERROR_CODE = 'Unknown';

/**
 * CloudWatch accepts an EMF timestamp up to 14 days old and 2 hours ahead (the bounds Powertools checks too);
 * outside them the document would be dropped, so the time of writing is used instead.
 */
const EMF_MAX_PAST_MS = 14 * 24 * 3600 * 1000;
const EMF_MAX_FUTURE_MS = 2 * 3600 * 1000;

/**
 * The Source dimension: the snapshot's replication group or cluster (an export by group and one by a snapshot of it
 * count together), else the snapshot named. Early failures carry only the raw request, which may be anything, so
 * a name that is not a valid snapshot name becomes UNKNOWN_SOURCE rather than a new metric.
 */
export const sourceOf = (outcome: Outcome): string => {
  const source = outcome.snapshot?.replicationGroupId ?? outcome.snapshot?.cacheClusterId ?? outcome.sourceSnapshotName;
  if (source === undefined || source.length > 255 || !SOURCE_SNAPSHOT_NAME_PATTERN.test(source)) return UNKNOWN_SOURCE;
  return source;
};

/** The dimension sets every metric of this outcome is published with (ErrorCode apart, see above). */
export const outcomeDimensionSets = (outcome: Outcome, stage: string): Dimensions[] => {
  const scheduleName = outcome.schedule?.name;
  return [
    { [DIMENSION.stage]: stage },
    ...(scheduleName ? [{ [DIMENSION.stage]: stage, [DIMENSION.schedule]: scheduleName }] : []),
    { [DIMENSION.stage]: stage, [DIMENSION.source]: sourceOf(outcome) },
  ];
};

/** When the export ended, as the metrics' timestamp (the safety net publishes after the fact), if CloudWatch takes it. */
const timestampOf = (outcome: Outcome, now: Date): Date | undefined => {
  const finishedAt = new Date(outcome.finishedAt);
  const age = now.getTime() - finishedAt.getTime();
  if (Number.isNaN(age) || age > EMF_MAX_PAST_MS || -age > EMF_MAX_FUTURE_MS) return undefined;
  return finishedAt;
};

interface Document {
  dimensionSets: Dimensions[];
  metrics: Array<{ name: string; unit: (typeof MetricUnit)[keyof typeof MetricUnit]; value: number }>;
}

/** The EMF documents for one outcome: the counts (and, for a success, duration and bytes), then the failure's code. */
const documentsFor = (outcome: Outcome, stage: string): Document[] => {
  const succeeded = outcome.status === 'SUCCEEDED';
  const counts: Document = {
    dimensionSets: outcomeDimensionSets(outcome, stage),
    metrics: [
      { name: METRIC.exportsSucceeded, unit: MetricUnit.Count, value: succeeded ? 1 : 0 },
      { name: METRIC.exportsFailed, unit: MetricUnit.Count, value: succeeded ? 0 : 1 },
      ...(succeeded
        ? [
            { name: METRIC.exportDurationSeconds, unit: MetricUnit.Seconds, value: outcome.durationSeconds },
            {
              name: METRIC.exportedBytes,
              unit: MetricUnit.Bytes,
              value: outcome.objects.reduce((sum, object) => sum + object.size, 0),
            },
          ]
        : []),
    ],
  };
  // Powertools takes NaN and Infinity as numbers and writes them as null, which CloudWatch cannot read.
  const dropped = counts.metrics.filter((metric) => !Number.isFinite(metric.value)).map((metric) => metric.name);
  if (dropped.length > 0) {
    logger.warn('Outcome metrics without a finite value left out', { metrics: dropped });
    counts.metrics = counts.metrics.filter((metric) => Number.isFinite(metric.value));
  }
  if (succeeded) return [counts];
  const byCode: Document = {
    dimensionSets: [{ [DIMENSION.stage]: stage, [DIMENSION.errorCode]: outcome.error?.code || FALLBACK_ERROR_CODE }],
    metrics: [{ name: METRIC.exportsFailed, unit: MetricUnit.Count, value: 1 }],
  };
  return [counts, byCode];
};

/** Writes one EMF document with a fresh instance, at once. */
const publish = (document: Document, metadata: Record<string, string>, timestamp: Date | undefined): void => {
  // Powertools' own warnings (a dimension it refuses, say) go to our structured log.
  const metrics = new Metrics({ namespace: METRICS_NAMESPACE, logger });
  metrics.clearDefaultDimensions();
  // A dimension every set shares (Stage) goes in once, as a default dimension Powertools adds to each set: the same
  // key in several sets makes Powertools 2.36 warn on every flush, although the output is the same.
  const shared = Object.entries(document.dimensionSets[0] ?? {}).filter(([key, value]) =>
    document.dimensionSets.every((set) => set[key] === value),
  );
  if (shared.length > 0) metrics.setDefaultDimensions(Object.fromEntries(shared));
  for (const set of document.dimensionSets) {
    metrics.addDimensions(Object.fromEntries(Object.entries(set).filter(([key]) => !shared.some(([k]) => k === key))));
  }
  for (const [key, value] of Object.entries(metadata)) metrics.addMetadata(key, value);
  if (timestamp) metrics.setTimestamp(timestamp);
  for (const { name, unit, value } of document.metrics) metrics.addMetric(name, unit, value);
  metrics.publishStoredMetrics();
};

/**
 * Emits the metrics of one published outcome. Never throws: a failure to count must not fail (and so repeat) the
 * publishing; it is logged instead.
 */
export const recordOutcomeMetrics = (outcome: Outcome, options: OutcomeMetricsOptions): void => {
  try {
    if (!options.stage) {
      logger.warn('No stage configured; outcome metrics not emitted', { setting: STAGE_ENV_NAME });
      return;
    }
    const timestamp = timestampOf(outcome, options.now?.() ?? new Date());
    // Properties of the log line, not dimensions: searchable with Logs Insights, no metric of their own.
    const metadata: Record<string, string> = {
      exportId: outcome.exportId,
      status: outcome.status,
      publishedBy: options.publisher,
      ...(outcome.schedule && { scheduledTime: outcome.schedule.scheduledTime }),
      ...(outcome.error && { errorCode: outcome.error.code }),
    };
    for (const document of documentsFor(outcome, options.stage)) publish(document, metadata, timestamp);
  } catch (error) {
    logger.warn('Could not emit the outcome metrics', {
      exportId: outcome.exportId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
};

/** `onPublished` for publishOutcome: the outcome metrics of one publisher. */
export const outcomeMetrics =
  (options: OutcomeMetricsOptions) =>
  (outcome: Outcome): void =>
    recordOutcomeMetrics(outcome, options);
