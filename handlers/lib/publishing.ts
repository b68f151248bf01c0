// Publishing an export's outcome: the outcome document built from whatever the workflow knew, exactly one SNS
// notification (the snapshot's own topic, else the stack's default topic; a compact form when SNS finds it too
// long). Used by PublishSuccess/PublishFailure (handlers/publish-outcome.ts) and by the safety net
// (handlers/safety-net.ts), so both send the same document in the same words. No Lambda types here.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import type { SNSClient } from '@aws-sdk/client-sns';
import { getNotificationRecord, putNotificationRecord } from './aws/dynamodb.js';
import { findSnapshot, listSnapshots } from './aws/elasticache.js';
import { publishNotification } from './aws/sns.js';
import type { Outcome } from './contracts.js';
import { AwsUnavailableError, ExportRejectedError } from './errors.js';
import { logger } from './logger.js';
import { CLUSTER_ID_PATTERN, SOURCE_SNAPSHOT_NAME_PATTERN } from './naming.js';
import { renderNotification } from './outcome.js';
import { announcementFailure, outcomeFor, type PublishInput, stringField } from './outcome-facts.js';

export type { PublishInput } from './outcome-facts.js';

export interface PublishOutcomeDeps {
  sns: SNSClient;
  elastiCache: ElastiCacheClient;
  /** Where the record that the notification was sent goes (the safety net's table), when there is one. */
  notifications?: { dynamoDb: DynamoDBClient; table: string };
  /** The stack's own outcomes topic: used when the snapshot has no topic or its topic cannot be published to. */
  defaultTopicArn: string;
  now: () => Date;
  /**
   * Called once this call has sent the notification, not when it finds it sent already (so a retried task counts
   * nothing twice): the outcome metrics (handlers/lib/metrics.ts). Its failure never fails the publishing.
   */
  onPublished?: (outcome: Outcome) => void;
  /**
   * Milliseconds this invocation has left (Lambda's getRemainingTimeInMillis). No publish starts with less than
   * PUBLISH_TIME_NEEDED_MS left: one that outlived the invocation would be followed by the task's retry, which
   * publishes too (its record not written yet). Without it, publishing is not timed.
   */
  remainingMs?: () => number;
}

/**
 * Time a publish needs to end inside its invocation: SNS Publish and the record's PutItem. publishOutcome's whole
 * first invocation (the record's read, the publish and the record's write, every client's first call) took 44 ms
 * against the local stack in `npm run bench`; the rest is room for the SDK's retries.
 * Below it the invocation fails instead, and the task's retry publishes.
 */
export const PUBLISH_TIME_NEEDED_MS = 3000;

/** Throws, retryably, when too little of the invocation is left for a publish to end inside it. */
const ensureTimeToPublish = (deps: PublishOutcomeDeps): void => {
  const remaining = deps.remainingMs?.();
  if (remaining === undefined || remaining >= PUBLISH_TIME_NEEDED_MS) return;
  throw new AwsUnavailableError(
    `Only ${Math.max(0, Math.round(remaining))} ms of this invocation were left, too little to publish the notification and record it (the AWS calls before it were slow); not published, so that the task's retry publishes it once.`,
  );
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

export interface PublishOptions {
  /** A paragraph put first in the plain text, e.g. that the safety net sent it and why. */
  note?: string;
}

/**
 * Builds the outcome document, publishes exactly one notification and returns the document. A snapshot topic
 * that refuses the message for good (deleted, no permission) falls back to the default topic, so an export never
 * ends silently; throttling and AWS-side faults propagate so the caller retries.
 */
export const publishOutcome = async (
  input: PublishInput,
  deps: PublishOutcomeDeps,
  options: PublishOptions = {},
): Promise<Outcome> => {
  const outcome = outcomeFor(input, deps.now());
  logger.appendKeys({ exportId: outcome.exportId });
  // Sent already (a retried task, PublishFailure after a PublishSuccess that published and then failed, the safety
  // net after either): the record says so, and a second message would break the one-notification promise.
  if (await alreadySent(deps, outcome.exportId)) return outcome;
  const topicArn = await topicFor(input, deps);
  const first = [options.note, announcementFailure(input)].filter((text) => text !== undefined).join('\n\n');
  const note = first.length > 0 ? first : undefined;
  const notes = (...extra: string[]) => [note, ...extra].filter((text) => text !== undefined).join('\n\n');

  try {
    await publishTo(deps, outcome, topicArn, note);
  } catch (error) {
    if (!(error instanceof ExportRejectedError) || topicArn === deps.defaultTopicArn) throw error;
    const reason = error.message.split('\n')[0] ?? '';
    logger.warn('Snapshot topic refused the outcome; publishing to the default topic', { topicArn, reason });
    const note = `This notification went to this service's default topic because publishing to the snapshot's topic ${topicArn} failed: ${reason}`;
    await publishTo(deps, outcome, deps.defaultTopicArn, notes(note));
  }
  announcePublished(deps, outcome);
  return outcome;
};

/** Tells `onPublished`; a throw there is logged, since the notification is out and a retry would repeat it. */
const announcePublished = (deps: PublishOutcomeDeps, outcome: Outcome): void => {
  if (!deps.onPublished) return;
  try {
    deps.onPublished(outcome);
  } catch (error) {
    logger.warn('Could not report the published outcome', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
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
    ensureTimeToPublish(deps);
    messageId = await publishNotification(deps.sns, renderNotification(outcome, topicArn, options));
  } catch (error) {
    if (!isTooLong(error)) throw error;
    logger.warn('SNS refused the notification as too long; publishing its compact form', { topicArn });
    ensureTimeToPublish(deps);
    messageId = await publishNotification(
      deps.sns,
      renderNotification(outcome, topicArn, { ...options, compact: true }),
    );
  }
  logger.info('Outcome published', { status: outcome.status, topicArn, messageId });
  await recordNotification(deps, outcome.exportId, messageId, topicArn);
};

/**
 * Whether the export's notification record exists. A failure to read it counts as no record: publishing twice is
 * better than not at all.
 */
const alreadySent = async (deps: PublishOutcomeDeps, exportId: string): Promise<boolean> => {
  if (!deps.notifications) return false;
  try {
    const record = await getNotificationRecord(deps.notifications.dynamoDb, deps.notifications.table, exportId);
    if (record) logger.info('The notification was sent already; not sending it again', { ...record });
    return record !== undefined;
  } catch (error) {
    logger.warn('Could not read the notification record; publishing', {
      error: error instanceof Error ? error.message : String(error),
    });
    return false;
  }
};

/** How long a notification record is kept: as long as the safety net's own records (handlers/safety-net.ts). */
export const NOTIFICATION_RECORD_SECONDS = 3 * 24 * 60 * 60;

/**
 * Records that the export's notification went out, for the safety net to read when the execution ended while this
 * task ran (its history then cannot say). Best effort, after the publish: failing here must not fail the task,
 * whose retry would publish a second time.
 */
const recordNotification = async (deps: PublishOutcomeDeps, exportId: string, messageId: string, topicArn: string) => {
  if (!deps.notifications) return;
  try {
    await putNotificationRecord(deps.notifications.dynamoDb, deps.notifications.table, {
      exportId,
      messageId,
      topicArn,
      expiresAt: Math.floor(deps.now().getTime() / 1000) + NOTIFICATION_RECORD_SECONDS,
    });
  } catch (error) {
    logger.warn('Could not record that the notification was sent', {
      error: error instanceof Error ? error.message : String(error),
    });
  }
};
