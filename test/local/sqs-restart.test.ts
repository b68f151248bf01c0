// The emulated SQS after a restart on the same data folder: queues with their attributes and tags, messages waiting
// and in flight (their receipt handles still delete them), deletions and purges, all kept per account and Region;
// and a journal compacted once it has grown far past the queue's live messages.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ListQueuesCommand,
  ListQueueTagsCommand,
  PurgeQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { type Harness, startHarness } from './emulator-harness';

let dataDir: string;
const running: Harness[] = [];

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-sqs-restart-'));
});

afterEach(async () => {
  for (const harness of running.splice(0)) await harness.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const start = async (): Promise<Harness> => {
  const harness = await startHarness({ dataDir, timeScale: 0.001 });
  running.push(harness);
  return harness;
};

const restart = async (harness: Harness): Promise<Harness> => {
  running.splice(running.indexOf(harness), 1);
  await harness.stop();
  return start();
};

describe('SQS after a restart on the same data folder', () => {
  it('keeps queues, their attributes and tags, and the messages waiting and in flight', async () => {
    // Arrange
    const before = await start();
    const sqs = before.sqs();
    const { QueueUrl } = await sqs.send(
      new CreateQueueCommand({
        QueueName: 'durable',
        Attributes: { VisibilityTimeout: '3600', KmsMasterKeyId: 'alias/aws/sqs' },
        tags: { team: 'exports' },
      }),
    );
    for (const MessageBody of ['in flight', 'deleted', 'waiting'])
      await sqs.send(new SendMessageCommand({ QueueUrl, MessageBody }));
    const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 2 }));
    const [inFlight, toDelete] = Messages;
    await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: toDelete?.ReceiptHandle }));

    // Act
    const after = await restart(before);
    const client = after.sqs();
    const { Attributes } = await client.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));
    const { Tags } = await client.send(new ListQueueTagsCommand({ QueueUrl }));
    const waiting = await client.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }));
    await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: inFlight?.ReceiptHandle }));
    const counts = await client.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['ApproximateNumberOfMessagesNotVisible'] }),
    );

    // Assert
    expect([inFlight?.Body, toDelete?.Body]).toEqual(['in flight', 'deleted']);
    expect(Attributes).toMatchObject({
      VisibilityTimeout: '3600',
      KmsMasterKeyId: 'alias/aws/sqs',
      ApproximateNumberOfMessages: '1',
      ApproximateNumberOfMessagesNotVisible: '1',
    });
    expect(Tags).toEqual({ team: 'exports' });
    expect(waiting.Messages?.map((message) => message.Body)).toEqual(['waiting']);
    // The message received before the restart was deleted with the receipt handle it was received with.
    expect(counts.Attributes).toEqual({ ApproximateNumberOfMessagesNotVisible: '1' });
  });

  it('keeps a purge, and the queues of each account and Region apart', async () => {
    // Arrange
    const before = await start();
    const identities = [
      { accessKeyId: '111111111111', region: 'us-east-1' },
      { accessKeyId: '222222222222', region: 'eu-west-1' },
    ];
    const urls: string[] = [];
    for (const identity of identities) {
      const client = before.sqs(identity);
      const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: `dlq-${identity.accessKeyId}` }));
      await client.send(new SendMessageCommand({ QueueUrl, MessageBody: `for ${identity.accessKeyId}` }));
      urls.push(QueueUrl as string);
    }
    await before.sqs(identities[1]).send(new PurgeQueueCommand({ QueueUrl: urls[1] }));

    // Act
    const oldUrl = before.aws.url;
    const after = await restart(before);
    const seen = [];
    for (const [index, identity] of identities.entries()) {
      const client = after.sqs(identity);
      const { QueueUrls } = await client.send(new ListQueuesCommand({}));
      const { Messages } = await client.send(new ReceiveMessageCommand({ QueueUrl: urls[index] }));
      seen.push({ QueueUrls, bodies: Messages?.map((message) => message.Body) ?? [] });
    }

    // Assert: a queue URL names the emulator's address (a new port here), but its account and name are what count.
    const moved = urls.map((url) => url.replace(oldUrl, after.aws.url));
    expect(seen).toEqual([
      { QueueUrls: [moved[0]], bodies: ['for 111111111111'] },
      { QueueUrls: [moved[1]], bodies: [] },
    ]);
  });

  it('compacts a journal grown far past its live messages, keeping those', async () => {
    // Arrange
    const before = await start();
    const { url } = before.aws.sqs.createQueue('busy');
    for (let index = 0; index < 60; index += 1) before.aws.sqs.sendMessage(url, `message ${index}`);
    const sqs = before.sqs();
    for (let round = 0; round < 6; round += 1) {
      const { Messages = [] } = await sqs.send(new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10 }));
      for (const message of Messages)
        await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
    }
    before.aws.sqs.sendMessage(url, 'the survivor');
    const journal = path.join(
      dataDir,
      'sqs',
      'messages',
      fs.readdirSync(path.join(dataDir, 'sqs', 'messages'))[0] as string,
    );

    // Act
    const lines = fs.readFileSync(journal, 'utf8').trim().split('\n').length;
    const after = await restart(before);

    // Assert
    expect(lines).toBeLessThan(60 * 3);
    expect(after.aws.sqs.messages('busy').map((message) => message.body)).toEqual(['the survivor']);
  });
});
