// DynamoDB's wire: AWS JSON 1.0 (`X-Amz-Target: DynamoDB_20120810.<Action>`, `application/x-amz-json-1.0`), the
// request's fields with the validation messages DynamoDB's model gives, and the answer, which carries DynamoDB's
// `x-amz-crc32` of the body (the AWS CLI checks it when present; the JavaScript SDK ignores it). Errors are
// `{"__type": "<namespace>#<Name>", "message": …}` plus the error shape's own members (ConditionalCheckFailedException's
// `Item`). Nothing here knows about tables.
import { crc32 } from 'node:zlib';
import type { AwsResponse } from '../types.js';
import { DynamoDbError, serialization, validation } from './errors.js';

export type Body = Record<string, unknown>;

export const TARGET_PREFIX = 'DynamoDB_20120810.';
const CONTENT_TYPE = 'application/x-amz-json-1.0';

export const parseBody = (body: Buffer): Body => {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Body;
  } catch {
    // answered below
  }
  throw serialization('Start of structure or map found where not expected.');
};

/** `TableName` → `tableName`: how the model's validation messages name a member. */
const memberName = (field: string): string => field.charAt(0).toLowerCase() + field.slice(1);

export const notNull = (field: string): DynamoDbError =>
  validation(
    `1 validation error detected: Value null at '${memberName(field)}' failed to satisfy constraint: Member must not be null`,
  );

export const optionalString = (body: Body, field: string): string | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serialization(`${field} must be a string`);
  return value;
};

export const requiredString = (body: Body, field: string): string => {
  const value = optionalString(body, field);
  if (value === undefined) throw notNull(field);
  return value;
};

export const optionalBoolean = (body: Body, field: string): boolean | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw serialization(`${field} must be a boolean`);
  return value;
};

export const optionalInteger = (body: Body, field: string): number | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization(`${field} must be an integer`);
  return value;
};

export const optionalRecord = (body: Body, field: string): Record<string, unknown> | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw serialization(`${field} must be a structure`);
  return value as Record<string, unknown>;
};

export const optionalList = (body: Body, field: string): unknown[] | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw serialization(`${field} must be a list`);
  return value;
};

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

const answer = (status: number, payload: Record<string, unknown>, requestId: string): AwsResponse => {
  const body = JSON.stringify(payload);
  return {
    status,
    headers: {
      'content-type': CONTENT_TYPE,
      'x-amzn-requestid': requestId,
      'x-amz-crc32': String(crc32(body)),
    },
    body,
  };
};

export const respond = (payload: Record<string, unknown>, requestId: string): AwsResponse =>
  answer(200, payload, requestId);

export const errorAnswer = (error: DynamoDbError, requestId: string): AwsResponse =>
  answer(error.status, { __type: error.type, message: error.message, ...error.fields }, requestId);

export { DynamoDbError };
