// The emulated SQS, driven through the real SDK v3 SQS client (whose own MD5 checks of sent and received bodies stay
// on) and the AWS CLI: queues and their attributes, sending and receiving with message attributes, visibility
// timeouts, deletion, purging, batches, long polling, retention, redrive to a dead-letter queue, the error shapes the
// SDK parses, and the handle and local endpoint the rest of the local stack uses.
import {
  ChangeMessageVisibilityCommand,
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  PurgeQueueCommand,
  QueueDoesNotExist,
  QueueNameExists,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { QueuedMessage } from '../../local/aws/server';
import { sleep } from '../support/waiting';
import { type Harness, httpStatusOf, rawRequest, rejectionOf, runAwsCli, startHarness } from './emulator-harness';

let harness: Harness;
let sqs: SQSClient;
let queueCount = 0;

// One emulated second is a millisecond: the default visibility timeout (30 s) is 30 ms, the shortest retention
// (60 s) is 60 ms.
beforeAll(async () => {
  harness = await startHarness({ timeScale: 0.001 });
  sqs = harness.sqs();
});

afterAll(() => harness.stop());

const createQueue = async (attributes: Record<string, string> = {}, client = sqs): Promise<string> => {
  queueCount += 1;
  const { QueueUrl } = await client.send(
    new CreateQueueCommand({ QueueName: `queue-${queueCount}`, Attributes: attributes }),
  );
  return QueueUrl as string;
};

const receive = (QueueUrl: string, extra: Partial<ConstructorParameters<typeof ReceiveMessageCommand>[0]> = {}) =>
  sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, ...extra }));

