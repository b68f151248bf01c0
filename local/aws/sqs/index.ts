// Emulated Amazon SQS (AWS JSON 1.0, `X-Amz-Target: AmazonSQS.<Action>`), for the local stack's dead-letter queues:
// the events and asynchronous invocations that could not be delivered land in a queue, and tests and operators read
// them with the SDK or the AWS CLI (`aws sqs receive-message`; the CLI speaks the same JSON protocol).
//   queues    CreateQueue (idempotent; QueueAlreadyExists when an attribute differs), GetQueueUrl, ListQueues,
//             GetQueueAttributes, SetQueueAttributes, DeleteQueue, PurgeQueue, ListQueueTags, TagQueue, UntagQueue
//   messages  SendMessage(Batch) with message attributes and the MD5s the SDK checks, ReceiveMessage (long polling,
//             visibility timeout, system and message attribute selection), DeleteMessage(Batch),
//             ChangeMessageVisibility; a RedrivePolicy moves a message received maxReceiveCount times to its
//             dead-letter queue
// Durations (delays, visibility timeouts, long polls, retention) are emulated seconds on the scaled clock, see
// messages.ts. Queues and messages survive a restart on the same data folder (state.ts). Not emulated: FIFO queues,
// message move tasks, permissions (AddPermission), list-valued attributes.
// The rest by concern: service.ts (queues, actions), queues.ts (queue attributes), messages.ts (a queue's messages),
// message-attributes.ts (attributes and MD5s), state.ts (persistence), wire.ts (JSON 1.0), errors.ts.
import type { Clock } from '../../clock.js';
import { DEFAULT_ACCOUNT_ID, DEFAULT_REGION } from '../sigv4.js';
import type { Caller, EmulatedService } from '../types.js';
import { invalidParameter, queueDoesNotExist, SqsError } from './errors.js';
import { type MessageAttributeValue, parseMessageAttributes } from './message-attributes.js';
import {
  batchEntries,
  checkBatchSize,
  failedEntry,
  integerIn,
  type Outgoing,
  outgoingFrom,
  type QueueRef,
  receivedFields,
  SqsQueues,
  sentFields,
} from './service.js';
import {
  type Body,
  handleActions,
  optionalInteger,
  optionalString,
  optionalStringMap,
  optionalStrings,
  requiredString,
} from './wire.js';

export type { MessageAttributeValue } from './message-attributes.js';

/** A message as it sits in a queue, for tests and the `/_local/sqs/messages` endpoint (nothing is received). */
export interface QueuedMessage {
  messageId: string;
  body: string;
  messageAttributes: Record<string, MessageAttributeValue>;
  /** ISO 8601. */
  sentTimestamp: string;
  receiveCount: number;
  /** Whether a ReceiveMessage would get it now (not delayed, not in flight). */
  visible: boolean;
  deadLetterQueueSourceArn?: string;
}

export interface SqsScope {
  accountId?: string;
  region?: string;
}

export interface SqsHandle {
  /** Creates a queue (idempotent, as CreateQueue) and gives its URL and ARN. */
  createQueue(name: string, scope?: SqsScope & { attributes?: Record<string, string> }): { url: string; arn: string };
  /**
   * Sends a message with no HTTP request, as another service of the local stack does (a dead-letter queue of an
   * EventBridge target or of Lambda's asynchronous invocations). `queue` is an ARN, or a URL of this emulator in
   * `region` (default us-east-1). Throws SqsError (QueueDoesNotExist…) as SendMessage would answer.
   */
  sendMessage(
    queue: string,
    body: string,
    options?: { attributes?: Record<string, MessageAttributeValue>; region?: string; delaySeconds?: number },
  ): { messageId: string };
  /** Every message in the named queue, oldest first. */
  messages(queueName: string, scope?: SqsScope): QueuedMessage[];
  /** Ends the long polls in progress (the emulator is stopping). */
  stopWork(): void;
}

/** ListQueues: "Value range is 1 to 1000"; without MaxResults, up to 1000 and no NextToken. */
const MAX_LIST_QUEUES = 1000;
const MAX_WAIT_SECONDS = 20;

export { SqsError };

