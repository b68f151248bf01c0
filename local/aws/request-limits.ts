// How large a request body each emulated service accepts, what it answers past that, and what it answers when a
// body stops arriving. S3 takes large bodies (spooled to disk past the server's memory threshold); every other
// service gets its body in memory, within its own limit.
import { AwsError } from './errors.js';
import { entityTooLarge, isAwsChunked, MAX_PUT_OBJECT_BYTES } from './s3/body.js';

export interface BodyLimit {
  maxBytes: number;
  /** Whether a body past the memory threshold may be spooled to disk (S3), instead of held in memory. */
  spool: boolean;
  tooLarge(size: number): AwsError;
}

const MIB = 1024 * 1024;

/**
 * A single PUT uploads at most 5 GiB of content; an aws-chunked body carries that plus its chunk framing (about
 * 90 bytes per 64 KiB chunk with signatures, ~0.15 %), for which 1 % is allowed here (assumed; S3 limits the
 * decoded size, which the upload itself checks).
 */
const S3_RAW_BODY_BYTES = Math.ceil(MAX_PUT_OBJECT_BYTES * 1.01);

/**
 * Step Functions: "Maximum request size: 1 MB per request", the total data of one API request (Step Functions
 * service quotas, https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html). The error it answers
 * with is not documented: 413 RequestEntityTooLarge is assumed.
 */
const STATES_MAX_BYTES = 1 * MIB;

/**
 * ElastiCache and SNS (query protocol) document no request size; SNS's largest payloads are 256 KiB (a message, or
 * a batch), which form encoding can triple. 1 MiB (ElastiCache) and 2 MiB (SNS) leave room (assumed), with the same
 * assumed 413 RequestEntityTooLarge.
 */
const QUERY_MAX_BYTES = new Map([
  ['elasticache', 1 * MIB],
  ['sns', 2 * MIB],
]);

/**
 * DynamoDB: "A single call to BatchWriteItem can transmit up to 16MB of data over the network" (API reference,
 * BatchWriteItem), the largest request it documents; the emulated actions' own limits (400 KB items) apply inside.
 * SQS: a message of up to 1 MiB (MaximumMessageSize, API reference CreateQueue) travels JSON-escaped, which can
 * grow it several times over; 8 MiB leaves room, so the service answers an oversized message itself (assumed).
 * Past either, the same assumed 413 RequestEntityTooLarge.
 */
const JSON_MAX_BYTES = new Map([
  ['dynamodb', 16 * MIB],
  ['sqs', 8 * MIB],
]);

const requestEntityTooLarge =
  (maxBytes: number) =>
  (size: number): AwsError =>
    new AwsError('RequestEntityTooLarge', `Request size ${size} exceeded the maximum of ${maxBytes} bytes.`, 413);

/** The limit of a request to `service`; for S3 it depends on whether the body is aws-chunked (framing included). */
export const bodyLimitFor = (service: string, headers: Record<string, string>): BodyLimit => {
  if (service === 's3') {
    const maxBytes = isAwsChunked(headers) ? S3_RAW_BODY_BYTES : MAX_PUT_OBJECT_BYTES;
    return { maxBytes, spool: true, tooLarge: entityTooLarge };
  }
  const maxBytes =
    service === 'states' ? STATES_MAX_BYTES : (QUERY_MAX_BYTES.get(service) ?? JSON_MAX_BYTES.get(service) ?? 1 * MIB);
  return { maxBytes, spool: false, tooLarge: requestEntityTooLarge(maxBytes) };
};

/** The bodies of the emulator's own `/_local/*` endpoints are small JSON documents. */
export const LOCAL_BODY_MAX_BYTES = 1 * MIB;

/**
 * What S3 answers when a body stops arriving: RequestTimeout, 400 (S3 error code list,
 * https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html). The other services are not documented to
 * answer anything: the emulator closes the connection, as a load balancer would.
 */
export const requestTimeout = (): AwsError =>
  new AwsError(
    'RequestTimeout',
    'Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.',
    400,
  );
