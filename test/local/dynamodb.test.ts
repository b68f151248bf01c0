// The emulated DynamoDB, driven through the real SDK v3 DynamoDB client: table lifecycle and TTL settings, the item
// actions and their ReturnValues, keys and attribute values as DynamoDB checks them, the error shapes the SDK
// parses, and the state an emulator restarted on the same data folder finds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ConditionalCheckFailedException,
  CreateTableCommand,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  PutItemCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  ScanCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { type Harness, httpStatusOf, rawRequest, rejectionOf, runAwsCli, startHarness } from './emulator-harness';

let harness: Harness;
let dynamoDb: DynamoDBClient;
let tableCount = 0;

beforeAll(async () => {
  harness = await startHarness();
  dynamoDb = harness.dynamoDb();
});

afterAll(() => harness.stop());

/** A fresh table (partition key `id`, optional sort key `sk` of type N), on-demand. */
const createTable = async (client = dynamoDb, options: { sortKey?: boolean } = {}): Promise<string> => {
  tableCount += 1;
  const TableName = `table-${tableCount}`;
  await client.send(
    new CreateTableCommand({
      TableName,
      KeySchema: [
        { AttributeName: 'id', KeyType: 'HASH' },
        ...(options.sortKey ? [{ AttributeName: 'sk', KeyType: 'RANGE' as const }] : []),
      ],
      AttributeDefinitions: [
        { AttributeName: 'id', AttributeType: 'S' },
        ...(options.sortKey ? [{ AttributeName: 'sk', AttributeType: 'N' as const }] : []),
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  return TableName;
};

describe('tables', () => {
  it('creates an on-demand table that is ACTIVE at once and describes it', async () => {
    // Arrange
    const client = harness.dynamoDb({ accessKeyId: '123456789012', region: 'eu-west-1' });

    // Act
    const created = await client.send(
      new CreateTableCommand({
        TableName: 'idempotency',
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    const { Table } = await client.send(new DescribeTableCommand({ TableName: 'idempotency' }));

    // Assert
    expect(created.TableDescription).toMatchObject({ TableName: 'idempotency', TableStatus: 'ACTIVE' });
    expect(Table).toMatchObject({
      TableArn: 'arn:aws:dynamodb:eu-west-1:123456789012:table/idempotency',
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      BillingModeSummary: { BillingMode: 'PAY_PER_REQUEST' },
      ItemCount: 0,
    });
    expect(Table?.CreationDateTime).toBeInstanceOf(Date);
  });

  it('refuses a second table of the same name with ResourceInUseException', async () => {
    // Arrange
    const TableName = await createTable();

    // Act
    const error = await rejectionOf(
      dynamoDb.send(
        new CreateTableCommand({
          TableName,
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
        }),
      ),
    );

    // Assert
    expect(error).toBeInstanceOf(ResourceInUseException);
    expect(error.message).toBe(`Table already exists: ${TableName}`);
  });

  it.each([
    [
      'a provisioned table without throughput',
      { BillingMode: 'PROVISIONED' as const },
      'One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED',
    ],
    [
      'a key attribute left out of the definitions',
      { AttributeDefinitions: [{ AttributeName: 'other', AttributeType: 'S' as const }] },
      'One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [id], AttributeDefinitions: [other]',
    ],
    [
      'a definition no key uses',
      {
        AttributeDefinitions: [
          { AttributeName: 'id', AttributeType: 'S' as const },
          { AttributeName: 'extra', AttributeType: 'N' as const },
        ],
      },
      'One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions',
    ],
    [
      'a sort key first',
      { KeySchema: [{ AttributeName: 'id', KeyType: 'RANGE' as const }] },
      'Invalid KeySchema: The first KeySchemaElement is not a HASH key type',
    ],
    [
      'a name that is too short',
      { TableName: 'ab' },
      "1 validation error detected: Value 'ab' at 'tableName' failed to satisfy constraint: Member must have length greater than or equal to 3",
    ],
  ])('refuses %s with ValidationException', async (_case, overrides, message) => {
    // Act
    const error = await rejectionOf(
      dynamoDb.send(
        new CreateTableCommand({
          TableName: 'refused-table',
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          BillingMode: 'PAY_PER_REQUEST',
          ...overrides,
        }),
      ),
    );

    // Assert
    expect([error.name, error.message, httpStatusOf(error)]).toEqual(['ValidationException', message, 400]);
  });

  it('lists tables in name order, a page at a time', async () => {
    // Arrange
    const client = harness.dynamoDb({ accessKeyId: '222222222222' });
    for (const TableName of ['charlie', 'alpha', 'bravo']) {
      await client.send(
        new CreateTableCommand({
          TableName,
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          ProvisionedThroughput: { ReadCapacityUnits: 1, WriteCapacityUnits: 1 },
        }),
      );
    }

    // Act
    const first = await client.send(new ListTablesCommand({ Limit: 2 }));
    const second = await client.send(new ListTablesCommand({ ExclusiveStartTableName: first.LastEvaluatedTableName }));

    // Assert
    expect(first).toMatchObject({ TableNames: ['alpha', 'bravo'], LastEvaluatedTableName: 'bravo' });
    expect(second.TableNames).toEqual(['charlie']);
    expect(second.LastEvaluatedTableName).toBeUndefined();
  });

  it('deletes a table and its items', async () => {
    // Arrange
    const TableName = await createTable();
    await dynamoDb.send(new PutItemCommand({ TableName, Item: { id: { S: 'a' } } }));

    // Act
    const deleted = await dynamoDb.send(new DeleteTableCommand({ TableName }));
    const described = await rejectionOf(dynamoDb.send(new DescribeTableCommand({ TableName })));
    const read = await rejectionOf(dynamoDb.send(new GetItemCommand({ TableName, Key: { id: { S: 'a' } } })));

    // Assert
    expect(deleted.TableDescription).toMatchObject({ TableName, TableStatus: 'DELETING', ItemCount: 1 });
    expect(described).toBeInstanceOf(ResourceNotFoundException);
    expect(described.message).toBe(`Requested resource not found: Table: ${TableName} not found`);
    expect(read).toBeInstanceOf(ResourceNotFoundException);
    expect(read.message).toBe('Requested resource not found');
  });

  it('records the time-to-live setting', async () => {
    // Arrange
    const TableName = await createTable();
    const before = await dynamoDb.send(new DescribeTimeToLiveCommand({ TableName }));

    // Act
    const updated = await dynamoDb.send(
      new UpdateTimeToLiveCommand({
        TableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiration' },
      }),
    );
    const after = await dynamoDb.send(new DescribeTimeToLiveCommand({ TableName }));
    const again = await rejectionOf(
      dynamoDb.send(
        new UpdateTimeToLiveCommand({
          TableName,
          TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiration' },
        }),
      ),
    );

    // Assert
    expect(before.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'DISABLED' });
    expect(updated.TimeToLiveSpecification).toEqual({ Enabled: true, AttributeName: 'expiration' });
    expect(after.TimeToLiveDescription).toEqual({ TimeToLiveStatus: 'ENABLED', AttributeName: 'expiration' });
    expect([again.name, again.message]).toEqual(['ValidationException', 'TimeToLive is already enabled']);
  });

  it('keeps returning items whose time to live has passed, as DynamoDB does until it gets round to them', async () => {
    // Arrange
    const TableName = await createTable();
    await dynamoDb.send(
      new UpdateTimeToLiveCommand({
        TableName,
        TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiration' },
      }),
    );
    await dynamoDb.send(new PutItemCommand({ TableName, Item: { id: { S: 'old' }, expiration: { N: '1000' } } }));

    // Act
    const { Item } = await dynamoDb.send(new GetItemCommand({ TableName, Key: { id: { S: 'old' } } }));

    // Assert
    expect(Item).toEqual({ id: { S: 'old' }, expiration: { N: '1000' } });
  });
});

describe('items', () => {
  it('puts, gets and deletes an item, with every attribute type round-tripped', async () => {
    // Arrange
    const TableName = await createTable();
    const Item = {
      id: { S: 'all-types' },
      text: { S: 'héllo' },
      number: { N: '-12.50' },
      binary: { B: new Uint8Array([0, 1, 254, 255]) },
      yes: { BOOL: true },
      nothing: { NULL: true },
      map: { M: { nested: { L: [{ S: 'a' }, { N: '1' }] } } },
      strings: { SS: ['x', 'y'] },
      numbers: { NS: ['1', '2.5'] },
      binaries: { BS: [new Uint8Array([1]), new Uint8Array([2])] },
    };

    // Act
    await dynamoDb.send(new PutItemCommand({ TableName, Item }));
    const read = await dynamoDb.send(
      new GetItemCommand({ TableName, Key: { id: { S: 'all-types' } }, ConsistentRead: true }),
    );
    const deleted = await dynamoDb.send(
      new DeleteItemCommand({ TableName, Key: { id: { S: 'all-types' } }, ReturnValues: 'ALL_OLD' }),
    );
    const gone = await dynamoDb.send(new GetItemCommand({ TableName, Key: { id: { S: 'all-types' } } }));

    // Assert
    expect(read.Item).toEqual({ ...Item, number: { N: '-12.5' } });
    expect(deleted.Attributes?.id).toEqual({ S: 'all-types' });
    expect(gone.Item).toBeUndefined();
  });

  it('returns the replaced item with ReturnValues ALL_OLD', async () => {
    // Arrange
    const TableName = await createTable();
    await dynamoDb.send(new PutItemCommand({ TableName, Item: { id: { S: 'a' }, version: { N: '1' } } }));

    // Act
    const replaced = await dynamoDb.send(
      new PutItemCommand({ TableName, Item: { id: { S: 'a' }, version: { N: '2' } }, ReturnValues: 'ALL_OLD' }),
    );
    const first = await dynamoDb.send(
      new PutItemCommand({ TableName, Item: { id: { S: 'b' } }, ReturnValues: 'ALL_OLD' }),
    );

    // Assert
    expect(replaced.Attributes).toEqual({ id: { S: 'a' }, version: { N: '1' } });
    expect(first.Attributes).toBeUndefined();
  });

  it('keeps items with the same partition key apart by sort key, numbers compared as numbers', async () => {
    // Arrange
    const TableName = await createTable(dynamoDb, { sortKey: true });
    await dynamoDb.send(new PutItemCommand({ TableName, Item: { id: { S: 'p' }, sk: { N: '1' }, v: { S: 'one' } } }));
    await dynamoDb.send(new PutItemCommand({ TableName, Item: { id: { S: 'p' }, sk: { N: '2' }, v: { S: 'two' } } }));

    // Act
    const { Item } = await dynamoDb.send(new GetItemCommand({ TableName, Key: { id: { S: 'p' }, sk: { N: '1.0' } } }));
    const scanned = await dynamoDb.send(new ScanCommand({ TableName }));

    // Assert
    expect(Item?.v).toEqual({ S: 'one' });
    expect(scanned.Count).toBe(2);
  });

  it('updates with SET, REMOVE, ADD and DELETE and returns what was asked for', async () => {
    // Arrange
    const TableName = await createTable();
    await dynamoDb.send(
      new PutItemCommand({
        TableName,
        Item: {
          id: { S: 'u' },
          count: { N: '5' },
          tags: { SS: ['a', 'b', 'c'] },
          stale: { S: 'gone soon' },
          entries: { L: [{ S: 'x' }, { S: 'y' }, { S: 'z' }] },
          doc: { M: { detail: { N: '1' } } },
        },
      }),
    );

    // Act
    const updated = await dynamoDb.send(
      new UpdateItemCommand({
        TableName,
        Key: { id: { S: 'u' } },
        UpdateExpression:
          'SET #count = #count + :two, doc.detail = :ten, fresh = if_not_exists(fresh, :zero), entries = list_append(entries, :more) REMOVE stale ADD visits :one DELETE tags :ab',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: {
          ':two': { N: '2' },
          ':ten': { N: '10' },
          ':zero': { N: '0' },
          ':one': { N: '1' },
          ':more': { L: [{ S: 'w' }] },
          ':ab': { SS: ['a', 'b'] },
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const changes = await dynamoDb.send(
      new UpdateItemCommand({
        TableName,
        Key: { id: { S: 'u' } },
        UpdateExpression: 'SET visits = visits - :one REMOVE entries[0], entries[2]',
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'UPDATED_OLD',
      }),
    );
    const after = await dynamoDb.send(new GetItemCommand({ TableName, Key: { id: { S: 'u' } } }));

    // Assert
    expect(updated.Attributes).toEqual({
      id: { S: 'u' },
      count: { N: '7' },
      tags: { SS: ['c'] },
      entries: { L: [{ S: 'x' }, { S: 'y' }, { S: 'z' }, { S: 'w' }] },
      doc: { M: { detail: { N: '10' } } },
      fresh: { N: '0' },
      visits: { N: '1' },
    });
    expect(changes.Attributes).toEqual({ visits: { N: '1' }, entries: { L: [{ S: 'x' }, { S: 'z' }] } });
    expect(after.Item).toMatchObject({ visits: { N: '0' }, entries: { L: [{ S: 'y' }, { S: 'w' }] } });
  });

  it('creates the item an update names when there is none', async () => {
    // Arrange
    const TableName = await createTable();

    // Act
    const { Attributes } = await dynamoDb.send(
      new UpdateItemCommand({
        TableName,
        Key: { id: { S: 'new' } },
        UpdateExpression: 'ADD hits :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'ALL_NEW',
      }),
    );

    // Assert
    expect(Attributes).toEqual({ id: { S: 'new' }, hits: { N: '1' } });
  });

  it('adds decimals exactly, as DynamoDB does, not as floating point', async () => {
    // Arrange
    const TableName = await createTable();
    await dynamoDb.send(new PutItemCommand({ TableName, Item: { id: { S: 'n' }, v: { N: '0.1' } } }));

    // Act
    const { Attributes } = await dynamoDb.send(
      new UpdateItemCommand({
        TableName,
        Key: { id: { S: 'n' } },
        UpdateExpression: 'SET v = v + :x',
        ExpressionAttributeValues: { ':x': { N: '0.2' } },
        ReturnValues: 'UPDATED_NEW',
      }),
    );

    // Assert
    expect(Attributes).toEqual({ v: { N: '0.3' } });
  });

  it('projects the attributes a ProjectionExpression names', async () => {
    // Arrange
    const TableName = await createTable();
    await dynamoDb.send(
      new PutItemCommand({
        TableName,
        Item: { id: { S: 'p' }, a: { S: 'kept' }, b: { S: 'dropped' }, doc: { M: { x: { N: '1' }, y: { N: '2' } } } },
      }),
    );

    // Act
    const { Item } = await dynamoDb.send(
      new GetItemCommand({
        TableName,
        Key: { id: { S: 'p' } },
        ProjectionExpression: 'a, #d.y',
        ExpressionAttributeNames: { '#d': 'doc' },
      }),
    );

    // Assert
    expect(Item).toEqual({ a: { S: 'kept' }, doc: { M: { y: { N: '2' } } } });
  });

  it('scans a page at a time and filters', async () => {
    // Arrange
    const TableName = await createTable();
    for (const [id, size] of [
      ['a', '1'],
      ['b', '20'],
      ['c', '3'],
    ]) {
      await dynamoDb.send(
        new PutItemCommand({ TableName, Item: { id: { S: id as string }, size: { N: size as string } } }),
      );
    }

    // Act
    const first = await dynamoDb.send(new ScanCommand({ TableName, Limit: 2 }));
    const rest = await dynamoDb.send(new ScanCommand({ TableName, ExclusiveStartKey: first.LastEvaluatedKey }));
    const filtered = await dynamoDb.send(
      new ScanCommand({
        TableName,
        FilterExpression: '#size > :five',
        ExpressionAttributeNames: { '#size': 'size' },
        ExpressionAttributeValues: { ':five': { N: '5' } },
      }),
    );

    // Assert
    expect(first.Items?.map((item) => item.id?.S)).toEqual(['a', 'b']);
    expect(rest.Items?.map((item) => item.id?.S)).toEqual(['c']);
    expect(rest.LastEvaluatedKey).toBeUndefined();
    expect([filtered.Count, filtered.ScannedCount, filtered.Items?.[0]?.id]).toEqual([1, 3, { S: 'b' }]);
  });
});

describe('refusals', () => {
  it.each([
    [
      'the key is missing',
      { other: { S: 'x' } },
      'One or more parameter values were invalid: Missing the key id in the item',
    ],
    [
      'the key has the wrong type',
      { id: { N: '1' } },
      'One or more parameter values were invalid: Type mismatch for key id expected: S actual: N',
    ],
    [
      'the key is empty',
      { id: { S: '' } },
      'One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: id',
    ],
    [
      'a set is empty',
      { id: { S: 'x' }, tags: { SS: [] } },
      'One or more parameter values were invalid: An string set  may not be empty',
    ],
    [
      'a number is not one',
      { id: { S: 'x' }, n: { N: 'twelve' } },
      'A value provided cannot be converted into a number',
    ],
    [
      'a number has more than 38 digits',
      { id: { S: 'x' }, n: { N: '1'.repeat(39) } },
      'Attempting to store more than 38 significant digits in a Number',
    ],
  ])('refuses an item when %s', async (_case, Item, message) => {
    // Arrange
    const TableName = await createTable();

    // Act
    const error = await rejectionOf(dynamoDb.send(new PutItemCommand({ TableName, Item })));

    // Assert
    expect([error.name, error.message]).toEqual(['ValidationException', message]);
  });

  it('refuses a Key with more than the key attributes', async () => {
    // Arrange
    const TableName = await createTable();

    // Act
    const error = await rejectionOf(
      dynamoDb.send(new GetItemCommand({ TableName, Key: { id: { S: 'a' }, extra: { S: 'b' } } })),
    );

    // Assert
    expect([error.name, error.message]).toEqual([
      'ValidationException',
      'The provided key element does not match the schema',
    ]);
  });

  it('refuses an item larger than 400 KB', async () => {
    // Arrange
    const TableName = await createTable();

    // Act
    const error = await rejectionOf(
      dynamoDb.send(new PutItemCommand({ TableName, Item: { id: { S: 'big' }, blob: { S: 'x'.repeat(400 * 1024) } } })),
    );

    // Assert
    expect([error.name, error.message]).toEqual([
      'ValidationException',
      'Item size has exceeded the maximum allowed size',
    ]);
  });

  it('refuses an update of a key attribute', async () => {
    // Arrange
    const TableName = await createTable();

    // Act
    const error = await rejectionOf(
      dynamoDb.send(
        new UpdateItemCommand({
          TableName,
          Key: { id: { S: 'a' } },
          UpdateExpression: 'SET id = :b',
          ExpressionAttributeValues: { ':b': { S: 'b' } },
        }),
      ),
    );

    // Assert
    expect(error.message).toBe(
      'One or more parameter values were invalid: Cannot update attribute id. This attribute is part of the key',
    );
  });

  it('answers in the JSON 1.0 shape, with the full __type and a CRC32 of the body', async () => {
    // Arrange
    const TableName = await createTable();
    await dynamoDb.send(new PutItemCommand({ TableName, Item: { id: { S: 'a' } } }));

    // Act
    const response = await rawRequest(harness.aws.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.PutItem' },
      body: JSON.stringify({ TableName, Item: { id: { S: 'a' } }, ConditionExpression: 'attribute_not_exists(id)' }),
      sign: { service: 'dynamodb' },
    });

    // Assert
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      __type: 'com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException',
      message: 'The conditional request failed',
    });
    expect(response.headers['x-amz-crc32']).toMatch(/^\d+$/);
  });

  it('answers an action it does not emulate with UnknownOperationException', async () => {
    // Act
    const response = await rawRequest(harness.aws.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'DynamoDB_20120810.Query' },
      body: '{}',
      sign: { service: 'dynamodb' },
    });

    // Assert
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body).__type).toBe('com.amazon.coral.service#UnknownOperationException');
  });

  it('carries the item as it was in a failed conditional write only when asked to', async () => {
    // Arrange
    const TableName = await createTable();
    await dynamoDb.send(new PutItemCommand({ TableName, Item: { id: { S: 'a' }, v: { N: '1' } } }));
    const write = (ask: boolean) =>
      dynamoDb.send(
        new PutItemCommand({
          TableName,
          Item: { id: { S: 'a' } },
          ConditionExpression: 'attribute_not_exists(id)',
          ...(ask && { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const }),
        }),
      );

    // Act
    const asked = await rejectionOf(write(true));
    const notAsked = await rejectionOf(write(false));

    // Assert
    expect(asked).toBeInstanceOf(ConditionalCheckFailedException);
    expect((asked as unknown as ConditionalCheckFailedException).Item).toEqual({ id: { S: 'a' }, v: { N: '1' } });
    expect((notAsked as unknown as ConditionalCheckFailedException).Item).toBeUndefined();
  });
});

describe('with the AWS CLI', () => {
  it('reads an item and reports a failed condition, botocore checking the CRC32 of each answer', async () => {
    // Arrange
    const TableName = await createTable();
    await dynamoDb.send(new PutItemCommand({ TableName, Item: { id: { S: 'cli' }, status: { S: 'COMPLETED' } } }));

    // Act
    const read = await runAwsCli(harness.aws.url, [
      'dynamodb',
      'get-item',
      '--table-name',
      TableName,
      '--key',
      '{"id":{"S":"cli"}}',
    ]);
    const refused = await runAwsCli(harness.aws.url, [
      'dynamodb',
      'put-item',
      '--table-name',
      TableName,
      '--item',
      '{"id":{"S":"cli"}}',
      '--condition-expression',
      'attribute_not_exists(id)',
    ]);

    // Assert
    expect(read.code).toBe(0);
    expect(JSON.parse(read.stdout)).toEqual({ Item: { id: { S: 'cli' }, status: { S: 'COMPLETED' } } });
    expect(refused.stderr).toContain(
      'An error occurred (ConditionalCheckFailedException) when calling the PutItem operation: The conditional request failed',
    );
  });
});

describe('after a restart on the same data folder', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-dynamodb-restart-'));
  });

  afterEach(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('keeps tables, their TTL setting and their items, per account and Region', async () => {
    // Arrange
    const before = await startHarness({ dataDir });
    const identities = [{ accessKeyId: '111111111111' }, { accessKeyId: '111111111111', region: 'eu-west-1' }];
    for (const [index, identity] of identities.entries()) {
      const client = before.dynamoDb(identity);
      const TableName = await createTable(client);
      await client.send(
        new UpdateTimeToLiveCommand({
          TableName,
          TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiration' },
        }),
      );
      await client.send(new PutItemCommand({ TableName, Item: { id: { S: `item-${index}` }, n: { N: '1' } } }));
      await client.send(
        new UpdateItemCommand({
          TableName,
          Key: { id: { S: `item-${index}` } },
          UpdateExpression: 'ADD n :one',
          ExpressionAttributeValues: { ':one': { N: '1' } },
        }),
      );
    }
    await before.stop();

    // Act
    const after = await startHarness({ dataDir });
    const seen = [];
    for (const identity of identities) {
      const client = after.dynamoDb(identity);
      const { TableNames = [] } = await client.send(new ListTablesCommand({}));
      const TableName = TableNames[0] as string;
      const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName }));
      const { Items } = await client.send(new ScanCommand({ TableName }));
      seen.push({ TableNames, ttl: ttl.TimeToLiveDescription?.TimeToLiveStatus, Items });
    }
    await after.stop();

    // Assert
    expect(seen).toEqual([
      { TableNames: [expect.any(String)], ttl: 'ENABLED', Items: [{ id: { S: 'item-0' }, n: { N: '2' } }] },
      { TableNames: [expect.any(String)], ttl: 'ENABLED', Items: [{ id: { S: 'item-1' }, n: { N: '2' } }] },
    ]);
  });

  it('keeps a deleted item deleted and an updated one updated, appending one journal line per write', async () => {
    // Arrange
    const before = await startHarness({ dataDir });
    const client = before.dynamoDb();
    const TableName = await createTable(client);
    for (const id of ['a', 'b', 'c']) await client.send(new PutItemCommand({ TableName, Item: { id: { S: id } } }));
    await client.send(
      new UpdateItemCommand({
        TableName,
        Key: { id: { S: 'b' } },
        UpdateExpression: 'SET n = :n',
        ExpressionAttributeValues: { ':n': { N: '7' } },
      }),
    );
    await client.send(new DeleteItemCommand({ TableName, Key: { id: { S: 'a' } } }));
    await before.stop();
    const itemsDir = path.join(dataDir, 'dynamodb', 'items');
    const files = fs.readdirSync(itemsDir);
    const lines = fs
      .readFileSync(path.join(itemsDir, files[0] as string), 'utf8')
      .trim()
      .split('\n');

    // Act
    const after = await startHarness({ dataDir });
    const { Items } = await after.dynamoDb().send(new ScanCommand({ TableName }));
    await after.stop();

    // Assert
    expect(Items).toEqual([{ id: { S: 'b' }, n: { N: '7' } }, { id: { S: 'c' } }]);
    expect(files).toEqual([expect.stringMatching(/\.jsonl$/)]);
    // The version line with the first item, then one line per write after it.
    expect(lines.map((line) => Object.keys(JSON.parse(line))[0])).toEqual([
      'version',
      'set',
      'set',
      'set',
      'set',
      'delete',
    ]);
  });

  it('reads items saved in the previous format (items/<table>.json) and turns them into a journal', async () => {
    // Arrange
    const before = await startHarness({ dataDir });
    const TableName = await createTable(before.dynamoDb());
    await before.dynamoDb().send(new PutItemCommand({ TableName, Item: { id: { S: 'old' }, n: { N: '1' } } }));
    await before.stop();
    const itemsDir = path.join(dataDir, 'dynamodb', 'items');
    const [journal] = fs.readdirSync(itemsDir);
    const sets = fs
      .readFileSync(path.join(itemsDir, journal as string), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .filter((line) => 'set' in line)
      .map((line) => [line.set, line.value]);
    const legacy = path.join(itemsDir, (journal as string).replace(/\.jsonl$/, '.json'));
    fs.rmSync(path.join(itemsDir, journal as string));
    fs.writeFileSync(legacy, JSON.stringify({ version: 1, value: sets }));

    // Act
    const after = await startHarness({ dataDir });
    const { Items } = await after.dynamoDb().send(new ScanCommand({ TableName }));
    await after.stop();

    // Assert
    expect(Items).toEqual([{ id: { S: 'old' }, n: { N: '1' } }]);
    expect(fs.readdirSync(itemsDir)).toEqual([journal]);
  });

  it('forgets the items of a table deleted before the restart', async () => {
    // Arrange
    const before = await startHarness({ dataDir });
    const TableName = await createTable(before.dynamoDb());
    await before.dynamoDb().send(new PutItemCommand({ TableName, Item: { id: { S: 'a' } } }));
    await before.dynamoDb().send(new DeleteTableCommand({ TableName }));
    await before.stop();

    // Act
    const after = await startHarness({ dataDir });
    const error = await rejectionOf(after.dynamoDb().send(new DescribeTableCommand({ TableName })));
    await after.stop();

    // Assert
    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(fs.readdirSync(path.join(dataDir, 'dynamodb', 'items'))).toHaveLength(0);
  });
});