describe('queues', () => {
  it('creates a queue whose URL is on the emulator, idempotently, and finds it by name', async () => {
    // Arrange
    const client = harness.sqs({ accessKeyId: '123456789012', region: 'eu-west-1' });

    // Act
    const first = await client.send(
      new CreateQueueCommand({ QueueName: 'export-dlq', Attributes: { VisibilityTimeout: '60' } }),
    );
    const again = await client.send(
      new CreateQueueCommand({ QueueName: 'export-dlq', Attributes: { VisibilityTimeout: '60' } }),
    );
    const found = await client.send(new GetQueueUrlCommand({ QueueName: 'export-dlq' }));
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl: first.QueueUrl, AttributeNames: ['QueueArn', 'VisibilityTimeout'] }),
    );

    // Assert
    expect(first.QueueUrl).toBe(`${harness.aws.url}/123456789012/export-dlq`);
    expect(again.QueueUrl).toBe(first.QueueUrl);
    expect(found.QueueUrl).toBe(first.QueueUrl);
    expect(Attributes).toEqual({ QueueArn: 'arn:aws:sqs:eu-west-1:123456789012:export-dlq', VisibilityTimeout: '60' });
  });

  it('refuses the same name with a different attribute value with QueueAlreadyExists', async () => {
    // Arrange
    await sqs.send(new CreateQueueCommand({ QueueName: 'picky', Attributes: { MessageRetentionPeriod: '600' } }));

    // Act
    const error = await rejectionOf(
      sqs.send(new CreateQueueCommand({ QueueName: 'picky', Attributes: { MessageRetentionPeriod: '700' } })),
    );

    // Assert
    expect(error).toBeInstanceOf(QueueNameExists);
    expect((error as unknown as { Code: string }).Code).toBe('QueueAlreadyExists');
    expect(error.message).toBe(
      'A queue already exists with the same name and a different value for attribute MessageRetentionPeriod',
    );
  });

  it('reports every attribute with All, encrypted with SQS-managed keys unless a KMS key is named', async () => {
    // Arrange
    const plain = await createQueue();
    const kms = await createQueue({ KmsMasterKeyId: 'alias/aws/sqs' });

    // Act
    const plainAttributes = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: plain, AttributeNames: ['All'] }))
    ).Attributes;
    const kmsAttributes = (await sqs.send(new GetQueueAttributesCommand({ QueueUrl: kms, AttributeNames: ['All'] })))
      .Attributes;

    // Assert
    expect(plainAttributes).toEqual({
      ApproximateNumberOfMessages: '0',
      ApproximateNumberOfMessagesDelayed: '0',
      ApproximateNumberOfMessagesNotVisible: '0',
      CreatedTimestamp: expect.stringMatching(/^\d{10}$/),
      LastModifiedTimestamp: expect.stringMatching(/^\d{10}$/),
      QueueArn: expect.stringMatching(/^arn:aws:sqs:us-east-1:000000000000:queue-\d+$/),
      DelaySeconds: '0',
      MaximumMessageSize: '1048576',
      MessageRetentionPeriod: '345600',
      ReceiveMessageWaitTimeSeconds: '0',
      VisibilityTimeout: '30',
      SqsManagedSseEnabled: 'true',
    });
    expect(kmsAttributes).toMatchObject({
      KmsMasterKeyId: 'alias/aws/sqs',
      KmsDataKeyReusePeriodSeconds: '300',
      SqsManagedSseEnabled: 'false',
    });
  });

  it.each([
    [
      'an out-of-range value',
      { VisibilityTimeout: '43201' },
      'InvalidAttributeValue',
      'Invalid value for the parameter VisibilityTimeout.',
    ],
    ['an unknown attribute', { Colour: 'blue' }, 'InvalidAttributeName', 'Unknown Attribute Colour.'],
    [
      'both kinds of encryption',
      { KmsMasterKeyId: 'alias/aws/sqs', SqsManagedSseEnabled: 'true' },
      'InvalidAttributeValue',
      'You can use one type of server-side encryption (SSE) at one time. You can either enable KMS SSE or SQS SSE.',
    ],
  ])('refuses %s', async (_case, Attributes, name, message) => {
    // Act
    // An attribute SQS does not know is not in the SDK's type either: the wire takes any name.
    const error = await rejectionOf(
      sqs.send(new CreateQueueCommand({ QueueName: 'refused', Attributes: Attributes as Record<string, string> })),
    );

    // Assert
    expect([error.name, error.message, httpStatusOf(error)]).toEqual([name, message, 400]);
  });

  it('lists queues by prefix, a page at a time', async () => {
    // Arrange
    const client = harness.sqs({ accessKeyId: '222222222222' });
    for (const QueueName of ['dlq-b', 'dlq-a', 'other', 'dlq-c'])
      await client.send(new CreateQueueCommand({ QueueName }));

    // Act
    const first = await client.send(new ListQueuesCommand({ QueueNamePrefix: 'dlq-', MaxResults: 2 }));
    const rest = await client.send(
      new ListQueuesCommand({ QueueNamePrefix: 'dlq-', MaxResults: 2, NextToken: first.NextToken }),
    );

    // Assert
    const base = `${harness.aws.url}/222222222222`;
    expect(first.QueueUrls).toEqual([`${base}/dlq-a`, `${base}/dlq-b`]);
    expect(rest.QueueUrls).toEqual([`${base}/dlq-c`]);
    expect(rest.NextToken).toBeUndefined();
  });

  it('answers a missing queue with QueueDoesNotExist as the SDK parses it', async () => {
    // Act
    const error = await rejectionOf(sqs.send(new GetQueueUrlCommand({ QueueName: 'no-such-queue' })));

    // Assert
    expect(error).toBeInstanceOf(QueueDoesNotExist);
    expect(error.name).toBe('QueueDoesNotExist');
    expect(error.message).toBe('The specified queue does not exist.');
    expect((error as unknown as { Code: string }).Code).toBe('AWS.SimpleQueueService.NonExistentQueue');
    expect(httpStatusOf(error)).toBe(400);
  });

  it('puts the query error code in the x-amzn-query-error header of a JSON error', async () => {
    // Act
    const response = await rawRequest(harness.aws.url, {
      method: 'POST',
      path: '/000000000000/no-such-queue',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'AmazonSQS.SendMessage' },
      body: JSON.stringify({ QueueUrl: `${harness.aws.url}/000000000000/no-such-queue`, MessageBody: 'x' }),
      sign: { service: 'sqs' },
    });

    // Assert
    expect(response.status).toBe(400);
    expect(response.headers['x-amzn-query-error']).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
    expect(JSON.parse(response.body)).toEqual({
      __type: 'com.amazonaws.sqs#QueueDoesNotExist',
      message: 'The specified queue does not exist.',
    });
  });

  it('serves a client with no endpoint configured, which sends to the queue URL’s host', async () => {
    // Arrange
    const QueueUrl = await createQueue();
    const { SQSClient } = await import('@aws-sdk/client-sqs');
    const client = new SQSClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      // The SDK says once that it uses the queue URL's host; that is what is tested here.
      logger: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
    });

    // Act
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'via the queue URL' }));
    const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl }));
    client.destroy();

    // Assert
    expect(Messages?.map((message) => message.Body)).toEqual(['via the queue URL']);
  });

  it('deletes a queue, after which its name is refused for 60 emulated seconds', async () => {
    // Arrange
    const QueueUrl = await createQueue();
    const QueueName = QueueUrl.split('/').pop() as string;

    // Act
    await sqs.send(new DeleteQueueCommand({ QueueUrl }));
    const gone = await rejectionOf(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x' })));
    const tooSoon = await rejectionOf(sqs.send(new CreateQueueCommand({ QueueName })));
    await sleep(80);
    const later = await sqs.send(new CreateQueueCommand({ QueueName }));

    // Assert
    expect(gone).toBeInstanceOf(QueueDoesNotExist);
    expect(tooSoon.name).toBe('QueueDeletedRecently');
    expect(later.QueueUrl).toBe(QueueUrl);
  });
});

