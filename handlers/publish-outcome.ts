// States PublishSuccess and PublishFailure: ExportState | FailureInput -> Outcome (after one SNS notification).
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import { findSnapshot, listSnapshots } from './lib/aws/elasticache.js';
import { publishNotification } from './lib/aws/sns.js';
import { elastiCache } from './lib/clients/elasticache.js';
import { sns } from './lib/clients/sns.js';
import type { ExportState, FailureInput, Outcome, OutcomeError } from './lib/contracts.js';
import { requireEnv } from './lib/env.js';
import { explainFailure } from './lib/error-catalogue.js';
import { decodeFailureCause, ExportRejectedError } from './lib/errors.js';
import { logger } from './lib/logger.js';
import { CLUSTER_ID_PATTERN, SOURCE_SNAPSHOT_NAME_PATTERN } from './lib/naming.js';
import { buildOutcome, renderNotification } from './lib/outcome.js';
import { isRecord } from './lib/records.js';

const DEFAULT_TOPIC_ARN = requireEnv('DEFAULT_TOPIC_ARN');

export interface PublishOutcomeDeps {
  sns: SNSClient;
  elastiCache: ElastiCacheClient;
  /** The stack's own outcomes topic: used when the snapshot has no topic or its topic cannot be published to. */
  defaultTopicArn: string;
  now: () => Date;
}

type PublishInput = ExportState | FailureInput;

const stringField = (record: unknown, key: string): string | undefined => {
  if (!isRecord(record)) return undefined;
  const value = record[key];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

const isFailure = (input: PublishInput): input is FailureInput => 'error' in input && input.error !== undefined;

/**
 * Names of the export. After ValidateExport they are fields of the state; a failure before it leaves only the
 * raw execution input (`input`), which is untrusted: take only string fields.
 */
const namesOf = (input: PublishInput) => ({
  sourceSnapshotName: input.sourceSnapshotName ?? stringField(input.input, 'sourceSnapshotName'),
  targetSnapshotName: input.targetSnapshotName ?? stringField(input.input, 'targetSnapshotName'),
  targetBucket: input.targetBucket ?? stringField(input.input, 'targetBucket'),
});

/** Why the outcome is a failure, explained by the catalogue. */
const failureOf = (input: PublishInput): OutcomeError => {
  if (isFailure(input)) return explainFailure(decodeFailureCause(input.error.Error, input.error.Cause));
  // Reaching PublishSuccess without a verified export would be a state machine bug; never report it as success.
  return explainFailure({
    errorName: 'ExportNotVerified',
    message: `The export workflow reached its success step before the export was verified (poll status ${input.poll?.status ?? 'missing'}).`,
    details: {},
  });
};

/**
 * The topic to notify: the snapshot's own topic when it has one. When the failure came before ValidateExport
 * described the snapshot, look the topic up from what the request names (best effort: any failure means the
 * default): the snapshot itself, or any snapshot of the replication group or cluster, since every snapshot copies
 * its TopicArn from the cluster's notification configuration.
 */
const topicFor = async (input: PublishInput, deps: PublishOutcomeDeps): Promise<string> => {
  if (input.snapshot) return input.snapshot.topicArn ?? (input.topicArn || deps.defaultTopicArn);
  if (input.topicArn) return input.topicArn;
  try {
    return (await lookUpTopic(input, deps.elastiCache)) ?? deps.defaultTopicArn;
  } catch (error) {
    logger.warn('Could not look up the snapshot topic; using the default topic', {
      error: error instanceof Error ? error.message : String(error),
    });
    return deps.defaultTopicArn;
  }
};

/** Only names ElastiCache could hold are sent to it; a malformed name may be the very reason the request failed. */
const lookUpTopic = async (input: PublishInput, client: ElastiCacheClient): Promise<string | undefined> => {
  const name = input.sourceSnapshotName ?? stringField(input.input, 'sourceSnapshotName');
  if (name !== undefined) {
    if (name.length > 255 || !SOURCE_SNAPSHOT_NAME_PATTERN.test(name)) return undefined;
    return (await findSnapshot(client, name))?.TopicArn || undefined;
  }
  const replicationGroupId = stringField(input.input, 'replicationGroupId');
  const cacheClusterId = stringField(input.input, 'cacheClusterId');
  const owner = replicationGroupId ?? cacheClusterId;
  if (owner === undefined || owner.length > 50 || !CLUSTER_ID_PATTERN.test(owner)) return undefined;
  const snapshots = await listSnapshots(client, replicationGroupId ? { replicationGroupId } : { cacheClusterId });
  return snapshots.find((snapshot) => snapshot.TopicArn)?.TopicArn;
};

/**
 * Builds the outcome document, publishes exactly one notification and returns the document. A snapshot topic
 * that refuses the message for good (deleted, no permission) falls back to the default topic, so an export never
 * ends silently; throttling and AWS-side faults propagate so the state machine retries.
 */
export const publishOutcome = async (input: PublishInput, deps: PublishOutcomeDeps): Promise<Outcome> => {
  const succeeded = !isFailure(input) && input.poll?.status === 'exported';
  const outcome = buildOutcome({
    exportId: input.exportId,
    startedAt: input.startedAt,
    finishedAt: deps.now(),
    ...namesOf(input),
    objects: input.objects,
    snapshot: input.snapshot,
    ...(!succeeded && { error: failureOf(input) }),
  });
  const topicArn = await topicFor(input, deps);
  logger.appendKeys({ exportId: outcome.exportId });

  try {
    await publishTo(deps, outcome, topicArn);
  } catch (error) {
    if (!(error instanceof ExportRejectedError) || topicArn === deps.defaultTopicArn) throw error;
    const reason = error.message.split('\n')[0] ?? '';
    logger.warn('Snapshot topic refused the outcome; publishing to the default topic', { topicArn, reason });
    const note = `This notification went to this service's default topic because publishing to the snapshot's topic ${topicArn} failed: ${reason}`;
    await publishTo(deps, outcome, deps.defaultTopicArn, note);
  }
  return outcome;
};

/**
 * SNS's answer to a message over its 256 KiB limit (Publish: InvalidParameter, "Invalid parameter: Message too
 * long"). The notification's bounds keep messages far below it; this is the net under them.
 */
const isTooLong = (error: unknown): boolean =>
  error instanceof ExportRejectedError &&
  error.details.awsErrorCode === 'InvalidParameter' &&
  /too long/i.test(error.message);

/** Publishes the notification, and once more in its compact form if SNS refuses it as too long: never dropped. */
const publishTo = async (deps: PublishOutcomeDeps, outcome: Outcome, topicArn: string, note?: string) => {
  const options = note === undefined ? {} : { note };
  let messageId: string;
  try {
    messageId = await publishNotification(deps.sns, renderNotification(outcome, topicArn, options));
  } catch (error) {
    if (!isTooLong(error)) throw error;
    logger.warn('SNS refused the notification as too long; publishing its compact form', { topicArn });
    messageId = await publishNotification(
      deps.sns,
      renderNotification(outcome, topicArn, { ...options, compact: true }),
    );
  }
  logger.info('Outcome published', { status: outcome.status, topicArn, messageId });
};

export const handler = middy<PublishInput, Outcome>()
  .use(injectLambdaContext(logger, { clearState: true }))
  .handler((input) =>
    publishOutcome(input, { sns, elastiCache, defaultTopicArn: DEFAULT_TOPIC_ARN, now: () => new Date() }),
  );
