// The only logger: structured JSON via Powertools. Messages are fixed strings; data goes in keys.
//
// Handlers share this one instance. In Lambda on demand a process runs one invocation at a time, so its state
// (appended keys, the Lambda context) is that invocation's. Where one process runs several invocations at once
// (Lambda Managed Instances, and the local stack, whose runner local/lambda.ts does what that runtime does:
// AWS_LAMBDA_MAX_CONCURRENCY set, each invocation inside the Lambda InvokeStore), Powertools 2.36 keeps that state
// per invocation in the InvokeStore (AsyncLocalStorage), so each line carries its own function name, request id and
// keys. Nothing here changes between the two; test/unit/lib/logger.test.ts holds the concurrent case.
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'elasticache-snapshot-export' });
