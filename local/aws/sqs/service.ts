// The emulated SQS's queues and actions: queue URLs and ARNs, the queue actions, SendMessage(Batch),
// ReceiveMessage with long polling, DeleteMessage(Batch), ChangeMessageVisibility, PurgeQueue, and a redrive policy's
// move of a message received maxReceiveCount times to its dead-letter queue. Queue URLs are
// `<emulator url>/<account>/<queue>`: the SDK sends a queue's requests to its URL's host, which must be the emulator.
// A queue is found by the URL's account and name in the caller's Region (the SigV4 scope); another account's queue
// is AccessDenied, as it is without a queue policy granting it.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import type { RegionalDocuments, RegionScope } from '../regional-documents.js';
import { partitionFor } from '../sigv4.js';
import type { Caller } from '../types.js';
import {
  accessDenied,
  batchIdsNotDistinct,
  batchRequestTooLong,
  emptyBatch,
  invalidAddress,
  invalidAttributeName,
  invalidBatchEntryId,
  invalidParameter,
  invalidParameterValue,
  messageNotInflight,
  missingParameter,
  purgeInProgress,
  queueDeletedRecently,
  queueDoesNotExist,
  receiptHandleIsInvalid,
  SqsError,
  serialization,
  tooManyEntries,
} from './errors.js';
import {
  checkCharacters,
  type MessageAttributes,
  md5Hex,
  md5OfAttributes,
  messageSize,
  parseMessageAttributes,
  selectAttributes,
} from './message-attributes.js';
import { QueueMessages } from './messages.js';
import {
  ALL_QUEUE_ATTRIBUTES,
  applyAttributes,
  attributeNumber,
  checkAttributes,
  checkQueueName,
  checkSameAttributes,
  initialAttributes,
  type QueueDefinition,
  type READ_ONLY_ATTRIBUTES,
  redrivePolicyOf,
} from './queues.js';
import { createQueueDocuments, MessageJournal, type StoredMessage } from './state.js';
import {
  type Body,
  optionalInteger,
  optionalRecord,
  optionalString,
  optionalStringMap,
  optionalStrings,
  requiredString,
} from './wire.js';

/** "A single message batch request can include a maximum of 10 messages", of 1 MiB together (message quotas). */
const MAX_BATCH_ENTRIES = 10;
const MAX_BATCH_BYTES = 1_048_576;
const BATCH_ID = /^[A-Za-z0-9_-]{1,80}$/;
/** SQS refuses a second PurgeQueue within 60 s, and a queue created within 60 s of one deleted by the same name. */
const COOL_DOWN_SECONDS = 60;

const QUEUE_URL_PATH = /^\/(\d{12})\/([^/]+)\/?$/;
const QUEUE_ARN = /^arn:aws[a-z-]*:sqs:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_-]+)$/;

export interface QueueRef {
  scope: RegionScope;
  queue: QueueDefinition;
}

/** A message as a send gives it, before it is stored. */
export interface Outgoing {
  body: string;
  delaySeconds?: number;
  attributes?: MessageAttributes;
  systemAttributes?: MessageAttributes;
  senderId: string;
  deadLetterSourceArn?: string;
}

export class SqsQueues {
  private readonly documents: RegionalDocuments<Map<string, QueueDefinition>, { queues: QueueDefinition[] }>;
  private readonly runtime = new Map<string, QueueMessages>();
  private readonly deletedAt = new Map<string, number>();
  private readonly purgedAt = new Map<string, number>();

  public constructor(
    private readonly dataDir: string,
    private readonly clock: Clock,
    private readonly baseUrl: () => string,
  ) {
    this.documents = createQueueDocuments(dataDir);
  }

  // ---- finding queues -----------------------------------------------------------------------------------------

  public urlOf(queue: QueueDefinition): string {
    return `${this.baseUrl()}/${queue.accountId}/${queue.name}`;
  }

  public queuesOf(scope: RegionScope): Map<string, QueueDefinition> {
    return this.documents.get(scope);
  }

