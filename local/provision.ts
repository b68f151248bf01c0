// Creates, in the emulator, the DynamoDB tables and SQS queues serverless.yml declares (serverless-config.ts), as
// CloudFormation would at deploy time: through the real SDK clients, so the emulator's own rules apply. Safe to run
// on every start: what exists is kept, with its data.
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { LocalDeployment, QueueSpec } from './serverless-config.js';

export interface ProvisionTarget {
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

const clientConfig = (target: ProvisionTarget) => ({
  endpoint: target.endpoint,
  region: target.region,
  credentials: target.credentials,
});

export const provisionDeployment = async (deployment: LocalDeployment, target: ProvisionTarget): Promise<void> => {
  const dynamoDb = new DynamoDBClient(clientConfig(target));
  const sqs = new SQSClient(clientConfig(target));
  try {
    for (const table of deployment.tables) {
      try {
        await dynamoDb.send(
          new CreateTableCommand({
            TableName: table.name,
            KeySchema: table.keySchema as never,
            AttributeDefinitions: table.attributeDefinitions as never,
            BillingMode: 'PAY_PER_REQUEST',
          }),
        );
      } catch (error) {
        // Created by an earlier start on this data folder.
        if (!(error instanceof ResourceInUseException)) throw error;
      }
      if (table.timeToLiveAttribute) {
        try {
          await dynamoDb.send(
            new UpdateTimeToLiveCommand({
              TableName: table.name,
              TimeToLiveSpecification: { AttributeName: table.timeToLiveAttribute, Enabled: true },
            }),
          );
        } catch (error) {
          // DynamoDB refuses to enable TTL twice ("TimeToLive is already enabled").
          if (!(error instanceof Error && /already enabled/i.test(error.message))) throw error;
        }
      }
    }
    for (const queue of deployment.queues) {
      await sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: queue.attributes }));
    }
  } finally {
    dynamoDb.destroy();
    sqs.destroy();
  }
};

/** Sends messages to a stack queue (an on-failure destination), as Lambda would; `close` releases its client. */
export const queueSender = (
  queue: QueueSpec,
  target: ProvisionTarget,
): { send: (body: unknown) => Promise<void>; close: () => void } => {
  const sqs = new SQSClient(clientConfig(target));
  return {
    send: async (body) => {
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: JSON.stringify(body) }));
    },
    close: () => sqs.destroy(),
  };
};
