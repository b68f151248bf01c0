// One SFNClient per container. Region, credentials and endpoint (AWS_ENDPOINT_URL locally) come from the environment.
import { SFNClient } from '@aws-sdk/client-sfn';

export const sfn = new SFNClient({});
