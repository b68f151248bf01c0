// One DynamoDBClient per container, for the safety net's idempotency records. Region, credentials and endpoint
// (AWS_ENDPOINT_URL locally) come from the environment.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

export const dynamoDb = new DynamoDBClient({});