describe('messages', () => {
  it('sends and receives a message with attributes, the SDK checking every MD5', async () => {
    // Arrange
    const QueueUrl = await createQueue();

    // Act
    const sent = await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: '{"detail":"ünïcode ✓"}',
        MessageAttributes: {
          source: { DataType: 'String', StringValue: 'events' },
          attempt: { DataType: 'Number', StringValue: '3' },
          blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 255]) },
        },
      }),
    );
    const { Messages = [] } = await receive(QueueUrl, {
      MessageAttributeNames: ['All'],
      MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
    });

    // Assert
    expect(Messages).toHaveLength(1);
    const [message] = Messages;
    expect(message).toMatchObject({
      MessageId: sent.MessageId,
      Body: '{"detail":"ünïcode ✓"}',
      MD5OfBody: sent.MD5OfMessageBody,
      MD5OfMessageAttributes: sent.MD5OfMessageAttributes,
      Attributes: { ApproximateReceiveCount: '1', SentTimestamp: expect.stringMatching(/^\d{13}$/) },
      MessageAttributes: {
        source: { DataType: 'String', StringValue: 'events' },
        attempt: { DataType: 'Number', StringValue: '3' },
        blob: { DataType: 'Binary', BinaryValue: new Uint8Array([0, 255]) },
      },
    });
  });

  it.each([
    [{ attribName1: { DataType: 'String', StringValue: 'attribValue 1' } }, '19e27d4e946b072f3f58da80d94fd778'],
    [
      { customNumberTypeAttrib: { DataType: 'Number.float', StringValue: '4563442423554324324264524243.32543234' } },
      '9fe1b90bbd9965bdf77bac517c7d2495',
    ],
    [
      { binaryAttribute: { DataType: 'Binary', BinaryValue: new TextEncoder().encode('Hello binary world!') } },
      '31a92b15d92f8db860eda32aceb656c3',
    ],
    [
      {
        attribName1: { DataType: 'String', StringValue: 'attribValue 1' },
        customNumberTypeAttrib: { DataType: 'Number.float', StringValue: '4563442423554324324264524243.32543234' },
        binaryAttribute: { DataType: 'Binary', BinaryValue: new TextEncoder().encode('Hello binary world!') },
      },
      'c932db14a896c663f83c260297d594ff',
    ],
  ])('digests message attributes as SQS does (%#)', async (MessageAttributes, md5) => {
    // Arrange
    const QueueUrl = await createQueue();

    // Act
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'body', MessageAttributes }));

    // Assert
    expect(sent.MD5OfMessageAttributes).toBe(md5);
  });

  it('returns only the message attributes asked for, by name or prefix, digested as returned', async () => {
    // Arrange
    const QueueUrl = await createQueue();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'x',
        MessageAttributes: {
          'error.code': { DataType: 'String', StringValue: 'Timeout' },
          'error.message': { DataType: 'String', StringValue: 'Task timed out' },
          other: { DataType: 'String', StringValue: 'y' },
        },
      }),
    );

    // Act
    const { Messages = [] } = await receive(QueueUrl, { MessageAttributeNames: ['error.*'] });

    // Assert
    expect(Object.keys(Messages[0]?.MessageAttributes ?? {})).toEqual(['error.code', 'error.message']);
  });

  it('hides a received message for the visibility timeout, then delivers it again with a new receipt', async () => {
    // Arrange
    const QueueUrl = await createQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'retry me' }));

    // Act
    const first = await receive(QueueUrl, { VisibilityTimeout: 250, MessageSystemAttributeNames: ['All'] });
    const hidden = await receive(QueueUrl);
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    await sleep(300);
    const again = await receive(QueueUrl, { MessageSystemAttributeNames: ['ApproximateReceiveCount'] });

    // Assert
    expect(first.Messages).toHaveLength(1);
    expect(hidden.Messages).toBeUndefined();
    expect(Attributes).toMatchObject({ ApproximateNumberOfMessages: '0', ApproximateNumberOfMessagesNotVisible: '1' });
    expect(again.Messages?.[0]?.MessageId).toBe(first.Messages?.[0]?.MessageId);
    expect(again.Messages?.[0]?.ReceiptHandle).not.toBe(first.Messages?.[0]?.ReceiptHandle);
    expect(again.Messages?.[0]?.Attributes?.ApproximateReceiveCount).toBe('2');
  });

  it('shows a message again at once with ChangeMessageVisibility 0', async () => {
    // Arrange
    const QueueUrl = await createQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'back' }));
    const first = await receive(QueueUrl, { VisibilityTimeout: 3600 });

    // Act
    await sqs.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl,
        ReceiptHandle: first.Messages?.[0]?.ReceiptHandle,
        VisibilityTimeout: 0,
      }),
    );
    const again = await receive(QueueUrl);

    // Assert
    expect(again.Messages?.[0]?.Body).toBe('back');
  });

  it('deletes a message with its latest receipt handle, and only with that one', async () => {
    // Arrange
    const QueueUrl = await createQueue();
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'done' }));
    const first = await receive(QueueUrl, { VisibilityTimeout: 0 });
    const second = await receive(QueueUrl, { VisibilityTimeout: 0 });

    // Act
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: first.Messages?.[0]?.ReceiptHandle }));
    const afterStale = await receive(QueueUrl, { VisibilityTimeout: 0 });
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: afterStale.Messages?.[0]?.ReceiptHandle }));
    const afterLatest = await receive(QueueUrl);
    const invalid = await rejectionOf(sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: 'not-a-handle' })));

    // Assert
    expect(second.Messages).toHaveLength(1);
    expect(afterStale.Messages).toHaveLength(1);
    expect(afterLatest.Messages).toBeUndefined();
    expect([invalid.name, httpStatusOf(invalid)]).toEqual(['ReceiptHandleIsInvalid', 404]);
  });

  it('purges a queue, and refuses a second purge within 60 emulated seconds', async () => {
    // Arrange
    const QueueUrl = await createQueue();
    for (const MessageBody of ['a', 'b', 'c']) await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody }));

    // Act
    await sqs.send(new PurgeQueueCommand({ QueueUrl }));
    const tooSoon = await rejectionOf(sqs.send(new PurgeQueueCommand({ QueueUrl })));
    const { Messages } = await receive(QueueUrl);

    // Assert
    expect(Messages).toBeUndefined();
    expect([tooSoon.name, httpStatusOf(tooSoon)]).toEqual(['PurgeQueueInProgress', 403]);
  });

  it('sends and deletes in batches, reporting each entry', async () => {
    // Arrange
    const QueueUrl = await createQueue();

    // Act
    const sent = await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl,
        Entries: [
          { Id: 'one', MessageBody: 'first' },
          { Id: 'two', MessageBody: 'second', DelaySeconds: 0 },
          { Id: 'bad', MessageBody: 'third', MessageAttributes: { n: { DataType: 'Number', StringValue: 'NaN' } } },
        ],
      }),
    );
    const { Messages = [] } = await receive(QueueUrl);
    const deleted = await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl,
        Entries: Messages.map((message, index) => ({ Id: `m${index}`, ReceiptHandle: message.ReceiptHandle })),
      }),
    );

    // Assert
    expect(sent.Successful?.map((entry) => entry.Id)).toEqual(['one', 'two']);
    expect(sent.Failed).toEqual([
      expect.objectContaining({ Id: 'bad', SenderFault: true, Code: 'InvalidParameterValue' }),
    ]);
    expect(Messages.map((message) => message.Body).sort()).toEqual(['first', 'second']);
    expect(deleted.Successful).toHaveLength(2);
  });

  it('long-polls until a message arrives, and until the wait is over when none does', async () => {
    // Arrange: here an emulated second is 10 ms, so a 20 s poll waits up to 200 ms.
    const slower = await startHarness({ timeScale: 0.01 });
    const client = slower.sqs();
    const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'polled' }));
    const started = Date.now();

    // Act
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 20 }));
    await sleep(50);
    slower.aws.sqs.sendMessage(QueueUrl as string, 'arrived');
    const { Messages } = await polling;
    const arrivedAfter = Date.now() - started;
    const emptyStarted = Date.now();
    const empty = await client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));
    const emptyAfter = Date.now() - emptyStarted;
    await slower.stop();

    // Assert
    expect(Messages?.map((message) => message.Body)).toEqual(['arrived']);
    expect(arrivedAfter).toBeGreaterThanOrEqual(50);
    expect(arrivedAfter).toBeLessThan(200);
    expect(empty.Messages).toBeUndefined();
    expect(emptyAfter).toBeGreaterThanOrEqual(45);
  });

  it('forgets messages older than the retention period', async () => {
    // Arrange
    const QueueUrl = await createQueue({ MessageRetentionPeriod: '60' });
    await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'short-lived' }));

    // Act
    await sleep(100);
    const { Messages } = await receive(QueueUrl);
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );

    // Assert
    expect(Messages).toBeUndefined();
    expect(Attributes).toEqual({ ApproximateNumberOfMessages: '0' });
  });

  it('moves a message received maxReceiveCount times to the dead-letter queue', async () => {
    // Arrange
    const deadLetterUrl = await createQueue();
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: deadLetterUrl, AttributeNames: ['QueueArn'] }),
    );
    const sourceUrl = await createQueue({
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: Attributes?.QueueArn, maxReceiveCount: 2 }),
    });
    const { MessageId } = await sqs.send(new SendMessageCommand({ QueueUrl: sourceUrl, MessageBody: 'poison' }));

    // Act
    await receive(sourceUrl, { VisibilityTimeout: 0 });
    await receive(sourceUrl, { VisibilityTimeout: 0 });
    const third = await receive(sourceUrl);
    const moved = await receive(deadLetterUrl, { MessageSystemAttributeNames: ['All'] });

    // Assert
    expect(third.Messages).toBeUndefined();
    expect(moved.Messages?.[0]).toMatchObject({
      MessageId,
      Body: 'poison',
      Attributes: { ApproximateReceiveCount: '1', DeadLetterQueueSourceArn: expect.stringMatching(/:queue-\d+$/) },
    });
  });

  it.each([
    ['an empty body', { MessageBody: '' }, 'MissingParameter', 'The request must contain the parameter MessageBody.'],
    [
      'a character outside XML’s',
      { MessageBody: 'bell \u0007' },
      'InvalidMessageContents',
      'Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | #x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF',
    ],
    [
      'a delay past 15 minutes',
      { MessageBody: 'x', DelaySeconds: 901 },
      'InvalidParameterValue',
      'Value 901 for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.',
    ],
  ])('refuses %s', async (_case, fields, name, message) => {
    // Arrange
    const QueueUrl = await createQueue();

    // Act
    const error = await rejectionOf(sqs.send(new SendMessageCommand({ QueueUrl, ...fields })));

    // Assert
    expect([error.name, error.message]).toEqual([name, message]);
  });

  it('refuses a message larger than the queue’s MaximumMessageSize', async () => {
    // Arrange
    const QueueUrl = await createQueue({ MaximumMessageSize: '1024' });

    // Act
    const error = await rejectionOf(sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(1025) })));

    // Assert
    expect([error.name, error.message]).toEqual([
      'InvalidParameterValue',
      'One or more parameters are invalid. Reason: Message must be shorter than 1024 bytes.',
    ]);
  });

  it('accepts a message of 1 MiB, the default maximum', async () => {
    // Arrange
    const QueueUrl = await createQueue();

    // Act
    const sent = await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'x'.repeat(1_048_576) }));
    const { Messages } = await receive(QueueUrl);

    // Assert
    expect(sent.MessageId).toBeDefined();
    expect(Messages?.[0]?.Body).toHaveLength(1_048_576);
  });
});

