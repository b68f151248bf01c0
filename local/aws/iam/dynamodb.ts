// DynamoDB (JSON 1.0, `X-Amz-Target: DynamoDB_20120810.<Operation>`): dynamodb:<Operation> on the table ARN
// (`arn:aws:dynamodb:<region>:<account>:table/<name>`), or the index ARN (`…/index/<name>`) for a Query or Scan of an
// index; the `table` and `index` resource types of the service authorization data. Batch and transaction operations
// are authorized per table and item action (DynamoDB Developer Guide, "Using IAM policy conditions for fine-grained
// access control": TransactWriteItems is authorized as PutItem, UpdateItem, DeleteItem and ConditionCheckItem; it
// is not an IAM action). Ready for the emulated DynamoDB the idempotency table needs; no such service runs yet.
import { AwsError } from '../errors.js';
import { partitionFor } from '../sigv4.js';
import type { AwsRequest } from '../types.js';
import { type Check, type Denial, notAuthorizedMessage, type ServiceChecks } from './checks.js';

type Body = Record<string, unknown>;

const bodyOf = (request: AwsRequest): Body => {
  try {
    const parsed = JSON.parse(request.body.toString('utf8') || '{}') as unknown;
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Body) : {};
  } catch {
    return {};
  }
};

const text = (value: unknown): string => (typeof value === 'string' ? value : '');
const keysOf = (value: unknown): string[] =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? Object.keys(value) : [];

const ON_TABLE = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'DescribeTable',
  'CreateTable',
  'DeleteTable',
  'UpdateTable',
  'DescribeTimeToLive',
  'UpdateTimeToLive',
]);

/** The item operations of a transaction, as the IAM actions they are authorized with. */
const TRANSACT_ACTIONS: Readonly<Record<string, string>> = {
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  ConditionCheck: 'dynamodb:ConditionCheckItem',
  Get: 'dynamodb:GetItem',
};

const checksOf = (request: AwsRequest) => {
  const target = request.headers['x-amz-target'] ?? '';
  const operation = target.startsWith('DynamoDB_20120810.') ? target.slice('DynamoDB_20120810.'.length) : '';
  const { caller } = request;
  const tableArn = (name: string) =>
    `arn:${partitionFor(caller.region)}:dynamodb:${caller.region}:${caller.accountId}:table/${name}`;
  const body = bodyOf(request);
  const action = `dynamodb:${operation}`;
  let checks: Check[];
  if (ON_TABLE.has(operation)) {
    checks = [{ action, resource: tableArn(text(body.TableName)) }];
  } else if (operation === 'Query' || operation === 'Scan') {
    const index = text(body.IndexName);
    const table = tableArn(text(body.TableName));
    checks = [{ action, resource: index ? `${table}/index/${index}` : table }];
  } else if (operation === 'BatchGetItem' || operation === 'BatchWriteItem') {
    checks = keysOf(body.RequestItems).map((name) => ({ action, resource: tableArn(name) }));
  } else if (operation === 'TransactWriteItems' || operation === 'TransactGetItems') {
    const items = Array.isArray(body.TransactItems) ? (body.TransactItems as unknown[]) : [];
    checks = items.flatMap((item) =>
      keysOf(item).flatMap((kind) => {
        const itemAction = TRANSACT_ACTIONS[kind];
        const detail = (item as Record<string, Body | undefined>)[kind];
        return itemAction && detail ? [{ action: itemAction, resource: tableArn(text(detail.TableName)) }] : [];
      }),
    );
  } else if (operation === 'ListTables') {
    checks = [{ action, resource: '*' }];
  } else {
    return undefined;
  }
  return { operation, checks };
};

export const dynamoDbChecks: ServiceChecks = {
  service: 'dynamodb',
  checksOf,
  // AccessDeniedException (400) with IAM's message (DynamoDB API Reference, Common Errors: AccessDeniedException,
  // HTTP Status Code: 400).
  refusal: (denial: Denial) => new AwsError('AccessDeniedException', notAuthorizedMessage(denial), 400),
};
