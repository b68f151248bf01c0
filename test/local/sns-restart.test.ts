// The emulated SNS after a restart on the same data folder: topics with their attributes, subscriptions and the
// published messages the local endpoint lists are all still there; clearing the messages lasts; accounts and Regions
// stay apart.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CreateTopicCommand,
  GetTopicAttributesCommand,
  ListSubscriptionsByTopicCommand,
  ListTopicsCommand,
  PublishCommand,
  SubscribeCommand,
  UnsubscribeCommand,
} from '@aws-sdk/client-sns';
import type { PublishedMessage } from '../../local/aws/server';
import { type Harness, rawRequest, startHarness } from './emulator-harness';

let dataDir: string;
const running: Harness[] = [];

beforeEach(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'local-sns-restart-'));
});

afterEach(async () => {
  for (const harness of running.splice(0)) await harness.stop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const start = async (): Promise<Harness> => {
  const harness = await startHarness({ dataDir });
  running.push(harness);
  return harness;
};

const restart = async (harness: Harness): Promise<Harness> => {
  running.splice(running.indexOf(harness), 1);
  await harness.stop();
  return start();
};

const readMessages = async (harness: Harness): Promise<PublishedMessage[]> =>
  JSON.parse((await rawRequest(harness.aws.url, { path: '/_local/sns/messages' })).body) as PublishedMessage[];

describe('SNS after a restart on the same data folder', () => {
  it('keeps topics, their attributes, subscriptions and published messages', async () => {
    // Arrange
    const before = await start();
    const sns = before.sns();
    const { TopicArn } = await sns.send(
      new CreateTopicCommand({ Name: 'outcomes', Attributes: { DisplayName: 'Export outcomes' } }),
    );
    await sns.send(new CreateTopicCommand({ Name: 'spare' }));
    const queue = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'sqs', Endpoint: 'arn:aws:sqs:us-east-1:000000000000:q' }),
    );
    await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: 'ops@example.com' }));
    const dropped = await sns.send(
      new SubscribeCommand({ TopicArn, Protocol: 'lambda', Endpoint: 'arn:aws:lambda:us-east-1:000000000000:f' }),
    );
    await sns.send(new UnsubscribeCommand({ SubscriptionArn: dropped.SubscriptionArn }));
    await sns.send(
      new PublishCommand({
        TopicArn,
        Subject: 'ElastiCache export SUCCEEDED: nightly',
        Message: 'first',
        MessageAttributes: { status: { DataType: 'String', StringValue: 'SUCCEEDED' } },
      }),
    );
    await sns.send(new PublishCommand({ TopicArn, Message: 'second' }));
    const messagesBefore = await readMessages(before);

    // Act
    const after = await restart(before);
    const client = after.sns();
    const topics = await client.send(new ListTopicsCommand({}));
    const { Attributes } = await client.send(new GetTopicAttributesCommand({ TopicArn }));
    const { Subscriptions } = await client.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
    const messagesAfter = await readMessages(after);
    await client.send(new PublishCommand({ TopicArn, Message: 'third' }));

    // Assert
    expect(topics.Topics?.map((topic) => topic.TopicArn)).toEqual([TopicArn, TopicArn?.replace('outcomes', 'spare')]);
    expect(Attributes).toMatchObject({
      DisplayName: 'Export outcomes',
      SubscriptionsConfirmed: '1',
      SubscriptionsPending: '1',
    });
    expect(Subscriptions?.map((subscription) => [subscription.Protocol, subscription.SubscriptionArn])).toEqual([
      ['sqs', queue.SubscriptionArn],
      ['email', 'PendingConfirmation'],
    ]);
    expect(messagesBefore.map((message) => message.message)).toEqual(['first', 'second']);
    expect(messagesAfter).toEqual(messagesBefore);
    expect((await readMessages(after)).map((message) => message.message)).toEqual(['first', 'second', 'third']);
  });

  it('forgets published messages cleared before the restart, but not the topics', async () => {
    // Arrange
    const before = await start();
    const { TopicArn } = await before.sns().send(new CreateTopicCommand({ Name: 'outcomes' }));
    await before.sns().send(new PublishCommand({ TopicArn, Message: 'old news' }));
    const cleared = await rawRequest(before.aws.url, { method: 'DELETE', path: '/_local/sns/messages' });

    // Act
    const after = await restart(before);

    // Assert
    expect(cleared.status).toBe(204);
    expect(await readMessages(after)).toEqual([]);
    expect((await after.sns().send(new ListTopicsCommand({}))).Topics).toEqual([{ TopicArn }]);
  });

  it('keeps the topics of each account and Region apart', async () => {
    // Arrange
    const before = await start();
    const identities = [
      { accessKeyId: '111111111111', region: 'us-east-1' },
      { accessKeyId: '222222222222', region: 'eu-west-1' },
    ];
    for (const identity of identities) {
      await before.sns(identity).send(new CreateTopicCommand({ Name: `topic-of-${identity.accessKeyId}` }));
    }

    // Act
    const after = await restart(before);
    const seen = [];
    for (const identity of identities) {
      seen.push((await after.sns(identity).send(new ListTopicsCommand({}))).Topics?.map((topic) => topic.TopicArn));
    }
    const elsewhere = await after
      .sns({ accessKeyId: '111111111111', region: 'eu-west-1' })
      .send(new ListTopicsCommand({}));

    // Assert
    expect(seen).toEqual([
      ['arn:aws:sns:us-east-1:111111111111:topic-of-111111111111'],
      ['arn:aws:sns:eu-west-1:222222222222:topic-of-222222222222'],
    ]);
    expect(elsewhere.Topics ?? []).toEqual([]);
  });
});
