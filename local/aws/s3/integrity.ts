// The integrity headers of a small S3 request body held in memory (DeleteObjects, which requires one): Content-MD5,
// or one flexible checksum `x-amz-checksum-<algorithm>` (the SDK v3 sends CRC32 by default, with
// `x-amz-sdk-checksum-algorithm: CRC32`), checked against the body as S3 checks them. Amazon S3 API Reference,
// DeleteObjects: the Content-MD5 header "is required for all Multi-Object Delete requests"; S3 accepts a flexible
// checksum in its place since flexible checksums exist (what SDK v3 and botocore send today). CRC32C and CRC64NVME
// values are checked for form only, as PutObject's are (body.ts: no implementation of either here).
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { AwsError } from '../errors.js';

/** Each flexible checksum S3 accepts, with the length of its digest in bytes. */
const CHECKSUM_BYTES: ReadonlyMap<string, number> = new Map([
  ['crc32', 4],
  ['crc32c', 4],
  ['crc64nvme', 8],
  ['sha1', 20],
  ['sha256', 32],
]);

const isBase64Of = (value: string, bytes: number): boolean => {
  const digest = Buffer.from(value, 'base64');
  return digest.length === bytes && digest.toString('base64') === value;
};

const invalidRequest = (message: string): AwsError => new AwsError('InvalidRequest', message, 400);

/** The digest of `body` S3 compares an `x-amz-checksum-<algorithm>` value with, or undefined when not computed. */
const digestOf = (algorithm: string, body: Buffer): string | undefined => {
  if (algorithm === 'crc32') {
    const value = Buffer.alloc(4);
    value.writeUInt32BE(zlib.crc32(body) >>> 0);
    return value.toString('base64');
  }
  if (algorithm === 'sha1' || algorithm === 'sha256') return createHash(algorithm).update(body).digest('base64');
  return undefined;
};

/**
 * Checks a body's Content-MD5 and flexible checksum headers; with `required`, refuses a body that has neither (S3's
 * answer to a DeleteObjects without one: InvalidRequest "Missing required header for this request: Content-MD5").
 * Messages as S3 sends them (recalled from its answers where its error list gives only a description).
 */
export const checkBodyIntegrity = (
  headers: Readonly<Record<string, string>>,
  body: Buffer,
  options: { required: boolean },
): void => {
  const sent = [...CHECKSUM_BYTES.keys()].filter((algorithm) => headers[`x-amz-checksum-${algorithm}`] !== undefined);
  const announced = headers['x-amz-sdk-checksum-algorithm']?.toLowerCase();
  if (announced !== undefined) {
    if (!CHECKSUM_BYTES.has(announced) || (sent.length > 0 && !sent.includes(announced))) {
      throw invalidRequest('Value for x-amz-sdk-checksum-algorithm header is invalid.');
    }
    if (sent.length === 0) {
      throw invalidRequest(
        'x-amz-sdk-checksum-algorithm specified, but no corresponding x-amz-checksum-* or x-amz-trailer headers were found.',
      );
    }
  }
  if (sent.length > 1) {
    throw invalidRequest('Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.');
  }
  const [algorithm] = sent;
  if (algorithm !== undefined) {
    const value = headers[`x-amz-checksum-${algorithm}`] ?? '';
    if (!isBase64Of(value, CHECKSUM_BYTES.get(algorithm) ?? 0)) {
      throw invalidRequest(`Value for x-amz-checksum-${algorithm} header is invalid.`);
    }
    const digest = digestOf(algorithm, body);
    if (digest !== undefined && digest !== value) {
      throw new AwsError(
        'BadDigest',
        `The ${algorithm.toUpperCase()} you specified did not match the calculated checksum.`,
        400,
      );
    }
  }
  const md5 = headers['content-md5'];
  if (md5 !== undefined) {
    if (!isBase64Of(md5, 16)) throw new AwsError('InvalidDigest', 'The Content-MD5 you specified was invalid.', 400);
    if (md5 !== createHash('md5').update(body).digest('base64')) {
      throw new AwsError('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
    }
  }
  if (options.required && md5 === undefined && algorithm === undefined) {
    throw invalidRequest('Missing required header for this request: Content-MD5');
  }
};