export const createSqsService = (deps: {
  clock: Clock;
  /** The data folder: state is saved under `<dataDir>/sqs/`. */
  dataDir: string;
  /** The emulator's own URL (known once it listens): queue URLs are on it. */
  baseUrl: () => string;
}): { service: EmulatedService; handle: SqsHandle } => {
  const queues = new SqsQueues(deps.dataDir, deps.clock, deps.baseUrl);
  const { clock } = deps;

  let stopped = false;

  const scopeOf = (caller: Caller) => ({ accountId: caller.accountId, region: caller.region });
  const queueOf = (caller: Caller, body: Body): QueueRef => queues.byUrl(caller, requiredString(body, 'QueueUrl'));

  const receiveMessage = async (body: Body, caller: Caller): Promise<Record<string, unknown>> => {
    const ref = queueOf(caller, body);
    const max = integerIn(body, 'MaxNumberOfMessages', [1, 10], 'Must be between 1 and 10, if provided.') ?? 1;
    const visibility =
      integerIn(body, 'VisibilityTimeout', [0, 43_200], 'Must be between 0 and 43200, if provided.') ??
      Number(ref.queue.attributes.VisibilityTimeout);
    const wait =
      integerIn(body, 'WaitTimeSeconds', [0, MAX_WAIT_SECONDS], 'Must be >= 0 and <= 20, if provided.') ??
      Number(ref.queue.attributes.ReceiveMessageWaitTimeSeconds);
    const systemNames = [
      ...(optionalStrings(body, 'MessageSystemAttributeNames') ?? []),
      ...(optionalStrings(body, 'AttributeNames') ?? []),
    ];
    const attributeNames = optionalStrings(body, 'MessageAttributeNames') ?? [];
    const deadline = clock.now().getTime() + clock.realMs(wait);
    const stillThere = (): boolean => queues.queuesOf(ref.scope).get(ref.queue.name) === ref.queue;
    let received = queues.receive(ref, max, visibility);
    // Long polling: wait for a message to arrive or to show again, until the deadline (or the queue is deleted, or
    // the emulator stops).
    while (received.length === 0 && !stopped) {
      const now = clock.now().getTime();
      if (now >= deadline) break;
      const messages = queues.messagesOf(ref);
      await messages.waitForChange(Math.min(deadline, messages.nextVisibleAt() ?? deadline) - now);
      if (stopped || !stillThere()) break;
      received = queues.receive(ref, max, visibility);
    }
    return {
      ...(received.length > 0 && {
        Messages: received.map(({ message, handle }) => receivedFields(message, handle, systemNames, attributeNames)),
      }),
    };
  };

  const actions: Record<
    string,
    (body: Body, caller: Caller) => Record<string, unknown> | Promise<Record<string, unknown>>
  > = {
    CreateQueue: (body, caller) => {
      const queue = queues.createQueue(
        scopeOf(caller),
        requiredString(body, 'QueueName'),
        optionalStringMap(body, 'Attributes') ?? new Map(),
        optionalStringMap(body, 'tags') ?? new Map(),
      );
      return { QueueUrl: queues.urlOf(queue) };
    },
    GetQueueUrl: (body, caller) => {
      const owner = optionalString(body, 'QueueOwnerAWSAccountId') ?? caller.accountId;
      const name = requiredString(body, 'QueueName');
      const queue = queues.queuesOf({ accountId: owner, region: caller.region }).get(name);
      if (!queue) throw queueDoesNotExist();
      return { QueueUrl: queues.urlOf(queue) };
    },
    ListQueues: (body, caller) => {
      const prefix = optionalString(body, 'QueueNamePrefix') ?? '';
      const maxResults = optionalInteger(body, 'MaxResults');
      if (maxResults !== undefined && (maxResults < 1 || maxResults > MAX_LIST_QUEUES)) {
        throw invalidParameter('MaxResults', maxResults, 'MaxResults must be an integer between 1 and 1000.');
      }
      const token = optionalString(body, 'NextToken');
      const after = token === undefined ? undefined : Buffer.from(token, 'base64url').toString('utf8');
      const names = [...queues.queuesOf(scopeOf(caller)).values()]
        .filter((queue) => queue.name.startsWith(prefix) && (after === undefined || queue.name > after))
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      const page = names.slice(0, maxResults ?? MAX_LIST_QUEUES);
      const last = page[page.length - 1];
      return {
        ...(page.length > 0 && { QueueUrls: page.map((queue) => queues.urlOf(queue)) }),
        ...(maxResults !== undefined &&
          names.length > page.length &&
          last && { NextToken: Buffer.from(last.name).toString('base64url') }),
      };
    },
    GetQueueAttributes: (body, caller) => {
      const names = optionalStrings(body, 'AttributeNames') ?? [];
      return { Attributes: queues.attributesOf(queueOf(caller, body), names) };
    },
    SetQueueAttributes: (body, caller) => {
      queues.setAttributes(queueOf(caller, body), optionalStringMap(body, 'Attributes') ?? new Map());
      return {};
    },
    DeleteQueue: (body, caller) => {
      queues.deleteQueue(queueOf(caller, body));
      return {};
    },
    PurgeQueue: (body, caller) => {
      queues.purge(queueOf(caller, body));
      return {};
    },
    ListQueueTags: (body, caller) => {
      const { queue } = queueOf(caller, body);
      return Object.keys(queue.tags).length > 0 ? { Tags: queue.tags } : {};
    },
    TagQueue: (body, caller) => {
      const ref = queueOf(caller, body);
      for (const [key, value] of optionalStringMap(body, 'Tags') ?? new Map()) ref.queue.tags[key] = value;
      queues.saveQueues(ref.scope);
      return {};
    },
    UntagQueue: (body, caller) => {
      const ref = queueOf(caller, body);
      for (const key of optionalStrings(body, 'TagKeys') ?? []) delete ref.queue.tags[key];
      queues.saveQueues(ref.scope);
      return {};
    },
    SendMessage: (body, caller) => {
      const ref = queueOf(caller, body);
      integerIn(body, 'DelaySeconds', [0, 900], 'DelaySeconds must be >= 0 and <= 900.');
      return sentFields(queues.send(ref, outgoingFrom(body, caller.accessKeyId)));
    },
    SendMessageBatch: (body, caller) => {
      const ref = queueOf(caller, body);
      const entries = batchEntries(body, 'SendMessageBatch');
      const prepared: Array<{ id: string; outgoing?: Outgoing; error?: SqsError }> = entries.map((entry) => {
        const id = entry.Id as string;
        try {
          integerIn(entry, 'DelaySeconds', [0, 900], 'DelaySeconds must be >= 0 and <= 900.');
          return { id, outgoing: outgoingFrom(entry, caller.accessKeyId) };
        } catch (error) {
          if (error instanceof SqsError) return { id, error };
          throw error;
        }
      });
      checkBatchSize(prepared.flatMap((entry) => (entry.outgoing ? [entry.outgoing] : [])));
      const successful: Record<string, unknown>[] = [];
      const failed: Record<string, unknown>[] = [];
      for (const { id, outgoing, error } of prepared) {
        try {
          if (error) throw error;
          successful.push({ Id: id, ...sentFields(queues.send(ref, outgoing as Outgoing)) });
        } catch (problem) {
          if (!(problem instanceof SqsError)) throw problem;
          failed.push(failedEntry(id, problem));
        }
      }
      return { Successful: successful, Failed: failed };
    },
    ReceiveMessage: receiveMessage,
    DeleteMessage: (body, caller) => {
      queues.deleteMessage(queueOf(caller, body), requiredString(body, 'ReceiptHandle'));
      return {};
    },
    DeleteMessageBatch: (body, caller) => {
      const ref = queueOf(caller, body);
      const successful: Record<string, unknown>[] = [];
      const failed: Record<string, unknown>[] = [];
      for (const entry of batchEntries(body, 'DeleteMessageBatch')) {
        const id = entry.Id as string;
        try {
          queues.deleteMessage(ref, requiredString(entry, 'ReceiptHandle'));
          successful.push({ Id: id });
        } catch (error) {
          if (!(error instanceof SqsError)) throw error;
          failed.push(failedEntry(id, error));
        }
      }
      return { Successful: successful, Failed: failed };
    },
    ChangeMessageVisibility: (body, caller) => {
      const ref = queueOf(caller, body);
      const seconds = integerIn(body, 'VisibilityTimeout', [0, 43_200], 'Must be between 0 and 43200.');
      if (seconds === undefined) throw invalidParameter('VisibilityTimeout', 'null', 'Must be between 0 and 43200.');
      queues.changeVisibility(ref, requiredString(body, 'ReceiptHandle'), seconds);
      return {};
    },
  };

  const service: EmulatedService = { name: 'sqs', handle: handleActions(actions) };

  const refOf = (queue: string, region: string): QueueRef =>
    queue.startsWith('arn:')
      ? queues.byArn(queue)
      : queues.byUrl({ accountId: accountOfUrl(queue), region, accessKeyId: 'local' }, queue);

  const handle: SqsHandle = {
    createQueue: (name, scope = {}) => {
      const queue = queues.createQueue(
        { accountId: scope.accountId ?? DEFAULT_ACCOUNT_ID, region: scope.region ?? DEFAULT_REGION },
        name,
        new Map(Object.entries(scope.attributes ?? {})),
        new Map(),
      );
      return { url: queues.urlOf(queue), arn: queue.arn };
    },
    sendMessage: (queue, body, options = {}) => {
      const ref = refOf(queue, options.region ?? DEFAULT_REGION);
      const attributes = parseMessageAttributes(options.attributes);
      const message = queues.send(ref, {
        body,
        senderId: ref.queue.accountId,
        ...(attributes && { attributes }),
        ...(options.delaySeconds !== undefined && { delaySeconds: options.delaySeconds }),
      });
      return { messageId: message.id };
    },
    messages: (queueName, scope = {}) => {
      const region = scope.region ?? DEFAULT_REGION;
      const accountId = scope.accountId ?? DEFAULT_ACCOUNT_ID;
      const queue = queues.queuesOf({ accountId, region }).get(queueName);
      if (!queue) return [];
      const messages = queues.messagesOf({ scope: { accountId, region }, queue });
      const now = clock.now().getTime();
      return messages.all().map((message) => ({
        messageId: message.id,
        body: message.body,
        messageAttributes: { ...message.attributes },
        sentTimestamp: new Date(message.sentAt).toISOString(),
        receiveCount: message.receiveCount,
        visible: message.visibleAt <= now,
        ...(message.deadLetterSourceArn && { deadLetterQueueSourceArn: message.deadLetterSourceArn }),
      }));
    },
    stopWork: () => {
      stopped = true;
      queues.wakeAll();
    },
  };

  return { service, handle };
};

/** The account a queue URL names (a URL that names none is left to byUrl to refuse). */
const accountOfUrl = (url: string): string => /\/(\d{12})\/[^/]+\/?$/.exec(url)?.[1] ?? DEFAULT_ACCOUNT_ID;
