// One SNSClient per container. Region, credentials and endpoint (AWS_ENDPOINT_URL locally) come from the environment.
import { SNSClient } from '@aws-sdk/client-sns';

export const sns = new SNSClient({});
