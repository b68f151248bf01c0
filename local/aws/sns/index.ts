// Emulated Amazon SNS (query protocol, Version 2010-03-31): topics, subscriptions (recorded, never delivered) and
// Publish with SNS's own validation. Every published message is kept and readable at GET /_local/sns/messages.
// Everything survives a restart on the same data folder: topics and subscriptions are saved per account and Region,
// and published messages are journaled (state.ts); DELETE /_local/sns/messages removes the journal.
// By concern: this file holds the actions and the public API; messages.ts Publish's rules; state.ts state on disk.
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { AwsError, queryErrorResponse } from '../errors.js';
import { type ElastiCacheFault, FaultQueue } from '../faults.js';
import { partitionFor } from '../sigv4.js';
import type { AwsRequest, AwsResponse, Caller, EmulatedService } from '../types.js';
import { QueryParams, queryResponse, type XmlValue, xmlList } from '../xml.js';
import {
  checkJsonStructure,
  invalidParameter,
  MAX_MESSAGE_BYTES,
  messageBytes,
  type PublishedMessage,
  parseMessageAttributes,
  validSubject,
} from './messages.js';
import { createSnsStore, MessageLog, type Subscription, type Topic } from './state.js';

export type { MessageAttribute, PublishedMessage } from './messages.js';
export { messageAsText } from './messages.js';

const XMLNS = 'http://sns.amazonaws.com/doc/2010-03-31/';
const PAGE_SIZE = 100;

export interface SnsHandle {
  /** Creates a topic (idempotent) and returns its ARN. */
  createTopic(name: string, scope?: { accountId?: string; region?: string }): string;
  /** Every message published so far, oldest first. */
  messages(): PublishedMessage[];
  clearMessages(): void;
  /** Stages a fault for tests: the next `count` calls of `action` (e.g. Publish) fail with an AWS error. */
  stageFault(fault: SnsFault): void;
  pendingFaults(): SnsFault[];
  clearFaults(): void;
}

/** A staged SNS fault (default 1 call, Throttling "Rate exceeded" 400); see local/aws/faults.ts. */
export type SnsFault = Omit<ElastiCacheFault, 'exportOutcome'> & { action: string };

