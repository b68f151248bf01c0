// The IAM mapping of every emulated operation (local/aws/iam/<service>.ts, and the DynamoDB and SQS ones ready for
// the services to come), held to AWS's service authorization data
// through iam-simulate: each check names an action that exists and an ARN of one of that action's resource types
// (or `*` for an action with none), so a mapping cannot name a resource AWS would not authorize against.

import type { ServiceChecks } from '../../local/aws/iam/checks';
import { dynamoDbChecks } from '../../local/aws/iam/dynamodb';
import { ELASTICACHE_OPERATIONS, elastiCacheChecks } from '../../local/aws/iam/elasticache';
import { decide } from '../../local/aws/iam/evaluate';
import type { PrincipalRole } from '../../local/aws/iam/roles';
import { s3Checks } from '../../local/aws/iam/s3';
import { SNS_OPERATIONS, snsChecks } from '../../local/aws/iam/sns';
import { sqsChecks } from '../../local/aws/iam/sqs';
import { stepFunctionsChecks } from '../../local/aws/iam/stepfunctions';
import type { AwsRequest } from '../../local/aws/types';

const ACCOUNT = '123456789012';
const TOPIC = `arn:aws:sns:eu-west-1:${ACCOUNT}:orders`;
const MACHINE = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:exportSnapshot-local`;
const EXECUTION = `arn:aws:states:eu-west-1:${ACCOUNT}:execution:exportSnapshot-local:nightly`;

/** A role that may do anything: only the validity of action and resource is in question. */
const everything: PrincipalRole = {
  roleLogicalId: 'Everything',
  principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/Everything/test`,
  policies: [
    { name: 'all', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] } },
  ],
};

const request = (service: string, parts: Partial<AwsRequest>): AwsRequest => ({
  method: 'POST',
  path: '/',
  query: new URLSearchParams(),
  headers: {},
  body: Buffer.alloc(0),
  caller: { accountId: ACCOUNT, region: 'eu-west-1', accessKeyId: ACCOUNT },
  host: '127.0.0.1:4566',
  service,
  requestId: 'test',
  ...parts,
});

const query = (service: string, action: string, params: Record<string, string> = {}): AwsRequest =>
  request(service, { body: Buffer.from(new URLSearchParams({ Action: action, ...params }).toString()) });

const ELASTICACHE_PARAMS: Record<string, Record<string, string>> = {
  CreateReplicationGroup: { ReplicationGroupId: 'orders' },
  CreateCacheCluster: { CacheClusterId: 'orders-001' },
  DescribeReplicationGroups: {},
  DescribeCacheClusters: { CacheClusterId: 'orders-001' },
  DeleteReplicationGroup: { ReplicationGroupId: 'orders', FinalSnapshotIdentifier: 'orders-final' },
  DeleteCacheCluster: { CacheClusterId: 'orders-001' },
  CreateSnapshot: { SnapshotName: 'nightly', ReplicationGroupId: 'orders' },
  DescribeSnapshots: { ReplicationGroupId: 'orders' },
  CopySnapshot: { SourceSnapshotName: 'nightly', TargetSnapshotName: 'nightly-export', TargetBucket: 'exports' },
  DeleteSnapshot: { SnapshotName: 'nightly' },
  CreateServerlessCache: {
    ServerlessCacheName: 'sessions',
    Engine: 'valkey',
    'SnapshotArnsToRestore.SnapshotArn.1': `arn:aws:elasticache:eu-west-1:${ACCOUNT}:serverlesscachesnapshot:nightly`,
    'SnapshotArnsToRestore.SnapshotArn.2': `arn:aws:elasticache:eu-west-1:${ACCOUNT}:snapshot:orders-nightly`,
  },
  DescribeServerlessCaches: {},
  DeleteServerlessCache: { ServerlessCacheName: 'sessions', FinalSnapshotName: 'sessions-final' },
  CreateServerlessCacheSnapshot: { ServerlessCacheName: 'sessions', ServerlessCacheSnapshotName: 'nightly' },
  DescribeServerlessCacheSnapshots: { ServerlessCacheName: 'sessions' },
  ExportServerlessCacheSnapshot: { ServerlessCacheSnapshotName: 'nightly', S3BucketName: 'exports' },
  DeleteServerlessCacheSnapshot: { ServerlessCacheSnapshotName: 'nightly' },
};

