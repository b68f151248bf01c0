// One ElastiCacheClient per container. Region, credentials and endpoint (AWS_ENDPOINT_URL locally) come from the environment.
//
// Retries: the SDK's `standard` mode with its 3 attempts, stated here so that an AWS_RETRY_MODE or AWS_MAX_ATTEMPTS
// in a function's environment does not change it. A Throttling answer ("Rate exceeded", 400) is retried by the SDK
// after a full-jitter backoff on its throttling base (@smithy/core util-retry: 1 s, doubling), which rides out a
// short burst inside one invocation; what outlasts it is thrown as AwsThrottledError (aws/failures.ts) and retried by
// the state machine (statemachine/*.asl.json, Retry on AwsThrottledError, JitterStrategy FULL), whose waits cost
// no Lambda time and spread hundreds of executions over the rate (README "API rate limits and the schedule storm").
// Not `adaptive`: its client-side rate limiter learns from one client's own throttles, and a Lambda container makes a
// few ElastiCache calls per invocation, so it would mostly add waits billed as Lambda time without coordinating the
// containers that share the account's rate.
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';

export const elastiCache = new ElastiCacheClient({ retryMode: 'standard', maxAttempts: 3 });
