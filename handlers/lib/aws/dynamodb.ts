// DynamoDB adapter: the only place that speaks to DynamoDB (besides Powertools idempotency, which the safety net
// hands its own client). The notification record: one item per export saying its outcome notification was sent,
// in the safety net's table, for the one case the execution's history cannot answer (a publishing task still in
// flight when the execution ended).
import { type DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { callAws } from './failures.js';

/** Keys of notification records; Powertools' own records are `<function>#<hash>`, so the two never meet. */
const keyOf = (exportId: string): string => `notification#${exportId}`;

export interface NotificationRecord {
  exportId: string;
  messageId: string;
  topicArn: string;
  /** Epoch seconds after which DynamoDB's TTL may delete the record. */
  expiresAt: number;
}

export const putNotificationRecord = (client: DynamoDBClient, table: string, record: NotificationRecord) =>
  callAws('PutItem', async () => {
    await client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          id: { S: keyOf(record.exportId) },
          messageId: { S: record.messageId },
          topicArn: { S: record.topicArn },
          expiration: { N: String(record.expiresAt) },
        },
      }),
    );
  });

/** The record of the export's notification, if one was written. */
export const getNotificationRecord = (
  client: DynamoDBClient,
  table: string,
  exportId: string,
): Promise<Pick<NotificationRecord, 'messageId' | 'topicArn'> | undefined> =>
  callAws('GetItem', async () => {
    const { Item } = await client.send(
      new GetItemCommand({ TableName: table, Key: { id: { S: keyOf(exportId) } }, ConsistentRead: true }),
    );
    if (!Item) return undefined;
    return { messageId: Item.messageId?.S ?? '', topicArn: Item.topicArn?.S ?? '' };
  });
