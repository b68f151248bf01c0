// Turns an AWS SDK error into one of our errors, keeping the wire code and the request id.
import { AwsThrottledError, AwsUnavailableError, ExportRejectedError } from '../errors.js';
import { isRecord } from '../records.js';

/** Wire codes that mean "slow down". The SDK retries some of them itself; APICallRateForCustomerExceeded it does not. */
const THROTTLING_CODES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'APICallRateForCustomerExceeded',
  'SlowDown',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
]);

/** SDK v3 class names that differ from the wire code (see the facts file's table). */
const SDK_NAME_TO_WIRE_CODE: Record<string, string> = {
  CacheClusterNotFoundFault: 'CacheClusterNotFound',
  InvalidParameterCombinationException: 'InvalidParameterCombination',
  // SNS's class for its InvalidParameter error.
  InvalidParameterException: 'InvalidParameter',
  InvalidParameterValueException: 'InvalidParameterValue',
  InvalidSnapshotStateFault: 'InvalidSnapshotState',
};

/** Errors from the network layer, before any AWS answer. */
const NETWORK_ERROR_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);

export interface AwsErrorFacts {
  code: string;
  message: string;
  requestId?: string;
  httpStatusCode?: number;
  serverFault: boolean;
}

/** Reads what an SDK v3 service exception carries, without trusting its shape. */
export const awsErrorFacts = (error: unknown): AwsErrorFacts => {
  if (!(error instanceof Error)) return { code: 'Unknown', message: String(error), serverFault: false };
  const record: Record<string, unknown> = isRecord(error) ? (error as unknown as Record<string, unknown>) : {};
  const metadata = isRecord(record.$metadata) ? record.$metadata : {};
  const requestId = typeof metadata.requestId === 'string' ? metadata.requestId : undefined;
  const httpStatusCode = typeof metadata.httpStatusCode === 'number' ? metadata.httpStatusCode : undefined;
  const rawCode = typeof record.Code === 'string' ? record.Code : error.name;
  const code = SDK_NAME_TO_WIRE_CODE[rawCode] ?? rawCode;
  const serverFault = record.$fault === 'server' || (httpStatusCode !== undefined && httpStatusCode >= 500);
  return {
    code,
    message: error.message,
    serverFault,
    ...(requestId && { requestId }),
    ...(httpStatusCode !== undefined && { httpStatusCode }),
  };
};

const isNetworkError = (error: unknown): boolean =>
  error instanceof Error &&
  (NETWORK_ERROR_CODES.has((error as Error & { code?: string }).code ?? '') || error.name === 'TimeoutError');

/**
 * Maps an SDK error to the error the state machine acts on: throttling and server faults are retried by the
 * state machine; everything else is a rejection that the error catalogue explains.
 */
export const toAwsFailure = (error: unknown, action: string): Error => {
  const facts = awsErrorFacts(error);
  const details = { awsErrorCode: facts.code, ...(facts.requestId && { requestId: facts.requestId }) };
  if (THROTTLING_CODES.has(facts.code)) {
    return new AwsThrottledError(`${action} was throttled: ${facts.message}`, details, { cause: error });
  }
  if (facts.serverFault || isNetworkError(error)) {
    return new AwsUnavailableError(`${action} failed on the AWS side: ${facts.message}`, details, { cause: error });
  }
  return new ExportRejectedError(facts.message, details, { cause: error });
};

/** Runs an AWS call and rethrows its failure as one of our errors. */
export const callAws = async <T>(action: string, call: () => Promise<T>): Promise<T> => {
  try {
    return await call();
  } catch (error) {
    throw toAwsFailure(error, action);
  }
};