const required = (params: QueryParams, name: string): string => {
  const value = params.get(name);
  if (value === undefined) {
    const member = name.charAt(0).toLowerCase() + name.slice(1);
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value null at '${member}' failed to satisfy constraint: Member must not be null`,
    );
  }
  return value;
};

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const TOPIC_ARN = /^arn:aws[a-z-]*:sns:([a-z0-9-]+):(\d{12}):([A-Za-z0-9_.-]+)$/;

/** Protocols whose subscriptions AWS confirms at once; the others wait for the endpoint to confirm. */
const AUTO_CONFIRMED = new Set(['sqs', 'lambda', 'firehose', 'application', 'sms']);
const PROTOCOLS = new Set(['http', 'https', 'email', 'email-json', 'sms', 'sqs', 'application', 'lambda', 'firehose']);

export const createSnsService = (deps: {
  clock: Clock;
  /** The data folder: state is saved under `<dataDir>/sns/`. */
  dataDir: string;
}): { service: EmulatedService; handle: SnsHandle } => {
  const store = createSnsStore(deps.dataDir);
  const faults = new FaultQueue();
  const published = new MessageLog(deps.dataDir);

  const topicArnFor = (caller: { accountId: string; region: string }, name: string): string =>
    `arn:${partitionFor(caller.region)}:sns:${caller.region}:${caller.accountId}:${name}`;

  /** The topic an ARN names, as the caller may see it: NotFound when absent, AuthorizationError for other accounts. */
  const findTopic = (caller: Caller, arn: string, parameter: string, action: string): Topic => {
    const match = TOPIC_ARN.exec(arn);
    if (!match) throw invalidParameter(parameter);
    const [, region, accountId] = match;
    if (region !== caller.region) throw invalidParameter(parameter);
    const topic = store.get({ accountId: accountId ?? '', region }).topics.get(arn);
    if (!topic) throw new AwsError('NotFound', 'Topic does not exist', 404);
    if (accountId !== caller.accountId) {
      throw new AwsError(
        'AuthorizationError',
        `User: arn:aws:iam::${caller.accountId}:user/local is not authorized to perform: SNS:${action} on resource: ${arn}`,
        403,
      );
    }
    return topic;
  };

  const createTopic = (
    caller: { accountId: string; region: string },
    name: string,
    attributes: Map<string, string>,
  ): Topic => {
    const state = store.get(caller);
    const fifo = attributes.get('FifoTopic') === 'true';
    const nameOk = fifo ? /^[A-Za-z0-9_-]{1,251}\.fifo$/.test(name) : TOPIC_NAME.test(name);
    if (!nameOk) {
      throw invalidParameter(
        fifo
          ? 'Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters long.'
          : 'Topic Name',
      );
    }
    const arn = topicArnFor(caller, name);
    const existing = state.topics.get(arn);
    if (existing) return existing;
    const topic: Topic = { arn, name, attributes: new Map(attributes) };
    state.topics.set(arn, topic);
    store.save(caller);
    return topic;
  };

  const paginate = <T>(items: T[], token: string | undefined): { page: T[]; next?: string } => {
    const text = token === undefined ? '0' : Buffer.from(token, 'base64url').toString('utf8');
    const start = /^\d+$/.test(text) ? Number(text) : -1;
    if (start < 0 || start > items.length) throw invalidParameter('NextToken');
    const end = start + PAGE_SIZE;
    return {
      page: items.slice(start, end),
      ...(end < items.length && { next: Buffer.from(String(end)).toString('base64url') }),
    };
  };

  const subscriptionXml = (subscription: Subscription): XmlValue => ({
    Owner: subscription.owner,
    Protocol: subscription.protocol,
    Endpoint: subscription.endpoint,
    SubscriptionArn: subscription.confirmed ? subscription.arn : 'PendingConfirmation',
    TopicArn: subscription.topicArn,
  });

  const actions: Record<string, (params: QueryParams, request: AwsRequest) => AwsResponse> = {
    CreateTopic: (params, request) => {
      const topic = createTopic(request.caller, required(params, 'Name'), params.map('Attributes'));
      return queryResponse('CreateTopic', XMLNS, request.requestId, { TopicArn: topic.arn });
    },
    ListTopics: (params, request) => {
      const topics = [...store.get(request.caller).topics.values()];
      const { page, next } = paginate(topics, params.get('NextToken'));
      return queryResponse('ListTopics', XMLNS, request.requestId, {
        Topics: xmlList(
          'member',
          page.map((topic) => ({ TopicArn: topic.arn })),
        ),
        NextToken: next,
      });
    },
    DeleteTopic: (params, request) => {
      const arn = required(params, 'TopicArn');
      const state = store.get(request.caller);
      // DeleteTopic is idempotent: deleting a topic that does not exist succeeds.
      if (state.topics.delete(arn)) {
        for (const [subscriptionArn, subscription] of state.subscriptions) {
          if (subscription.topicArn === arn) state.subscriptions.delete(subscriptionArn);
        }
        store.save(request.caller);
      }
      return queryResponse('DeleteTopic', XMLNS, request.requestId);
    },
    GetTopicAttributes: (params, request) => {
      const topic = findTopic(request.caller, required(params, 'TopicArn'), 'TopicArn', 'GetTopicAttributes');
      const subscriptions = [...store.get(request.caller).subscriptions.values()].filter(
        (s) => s.topicArn === topic.arn,
      );
      const attributes = new Map<string, string>([
        ['TopicArn', topic.arn],
        ['Owner', request.caller.accountId],
        ['DisplayName', topic.attributes.get('DisplayName') ?? ''],
        ['SubscriptionsConfirmed', String(subscriptions.filter((s) => s.confirmed).length)],
        ['SubscriptionsPending', String(subscriptions.filter((s) => !s.confirmed).length)],
        ['SubscriptionsDeleted', '0'],
        ...topic.attributes,
      ]);
      return queryResponse('GetTopicAttributes', XMLNS, request.requestId, {
        Attributes: xmlList(
          'entry',
          [...attributes].map(([key, value]) => ({ key, value })),
        ),
      });
    },
    Subscribe: (params, request) => {
      const topic = findTopic(request.caller, required(params, 'TopicArn'), 'TopicArn', 'Subscribe');
      const protocol = required(params, 'Protocol').toLowerCase();
      if (!PROTOCOLS.has(protocol)) throw invalidParameter(`Invalid protocol type: ${protocol}`);
      const endpoint = params.get('Endpoint') ?? '';
      if (!endpoint) throw invalidParameter('Endpoint');
      const state = store.get(request.caller);
      const existing = [...state.subscriptions.values()].find(
        (s) => s.topicArn === topic.arn && s.protocol === protocol && s.endpoint === endpoint,
      );
      const subscription: Subscription = existing ?? {
        arn: `${topic.arn}:${randomUUID()}`,
        topicArn: topic.arn,
        protocol,
        endpoint,
        owner: request.caller.accountId,
        confirmed: AUTO_CONFIRMED.has(protocol),
      };
      if (!existing) {
        state.subscriptions.set(subscription.arn, subscription);
        store.save(request.caller);
      }
      const returnArn = subscription.confirmed || params.bool('ReturnSubscriptionArn') === true;
      return queryResponse('Subscribe', XMLNS, request.requestId, {
        SubscriptionArn: returnArn ? subscription.arn : 'pending confirmation',
      });
    },
    Unsubscribe: (params, request) => {
      if (store.get(request.caller).subscriptions.delete(required(params, 'SubscriptionArn'))) {
        store.save(request.caller);
      }
      return queryResponse('Unsubscribe', XMLNS, request.requestId);
    },
    ListSubscriptions: (params, request) => {
      const all = [...store.get(request.caller).subscriptions.values()];
      const { page, next } = paginate(all, params.get('NextToken'));
      return queryResponse('ListSubscriptions', XMLNS, request.requestId, {
        Subscriptions: xmlList('member', page.map(subscriptionXml)),
        NextToken: next,
      });
    },
    ListSubscriptionsByTopic: (params, request) => {
      const topic = findTopic(request.caller, required(params, 'TopicArn'), 'TopicArn', 'ListSubscriptionsByTopic');
      const all = [...store.get(request.caller).subscriptions.values()].filter((s) => s.topicArn === topic.arn);
      const { page, next } = paginate(all, params.get('NextToken'));
      return queryResponse('ListSubscriptionsByTopic', XMLNS, request.requestId, {
        Subscriptions: xmlList('member', page.map(subscriptionXml)),
        NextToken: next,
      });
    },
    Publish: (params, request) => {
      const topicArn = params.get('TopicArn') ?? params.get('TargetArn');
      if (params.get('PhoneNumber') !== undefined) {
        throw invalidParameter('PhoneNumber Reason: SMS is not emulated locally');
      }
      if (!topicArn) throw invalidParameter('TopicArn or TargetArn Reason: no value for required parameter');
      const message = required(params, 'Message');
      if (message.length === 0) throw invalidParameter('Empty message');
      const topic = findTopic(request.caller, topicArn, params.get('TopicArn') ? 'TopicArn' : 'TargetArn', 'Publish');
      const subject = params.get('Subject');
      if (subject !== undefined && !validSubject(subject)) throw invalidParameter('Subject');
      const structure = params.get('MessageStructure');
      if (structure !== undefined && structure !== 'json') throw invalidParameter('MessageStructure');
      if (structure === 'json') checkJsonStructure(message);
      const messageAttributes = parseMessageAttributes(params);
      if (messageBytes(message, messageAttributes) > MAX_MESSAGE_BYTES) throw invalidParameter('Message too long');
      const fifo = topic.name.endsWith('.fifo');
      if (fifo && !params.get('MessageGroupId')) {
        throw invalidParameter('The MessageGroupId parameter is required for FIFO topics');
      }
      const messageId = randomUUID();
      const record: PublishedMessage = {
        messageId,
        topicArn: topic.arn,
        message,
        messageAttributes,
        timestamp: deps.clock.now().toISOString(),
        accountId: request.caller.accountId,
        region: request.caller.region,
        ...(subject !== undefined && { subject }),
        ...(structure !== undefined && { messageStructure: structure }),
      };
      published.append(record);
      return queryResponse('Publish', XMLNS, request.requestId, {
        MessageId: messageId,
        SequenceNumber: fifo ? String(published.length).padStart(20, '0') : undefined,
      });
    },
  };

  const service: EmulatedService = {
    name: 'sns',
    handle: async (request) => {
      const params = QueryParams.from(request.body, request.query);
      const action = params.get('Action') ?? '';
      // Own properties only: `toString` or `constructor` must not reach Object.prototype.
      const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
      try {
        if (!run) {
          throw new AwsError(
            'InvalidAction',
            action
              ? `The action ${action} is not valid for this web service.`
              : 'The request must contain the parameter Action.',
            400,
          );
        }
        const fault = faults.takeCallFault(action);
        if (fault) throw fault;
        const delay = faults.takeCallDelay(action);
        if (delay !== undefined) await deps.clock.sleep(delay);
        return run(params, request);
      } catch (error) {
        if (error instanceof AwsError) return queryErrorResponse(error, request.requestId, XMLNS);
        throw error;
      }
    },
  };

  const handle: SnsHandle = {
    createTopic: (name, scope = {}) =>
      createTopic(
        { accountId: scope.accountId ?? '000000000000', region: scope.region ?? 'us-east-1' },
        name,
        new Map(),
      ).arn,
    messages: () => published.all(),
    clearMessages: () => published.clear(),
    stageFault: (fault) => {
      if (typeof fault?.action !== 'string' || fault.action.length === 0 || 'exportOutcome' in fault) {
        throw new Error('An SNS fault needs an action (e.g. Publish, or "*") and no exportOutcome');
      }
      faults.stage(fault);
    },
    pendingFaults: () => faults.pending() as SnsFault[],
    clearFaults: () => faults.clear(),
  };

  return { service, handle };
};