const SNS_PARAMS: Record<string, Record<string, string>> = {
  CreateTopic: { Name: 'orders' },
  ListTopics: {},
  DeleteTopic: { TopicArn: TOPIC },
  GetTopicAttributes: { TopicArn: TOPIC },
  Subscribe: { TopicArn: TOPIC, Protocol: 'sqs' },
  Unsubscribe: { SubscriptionArn: `${TOPIC}:0b1c2d3e` },
  ListSubscriptions: {},
  ListSubscriptionsByTopic: { TopicArn: TOPIC },
  Publish: { TopicArn: TOPIC, Message: 'hi' },
};

const s3 = (method: string, target: string, extra: Partial<AwsRequest> = {}): AwsRequest => {
  const [path, search = ''] = target.split('?');
  return request('s3', { method, path: path ?? '/', query: new URLSearchParams(search), ...extra });
};

const S3_REQUESTS: Array<[string, AwsRequest]> = [
  ['ListBuckets', s3('GET', '/')],
  [
    'CreateBucket',
    s3('PUT', '/exports', { headers: { 'x-amz-acl': 'private', 'x-amz-object-ownership': 'ObjectWriter' } }),
  ],
  ['HeadBucket', s3('HEAD', '/exports')],
  ['ListObjectsV2', s3('GET', '/exports?list-type=2&prefix=nightly')],
  ['ListObjects', s3('GET', '/exports')],
  ['DeleteBucket', s3('DELETE', '/exports')],
  ['GetBucketLocation', s3('GET', '/exports?location')],
  ['GetBucketAcl', s3('GET', '/exports?acl')],
  ['PutBucketAcl', s3('PUT', '/exports?acl')],
  ['GetBucketPolicy', s3('GET', '/exports?policy')],
  ['PutBucketPolicy', s3('PUT', '/exports?policy')],
  ['DeleteBucketPolicy', s3('DELETE', '/exports?policy')],
  ['GetBucketOwnershipControls', s3('GET', '/exports?ownershipControls')],
  ['PutBucketOwnershipControls', s3('PUT', '/exports?ownershipControls')],
  ['DeleteBucketOwnershipControls', s3('DELETE', '/exports?ownershipControls')],
  [
    'DeleteObjects',
    s3('POST', '/exports?delete', {
      body: Buffer.from('<Delete><Object><Key>a.rdb</Key></Object><Object><Key>b/c.rdb</Key></Object></Delete>'),
    }),
  ],
  ['PutObject', s3('PUT', '/exports/nightly-0001.rdb', { headers: { 'x-amz-acl': 'bucket-owner-full-control' } })],
  ['GetObject', s3('GET', '/exports/nightly-0001.rdb')],
  ['HeadObject', s3('HEAD', '/exports/nightly-0001.rdb')],
  ['DeleteObject', s3('DELETE', '/exports/nightly-0001.rdb')],
];

const sfn = (operation: string, body: Record<string, unknown>): AwsRequest =>
  request('states', {
    headers: { 'x-amz-target': `AWSStepFunctions.${operation}`, 'content-type': 'application/x-amz-json-1.0' },
    body: Buffer.from(JSON.stringify(body)),
  });

const SFN_REQUESTS: Array<[string, AwsRequest]> = [
  ['ListStateMachines', sfn('ListStateMachines', {})],
  ['DescribeStateMachine', sfn('DescribeStateMachine', { stateMachineArn: MACHINE })],
  ['StartExecution', sfn('StartExecution', { stateMachineArn: MACHINE, name: 'nightly' })],
  ['ListExecutions', sfn('ListExecutions', { stateMachineArn: MACHINE })],
  ['DescribeExecution', sfn('DescribeExecution', { executionArn: EXECUTION })],
  ['GetExecutionHistory', sfn('GetExecutionHistory', { executionArn: EXECUTION })],
  ['StopExecution', sfn('StopExecution', { executionArn: EXECUTION })],
];

const json = (service: string, prefix: string, operation: string, body: Record<string, unknown>): AwsRequest =>
  request(service, {
    headers: { 'x-amz-target': `${prefix}.${operation}`, 'content-type': 'application/x-amz-json-1.0' },
    body: Buffer.from(JSON.stringify(body)),
  });

const dynamo = (operation: string, body: Record<string, unknown>) =>
  json('dynamodb', 'DynamoDB_20120810', operation, body);
