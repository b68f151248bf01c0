// SQS's wire: AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Action>`, `application/x-amz-json-1.0`), which the SDK v3
// (client-sqs 3.1127, `awsQueryCompatible`) and the AWS CLI (botocore 1.43) both speak; the request's fields; and the
// answer, with errors in the shape errors.ts describes. The SDK posts to the queue URL's own host (its
// `useQueueUrlAsEndpoint`), always to path `/`; the server routes by the SigV4 service (`sqs`), whatever the path,
// so a POST to `/<account>/<queue>` arrives here too. The protocol's mechanics (body, field readers, dispatch) are
// ../json-protocol.ts, bound here to SQS's errors. Nothing here knows about queues.
import {
  type Body,
  type JsonAction,
  jsonActionHandler,
  jsonAnswer,
  jsonFields,
  parseJsonBody,
} from '../json-protocol.js';
import type { AwsRequest, AwsResponse } from '../types.js';
import { missingParameter, SqsError, serialization, unknownOperation } from './errors.js';

export type { Body };

const TARGET_PREFIX = 'AmazonSQS.';

const parseBody = (body: Buffer): Body =>
  parseJsonBody(body, () => serialization('The request body is not a JSON object'));

export const { optionalString, requiredString, optionalInteger, optionalStrings, optionalStringMap, optionalRecord } =
  jsonFields({ typeError: serialization, missing: missingParameter });

const respond = (payload: Record<string, unknown>, requestId: string): AwsResponse =>
  jsonAnswer(200, payload, requestId);

const errorAnswer = (error: SqsError, requestId: string): AwsResponse =>
  jsonAnswer(error.status, { __type: `com.amazonaws.sqs#${error.shape}`, message: error.message }, requestId, {
    'x-amzn-query-error': `${error.code};${error.fault}`,
  });

/** The service's `handle`: `X-Amz-Target` names the action; SqsErrors are answered, anything else propagates. */
export const handleActions = (actions: Record<string, JsonAction>): ((request: AwsRequest) => Promise<AwsResponse>) =>
  jsonActionHandler(
    { targetPrefix: TARGET_PREFIX, parseBody, unknownOperation, modeled: SqsError, respond, errorAnswer },
    actions,
  );

export { SqsError };
