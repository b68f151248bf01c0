// Every error the service throws on purpose. An error's `name` is a public contract: the state machine's
// Retry and Catch match on it (statemachine/export-snapshot.asl.json), and a test keeps the two in step.
import { isRecord } from './records.js';

/** What travels with a failure besides its message, so the notification can name the cause precisely. */
export interface FailureDetails {
  /** Catalogue code chosen by our own checks, e.g. `DataTieringNotSupported`. */
  code?: string;
  /** The AWS wire error code, e.g. `InvalidParameterValue`. */
  awsErrorCode?: string;
  /** The AWS request id of the failed call. */
  requestId?: string;
}

abstract class DetailedError extends Error {
  public readonly details: FailureDetails;

  protected constructor(message: string, details: FailureDetails, options?: ErrorOptions) {
    // Lambda serialises only `errorType` (name) and `errorMessage` into the task's Cause, so the details ride in
    // the message behind a marker line that decodeFailureCause() strips again.
    super(encodeMessage(message, details), options);
    this.details = details;
  }
}

/** The request or the environment makes the export impossible; retrying will not help. */
export class ExportRejectedError extends DetailedError {
  public constructor(message: string, details: FailureDetails = {}, options?: ErrorOptions) {
    super(message, details, options);
    this.name = 'ExportRejectedError';
  }
}

/** The export ran but did not produce what it should (no objects, missing shards, source failed). */
export class ExportFailedError extends DetailedError {
  public constructor(message: string, details: FailureDetails = {}, options?: ErrorOptions) {
    super(message, details, options);
    this.name = 'ExportFailedError';
  }
}

/** The export did not finish before its deadline. */
export class ExportDeadlineError extends DetailedError {
  public constructor(message: string, details: FailureDetails = { code: 'DeadlinePassed' }, options?: ErrorOptions) {
    super(message, details, options);
    this.name = 'ExportDeadlineError';
  }
}

/**
 * AWS throttled the call even after the SDK's own retries; the state machine retries with backoff (a polling check:
 * counts it as a failed check and checks again after the usual wait).
 */
export class AwsThrottledError extends DetailedError {
  public constructor(message: string, details: FailureDetails = {}, options?: ErrorOptions) {
    super(message, details, options);
    this.name = 'AwsThrottledError';
  }
}

/** AWS answered with a server-side fault or could not be reached; worth retrying. */
export class AwsUnavailableError extends DetailedError {
  public constructor(message: string, details: FailureDetails = {}, options?: ErrorOptions) {
    super(message, details, options);
    this.name = 'AwsUnavailableError';
  }
}

/** Untrusted input (API body or scheduled input) does not match the request schema. */
export class InvalidRequestError extends Error {
  public readonly issues: ReadonlyArray<{ path: string; message: string }>;

  public constructor(message: string, issues: ReadonlyArray<{ path: string; message: string }> = []) {
    super(message);
    this.name = 'InvalidRequestError';
    this.issues = issues;
  }
}

/** The target bucket is not on the allow-list. */
export class TargetBucketNotAllowedError extends Error {
  public constructor(bucket: string) {
    super(`Target bucket ${bucket} is not on the allow-list (ALLOWED_TARGET_BUCKETS).`);
    this.name = 'TargetBucketNotAllowedError';
  }
}

/** The same export id was requested with a different request. */
export class ExportConflictError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ExportConflictError';
  }
}

/** No export has this id (GET /exports/{exportId}). */
export class ExportNotFoundError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ExportNotFoundError';
  }
}

/** A required setting is missing or malformed; raised at cold start. */
export class ConfigError extends Error {
  public constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Names of the errors that the state machine retries or catches by name. */
export const STATE_MACHINE_ERROR_NAMES = [
  'ExportRejectedError',
  'ExportFailedError',
  'ExportDeadlineError',
  'AwsThrottledError',
  'AwsUnavailableError',
  'InvalidRequestError',
  'TargetBucketNotAllowedError',
] as const;

const DETAILS_MARKER = '\n[details] ';

const encodeMessage = (message: string, details: FailureDetails): string => {
  const present = Object.fromEntries(Object.entries(details).filter(([, value]) => value !== undefined));
  return Object.keys(present).length === 0 ? message : `${message}${DETAILS_MARKER}${JSON.stringify(present)}`;
};

/** A failure as the state machine hands it to PublishFailure (`$.error`), decoded. */
export interface DecodedFailure {
  /** The error name (Step Functions `Error`), e.g. `ExportRejectedError`, `States.Timeout`. */
  errorName: string;
  message: string;
  details: FailureDetails;
}

const parseDetails = (raw: string): FailureDetails => {
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!isRecord(parsed)) return {};
    const pick = (key: string): string | undefined => (typeof parsed[key] === 'string' ? parsed[key] : undefined);
    const details: FailureDetails = {};
    const code = pick('code');
    const awsErrorCode = pick('awsErrorCode');
    const requestId = pick('requestId');
    if (code) details.code = code;
    if (awsErrorCode) details.awsErrorCode = awsErrorCode;
    if (requestId) details.requestId = requestId;
    return details;
  } catch {
    return {};
  }
};

/**
 * Decodes a Step Functions `{ Error, Cause }` pair. On AWS a Lambda task's Cause is the JSON
 * `{ errorType, errorMessage, trace }`; other sources (States.Timeout, local runners) give plain text.
 */
export const decodeFailureCause = (errorName: string, cause: string | undefined): DecodedFailure => {
  let text = cause ?? '';
  try {
    const parsed: unknown = JSON.parse(text);
    if (isRecord(parsed) && typeof parsed.errorMessage === 'string') text = parsed.errorMessage;
  } catch {
    // Plain-text cause: keep it as it is.
  }
  const at = text.lastIndexOf(DETAILS_MARKER);
  if (at < 0) return { errorName, message: text.trim(), details: {} };
  return {
    errorName,
    message: text.slice(0, at).trim(),
    details: parseDetails(text.slice(at + DETAILS_MARKER.length)),
  };
};