describe('for the rest of the local stack', () => {
  it('creates queues and sends messages without HTTP, readable at /_local/sqs/messages', async () => {
    // Arrange
    const { url, arn } = harness.aws.sqs.createQueue('events-dlq', { accountId: '333333333333' });

    // Act
    const { messageId } = harness.aws.sqs.sendMessage(arn, '{"source":"aws.scheduler"}', {
      attributes: { ERROR_CODE: { DataType: 'String', StringValue: 'ResourceNotFoundException' } },
    });
    const response = await rawRequest(harness.aws.url, {
      path: '/_local/sqs/messages?queue=events-dlq&accountId=333333333333',
    });
    const { Messages } = await harness
      .sqs({ accessKeyId: '333333333333' })
      .send(new ReceiveMessageCommand({ QueueUrl: url, MessageAttributeNames: ['All'] }));

    // Assert
    expect(url).toBe(`${harness.aws.url}/333333333333/events-dlq`);
    expect(JSON.parse(response.body) as QueuedMessage[]).toEqual([
      {
        messageId,
        body: '{"source":"aws.scheduler"}',
        messageAttributes: { ERROR_CODE: { DataType: 'String', StringValue: 'ResourceNotFoundException' } },
        sentTimestamp: expect.any(String),
        receiveCount: 0,
        visible: true,
      },
    ]);
    expect(Messages?.[0]?.MessageAttributes?.ERROR_CODE?.StringValue).toBe('ResourceNotFoundException');
  });

  it('is read with aws sqs receive-message, the CLI speaking the same JSON protocol', async () => {
    // Arrange
    const QueueUrl = await createQueue();
    await sqs.send(
      new SendMessageCommand({
        QueueUrl,
        MessageBody: 'for the operator',
        MessageAttributes: { reason: { DataType: 'String', StringValue: 'retries exhausted' } },
      }),
    );

    // Act
    const result = await runAwsCli(harness.aws.url, [
      'sqs',
      'receive-message',
      '--queue-url',
      QueueUrl,
      '--message-attribute-names',
      'All',
      '--attribute-names',
      'ApproximateReceiveCount',
    ]);
    const missing = await runAwsCli(harness.aws.url, ['sqs', 'get-queue-url', '--queue-name', 'no-such-queue']);

    // Assert
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout).Messages).toEqual([
      expect.objectContaining({
        Body: 'for the operator',
        Attributes: { ApproximateReceiveCount: '1' },
        MessageAttributes: { reason: { DataType: 'String', StringValue: 'retries exhausted' } },
      }),
    ]);
    expect(missing.stderr).toContain(
      'An error occurred (AWS.SimpleQueueService.NonExistentQueue) when calling the GetQueueUrl operation: The specified queue does not exist.',
    );
  });
});
