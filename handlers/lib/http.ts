// The HTTP edge shared by the three API handlers: middy middlewares, JSON responses, and the one place where our
// errors become HTTP status codes and DESIGN.md's error bodies. The cores stay free of HTTP and Lambda details.
//
// Each API handler uses, in this order:
//   injectLambdaContext(logger, API_LOGGER_OPTIONS)  context in the logs, never the event (headers carry credentials)
//   httpHeaderNormalizer()                           lower-case header names
//   httpErrors()                                     every error → JSON error body (its onError covers what follows)
//   bodySizeLimit(MAX_REQUEST_BYTES), mediaTypeNormalizer(), httpJsonBodyParser()   routes with a body only
import type { MiddlewareObj } from '@middy/core';
import {
  AwsThrottledError,
  AwsUnavailableError,
  ExportConflictError,
  ExportNotFoundError,
  InvalidRequestError,
  TargetBucketNotAllowedError,
} from './errors.js';
import type { ApiResult } from './exports-api.js';
import { logger } from './logger.js';
import { isRecord } from './records.js';

/** The parts of an API Gateway proxy event the middlewares read (structural, so no Lambda types here). */
export interface HttpEvent {
  headers?: Record<string, string | undefined> | null;
  body?: unknown;
  isBase64Encoded?: boolean;
}

/** An API Gateway proxy result. */
export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface ErrorBody {
  error: {
    code: string;
    message: string;
    details?: ReadonlyArray<{ path: string; message: string }>;
    requestId?: string;
  };
}

// The SDK has already retried with backoff before we answer 429/503, so these are hints for a person or a
// script, not a retry policy: a short pause for throttling, a longer one for a service-side fault.
export const THROTTLED_RETRY_AFTER_SECONDS = 2;
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** `logEvent: false` also wins over POWERTOOLS_LOGGER_LOG_EVENT=true: the event holds the request headers. */
export const API_LOGGER_OPTIONS = { clearState: true, logEvent: false } as const;

const JSON_HEADERS = { 'Content-Type': 'application/json' } as const;