  /** The queue a QueueUrl names, as the caller may use it. */
  public byUrl(caller: Caller, url: string): QueueRef {
    let path: string;
    try {
      path = new URL(url).pathname;
    } catch {
      throw invalidAddress(url);
    }
    const match = QUEUE_URL_PATH.exec(path);
    if (!match) throw invalidAddress(url);
    const [, accountId = '', name = ''] = match;
    const scope = { accountId, region: caller.region };
    let decoded: string;
    try {
      decoded = decodeURIComponent(name);
    } catch {
      throw invalidAddress(url);
    }
    const queue = this.queuesOf(scope).get(decoded);
    if (!queue) throw queueDoesNotExist();
    if (accountId !== caller.accountId) throw accessDenied(url);
    return { scope, queue };
  }

  public byArn(arn: string): QueueRef {
    const match = QUEUE_ARN.exec(arn);
    if (!match) throw queueDoesNotExist();
    const [, region = '', accountId = '', name = ''] = match;
    const scope = { accountId, region };
    const queue = this.queuesOf(scope).get(name);
    if (!queue) throw queueDoesNotExist();
    return { scope, queue };
  }

  public messagesOf({ scope, queue }: QueueRef): QueueMessages {
    let messages = this.runtime.get(queue.id);
    if (!messages) {
      messages = new QueueMessages(new MessageJournal(this.dataDir, scope, queue), this.clock);
      this.runtime.set(queue.id, messages);
    }
    messages.expire(attributeNumber(queue, 'MessageRetentionPeriod'));
    return messages;
  }

  private recently(at: number | undefined): boolean {
    return at !== undefined && this.clock.now().getTime() - at < this.clock.realMs(COOL_DOWN_SECONDS);
  }

  // ---- queues -------------------------------------------------------------------------------------------------

  private checkRedriveTarget(scope: RegionScope, attributes: Map<string, string>): void {
    const policy = redrivePolicyOf(attributes.get('RedrivePolicy'));
    if (!policy) return;
    const match = QUEUE_ARN.exec(policy.deadLetterTargetArn);
    const exists =
      match && match[1] === scope.region && match[2] === scope.accountId && this.queuesOf(scope).has(match[3] ?? '');
    if (!exists) {
      throw invalidParameter('RedrivePolicy', attributes.get('RedrivePolicy'), 'Dead-letter target does not exist.');
    }
  }

  public createQueue(
    scope: RegionScope,
    name: string,
    rawAttributes: Map<string, string>,
    tags: Map<string, string>,
  ): QueueDefinition {
    checkQueueName(name);
    const given = checkAttributes(rawAttributes);
    const queues = this.queuesOf(scope);
    const existing = queues.get(name);
    if (existing) {
      checkSameAttributes(existing, given);
      return existing;
    }
    if (this.recently(this.deletedAt.get(`${scope.accountId}/${scope.region}/${name}`))) throw queueDeletedRecently();
    this.checkRedriveTarget(scope, given);
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const queue: QueueDefinition = {
      name,
      id: randomUUID(),
      accountId: scope.accountId,
      region: scope.region,
      arn: `arn:${partitionFor(scope.region)}:sqs:${scope.region}:${scope.accountId}:${name}`,
      createdAt: now,
      lastModifiedAt: now,
      attributes: initialAttributes(given),
      tags: Object.fromEntries(tags),
    };
    queues.set(name, queue);
    this.documents.save(scope);
    return queue;
  }

  public setAttributes(ref: QueueRef, rawAttributes: Map<string, string>): void {
    const given = checkAttributes(rawAttributes);
    this.checkRedriveTarget(ref.scope, given);
    applyAttributes(ref.queue, given, this.clock.now());
    this.documents.save(ref.scope);
  }

  public saveQueues(scope: RegionScope): void {
    this.documents.save(scope);
  }

