// Errors of the emulated services and how each AWS protocol puts them on the wire: query (ElastiCache, SNS),
// REST/XML (S3) and JSON (Step Functions). A service throws AwsError; the server renders it.
import type { AwsResponse } from './types.js';
import { escapeXml } from './xml.js';

export type ErrorType = 'Sender' | 'Receiver';

export interface AwsErrorOptions {
  /** `Sender` (client fault, the default for 4xx) or `Receiver` (server fault, the default for 5xx). */
  type?: ErrorType;
  /** Extra elements of an S3 error (`BucketName`, `Key`, `Endpoint`…), rendered after `Message`. */
  fields?: Record<string, string>;
  /** Extra response headers (e.g. `x-amz-bucket-region` on a redirect). */
  headers?: Record<string, string>;
}

/** An error a real AWS service would return: wire code, message and HTTP status. */
export class AwsError extends Error {
  public readonly code: string;
  public readonly status: number;
  public readonly type: ErrorType;
  public readonly fields: Record<string, string>;
  public readonly headers: Record<string, string>;

  public constructor(code: string, message: string, status = 400, options: AwsErrorOptions = {}) {
    super(message);
    this.name = 'AwsError';
    this.code = code;
    this.status = status;
    this.type = options.type ?? (status >= 500 ? 'Receiver' : 'Sender');
    this.fields = options.fields ?? {};
    this.headers = options.headers ?? {};
  }
}

/** What the server answers when a service throws something that is not an AwsError (the bug is logged). */
export const internalFailure = (): AwsError =>
  new AwsError(
    'InternalFailure',
    'The request processing has failed because of an unknown error, exception or failure.',
    500,
  );

/** Throttling as ElastiCache and SNS send it; the SDK retries it. */
export const throttling = (): AwsError => new AwsError('Throttling', 'Rate exceeded', 400);

/** Query protocol (ElastiCache, SNS): `<ErrorResponse><Error>…</Error><RequestId>…</RequestId></ErrorResponse>`. */
export const queryErrorResponse = (error: AwsError, requestId: string, xmlns?: string): AwsResponse => ({
  status: error.status,
  headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId, ...error.headers },
  body:
    `<ErrorResponse${xmlns ? ` xmlns="${xmlns}"` : ''}>` +
    `<Error><Type>${error.type}</Type><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`,
});

/**
 * S3 (REST/XML): `<Error><Code>…</Code><Message>…</Message>[fields]<RequestId>…</RequestId><HostId>…</HostId></Error>`.
 * HEAD responses carry no body, as S3's do (the SDK then names the error after the status: NotFound, Forbidden).
 */
export const s3ErrorResponse = (error: AwsError, requestId: string, method: string): AwsResponse => {
  const hostId = Buffer.from(requestId).toString('base64');
  const headers = {
    'x-amz-request-id': requestId,
    'x-amz-id-2': hostId,
    ...error.headers,
  };
  if (method === 'HEAD') return { status: error.status, headers };
  const fields = Object.entries(error.fields)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join('');
  return {
    status: error.status,
    headers: { 'content-type': 'application/xml', ...headers },
    body:
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message>${fields}` +
      `<RequestId>${requestId}</RequestId><HostId>${hostId}</HostId></Error>`,
  };
};

/** JSON 1.0/1.1 protocols (Step Functions): `{"__type": code, "message": …}` plus `x-amzn-ErrorType`. */
export const jsonErrorResponse = (error: AwsError, requestId: string): AwsResponse => ({
  status: error.status,
  headers: {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-requestid': requestId,
    'x-amzn-errortype': error.code,
    ...error.headers,
  },
  body: JSON.stringify({ __type: error.code, message: error.message }),
});

/** The wire protocol a request speaks, from its shape; used to render errors the service did not render itself. */
export type Protocol = 'query' | 'json' | 'rest-xml';

export const protocolOf = (headers: Record<string, string>, service: string): Protocol => {
  if (headers['x-amz-target'] || (headers['content-type'] ?? '').startsWith('application/x-amz-json')) return 'json';
  if (service === 's3') return 'rest-xml';
  return 'query';
};

export const errorResponse = (
  error: AwsError,
  request: { requestId: string; method: string; headers: Record<string, string>; service: string },
  xmlns?: string,
): AwsResponse => {
  switch (protocolOf(request.headers, request.service)) {
    case 'json':
      return jsonErrorResponse(error, request.requestId);
    case 'rest-xml':
      return s3ErrorResponse(error, request.requestId, request.method);
    default:
      return queryErrorResponse(error, request.requestId, xmlns);
  }
};

/**
 * The refusal of a request that is not signed, or not signed in a way AWS accepts, in the service's own terms. Query
 * and JSON services (ElastiCache, SNS, Step Functions) answer MissingAuthenticationToken (403) for no signature and
 * IncompleteSignature (400) for a SigV4 signature that lacks a part: the codes and statuses of the Common Errors
 * pages of their API references (e.g. https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html);
 * the message "Request is missing Authentication Token" is the one those services send (assumed from observed
 * answers, not documented). S3 answers an unsigned request as an anonymous one (AccessDenied on a private bucket)
 * and a malformed one with AuthorizationHeaderMalformed, AuthorizationQueryParametersError or, for SigV2,
 * InvalidRequest (S3 error code list).
 */
export const authenticationError = (
  service: string,
  problem: { kind: 'unsigned' } | { kind: 'malformed'; where: 'header' | 'query' | 'scheme'; message: string },
): AwsError => {
  if (service === 's3') {
    if (problem.kind === 'unsigned') return new AwsError('AccessDenied', 'Access Denied', 403);
    if (problem.where === 'query') return new AwsError('AuthorizationQueryParametersError', problem.message, 400);
    if (problem.where === 'scheme') {
      return new AwsError(
        'InvalidRequest',
        'The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.',
        400,
      );
    }
    return new AwsError(
      'AuthorizationHeaderMalformed',
      'The authorization header that you provided is not valid.',
      400,
    );
  }
  if (problem.kind === 'unsigned') {
    return new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
  }
  return new AwsError('IncompleteSignature', problem.message, 400);
};
