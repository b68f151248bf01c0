// SQS (JSON 1.0 `X-Amz-Target: AmazonSQS.<Operation>`, as SDK v3 speaks it, or the query protocol's Action=…):
// sqs:<Operation> on the queue ARN (`arn:aws:sqs:<region>:<account>:<name>`, the `queue` resource type), read from
// the QueueUrl (`…/<account>/<name>`) or, for CreateQueue and GetQueueUrl, the QueueName; ListQueues on `*` (no
// resource type). The batch operations are authorized as their single forms (SQS Developer Guide, "Amazon SQS API
// permissions: Actions and resource reference": SendMessageBatch needs sqs:SendMessage, DeleteMessageBatch
// sqs:DeleteMessage, ChangeMessageVisibilityBatch sqs:ChangeMessageVisibility). Ready for the emulated SQS of the
// dead-letter queue; no such service runs yet.
import { AwsError } from '../errors.js';
import { partitionFor } from '../sigv4.js';
import type { AwsRequest } from '../types.js';
import { QueryParams } from '../xml.js';
import { type Denial, notAuthorizedMessage, type ServiceChecks } from './checks.js';

const BATCH_ACTIONS: Readonly<Record<string, string>> = {
  SendMessageBatch: 'SendMessage',
  DeleteMessageBatch: 'DeleteMessage',
  ChangeMessageVisibilityBatch: 'ChangeMessageVisibility',
};

const ON_QUEUE_URL = new Set([
  'SendMessage',
  'ReceiveMessage',
  'DeleteMessage',
  'ChangeMessageVisibility',
  'GetQueueAttributes',
  'SetQueueAttributes',
  'PurgeQueue',
  'DeleteQueue',
  ...Object.keys(BATCH_ACTIONS),
]);

/** The operation and its string parameters, from either protocol. */
const requestOf = (request: AwsRequest): { operation: string; get: (name: string) => string | undefined } => {
  const target = request.headers['x-amz-target'] ?? '';
  if (target.startsWith('AmazonSQS.')) {
    let body: Record<string, unknown> = {};
    try {
      const parsed = JSON.parse(request.body.toString('utf8') || '{}') as unknown;
      if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed))
        body = parsed as Record<string, unknown>;
    } catch {
      // A body SQS cannot read names no queue; SQS refuses it itself.
    }
    return {
      operation: target.slice('AmazonSQS.'.length),
      get: (name) => (typeof body[name] === 'string' ? (body[name] as string) : undefined),
    };
  }
  const params = QueryParams.from(request.body, request.query);
  return { operation: params.get('Action') ?? '', get: (name) => params.get(name) };
};

export const sqsChecks: ServiceChecks = {
  service: 'sqs',
  checksOf: (request) => {
    const { operation, get } = requestOf(request);
    const { caller } = request;
    const arn = (account: string, name: string) =>
      `arn:${partitionFor(caller.region)}:sqs:${caller.region}:${account}:${name}`;
    const action = `sqs:${BATCH_ACTIONS[operation] ?? operation}`;
    if (ON_QUEUE_URL.has(operation)) {
      const [account = '', name = ''] = new URL(get('QueueUrl') ?? 'http://invalid/').pathname
        .split('/')
        .filter(Boolean);
      return { operation, checks: [{ action, resource: account && name ? arn(account, name) : '' }] };
    }
    if (operation === 'CreateQueue' || operation === 'GetQueueUrl') {
      const owner = get('QueueOwnerAWSAccountId') ?? caller.accountId;
      return { operation, checks: [{ action, resource: arn(owner, get('QueueName') ?? '') }] };
    }
    if (operation === 'ListQueues') return { operation, checks: [{ action, resource: '*' }] };
    return undefined;
  },
  // AccessDenied (403) with IAM's message (assumed: the code and status SQS's query API documents for a refused
  // call; the JSON protocol carries the same code).
  refusal: (denial: Denial) => new AwsError('AccessDenied', notAuthorizedMessage(denial), 403),
};
