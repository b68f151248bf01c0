// The emulated SNS, driven through the real SDK v3 SNS client, and the published-messages endpoint.
import {
  CreateTopicCommand,
  DeleteTopicCommand,
  ListTopicsCommand,
  PublishCommand,
  type SNSClient,
  SubscribeCommand,
} from '@aws-sdk/client-sns';
import type { PublishedMessage } from '../../local/aws/server';
import { type Harness, httpStatusOf, rawRequest, rejectionOf, startHarness } from './emulator-harness';

let harness: Harness;
let sns: SNSClient;

beforeAll(async () => {
  harness = await startHarness();
  sns = harness.sns();
});

beforeEach(() => harness.aws.sns.clearMessages());

afterAll(() => harness.stop());

const readMessages = async (): Promise<PublishedMessage[]> => {
  const response = await rawRequest(harness.aws.url, { path: '/_local/sns/messages' });
  return JSON.parse(response.body) as PublishedMessage[];
};

describe('topics', () => {
  it('creates a topic idempotently, with an ARN in the caller’s account and Region', async () => {
    // Arrange
    const client = harness.sns({ accessKeyId: '123456789012', region: 'eu-central-1' });

    // Act
    const first = await client.send(new CreateTopicCommand({ Name: 'export-outcomes' }));
    const second = await client.send(new CreateTopicCommand({ Name: 'export-outcomes' }));

    // Assert
    expect(first.TopicArn).toBe('arn:aws:sns:eu-central-1:123456789012:export-outcomes');
    expect(second.TopicArn).toBe(first.TopicArn);
  });

  it('rejects an invalid topic name', async () => {
    // Act
    const error = await rejectionOf(sns.send(new CreateTopicCommand({ Name: 'has spaces' })));

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['InvalidParameterException', 400]);
  });

  it('lists and deletes topics', async () => {
    // Arrange
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'short-lived' }));

    // Act
    const before = await sns.send(new ListTopicsCommand({}));
    await sns.send(new DeleteTopicCommand({ TopicArn }));
    const after = await sns.send(new ListTopicsCommand({}));

    // Assert
    expect(before.Topics).toContainEqual({ TopicArn });
    expect(after.Topics ?? []).not.toContainEqual({ TopicArn });
  });

  it('records a subscription and returns its ARN', async () => {
    // Arrange
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'with-subscribers' }));

    // Act
    const queue = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q' }),
    );
    const email = await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'ops@example.com' }));

    // Assert
    expect(queue.SubscriptionArn).toMatch(new RegExp(`^${TopicArn}:[0-9a-f-]{36}$`));
    expect(email.SubscriptionArn).toBe('pending confirmation');
  });
});

