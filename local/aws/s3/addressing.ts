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

/**
 * The query-string subresources that name an S3 operation (the bucket and object operations of the Amazon S3 API
 * Reference: `GET /bucket?acl` is GetBucketAcl, `POST /bucket?delete` DeleteObjects, ...). Any other parameter is
 * an operation's argument (prefix, max-keys, versionId, x-id, response-*) or one S3 does not know, which S3
 * ignores rather than refuses (assumed from its behaviour with cache-busting parameters such as `?v=2`): neither
 * names an operation, so `GET /bucket/key?constructor=1` is GetObject. A Set: request names cannot reach a
 * prototype.
 */
const SUBRESOURCES = new Set([
  'accelerate',
  'acl',
  'analytics',
  'attributes',
  'cors',
  'delete',
  'encryption',
  'intelligent-tiering',
  'inventory',
  'legal-hold',
  'lifecycle',
  'location',
  'logging',
  'metadataConfiguration',
  'metadataTable',
  'metrics',
  'notification',
  'object-lock',
  'ownershipControls',
  'policy',
  'policyStatus',
  'publicAccessBlock',
  'renameObject',
  'replication',
  'requestPayment',
  'restore',
  'retention',
  'select',
  'session',
  'tagging',
  'torrent',
  'uploadId',
  'uploads',
  'versioning',
  'versions',
  'website',
]);

export const subresourceOf = (query: URLSearchParams): string | undefined =>
  [...query.keys()].find((name) => SUBRESOURCES.has(name));

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