  public attributesOf(ref: QueueRef, names: string[]): Record<string, string> {
    const wanted = names.includes('All') ? ALL_QUEUE_ATTRIBUTES : names;
    const known = new Set([...ALL_QUEUE_ATTRIBUTES, 'All']);
    for (const name of names) if (!known.has(name)) throw invalidAttributeName(name);
    const counts = this.messagesOf(ref).counts();
    const computed: Record<(typeof READ_ONLY_ATTRIBUTES)[number], string> = {
      ApproximateNumberOfMessages: String(counts.visible),
      ApproximateNumberOfMessagesDelayed: String(counts.delayed),
      ApproximateNumberOfMessagesNotVisible: String(counts.notVisible),
      CreatedTimestamp: String(ref.queue.createdAt),
      LastModifiedTimestamp: String(ref.queue.lastModifiedAt),
      QueueArn: ref.queue.arn,
    };
    const attributes: Record<string, string> = {};
    for (const name of wanted) {
      const value = Object.hasOwn(computed, name)
        ? computed[name as keyof typeof computed]
        : Object.hasOwn(ref.queue.attributes, name)
          ? ref.queue.attributes[name]
          : undefined;
      if (value !== undefined) attributes[name] = value;
    }
    return attributes;
  }

  public purge(ref: QueueRef): void {
    if (this.recently(this.purgedAt.get(ref.queue.id))) throw purgeInProgress(this.urlOf(ref.queue));
    this.purgedAt.set(ref.queue.id, this.clock.now().getTime());
    this.messagesOf(ref).purge();
  }

  public deleteQueue(ref: QueueRef): void {
    this.messagesOf(ref).drop();
    this.runtime.delete(ref.queue.id);
    this.queuesOf(ref.scope).delete(ref.queue.name);
    this.documents.save(ref.scope);
    this.deletedAt.set(`${ref.scope.accountId}/${ref.scope.region}/${ref.queue.name}`, this.clock.now().getTime());
  }

  /** Ends every long poll (the emulator is stopping). */
  public wakeAll(): void {
    for (const messages of this.runtime.values()) messages.wake();
  }

  // ---- messages -----------------------------------------------------------------------------------------------

  /** Checks and stores one message; what SendMessage answers about it. */
  public send(ref: QueueRef, outgoing: Outgoing): StoredMessage {
    const { body } = outgoing;
    if (body === '') throw missingParameter('MessageBody');
    checkCharacters(body);
    const limit = attributeNumber(ref.queue, 'MaximumMessageSize');
    if (messageSize(body, outgoing.attributes) > limit) {
      throw invalidParameterValue(
        `One or more parameters are invalid. Reason: Message must be shorter than ${limit} bytes.`,
      );
    }
    const delay = outgoing.delaySeconds ?? attributeNumber(ref.queue, 'DelaySeconds');
    if (!Number.isInteger(delay) || delay < 0 || delay > 900) {
      throw invalidParameter('DelaySeconds', delay, 'DelaySeconds must be >= 0 and <= 900.');
    }
    const sentAt = this.clock.now().getTime();
    const message: StoredMessage = {
      id: randomUUID(),
      body,
      md5OfBody: md5Hex(body),
      ...(outgoing.attributes && {
        attributes: outgoing.attributes,
        md5OfAttributes: md5OfAttributes(outgoing.attributes),
      }),
      ...(outgoing.systemAttributes && {
        systemAttributes: outgoing.systemAttributes,
        md5OfSystemAttributes: md5OfAttributes(outgoing.systemAttributes),
      }),
      senderId: outgoing.senderId,
      sentAt,
      visibleAt: sentAt + this.clock.realMs(delay),
      receiveCount: 0,
      ...(outgoing.deadLetterSourceArn && { deadLetterSourceArn: outgoing.deadLetterSourceArn }),
    };
    this.messagesOf(ref).add(message);
    return message;
  }

