// Queues: names, the attributes CreateQueue and SetQueueAttributes take (ranges and defaults of the API reference),
// CreateQueue's idempotency (the same name with the same attributes gives the same queue; an attribute given with a
// different value is QueueAlreadyExists), and the attributes GetQueueAttributes answers. New queues are encrypted
// with SQS-managed keys unless a KMS key is named, as SQS has done by default since 2022 (no encryption is
// emulated). FIFO queues are not emulated. Source: API reference, CreateQueue and GetQueueAttributes (as shipped in
// the SDK model, client-sqs 3.1127: MaximumMessageSize up to and by default 1,048,576 bytes),
// https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_CreateQueue.html
import {
  invalidAttributeName,
  invalidAttributeValue,
  invalidParameterValue,
  queueNameExists,
  unsupportedOperation,
} from './errors.js';

export interface QueueDefinition {
  name: string;
  /** Stable across restarts, names the queue's message journal and its receipt handles. */
  id: string;
  accountId: string;
  region: string;
  arn: string;
  /** Epoch seconds. */
  createdAt: number;
  lastModifiedAt: number;
  /** The settable attributes, every one with its value (defaults filled in). */
  attributes: Record<string, string>;
  tags: Record<string, string>;
}

const QUEUE_NAME = /^[A-Za-z0-9_-]{1,80}$/;

export const checkQueueName = (name: string): void => {
  if (name.endsWith('.fifo')) throw unsupportedOperation('FIFO queues are not emulated by the local SQS');
  if (!QUEUE_NAME.test(name)) {
    throw invalidParameterValue('Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length');
  }
};

/** Integer attributes: [minimum, maximum, default]. */
const RANGES: Record<string, [number, number, number]> = {
  DelaySeconds: [0, 900, 0],
  MaximumMessageSize: [1024, 1_048_576, 1_048_576],
  MessageRetentionPeriod: [60, 1_209_600, 345_600],
  ReceiveMessageWaitTimeSeconds: [0, 20, 0],
  VisibilityTimeout: [0, 43_200, 30],
  KmsDataKeyReusePeriodSeconds: [60, 86_400, 300],
};

const JSON_ATTRIBUTES = new Set(['Policy', 'RedrivePolicy', 'RedriveAllowPolicy']);
const FIFO_ONLY = new Set(['FifoQueue', 'ContentBasedDeduplication', 'DeduplicationScope', 'FifoThroughputLimit']);

/** Attributes only GetQueueAttributes answers; SetQueueAttributes and CreateQueue refuse them. */
export const READ_ONLY_ATTRIBUTES = [
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesDelayed',
  'ApproximateNumberOfMessagesNotVisible',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
] as const;

export interface RedrivePolicy {
  deadLetterTargetArn: string;
  maxReceiveCount: number;
}

export const redrivePolicyOf = (text: string | undefined): RedrivePolicy | undefined => {
  if (text === undefined) return undefined;
  return JSON.parse(text) as RedrivePolicy;
};

const checkValue = (name: string, value: string): string => {
  const range = RANGES[name];
  if (range) {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < range[0] || number > range[1]) throw invalidAttributeValue(name);
    return String(number);
  }
  if (name === 'SqsManagedSseEnabled') {
    if (value !== 'true' && value !== 'false') throw invalidAttributeValue(name);
    return value;
  }
  if (name === 'KmsMasterKeyId') {
    if (value === '') throw invalidAttributeValue(name);
    return value;
  }
  if (JSON_ATTRIBUTES.has(name)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw invalidAttributeValue(name);
    }
    if (name === 'RedrivePolicy') {
      const policy = (parsed ?? {}) as Partial<RedrivePolicy>;
      const count = Number(policy.maxReceiveCount);
      if (typeof policy.deadLetterTargetArn !== 'string' || !Number.isInteger(count) || count < 1 || count > 1000) {
        throw invalidAttributeValue(
          name,
          'Value for parameter RedrivePolicy is invalid. Reason: Redrive policy is not a valid JSON map with deadLetterTargetArn and maxReceiveCount (1 to 1000).',
        );
      }
      return JSON.stringify({ deadLetterTargetArn: policy.deadLetterTargetArn, maxReceiveCount: count });
    }
    return value;
  }
  if (FIFO_ONLY.has(name)) {
    if (name === 'FifoQueue' && value === 'false') return value;
    throw unsupportedOperation('FIFO queues are not emulated by the local SQS');
  }
  throw invalidAttributeName(name);
};

/** The attributes a request sets, checked and normalized ("030" is 30). */
export const checkAttributes = (given: Map<string, string>): Map<string, string> => {
  const checked = new Map<string, string>();
  for (const [name, value] of given) {
    if ((READ_ONLY_ATTRIBUTES as readonly string[]).includes(name)) throw invalidAttributeName(name);
    const normalized = checkValue(name, value);
    if (name !== 'FifoQueue') checked.set(name, normalized);
  }
  if (checked.has('KmsMasterKeyId') && checked.get('SqsManagedSseEnabled') === 'true') {
    throw invalidAttributeValue(
      'SqsManagedSseEnabled',
      'You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.',
    );
  }
  return checked;
};

/** A new queue's attributes: the defaults, then what was given. */
export const initialAttributes = (given: Map<string, string>): Record<string, string> => {
  const attributes: Record<string, string> = {};
  for (const [name, [, , byDefault]] of Object.entries(RANGES)) {
    if (name !== 'KmsDataKeyReusePeriodSeconds') attributes[name] = String(byDefault);
  }
  const kms = given.has('KmsMasterKeyId');
  attributes.SqsManagedSseEnabled = kms ? 'false' : 'true';
  if (kms) attributes.KmsDataKeyReusePeriodSeconds = '300';
  for (const [name, value] of given) attributes[name] = value;
  return attributes;
};

/** CreateQueue on a name that exists: every attribute given must have the queue's value. */
export const checkSameAttributes = (queue: QueueDefinition, given: Map<string, string>): void => {
  for (const [name, value] of given) {
    if (queue.attributes[name] !== value) throw queueNameExists(name);
  }
};

/** SetQueueAttributes: switching to KMS turns SQS-managed encryption off, and the other way round. */
export const applyAttributes = (queue: QueueDefinition, given: Map<string, string>, now: Date): void => {
  for (const [name, value] of given) queue.attributes[name] = value;
  if (given.has('KmsMasterKeyId')) {
    queue.attributes.SqsManagedSseEnabled = 'false';
    queue.attributes.KmsDataKeyReusePeriodSeconds ??= '300';
  } else if (given.get('SqsManagedSseEnabled') === 'true') {
    delete queue.attributes.KmsMasterKeyId;
    delete queue.attributes.KmsDataKeyReusePeriodSeconds;
  }
  queue.lastModifiedAt = Math.floor(now.getTime() / 1000);
};

export const ALL_QUEUE_ATTRIBUTES = [
  ...READ_ONLY_ATTRIBUTES,
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'SqsManagedSseEnabled',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'Policy',
  'RedrivePolicy',
  'RedriveAllowPolicy',
];

/** Integer attribute of a queue (its value is always there: defaults are filled in). */
export const attributeNumber = (queue: QueueDefinition, name: keyof typeof RANGES): number =>
  Number(queue.attributes[name] ?? RANGES[name]?.[2]);
