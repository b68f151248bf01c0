// S3 addressing and operation naming: which bucket and key a request names (path-style `/bucket/key` or
// virtual-hosted `bucket.localhost`), which subresource (`?acl`, `?policy`…) names its operation, and the operation
// name the NotImplemented error quotes for what the emulator does not serve.
import { AwsError } from '../errors.js';
import type { AwsRequest } from '../types.js';

export interface Target {
  bucket?: string;
  key?: string;
}

const decodePath = (raw: string): string => {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new AwsError('InvalidURI', "Couldn't parse the specified URI.", 400);
  }
};

/** Bucket and key from a virtual-hosted Host (`bucket.localhost`, `bucket.s3.localhost`) or the path. */
export const targetOf = (request: AwsRequest): Target => {
  const hostname = request.host.replace(/:\d+$/, '').toLowerCase();
  const virtual = /^(.+?)(?:\.s3)?\.localhost$/.exec(hostname);
  const rawPath = request.path.startsWith('/') ? request.path.slice(1) : request.path;
  if (virtual?.[1] && virtual[1] !== 's3') {
    return { bucket: virtual[1], ...(rawPath !== '' && { key: decodePath(rawPath) }) };
  }
  if (rawPath === '') return {};
  const slash = rawPath.indexOf('/');
  if (slash === -1) return { bucket: decodePath(rawPath) };
  const key = rawPath.slice(slash + 1);
  return { bucket: decodePath(rawPath.slice(0, slash)), ...(key !== '' && { key: decodePath(key) }) };
};

/** Query parameters that are arguments of an operation, not the subresource that names it. */
const ARGUMENTS = new Set([
  'prefix',
  'delimiter',
  'max-keys',
  'continuation-token',
  'start-after',
  'fetch-owner',
  'encoding-type',
  'list-type',
  'marker',
  'max-buckets',
  'bucket-region',
  'x-id',
  'versionId',
  'partNumber',
]);

export const subresourceOf = (query: URLSearchParams): string | undefined =>
  [...query.keys()].find(
    (name) => !ARGUMENTS.has(name) && !name.toLowerCase().startsWith('x-amz-') && !name.startsWith('response-'),
  );

const VERB = new Map([
  ['GET', 'Get'],
  ['PUT', 'Put'],
  ['DELETE', 'Delete'],
  ['POST', 'Post'],
  ['HEAD', 'Head'],
]);

/** A name for an operation the emulator does not implement, for the NotImplemented message. */
export const operationName = (
  method: string,
  target: Target,
  query: URLSearchParams,
  sub: string | undefined,
): string => {
  const sdkName = query.get('x-id');
  if (sdkName) return sdkName;
  if (query.has('uploads')) return method === 'POST' ? 'CreateMultipartUpload' : 'ListMultipartUploads';
  if (query.has('uploadId')) {
    return (
      { PUT: 'UploadPart', POST: 'CompleteMultipartUpload', DELETE: 'AbortMultipartUpload' }[method] ?? 'ListParts'
    );
  }
  const scope = target.key === undefined ? 'Bucket' : 'Object';
  const suffix = sub ? sub.charAt(0).toUpperCase() + sub.slice(1) : '';
  return `${VERB.get(method) ?? method}${scope}${suffix}`;
};