const TABLE = { TableName: 'idempotency' };

const DYNAMODB_REQUESTS: Array<[string, AwsRequest]> = [
  ['GetItem', dynamo('GetItem', TABLE)],
  ['PutItem', dynamo('PutItem', TABLE)],
  ['UpdateItem', dynamo('UpdateItem', TABLE)],
  ['DeleteItem', dynamo('DeleteItem', TABLE)],
  ['DescribeTable', dynamo('DescribeTable', TABLE)],
  ['CreateTable', dynamo('CreateTable', TABLE)],
  ['DeleteTable', dynamo('DeleteTable', TABLE)],
  ['Query', dynamo('Query', { ...TABLE, IndexName: 'by-status' })],
  ['Scan', dynamo('Scan', TABLE)],
  ['BatchWriteItem', dynamo('BatchWriteItem', { RequestItems: { idempotency: [] } })],
  ['TransactWriteItems', dynamo('TransactWriteItems', { TransactItems: [{ Put: TABLE }, { ConditionCheck: TABLE }] })],
  ['ListTables', dynamo('ListTables', {})],
];

const QUEUE_URL = `http://127.0.0.1:4566/${ACCOUNT}/safety-net-dlq`;
const sqs = (operation: string, body: Record<string, unknown>) => json('sqs', 'AmazonSQS', operation, body);

const SQS_REQUESTS: Array<[string, AwsRequest]> = [
  ['SendMessage', sqs('SendMessage', { QueueUrl: QUEUE_URL })],
  ['SendMessageBatch', sqs('SendMessageBatch', { QueueUrl: QUEUE_URL })],
  ['ReceiveMessage', sqs('ReceiveMessage', { QueueUrl: QUEUE_URL })],
  ['DeleteMessage', query('sqs', 'DeleteMessage', { QueueUrl: QUEUE_URL })],
  ['GetQueueAttributes', sqs('GetQueueAttributes', { QueueUrl: QUEUE_URL })],
  ['PurgeQueue', sqs('PurgeQueue', { QueueUrl: QUEUE_URL })],
  ['CreateQueue', sqs('CreateQueue', { QueueName: 'safety-net-dlq' })],
  ['GetQueueUrl', sqs('GetQueueUrl', { QueueName: 'safety-net-dlq' })],
  ['ListQueues', sqs('ListQueues', {})],
];

const CASES: Array<[string, ServiceChecks, AwsRequest]> = [
  ...ELASTICACHE_OPERATIONS.map((action): [string, ServiceChecks, AwsRequest] => [
    action,
    elastiCacheChecks,
    query('elasticache', action, ELASTICACHE_PARAMS[action]),
  ]),
  ...SNS_OPERATIONS.map((action): [string, ServiceChecks, AwsRequest] => [
    action,
    snsChecks,
    query('sns', action, SNS_PARAMS[action]),
  ]),
  ...S3_REQUESTS.map(([operation, sample]): [string, ServiceChecks, AwsRequest] => [operation, s3Checks, sample]),
  ...SFN_REQUESTS.map(([operation, sample]): [string, ServiceChecks, AwsRequest] => [
    operation,
    stepFunctionsChecks,
    sample,
  ]),
  ...DYNAMODB_REQUESTS.map(([operation, sample]): [string, ServiceChecks, AwsRequest] => [
    operation,
    dynamoDbChecks,
    sample,
  ]),
  ...SQS_REQUESTS.map(([operation, sample]): [string, ServiceChecks, AwsRequest] => [operation, sqsChecks, sample]),
];

