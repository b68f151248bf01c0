// The real `@aws-lambda-powertools/idempotency` with its DynamoDBPersistenceLayer against the emulated DynamoDB: the
// conditional PutItem it claims a key with (attribute_not_exists, an expired record, an in-progress record whose
// Lambda has timed out), the ConditionalCheckFailedException carrying the existing record (ReturnValuesOnCondition-
// CheckFailure ALL_OLD) that it decides from, the UpdateItem that saves the result, and the DeleteItem after a failure.

import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import {
  CreateTableCommand,
  type DynamoDBClient,
  ScanCommand,
  UpdateItemCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { eventually, type Harness, rejectionOf, startHarness } from './emulator-harness';

let harness: Harness;
let dynamoDb: DynamoDBClient;
let tableCount = 0;

beforeAll(async () => {
  harness = await startHarness();
  dynamoDb = harness.dynamoDb();
});

afterAll(() => harness.stop());

/** The table Powertools documents: partition key `id`, time to live on `expiration`. */
const createIdempotencyTable = async (): Promise<string> => {
  tableCount += 1;
  const TableName = `idempotency-${tableCount}`;
  await dynamoDb.send(
    new CreateTableCommand({
      TableName,
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  await dynamoDb.send(
    new UpdateTimeToLiveCommand({ TableName, TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiration' } }),
  );
  return TableName;
};

/** A Lambda context with a minute left: Powertools records when an in-progress claim lapses from it. */
const lambdaContext = (): Context =>
  ({
    functionName: 'startExport',
    awsRequestId: 'request-1',
    getRemainingTimeInMillis: () => 60_000,
  }) as unknown as Context;

interface Deferred {
  promise: Promise<void>;
  resolve(): void;
}

const deferred = (): Deferred => {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
};

/** An idempotent handler over the table that counts its runs; `gate` holds a run until it is released. */
const idempotentHandler = (TableName: string, options: { gate?: Deferred; fail?: boolean } = {}) => {
  const runs: string[] = [];
  const commands: string[] = [];
  const client = harness.dynamoDb();
  client.middlewareStack.add(
    (next, context) => (args) => {
      commands.push(context.commandName as string);
      return next(args);
    },
    { step: 'initialize' },
  );
  const handler = makeIdempotent(
    async (event: { exportId: string }, _context: Context) => {
      runs.push(event.exportId);
      await options.gate?.promise;
      if (options.fail) throw new Error('Export failed');
      return { exportId: event.exportId, run: runs.length };
    },
    {
      persistenceStore: new DynamoDBPersistenceLayer({ tableName: TableName, awsSdkV3Client: client }),
      config: new IdempotencyConfig({}),
    },
  );
  return { handler, runs, commands };
};

const records = async (TableName: string) => (await dynamoDb.send(new ScanCommand({ TableName }))).Items ?? [];

/** The record a call in progress has claimed its key with, once its PutItem is answered. */
const claimOf = (TableName: string) => eventually(async () => (await records(TableName))[0], 2000, 'The claim');

/** Moves a record's expiry (or its in-progress expiry) into the past, as time passing would. */
const expire = async (TableName: string, id: string, attribute: 'expiration' | 'in_progress_expiration') => {
  const past = attribute === 'expiration' ? Math.floor(Date.now() / 1000) - 10 : Date.now() - 10_000;
  await dynamoDb.send(
    new UpdateItemCommand({
      TableName,
      Key: { id: { S: id } },
      UpdateExpression: 'SET #attribute = :past',
      ExpressionAttributeNames: { '#attribute': attribute },
      ExpressionAttributeValues: { ':past': { N: String(past) } },
    }),
  );
};

describe('Powertools idempotency on the emulated DynamoDB', () => {
  it('runs the function once for a payload and answers a repeat with the saved result', async () => {
    // Arrange
    const TableName = await createIdempotencyTable();
    const { handler, runs } = idempotentHandler(TableName);

    // Act
    const first = await handler({ exportId: 'nightly' }, lambdaContext());
    const second = await handler({ exportId: 'nightly' }, lambdaContext());
    const [record] = await records(TableName);

    // Assert
    expect(runs).toEqual(['nightly']);
    expect(second).toEqual(first);
    expect(first).toEqual({ exportId: 'nightly', run: 1 });
    expect(record).toMatchObject({
      status: { S: 'COMPLETED' },
      data: { M: { exportId: { S: 'nightly' }, run: { N: '1' } } },
      expiration: { N: expect.stringMatching(/^\d+$/) },
    });
  });

  it('refuses a second call while the first is in progress, then answers it with the result', async () => {
    // Arrange
    const TableName = await createIdempotencyTable();
    const gate = deferred();
    const { handler, runs, commands } = idempotentHandler(TableName, { gate });

    // Act
    const first = handler({ exportId: 'busy' }, lambdaContext());
    const inProgress = await claimOf(TableName);
    const concurrent = await rejectionOf(handler({ exportId: 'busy' }, lambdaContext()));
    gate.resolve();
    const result = await first;
    const later = await handler({ exportId: 'busy' }, lambdaContext());

    // Assert
    expect(concurrent).toBeInstanceOf(IdempotencyAlreadyInProgressError);
    expect(inProgress).toMatchObject({
      status: { S: 'INPROGRESS' },
      in_progress_expiration: { N: expect.any(String) },
    });
    expect(runs).toEqual(['busy']);
    expect(later).toEqual(result);
    // The refusals came from the record in the ConditionalCheckFailedException: Powertools never had to read it.
    expect(commands).toEqual(['PutItemCommand', 'PutItemCommand', 'UpdateItemCommand', 'PutItemCommand']);
  });

  it('runs the function again once the saved record has expired', async () => {
    // Arrange
    const TableName = await createIdempotencyTable();
    const { handler, runs } = idempotentHandler(TableName);
    await handler({ exportId: 'weekly' }, lambdaContext());
    const [record] = await records(TableName);
    await expire(TableName, record?.id?.S as string, 'expiration');

    // Act
    const again = await handler({ exportId: 'weekly' }, lambdaContext());
    const after = await records(TableName);

    // Assert
    expect(runs).toEqual(['weekly', 'weekly']);
    expect(again).toEqual({ exportId: 'weekly', run: 2 });
    expect(after).toHaveLength(1);
    expect(Number(after[0]?.expiration?.N)).toBeGreaterThan(Date.now() / 1000);
  });

  it('takes over a claim whose Lambda ran out of time', async () => {
    // Arrange
    const TableName = await createIdempotencyTable();
    const gate = deferred();
    const stuck = idempotentHandler(TableName, { gate });
    const abandoned = stuck.handler({ exportId: 'stuck' }, lambdaContext());
    const claim = await claimOf(TableName);
    await expire(TableName, claim?.id?.S as string, 'in_progress_expiration');
    const { handler, runs } = idempotentHandler(TableName);

    // Act
    const result = await handler({ exportId: 'stuck' }, lambdaContext());

    // Assert
    expect(runs).toEqual(['stuck']);
    expect(result).toEqual({ exportId: 'stuck', run: 1 });
    gate.resolve();
    await abandoned;
  });

  it('forgets the claim when the function fails, so a retry runs it again', async () => {
    // Arrange
    const TableName = await createIdempotencyTable();
    const failing = idempotentHandler(TableName, { fail: true });
    const { handler, runs } = idempotentHandler(TableName);

    // Act
    const error = await rejectionOf(failing.handler({ exportId: 'flaky' }, lambdaContext()));
    const afterFailure = await records(TableName);
    const retried = await handler({ exportId: 'flaky' }, lambdaContext());

    // Assert
    expect(error.message).toBe('Export failed');
    expect(afterFailure).toEqual([]);
    expect(runs).toEqual(['flaky']);
    expect(retried).toEqual({ exportId: 'flaky', run: 1 });
  });
});
