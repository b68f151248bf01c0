// DynamoDB's wire: AWS JSON 1.0 (`X-Amz-Target: DynamoDB_20120810.<Action>`, `application/x-amz-json-1.0`), the
// request's fields with the validation messages DynamoDB's model gives, and the answer, which carries DynamoDB's
// `x-amz-crc32` of the body (the AWS CLI checks it when present; the JavaScript SDK ignores it). Errors are
// `{"__type": "<namespace>#<Name>", "message": …}` plus the error shape's own members (ConditionalCheckFailedException's
// `Item`). The protocol's mechanics (body, field readers, dispatch) are ../json-protocol.ts, bound here to DynamoDB's
// errors. Nothing here knows about tables.
import { crc32 } from 'node:zlib';
import {
  type Body,
  type JsonAction,
  jsonActionHandler,
  jsonAnswer,
  jsonFields,
  parseJsonBody,
} from '../json-protocol.js';
import type { AwsRequest, AwsResponse } from '../types.js';
import { DynamoDbError, serialization, unknownOperation, validation } from './errors.js';

export type { Body };

const TARGET_PREFIX = 'DynamoDB_20120810.';

const parseBody = (body: Buffer): Body =>
  parseJsonBody(body, () => serialization('Start of structure or map found where not expected.'));

/** `TableName` → `tableName`: how the model's validation messages name a member. */
const memberName = (field: string): string => field.charAt(0).toLowerCase() + field.slice(1);

export const notNull = (field: string): DynamoDbError =>
  validation(
    `1 validation error detected: Value null at '${memberName(field)}' failed to satisfy constraint: Member must not be null`,
  );

export const { optionalString, requiredString, optionalBoolean, optionalInteger, optionalRecord, optionalList } =
  jsonFields({ typeError: serialization, missing: notNull });

/** A member restricted to an enum: DynamoDB's model message when the value is not one of them. */
export const optionalEnum = <T extends string>(body: Body, field: string, allowed: readonly T[]): T | undefined => {
  const value = optionalString(body, field);
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw validation(
      `1 validation error detected: Value '${value}' at '${memberName(field)}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`,
    );
  }
  return value as T;
};

/** Every answer carries the CRC32 of its body. */
const answer = (status: number, payload: Record<string, unknown>, requestId: string): AwsResponse => {
  const response = jsonAnswer(status, payload, requestId);
  return { ...response, headers: { ...response.headers, 'x-amz-crc32': String(crc32(response.body)) } };
};

const respond = (payload: Record<string, unknown>, requestId: string): AwsResponse => answer(200, payload, requestId);

const errorAnswer = (error: DynamoDbError, requestId: string): AwsResponse =>
  answer(error.status, { __type: error.type, message: error.message, ...error.fields }, requestId);

/** The service's `handle`: `X-Amz-Target` names the action; DynamoDbErrors are answered, anything else propagates. */
export const handleActions = (actions: Record<string, JsonAction>): ((request: AwsRequest) => Promise<AwsResponse>) =>
  jsonActionHandler(
    { targetPrefix: TARGET_PREFIX, parseBody, unknownOperation, modeled: DynamoDbError, respond, errorAnswer },
    actions,
  );

export { DynamoDbError };
