// AWS JSON 1.0 request bodies and answers, shared by the emulated JSON services (DynamoDB, SQS, Step Functions):
// the body parsed as a JSON object, its fields read with the type each action expects, `application/x-amz-json-1.0`
// answers, and the `X-Amz-Target: <prefix><Action>` dispatch (DynamoDB and SQS; Step Functions keeps its own, which
// reads the header case-insensitively, parses the body first and answers other errors as a 500). What the protocol
// leaves to each service (its error shapes, how it words a missing member, the extra headers of its answers) comes
// in as parameters: each service's wire.ts or request.ts binds them once and is what that service's code imports.
import type { AwsRequest, AwsResponse, Caller } from './types.js';

export type Body = Record<string, unknown>;

export const JSON_CONTENT_TYPE = 'application/x-amz-json-1.0';

/** The body as a JSON object; an empty body is `{}`; anything else (bad JSON, an array, a scalar) is `notAnObject`. */
export const parseJsonBody = (body: Buffer, notAnObject: () => Error): Body => {
  const text = body.toString('utf8').trim();
  if (text === '') return {};
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) return parsed as Body;
  } catch {
    // answered below
  }
  throw notAnObject();
};

/** How a service refuses a field: a value of the wrong type (`"<field> must be a string"`), a required one absent. */
export interface FieldErrors {
  typeError: (message: string) => Error;
  missing: (field: string) => Error;
}

/** The field readers bound to a service's errors. A field that is absent or `null` reads as `undefined`. */
export const jsonFields = (errors: FieldErrors) => {
  const optionalString = (body: Body, field: string): string | undefined => {
    const value = body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw errors.typeError(`${field} must be a string`);
    return value;
  };

  const requiredString = (body: Body, field: string): string => {
    const value = optionalString(body, field);
    if (value === undefined) throw errors.missing(field);
    return value;
  };

  const optionalBoolean = (body: Body, field: string): boolean | undefined => {
    const value = body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw errors.typeError(`${field} must be a boolean`);
    return value;
  };

  const optionalInteger = (body: Body, field: string): number | undefined => {
    const value = body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw errors.typeError(`${field} must be an integer`);
    return value;
  };

  const optionalRecord = (body: Body, field: string): Record<string, unknown> | undefined => {
    const value = body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw errors.typeError(`${field} must be a structure`);
    return value as Record<string, unknown>;
  };

  const optionalList = (body: Body, field: string): unknown[] | undefined => {
    const value = body[field];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value)) throw errors.typeError(`${field} must be a list`);
    return value;
  };

  const optionalStrings = (body: Body, field: string): string[] | undefined => {
    const value = body[field];
    if (value === undefined || value === null) return undefined;
    if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) {
      throw errors.typeError(`${field} must be a list of strings`);
    }
    return value as string[];
  };

  /** A map of strings (SQS's queue attributes and tags), own properties only. */
  const optionalStringMap = (body: Body, field: string): Map<string, string> | undefined => {
    const value = body[field];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'object' || Array.isArray(value)) throw errors.typeError(`${field} must be a map`);
    const map = new Map<string, string>();
    for (const [key, entry] of Object.entries(value)) {
      if (typeof entry !== 'string') throw errors.typeError(`${field}.${key} must be a string`);
      map.set(key, entry);
    }
    return map;
  };

  return {
    optionalString,
    requiredString,
    optionalBoolean,
    optionalInteger,
    optionalRecord,
    optionalList,
    optionalStrings,
    optionalStringMap,
  };
};

/** A JSON 1.0 answer, its body a string. */
export type JsonResponse = AwsResponse & { headers: Record<string, string>; body: string };

/** A JSON 1.0 answer; `headers` are the service's own, after the content type and request id. */
export const jsonAnswer = (
  status: number,
  payload: Record<string, unknown>,
  requestId: string,
  headers: Record<string, string> = {},
): JsonResponse => ({
  status,
  headers: { 'content-type': JSON_CONTENT_TYPE, 'x-amzn-requestid': requestId, ...headers },
  body: JSON.stringify(payload),
});

export type JsonAction = (body: Body, caller: Caller) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** What a service gives the dispatch: its target prefix, body parser, answers and modeled error class. */
export interface JsonDispatch<E extends Error> {
  /** `X-Amz-Target`'s prefix, e.g. `AmazonSQS.`. */
  targetPrefix: string;
  parseBody: (body: Buffer) => Body;
  unknownOperation: (action: string) => E;
  /** The service's modeled error: answered with `errorAnswer`; any other error propagates (the server's 500). */
  modeled: abstract new (
    ...args: never[]
  ) => E;
  respond: (payload: Record<string, unknown>, requestId: string) => AwsResponse;
  errorAnswer: (error: E, requestId: string) => AwsResponse;
}

/**
 * A service's `handle`: the action named by `X-Amz-Target` (an action outside the prefix, or none, is
 * `unknownOperation` of the whole target), checked before the body is parsed. Actions are looked up among the
 * record's own properties only: `toString` or `constructor` must not reach Object.prototype.
 */
export const jsonActionHandler =
  <E extends Error>(wire: JsonDispatch<E>, actions: Record<string, JsonAction>) =>
  async (request: AwsRequest): Promise<AwsResponse> => {
    try {
      const target = request.headers['x-amz-target'] ?? '';
      const action = target.startsWith(wire.targetPrefix) ? target.slice(wire.targetPrefix.length) : '';
      const run = Object.hasOwn(actions, action) ? actions[action] : undefined;
      if (!run) throw wire.unknownOperation(action || target);
      return wire.respond(await run(wire.parseBody(request.body), request.caller), request.requestId);
    } catch (error) {
      if (error instanceof wire.modeled) return wire.errorAnswer(error, request.requestId);
      throw error;
    }
  };