export const jsonResponse = (
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponse => ({
  statusCode,
  headers: { ...JSON_HEADERS, ...headers },
  body: JSON.stringify(body),
});

/** A core's result as an API Gateway response. */
export const toHttpResponse = <T>(result: ApiResult<T>): HttpResponse => jsonResponse(result.statusCode, result.body);

const errorResponse = (
  statusCode: number,
  error: ErrorBody['error'],
  headers: Record<string, string> = {},
): HttpResponse => jsonResponse(statusCode, { error } satisfies ErrorBody, headers);

/** An error from a middy middleware (`createError` in @middy/util): carries an HTTP status and `expose`. */
interface MiddyHttpError extends Error {
  statusCode: number;
  expose?: boolean;
}

const isMiddyHttpError = (error: unknown): error is MiddyHttpError =>
  error instanceof Error && typeof (error as Error & { statusCode?: unknown }).statusCode === 'number';

const JSON_PARSER_PACKAGE = '@middy/http-json-body-parser';

/**
 * @middy/http-json-body-parser answers 415 both for a non-JSON Content-Type ("Unsupported Media Type") and for a
 * body that does not parse. Only the first is a media type problem; the second is a bad request, and the
 * parser's message says where the JSON breaks.
 */
const fromJsonBodyParser = (error: MiddyHttpError): HttpResponse | undefined => {
  const cause = isRecord(error.cause) ? error.cause : {};
  if (cause.package !== JSON_PARSER_PACKAGE) return undefined;
  if (error.message === 'Unsupported Media Type') {
    return errorResponse(415, {
      code: 'UnsupportedMediaType',
      message: 'Send the request body as JSON with the header Content-Type: application/json.',
    });
  }
  const reason = typeof cause.message === 'string' ? cause.message.slice(0, 200) : 'the body is empty';
  return errorResponse(400, {
    code: 'InvalidRequest',
    message: `The request body is not valid JSON (${reason}). Send one JSON object, e.g. {"replicationGroupId": "my-group", "targetBucket": "my-bucket"}.`,
    details: [{ path: '$', message: `not valid JSON: ${reason}` }],
  });
};

const INTERNAL_ERROR_MESSAGE = 'The service could not complete the request. Quote the requestId when reporting it.';

/**
 * Maps any error to an HTTP response. Only errors we threw on purpose, and 4xx errors from middy, show their
 * message; everything else becomes a 500 with a generic message and the request id, never internals.
 */
export const toErrorResponse = (error: unknown, requestId: string | undefined): HttpResponse => {
  if (error instanceof InvalidRequestError) {
    return errorResponse(400, {
      code: 'InvalidRequest',
      message: error.message,
      ...(error.issues.length > 0 && { details: error.issues }),
    });
  }
  if (error instanceof TargetBucketNotAllowedError) {
    return errorResponse(403, { code: 'TargetBucketNotAllowed', message: error.message });
  }
  if (error instanceof ExportNotFoundError)
    return errorResponse(404, { code: 'ExportNotFound', message: error.message });
  if (error instanceof ExportConflictError)
    return errorResponse(409, { code: 'ExportConflict', message: error.message });
  if (error instanceof AwsThrottledError) {
    return errorResponse(
      429,
      {
        code: 'Throttled',
        message: `AWS is throttling requests; retry after ${THROTTLED_RETRY_AFTER_SECONDS} seconds.`,
      },
      { 'Retry-After': String(THROTTLED_RETRY_AFTER_SECONDS) },
    );
  }
  if (error instanceof AwsUnavailableError) {
    return errorResponse(
      503,
      {
        code: 'ServiceUnavailable',
        message: `AWS is temporarily unavailable; retry after ${UNAVAILABLE_RETRY_AFTER_SECONDS} seconds.`,
      },
      { 'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
    );
  }
  if (isMiddyHttpError(error) && error.statusCode >= 400 && error.statusCode < 500 && error.expose !== false) {
    return (
      fromJsonBodyParser(error) ??
      errorResponse(error.statusCode, { code: error.name.replace(/Error$/, ''), message: error.message })
    );
  }
  return errorResponse(500, {
    code: 'InternalError',
    message: INTERNAL_ERROR_MESSAGE,
    ...(requestId && { requestId }),
  });
};

/** Turns every error into a JSON error response, and logs it without the request (headers may carry credentials). */
export const httpErrors = (): MiddlewareObj<HttpEvent, HttpResponse> => ({
  onError: (request) => {
    const response = toErrorResponse(request.error, request.context.awsRequestId);
    if (response.statusCode >= 500 && response.statusCode !== 503) {
      logger.error('Request failed', { statusCode: response.statusCode, error: request.error });
    } else if (response.statusCode === 429 || response.statusCode === 503) {
      logger.warn('AWS throttled or unavailable', { statusCode: response.statusCode, error: request.error });
    } else {
      // 4xx: the client's mistake. The status is enough; messages can quote the body.
      logger.info('Request rejected', { statusCode: response.statusCode });
    }
    request.response = response;
  },
});

const bodyBytes = (event: HttpEvent): number => {
  if (typeof event.body !== 'string') return 0;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').length : Buffer.byteLength(event.body, 'utf8');
};

/**
 * Media types are case-insensitive (RFC 9110, 8.3.1): `Application/JSON` is JSON. @middy/http-json-body-parser
 * matches lower case only, so the type and subtype are lowered before it looks (parameters are left as sent).
 */
export const mediaTypeNormalizer = (): MiddlewareObj<HttpEvent, HttpResponse> => ({
  before: (request) => {
    const headers = request.event.headers;
    const contentType = headers?.['content-type'];
    if (!headers || typeof contentType !== 'string') return;
    const [mediaType = '', ...parameters] = contentType.split(';');
    headers['content-type'] = [mediaType.trim().toLowerCase(), ...parameters].join(';');
  },
});

/** Answers 413 before parsing a body larger than `maxBytes`. */
export const bodySizeLimit = (maxBytes: number): MiddlewareObj<HttpEvent, HttpResponse> => ({
  before: (request) => {
    if (bodyBytes(request.event) <= maxBytes) return undefined;
    logger.info('Request rejected', { statusCode: 413 });
    return errorResponse(413, {
      code: 'RequestTooLarge',
      message: `The request body must be at most ${maxBytes} bytes.`,
    });
  },
});
