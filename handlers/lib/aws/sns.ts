// SNS adapter: the only place that speaks to SNS.
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { callAws } from './failures.js';

export interface Notification {
  topicArn: string;
  subject: string;
  /** The MessageStructure=json document: one message per protocol plus `default`. */
  message: Record<string, string>;
  attributes: Record<string, string>;
}

/** Publishes a notification; returns the SNS message id. */
export const publishNotification = (client: SNSClient, notification: Notification): Promise<string> =>
  callAws('Publish', async () => {
    const { MessageId } = await client.send(
      new PublishCommand({
        TopicArn: notification.topicArn,
        Subject: notification.subject,
        MessageStructure: 'json',
        Message: JSON.stringify(notification.message),
        MessageAttributes: Object.fromEntries(
          Object.entries(notification.attributes)
            .filter(([, value]) => value.length > 0)
            .map(([name, value]) => [name, { DataType: 'String', StringValue: value }]),
        ),
      }),
    );
    return MessageId ?? '';
  });
