// SNS (query protocol): Action=… → sns:<Action> on the topic ARN the request names (the `topic` resource type of the
// service authorization data), or `*` for the list actions, which have no resource type. Subscriptions are authorized
// on their topic: a subscription ARN is the topic ARN plus `:<id>`.
import { AwsError } from '../errors.js';
import { partitionFor } from '../sigv4.js';
import type { AwsRequest } from '../types.js';
import { QueryParams } from '../xml.js';
import { type Check, type Denial, notAuthorizedMessage, type ServiceChecks } from './checks.js';

type ActionChecks = (params: QueryParams, request: AwsRequest) => Check[];

const onTopic =
  (action: string, parameter: string): ActionChecks =>
  (params) => [{ action, resource: params.get(parameter) ?? '' }];

const onAll =
  (action: string): ActionChecks =>
  () => [{ action, resource: '*' }];

const ACTIONS: Readonly<Record<string, ActionChecks>> = {
  CreateTopic: (params, { caller }) => [
    {
      action: 'sns:CreateTopic',
      resource: `arn:${partitionFor(caller.region)}:sns:${caller.region}:${caller.accountId}:${params.get('Name') ?? ''}`,
    },
  ],
  ListTopics: onAll('sns:ListTopics'),
  DeleteTopic: onTopic('sns:DeleteTopic', 'TopicArn'),
  GetTopicAttributes: onTopic('sns:GetTopicAttributes', 'TopicArn'),
  Subscribe: onTopic('sns:Subscribe', 'TopicArn'),
  Unsubscribe: (params) => [
    { action: 'sns:Unsubscribe', resource: (params.get('SubscriptionArn') ?? '').replace(/:[^:]*$/, '') },
  ],
  ListSubscriptions: onAll('sns:ListSubscriptions'),
  ListSubscriptionsByTopic: onTopic('sns:ListSubscriptionsByTopic', 'TopicArn'),
  // A topic (TopicArn, or TargetArn naming one); a phone number is sent to no resource, so `*`.
  Publish: (params) => [{ action: 'sns:Publish', resource: params.get('TopicArn') ?? params.get('TargetArn') ?? '*' }],
};

/** The actions mapped here, one per emulated action (test/local/iam-checks.test.ts holds each to AWS's data). */
export const SNS_OPERATIONS: readonly string[] = Object.keys(ACTIONS);

export const snsChecks: ServiceChecks = {
  service: 'sns',
  checksOf: (request) => {
    const params = QueryParams.from(request.body, request.query);
    const action = params.get('Action') ?? '';
    const checks = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    return checks ? { operation: action, checks: checks(params, request) } : undefined;
  },
  // AuthorizationError (403), SNS's modeled error (AuthorizationErrorException), with the action named as SNS names
  // it in that message ("User: … is not authorized to perform: SNS:Publish on resource: …", AWS re:Post, "resolve
  // authorization errors … Amazon SNS topic").
  refusal: (denial: Denial) =>
    new AwsError(
      'AuthorizationError',
      notAuthorizedMessage(denial, { action: denial.action.replace(/^sns:/, 'SNS:') }),
      403,
    ),
};
