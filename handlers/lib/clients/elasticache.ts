// One ElastiCacheClient per container. Region, credentials and endpoint (AWS_ENDPOINT_URL locally) come from the environment.
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';

export const elastiCache = new ElastiCacheClient({});