  /**
   * Up to `max` messages visible now, each marked received with a new receipt. A message already received
   * maxReceiveCount times under a redrive policy goes to the dead-letter queue instead (keeping its id, body,
   * attributes and sent time, as SQS does), and counts from zero there.
   */
  public receive(
    ref: QueueRef,
    max: number,
    visibilitySeconds: number,
  ): Array<{ message: StoredMessage; handle: string }> {
    const messages = this.messagesOf(ref);
    const policy = redrivePolicyOf(ref.queue.attributes.RedrivePolicy);
    const received: Array<{ message: StoredMessage; handle: string }> = [];
    for (const message of messages.visible()) {
      if (received.length >= max) break;
      if (
        policy &&
        message.receiveCount >= policy.maxReceiveCount &&
        this.redrive(ref, message, policy.deadLetterTargetArn)
      ) {
        continue;
      }
      const receipt = randomUUID();
      messages.markReceived(message, receipt, visibilitySeconds);
      received.push({ message, handle: receiptHandle(ref.queue, message.id, receipt) });
    }
    return received;
  }

  private redrive(ref: QueueRef, message: StoredMessage, targetArn: string): boolean {
    let target: QueueRef;
    try {
      target = this.byArn(targetArn);
    } catch (error) {
      // A dead-letter queue deleted since: SQS keeps the message where it is.
      if (error instanceof SqsError) return false;
      throw error;
    }
    const moved: StoredMessage = {
      ...message,
      visibleAt: this.clock.now().getTime(),
      receiveCount: 0,
      deadLetterSourceArn: ref.queue.arn,
    };
    delete moved.receipt;
    delete moved.firstReceivedAt;
    this.messagesOf(ref).remove(message.id);
    this.messagesOf(target).add(moved);
    return true;
  }

  /** The message a receipt handle names, if the handle is the one of its latest receive. */
  public byReceipt(ref: QueueRef, handle: string): { message?: StoredMessage } {
    const parsed = parseReceiptHandle(handle);
    if (!parsed || parsed.q !== ref.queue.id) throw receiptHandleIsInvalid(handle);
    const message = this.messagesOf(ref).get(parsed.m);
    return message && message.receipt === parsed.r ? { message } : {};
  }

  public deleteMessage(ref: QueueRef, handle: string): void {
    // A handle of an earlier receive (or of a message deleted already) succeeds and deletes nothing, as SQS documents.
    const { message } = this.byReceipt(ref, handle);
    if (message) this.messagesOf(ref).remove(message.id);
  }

  public changeVisibility(ref: QueueRef, handle: string, seconds: number): void {
    const { message } = this.byReceipt(ref, handle);
    if (!message || message.visibleAt <= this.clock.now().getTime()) throw messageNotInflight();
    this.messagesOf(ref).setVisibility(message, seconds);
  }
}

interface ReceiptParts {
  q: string;
  m: string;
  r: string;
}

const receiptHandle = (queue: QueueDefinition, messageId: string, receipt: string): string =>
  Buffer.from(JSON.stringify({ q: queue.id, m: messageId, r: receipt } satisfies ReceiptParts)).toString('base64');

const parseReceiptHandle = (handle: string): ReceiptParts | undefined => {
  try {
    const parts = JSON.parse(Buffer.from(handle, 'base64').toString('utf8')) as Partial<ReceiptParts>;
    if (typeof parts.q === 'string' && typeof parts.m === 'string' && typeof parts.r === 'string') {
      return parts as ReceiptParts;
    }
  } catch {
    // not one of ours
  }
  return undefined;
};

// ---- request fields shared by the actions ------------------------------------------------------------------------

/** An integer parameter within SQS's range, with its "Value … for parameter … is invalid" refusal. */
export const integerIn = (
  body: Body,
  field: string,
  [min, max]: [number, number],
  reason: string,
): number | undefined => {
  const value = optionalInteger(body, field);
  if (value !== undefined && (value < min || value > max)) throw invalidParameter(field, value, reason);
  return value;
};