describe('Publish', () => {
  let topicArn: string;

  beforeAll(async () => {
    topicArn = (await sns.send(new CreateTopicCommand({ Name: 'outcomes' }))).TopicArn ?? '';
  });

  it('publishes a JSON-structured message with attributes and exposes it on the local endpoint', async () => {
    // Arrange
    const message = JSON.stringify({ default: 'Export finished', sqs: '{"status":"SUCCEEDED"}' });

    // Act
    const { MessageId } = await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'ElastiCache export SUCCEEDED: nightly',
        Message: message,
        MessageStructure: 'json',
        MessageAttributes: {
          status: { DataType: 'String', StringValue: 'SUCCEEDED' },
          attempt: { DataType: 'Number', StringValue: '3' },
        },
      }),
    );
    const messages = await readMessages();

    // Assert
    expect(messages).toEqual([
      {
        messageId: MessageId,
        topicArn,
        subject: 'ElastiCache export SUCCEEDED: nightly',
        message,
        messageStructure: 'json',
        messageAttributes: {
          status: { DataType: 'String', StringValue: 'SUCCEEDED' },
          attempt: { DataType: 'Number', StringValue: '3' },
        },
        timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
        accountId: '000000000000',
        region: 'us-east-1',
      },
    ]);
  });

  it('filters published messages by topic on the local endpoint', async () => {
    // Arrange
    const other = (await sns.send(new CreateTopicCommand({ Name: 'other-outcomes' }))).TopicArn ?? '';
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'mine' }));
    await sns.send(new PublishCommand({ TopicArn: other, Message: 'theirs' }));

    // Act
    const response = await rawRequest(harness.aws.url, {
      path: `/_local/sns/messages?topicArn=${encodeURIComponent(other)}`,
    });

    // Assert
    expect((JSON.parse(response.body) as PublishedMessage[]).map((message) => message.message)).toEqual(['theirs']);
  });

  it('shows published messages as a person reads them with ?format=text', async () => {
    // Arrange: a MessageStructure=json message shows its `default` text, as e-mail gets it.
    await sns.send(
      new PublishCommand({
        TopicArn: topicArn,
        Subject: 'ElastiCache export SUCCEEDED: nightly',
        MessageStructure: 'json',
        Message: JSON.stringify({ default: 'The export nightly SUCCEEDED.', sqs: '{"version":1}' }),
      }),
    );

    // Act
    const response = await rawRequest(harness.aws.url, { path: '/_local/sns/messages?format=text' });

    // Assert
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.body).toContain(
      `  ${topicArn}\nSubject: ElastiCache export SUCCEEDED: nightly\n\nThe export nightly SUCCEEDED.\n`,
    );
    expect(response.body).not.toContain('"version"');
  });

  it('clears published messages on DELETE', async () => {
    // Arrange
    await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'one' }));

    // Act
    const response = await rawRequest(harness.aws.url, { method: 'DELETE', path: '/_local/sns/messages' });

    // Assert
    expect(response.status).toBe(204);
    expect(await readMessages()).toEqual([]);
  });

  it('answers NotFound for a topic that does not exist', async () => {
    // Act
    const error = await rejectionOf(
      sns.send(new PublishCommand({ TopicArn: 'arn:aws:sns:us-east-1:000000000000:missing', Message: 'x' })),
    );

    // Assert
    expect(error.name).toBe('NotFoundException');
    expect(error.message).toBe('Topic does not exist');
    expect(httpStatusOf(error)).toBe(404);
  });

  it.each([
    [
      'has no default entry',
      JSON.stringify({ email: 'x' }),
      'Invalid parameter: Message Structure - No default entry in JSON message body',
    ],
    ['is not JSON', 'not json', 'Invalid parameter: Message Structure - JSON message body failed to parse'],
  ])('rejects a JSON-structured message that %s', async (_case, message, expected) => {
    // Act
    const error = await rejectionOf(
      sns.send(new PublishCommand({ TopicArn: topicArn, Message: message, MessageStructure: 'json' })),
    );

    // Assert
    expect([error.name, error.message, httpStatusOf(error)]).toEqual(['InvalidParameterException', expected, 400]);
  });

  it.each([
    ['longer than 100 characters', 'x'.repeat(101)],
    ['not ASCII', 'Export fini \u2713'],
    ['on two lines', 'Export\nfinished'],
  ])('rejects a subject %s', async (_case, subject) => {
    // Act
    const error = await rejectionOf(
      sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'x', Subject: subject })),
    );

    // Assert
    expect([error.name, error.message]).toEqual(['InvalidParameterException', 'Invalid parameter: Subject']);
  });

  it('accepts a subject of exactly 100 characters', async () => {
    // Act
    const { MessageId } = await sns.send(
      new PublishCommand({ TopicArn: topicArn, Message: 'x', Subject: 'y'.repeat(100) }),
    );

    // Assert
    expect(MessageId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('rejects a String message attribute without a value', async () => {
    // Act
    const error = await rejectionOf(
      sns.send(
        new PublishCommand({ TopicArn: topicArn, Message: 'x', MessageAttributes: { status: { DataType: 'String' } } }),
      ),
    );

    // Assert
    expect(error.name).toBe('InvalidParameterValueException');
    expect(error.message).toContain("'status'");
  });

  it("refuses to publish to another account's topic", async () => {
    // Arrange
    const { TopicArn } = await harness
      .sns({ accessKeyId: '111111111111' })
      .send(new CreateTopicCommand({ Name: 'theirs' }));

    // Act
    const error = await rejectionOf(sns.send(new PublishCommand({ TopicArn, Message: 'x' })));

    // Assert
    expect([error.name, httpStatusOf(error)]).toEqual(['AuthorizationErrorException', 403]);
  });

  it('keeps a message attribute named __proto__ as a name, not as a prototype', async () => {
    // Arrange
    const form = new URLSearchParams({
      Action: 'Publish',
      Version: '2010-03-31',
      TopicArn: topicArn,
      Message: 'x',
      'MessageAttributes.entry.1.Name': '__proto__',
      'MessageAttributes.entry.1.Value.DataType': 'String',
      'MessageAttributes.entry.1.Value.StringValue': 'polluted?',
    });

    // Act
    const response = await rawRequest(harness.aws.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: form.toString(),
    });
    const [published] = await readMessages();

    // Assert
    expect(response.status).toBe(200);
    expect(Object.keys(published?.messageAttributes ?? {})).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(published?.messageAttributes, '__proto__')?.value).toEqual({
      DataType: 'String',
      StringValue: 'polluted?',
    });
  });

  it('answers an action it does not emulate with InvalidAction', async () => {
    // Act
    const response = await rawRequest(harness.aws.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=x',
      },
      body: 'Action=CreatePlatformApplication&Version=2010-03-31',
    });

    // Assert
    expect(response.status).toBe(400);
    expect(response.body).toContain('<Code>InvalidAction</Code>');
    expect(response.body).toContain('CreatePlatformApplication');
  });
});
