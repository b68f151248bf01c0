// S3 listing: ListObjectsV2 and ListObjects (V1) over a bucket's keys in UTF-8 binary order, with prefix, delimiter
// (common prefixes count as one entry), max-keys, continuation tokens / markers and URL encoding, as S3 pages them.
import type { AwsRequest, AwsResponse } from '../types.js';
import { s3Document, type XmlValue, xmlFlatList } from '../xml.js';
import { invalidArgument, isoDate, ok, ownerXml } from './errors.js';
import type { BucketRecord, ObjectRecord } from './model.js';
import type { S3Store } from './store.js';

interface ListPage {
  contents: ObjectRecord[];
  commonPrefixes: string[];
  truncated: boolean;
  /** Where the next page starts: after this key, or after every key under this common prefix. */
  last?: { value: string; isPrefix: boolean };
}

/** One page of keys after `after`, grouped by `delimiter` the way S3 groups them (a common prefix counts as one). */
const listPage = (
  objects: readonly ObjectRecord[],
  options: { prefix: string; delimiter: string; maxKeys: number; after?: { value: string; isPrefix: boolean } },
): ListPage => {
  const contents: ObjectRecord[] = [];
  const commonPrefixes: string[] = [];
  let last: ListPage['last'];
  const { after } = options;
  for (const object of objects) {
    if (!object.key.startsWith(options.prefix)) continue;
    if (after && Buffer.compare(Buffer.from(object.key), Buffer.from(after.value)) <= 0) continue;
    if (after?.isPrefix && object.key.startsWith(after.value)) continue;
    let commonPrefix: string | undefined;
    if (options.delimiter) {
      const index = object.key.indexOf(options.delimiter, options.prefix.length);
      if (index !== -1) commonPrefix = object.key.slice(0, index + options.delimiter.length);
    }
    if (commonPrefix !== undefined && commonPrefix === commonPrefixes[commonPrefixes.length - 1]) continue;
    if (contents.length + commonPrefixes.length >= options.maxKeys) {
      return { contents, commonPrefixes, truncated: true, ...(last && { last }) };
    }
    if (commonPrefix !== undefined) {
      commonPrefixes.push(commonPrefix);
      last = { value: commonPrefix, isPrefix: true };
    } else {
      contents.push(object);
      last = { value: object.key, isPrefix: false };
    }
  }
  return { contents, commonPrefixes, truncated: false, ...(last && { last }) };
};

const encodeToken = (last: { value: string; isPrefix: boolean }): string =>
  Buffer.from(JSON.stringify({ v: last.value, p: last.isPrefix })).toString('base64');

const decodeToken = (token: string): { value: string; isPrefix: boolean } => {
  try {
    const decoded = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { v?: unknown; p?: unknown };
    if (typeof decoded.v === 'string') return { value: decoded.v, isPrefix: decoded.p === true };
  } catch {
    // Falls through to the error S3 gives for a token it did not issue.
  }
  throw invalidArgument('The continuation token provided is incorrect', 'continuation-token', token);
};

const maxKeysOf = (query: URLSearchParams): number => {
  const raw = query.get('max-keys');
  if (raw === null || raw === '') return 1000;
  if (!/^\d+$/.test(raw))
    throw invalidArgument('Provided max-keys not an integer or within integer range', 'max-keys', raw);
  return Math.min(1000, Number(raw));
};

const objectSummary = (object: ObjectRecord, encode: (value: string) => string, owner?: string): XmlValue => ({
  Key: encode(object.key),
  LastModified: isoDate(object.lastModified),
  ETag: object.etag,
  ChecksumAlgorithm: 'CRC32',
  ChecksumType: 'FULL_OBJECT',
  Size: object.size,
  StorageClass: 'STANDARD',
  Owner: owner ? ownerXml(owner) : undefined,
});

export const listObjectsV2 = (store: S3Store, request: AwsRequest, bucket: BucketRecord): AwsResponse => {
  const { query } = request;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeys = maxKeysOf(query);
  const encoding = query.get('encoding-type');
  if (encoding !== null && encoding !== 'url')
    throw invalidArgument('Invalid Encoding Method specified in Request', 'encoding-type', encoding);
  const encode = (value: string): string =>
    encoding === 'url' ? encodeURIComponent(value).replace(/%2F/g, '/') : value;
  const token = query.get('continuation-token');
  const startAfter = query.get('start-after');
  const after = token ? decodeToken(token) : startAfter ? { value: startAfter, isPrefix: false } : undefined;
  const fetchOwner = query.get('fetch-owner') === 'true';
  const page = listPage(store.listObjects(bucket.name), { prefix, delimiter, maxKeys, ...(after && { after }) });
  return ok(request, {
    body: s3Document('ListBucketResult', {
      Name: bucket.name,
      Prefix: encode(prefix),
      Delimiter: delimiter ? encode(delimiter) : undefined,
      MaxKeys: maxKeys,
      EncodingType: encoding ?? undefined,
      KeyCount: page.contents.length + page.commonPrefixes.length,
      IsTruncated: page.truncated,
      ContinuationToken: token ?? undefined,
      NextContinuationToken: page.truncated && page.last ? encodeToken(page.last) : undefined,
      StartAfter: startAfter ? encode(startAfter) : undefined,
      Contents: xmlFlatList(
        page.contents.map((object) => objectSummary(object, encode, fetchOwner ? bucket.ownerAccountId : undefined)),
      ),
      CommonPrefixes: xmlFlatList(page.commonPrefixes.map((commonPrefix) => ({ Prefix: encode(commonPrefix) }))),
    }),
  });
};

export const listObjectsV1 = (store: S3Store, request: AwsRequest, bucket: BucketRecord): AwsResponse => {
  const { query } = request;
  const prefix = query.get('prefix') ?? '';
  const delimiter = query.get('delimiter') ?? '';
  const maxKeys = maxKeysOf(query);
  const encoding = query.get('encoding-type');
  const encode = (value: string): string =>
    encoding === 'url' ? encodeURIComponent(value).replace(/%2F/g, '/') : value;
  const marker = query.get('marker') ?? '';
  const page = listPage(store.listObjects(bucket.name), {
    prefix,
    delimiter,
    maxKeys,
    ...(marker && { after: { value: marker, isPrefix: marker.endsWith(delimiter) && delimiter !== '' } }),
  });
  return ok(request, {
    body: s3Document('ListBucketResult', {
      Name: bucket.name,
      Prefix: encode(prefix),
      Marker: encode(marker),
      MaxKeys: maxKeys,
      Delimiter: delimiter ? encode(delimiter) : undefined,
      EncodingType: encoding ?? undefined,
      IsTruncated: page.truncated,
      NextMarker: page.truncated && delimiter && page.last ? encode(page.last.value) : undefined,
      Contents: xmlFlatList(page.contents.map((object) => objectSummary(object, encode, bucket.ownerAccountId))),
      CommonPrefixes: xmlFlatList(page.commonPrefixes.map((commonPrefix) => ({ Prefix: encode(commonPrefix) }))),
    }),
  });
};
