// SQS's wire: AWS JSON 1.0 (`X-Amz-Target: AmazonSQS.<Action>`, `application/x-amz-json-1.0`), which the SDK v3
// (client-sqs 3.1127, `awsQueryCompatible`) and the AWS CLI (botocore 1.43) both speak; the request's fields; and the
// answer, with errors in the shape errors.ts describes. The SDK posts to the queue URL's own host (its
// `useQueueUrlAsEndpoint`), always to path `/`; the server routes by the SigV4 service (`sqs`), whatever the path,
// so a POST to `/<account>/<queue>` arrives here too. Nothing here knows about queues.
import type { AwsResponse } from '../types.js';
import { missingParameter, SqsError, serialization } from './errors.js';

export type Body = Record<string, unknown>;

export const TARGET_PREFIX = 'AmazonSQS.';
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
  throw serialization('The request body is not a JSON object');
};

export const optionalString = (body: Body, field: string): string | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw serialization(`${field} must be a string`);
  return value;
};

export const requiredString = (body: Body, field: string): string => {
  const value = optionalString(body, field);
  if (value === undefined) throw missingParameter(field);
  return value;
};

export const optionalInteger = (body: Body, field: string): number | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) throw serialization(`${field} must be an integer`);
  return value;
};

export const optionalStrings = (body: Body, field: string): string[] | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
    throw serialization(`${field} must be a list of strings`);
  }
  return value as string[];
};

/** A map of strings (queue attributes, tags), own properties only. */
export const optionalStringMap = (body: Body, field: string): Map<string, string> | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw serialization(`${field} must be a map`);
  const map = new Map<string, string>();
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw serialization(`${field}.${key} must be a string`);
    map.set(key, entry);
  }
  return map;
};

export const optionalRecord = (body: Body, field: string): Record<string, unknown> | undefined => {
  const value = body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw serialization(`${field} must be a structure`);
  return value as Record<string, unknown>;
};

export const respond = (payload: Record<string, unknown>, requestId: string): AwsResponse => ({
  status: 200,
  headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId },
  body: JSON.stringify(payload),
});

export const errorAnswer = (error: SqsError, requestId: string): AwsResponse => ({
  status: error.status,
  headers: {
    'content-type': CONTENT_TYPE,
    'x-amzn-requestid': requestId,
    'x-amzn-query-error': `${error.code};${error.fault}`,
  },
  body: JSON.stringify({ __type: `com.amazonaws.sqs#${error.shape}`, message: error.message }),
});

export { SqsError };