/** The message fields of a SendMessage request or a SendMessageBatch entry. */
export const outgoingFrom = (body: Body, senderId: string): Outgoing => {
  const messageBody = requiredString(body, 'MessageBody');
  if (optionalString(body, 'MessageDeduplicationId') !== undefined) {
    throw invalidParameter(
      'MessageDeduplicationId',
      body.MessageDeduplicationId,
      'The request includes a parameter that is not valid for this queue type.',
    );
  }
  const attributes = parseMessageAttributes(body.MessageAttributes);
  const system = optionalRecord(body, 'MessageSystemAttributes');
  if (system && Object.keys(system).some((name) => name !== 'AWSTraceHeader')) {
    throw invalidParameterValue('Message system attribute name is invalid: only AWSTraceHeader can be sent.');
  }
  const systemAttributes = parseMessageAttributes(system, 'Message system');
  const delaySeconds = optionalInteger(body, 'DelaySeconds');
  return {
    body: messageBody,
    senderId,
    ...(delaySeconds !== undefined && { delaySeconds }),
    ...(attributes && { attributes }),
    ...(systemAttributes && { systemAttributes }),
  };
};

/** SendMessage's answer fields for a stored message. */
export const sentFields = (message: StoredMessage): Record<string, string> => ({
  MessageId: message.id,
  MD5OfMessageBody: message.md5OfBody,
  ...(message.md5OfAttributes && { MD5OfMessageAttributes: message.md5OfAttributes }),
  ...(message.md5OfSystemAttributes && { MD5OfMessageSystemAttributes: message.md5OfSystemAttributes }),
});

/** A received message in ReceiveMessage's shape: the system attributes and message attributes asked for. */
export const receivedFields = (
  message: StoredMessage,
  handle: string,
  systemNames: string[],
  attributeNames: string[],
): Record<string, unknown> => {
  const all = systemNames.includes('All');
  const system: Record<string, string | undefined> = {
    SenderId: message.senderId,
    SentTimestamp: String(message.sentAt),
    ApproximateReceiveCount: String(message.receiveCount),
    ApproximateFirstReceiveTimestamp:
      message.firstReceivedAt === undefined ? undefined : String(message.firstReceivedAt),
    AWSTraceHeader: message.systemAttributes?.AWSTraceHeader?.StringValue,
    DeadLetterQueueSourceArn: message.deadLetterSourceArn,
  };
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(system)) {
    if (value !== undefined && (all || systemNames.includes(name))) attributes[name] = value;
  }
  const selected = selectAttributes(message.attributes, attributeNames);
  const hasAttributes = Object.keys(selected).length > 0;
  return {
    MessageId: message.id,
    ReceiptHandle: handle,
    MD5OfBody: message.md5OfBody,
    Body: message.body,
    ...(Object.keys(attributes).length > 0 && { Attributes: attributes }),
    ...(hasAttributes && { MD5OfMessageAttributes: md5OfAttributes(selected), MessageAttributes: selected }),
  };
};

/** The entries of a batch request: 1 to 10, with distinct valid ids. */
export const batchEntries = (body: Body, kind: string): Body[] => {
  const raw = body.Entries;
  if (raw === undefined || raw === null) throw missingParameter('Entries');
  if (!Array.isArray(raw)) throw serialization('Entries must be a list');
  if (raw.length === 0) throw emptyBatch(kind);
  if (raw.length > MAX_BATCH_ENTRIES) throw tooManyEntries(raw.length);
  const seen = new Set<string>();
  for (const entry of raw as Body[]) {
    const id = requiredString(entry ?? {}, 'Id');
    if (!BATCH_ID.test(id)) throw invalidBatchEntryId();
    if (seen.has(id)) throw batchIdsNotDistinct(id);
    seen.add(id);
  }
  return raw as Body[];
};

export const checkBatchSize = (entries: Outgoing[]): void => {
  const total = entries.reduce((sum, entry) => sum + messageSize(entry.body, entry.attributes), 0);
  if (total > MAX_BATCH_BYTES) throw batchRequestTooLong(MAX_BATCH_BYTES);
};

/** A batch entry's failure, as SendMessageBatch and DeleteMessageBatch list it. */
export const failedEntry = (id: string, error: SqsError): Record<string, unknown> => ({
  Id: id,
  SenderFault: error.fault === 'Sender',
  Code: error.code,
  Message: error.message,
});

export { optionalStringMap, optionalStrings };