describe("each emulated operation's IAM checks", () => {
  it.each(CASES)(
    "%s names actions and resources that exist in AWS's service authorization data",
    async (operation, mapping, sample) => {
      // Act
      const checks = mapping.checksOf(sample);
      const problems = await Promise.all(
        (checks?.checks ?? []).map(async (check) => {
          const decision = await decide(everything, ACCOUNT, check.action, check.resource);
          return decision.problem ? `${check.action} on ${check.resource}: ${decision.problem}` : undefined;
        }),
      );

      // Assert
      expect(checks?.operation).toBe(operation);
      expect(checks?.checks.length).toBeGreaterThan(0);
      expect(problems.filter(Boolean)).toEqual([]);
    },
  );

  it('maps a DescribeSnapshots by replication group to every snapshot, and one by name to that snapshot', () => {
    // Act
    const byGroup = elastiCacheChecks.checksOf(
      query('elasticache', 'DescribeSnapshots', { ReplicationGroupId: 'Orders' }),
    );
    const byName = elastiCacheChecks.checksOf(query('elasticache', 'DescribeSnapshots', { SnapshotName: 'Nightly' }));

    // Assert
    expect(byGroup?.checks).toEqual([
      { action: 'elasticache:DescribeSnapshots', resource: `arn:aws:elasticache:eu-west-1:${ACCOUNT}:snapshot:*` },
    ]);
    expect(byName?.checks).toEqual([
      {
        action: 'elasticache:DescribeSnapshots',
        resource: `arn:aws:elasticache:eu-west-1:${ACCOUNT}:snapshot:nightly`,
      },
    ]);
  });

  it("checks an export's CopySnapshot on its source snapshot, then the caller's S3 permissions on the bucket and its objects", () => {
    // Act
    const checks = elastiCacheChecks.checksOf(
      query('elasticache', 'CopySnapshot', ELASTICACHE_PARAMS.CopySnapshot ?? {}),
    );

    // Assert
    expect(checks?.checks.map(({ action, resource, requiredBy }) => [action, resource, Boolean(requiredBy)])).toEqual([
      ['elasticache:CopySnapshot', `arn:aws:elasticache:eu-west-1:${ACCOUNT}:snapshot:nightly`, false],
      ['s3:ListAllMyBuckets', '*', true],
      ['s3:ListBucket', 'arn:aws:s3:::exports', true],
      ['s3:GetBucketLocation', 'arn:aws:s3:::exports', true],
      ['s3:PutObject', 'arn:aws:s3:::exports/*', true],
      ['s3:GetObject', 'arn:aws:s3:::exports/*', true],
      ['s3:DeleteObject', 'arn:aws:s3:::exports/*', true],
    ]);
  });

  it("checks ExportServerlessCacheSnapshot on the snapshot, then the caller's S3 permissions as an export's", () => {
    // Act
    const checks = elastiCacheChecks.checksOf(
      query('elasticache', 'ExportServerlessCacheSnapshot', ELASTICACHE_PARAMS.ExportServerlessCacheSnapshot ?? {}),
    );

    // Assert
    expect(checks?.checks.map(({ action, resource, requiredBy }) => [action, resource, Boolean(requiredBy)])).toEqual([
      [
        'elasticache:ExportServerlessCacheSnapshot',
        `arn:aws:elasticache:eu-west-1:${ACCOUNT}:serverlesscachesnapshot:nightly`,
        false,
      ],
      ['s3:ListAllMyBuckets', '*', true],
      ['s3:ListBucket', 'arn:aws:s3:::exports', true],
      ['s3:GetBucketLocation', 'arn:aws:s3:::exports', true],
      ['s3:PutObject', 'arn:aws:s3:::exports/*', true],
      ['s3:GetObject', 'arn:aws:s3:::exports/*', true],
      ['s3:DeleteObject', 'arn:aws:s3:::exports/*', true],
    ]);
  });

  it('checks CreateServerlessCacheSnapshot on the cache and the snapshot, and a final snapshot of a delete as a create', () => {
    // Act
    const create = elastiCacheChecks.checksOf(
      query('elasticache', 'CreateServerlessCacheSnapshot', {
        ServerlessCacheName: 'Sessions',
        ServerlessCacheSnapshotName: 'Nightly',
      }),
    );
    const deleted = elastiCacheChecks.checksOf(
      query('elasticache', 'DeleteServerlessCache', ELASTICACHE_PARAMS.DeleteServerlessCache ?? {}),
    );

    // Assert
    const base = `arn:aws:elasticache:eu-west-1:${ACCOUNT}`;
    expect(create?.checks).toEqual([
      { action: 'elasticache:CreateServerlessCacheSnapshot', resource: `${base}:serverlesscache:sessions` },
      { action: 'elasticache:CreateServerlessCacheSnapshot', resource: `${base}:serverlesscachesnapshot:nightly` },
    ]);
    expect(deleted?.checks).toEqual([
      { action: 'elasticache:DeleteServerlessCache', resource: `${base}:serverlesscache:sessions` },
      { action: 'elasticache:DeleteServerlessCache', resource: `${base}:serverlesscachesnapshot:sessions-final` },
      { action: 'elasticache:CreateServerlessCacheSnapshot', resource: `${base}:serverlesscache:sessions` },
      {
        action: 'elasticache:CreateServerlessCacheSnapshot',
        resource: `${base}:serverlesscachesnapshot:sessions-final`,
      },
    ]);
  });

  it.each([
    [
      'by replication group',
      { SnapshotName: 'Nightly', ReplicationGroupId: 'Orders' },
      ['snapshot:nightly', 'replicationgroup:orders'],
    ],
    [
      'by cache cluster',
      { SnapshotName: 'Nightly', CacheClusterId: 'Orders-001' },
      ['snapshot:nightly', 'cluster:orders-001'],
    ],
  ])(
    'checks CreateSnapshot %s on the snapshot it creates and what it is taken of, as the data allows',
    async (_case, params, resources) => {
      // Act
      const checks = elastiCacheChecks.checksOf(query('elasticache', 'CreateSnapshot', params))?.checks ?? [];
      const problems = await Promise.all(
        checks.map(async (check) => (await decide(everything, ACCOUNT, check.action, check.resource)).problem),
      );

      // Assert
      expect(checks.map(({ action, resource }) => [action, resource])).toEqual(
        resources.map((resource) => [
          'elasticache:CreateSnapshot',
          `arn:aws:elasticache:eu-west-1:${ACCOUNT}:${resource}`,
        ]),
      );
      expect(problems.filter(Boolean)).toEqual([]);
    },
  );

  it('checks DeleteSnapshot on the snapshot it deletes', () => {
    // Act
    const checks = elastiCacheChecks.checksOf(query('elasticache', 'DeleteSnapshot', { SnapshotName: 'Nightly' }));

    // Assert
    expect(checks?.checks).toEqual([
      { action: 'elasticache:DeleteSnapshot', resource: `arn:aws:elasticache:eu-west-1:${ACCOUNT}:snapshot:nightly` },
    ]);
  });

  it('checks s3:DeleteObject on each key of a DeleteObjects, each on its own, and on the object of a DeleteObject', () => {
    // Arrange
    const body =
      '<Delete><Quiet>true</Quiet><Object><Key>a.rdb</Key></Object><Object><Key> b/c.rdb</Key></Object></Delete>';

    // Act
    const batch = s3Checks.checksOf(s3('POST', '/exports?delete', { body: Buffer.from(body) }));
    const single = s3Checks.checksOf(s3('DELETE', '/exports/nightly-0001.rdb'));
    const unreadable = s3Checks.checksOf(s3('POST', '/exports?delete', { body: Buffer.from('<Delete>') }));

    // Assert
    expect(batch).toEqual({
      operation: 'DeleteObjects',
      perItem: true,
      checks: [
        { action: 's3:DeleteObject', resource: 'arn:aws:s3:::exports/a.rdb', item: 'a.rdb' },
        { action: 's3:DeleteObject', resource: 'arn:aws:s3:::exports/ b/c.rdb', item: ' b/c.rdb' },
      ],
    });
    expect(single).toEqual({
      operation: 'DeleteObject',
      checks: [{ action: 's3:DeleteObject', resource: 'arn:aws:s3:::exports/nightly-0001.rdb' }],
    });
    expect(unreadable?.checks).toEqual([]);
  });

  it('would catch a mapping naming a resource type the action does not have', async () => {
    // Act: DescribeSnapshots has the snapshot type only, not replicationgroup.
    const decision = await decide(
      everything,
      ACCOUNT,
      'elasticache:DescribeSnapshots',
      `arn:aws:elasticache:eu-west-1:${ACCOUNT}:replicationgroup:orders`,
    );

    // Assert
    expect(decision).toMatchObject({ allowed: false, problem: expect.any(String) });
  });

  it('leaves a request that names no operation to the service, which answers it', () => {
    // Act
    const unknown = [
      elastiCacheChecks.checksOf(query('elasticache', 'ModifyReplicationGroup')),
      s3Checks.checksOf(s3('GET', '/exports/key?tagging')),
      stepFunctionsChecks.checksOf(sfn('CreateStateMachine', {})),
      snsChecks.checksOf(query('sns', 'SetTopicAttributes')),
    ];

    // Assert
    expect(unknown).toEqual([undefined, undefined, undefined, undefined]);
  });
});
