// S3 objects: PutObject (the body streamed to disk and checked on the way, see body.ts; ACL headers refused when
// ACLs are disabled; metadata and content headers kept), GetObject and HeadObject (conditional requests, a single
// byte Range, checksum mode, the content streamed from disk). Deleting them: deletion.ts.
import { AwsError } from '../errors.js';
import type { AwsRequest, AwsResponse } from '../types.js';
import { grantsFromHeaders } from './acl.js';
import { receiveUpload } from './body.js';
import { httpDate, ok } from './errors.js';
import type { BucketRecord, ObjectRecord } from './model.js';
import type { S3Store } from './store.js';

export const putObject = async (
  store: S3Store,
  request: AwsRequest,
  bucket: BucketRecord,
  key: string,
): Promise<AwsResponse> => {
  if (Buffer.byteLength(key) > 1024) {
    throw new AwsError('KeyTooLongError', 'Your key is too long', 400);
  }
  const upload = await receiveUpload(request, store);
  const { headers } = request;
  const acl = headers['x-amz-acl'];
  let record: ObjectRecord;
  try {
    if (
      bucket.ownership === 'BucketOwnerEnforced' &&
      ((acl !== undefined && acl !== 'bucket-owner-full-control' && acl !== 'private') || grantsFromHeaders(headers))
    ) {
      throw new AwsError('AccessControlListNotSupported', 'The bucket does not allow ACLs', 400);
    }
    const contentEncoding = (headers['content-encoding'] ?? '')
      .split(',')
      .map((encoding) => encoding.trim())
      .filter((encoding) => encoding && encoding !== 'aws-chunked')
      .join(',');
    const encryption = headers['x-amz-server-side-encryption'];
    if (encryption !== undefined && !['AES256', 'aws:kms', 'aws:kms:dsse'].includes(encryption)) {
      throw new AwsError('InvalidArgument', 'The encryption method specified is not supported', 400);
    }
    const kms = encryption === 'aws:kms' || encryption === 'aws:kms:dsse' ? encryption : undefined;
    // Keyed by header names the client chose: no prototype.
    const metadata = Object.create(null) as Record<string, string>;
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
    }
    // The bucket may have been deleted while the body streamed in.
    if (!store.getBucket(bucket.name)) {
      throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, {
        fields: { BucketName: bucket.name },
      });
    }
    record = store.putObjectFile(bucket.name, key, upload.file, upload.content, {
      contentType: headers['content-type'] ?? 'binary/octet-stream',
      contentEncoding: contentEncoding || undefined,
      cacheControl: headers['cache-control'],
      contentDisposition: headers['content-disposition'],
      contentLanguage: headers['content-language'],
      metadata,
      serverSideEncryption: kms,
      sseKmsKeyId: kms && headers['x-amz-server-side-encryption-aws-kms-key-id'],
    });
  } finally {
    // putObjectFile moved (or removed) it; on an earlier error it is still there.
    store.discardTemporary(upload.file);
  }
  const echoed = Object.fromEntries(
    Object.entries(upload.checksums).map(([name, value]) => [`x-amz-checksum-${name}`, value]),
  );
  return ok(request, {
    headers: {
      etag: record.etag,
      ...encryptionHeaders(record),
      ...echoed,
      ...(Object.keys(echoed).length > 0 && { 'x-amz-checksum-type': 'FULL_OBJECT' }),
    },
  });
};

/** SSE-S3 unless the object was put with SSE-KMS, as S3 answers since it encrypts every object. */
const encryptionHeaders = (record: ObjectRecord): Record<string, string> => ({
  'x-amz-server-side-encryption': record.serverSideEncryption ?? 'AES256',
  ...(record.sseKmsKeyId && { 'x-amz-server-side-encryption-aws-kms-key-id': record.sseKmsKeyId }),
});

const objectHeaders = (record: ObjectRecord): Record<string, string> => ({
  etag: record.etag,
  'last-modified': httpDate(record.lastModified),
  'content-type': record.contentType ?? 'binary/octet-stream',
  'accept-ranges': 'bytes',
  ...encryptionHeaders(record),
  ...(record.contentEncoding && { 'content-encoding': record.contentEncoding }),
  ...(record.cacheControl && { 'cache-control': record.cacheControl }),
  ...(record.contentDisposition && { 'content-disposition': record.contentDisposition }),
  ...(record.contentLanguage && { 'content-language': record.contentLanguage }),
  ...Object.fromEntries(Object.entries(record.metadata).map(([name, value]) => [`x-amz-meta-${name}`, value])),
});

/** If-Match / If-None-Match / If-Modified-Since / If-Unmodified-Since, as S3 evaluates them. */
const preconditionResponse = (request: AwsRequest, record: ObjectRecord): AwsResponse | undefined => {
  const { headers } = request;
  const ifMatch = headers['if-match'];
  if (
    ifMatch !== undefined &&
    ifMatch !== '*' &&
    !ifMatch
      .split(',')
      .map((t) => t.trim())
      .includes(record.etag)
  ) {
    throw new AwsError('PreconditionFailed', 'At least one of the pre-conditions you specified did not hold', 412, {
      fields: { Condition: 'If-Match' },
    });
  }
  const ifNoneMatch = headers['if-none-match'];
  if (
    ifNoneMatch !== undefined &&
    (ifNoneMatch === '*' ||
      ifNoneMatch
        .split(',')
        .map((t) => t.trim())
        .includes(record.etag))
  ) {
    return ok(request, { status: 304, headers: { etag: record.etag } });
  }
  const modifiedSince = headers['if-modified-since'];
  if (modifiedSince !== undefined && ifNoneMatch === undefined) {
    const since = Date.parse(modifiedSince);
    if (!Number.isNaN(since) && Math.floor(Date.parse(record.lastModified) / 1000) * 1000 <= since) {
      return ok(request, { status: 304, headers: { etag: record.etag } });
    }
  }
  return undefined;
};

/** The one byte range of a `Range: bytes=…` header S3 serves, undefined when absent; InvalidRange when unsatisfiable. */
const rangeOf = (request: AwsRequest, record: ObjectRecord): { start: number; end: number } | undefined => {
  const range = request.headers.range;
  if (range === undefined) return undefined;
  const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  // S3 ignores a Range header it cannot parse and answers with the whole object.
  if (!match) return undefined;
  let start = match[1] ? Number(match[1]) : undefined;
  let end = match[2] ? Number(match[2]) : undefined;
  if (start === undefined && end !== undefined) {
    start = Math.max(0, record.size - end);
    end = record.size - 1;
  }
  if (start !== undefined && start < record.size) {
    end = Math.min(end ?? record.size - 1, record.size - 1);
    if (end >= start) return { start, end };
  }
  throw new AwsError('InvalidRange', 'The requested range is not satisfiable', 416, {
    fields: { RangeRequested: range, ActualObjectSize: String(record.size) },
  });
};

export const getObject = (
  store: S3Store,
  request: AwsRequest,
  bucket: BucketRecord,
  key: string,
  head: boolean,
): AwsResponse => {
  const record = store.headObject(bucket.name, key);
  if (!record) {
    throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { fields: { Key: key } });
  }
  const notModified = preconditionResponse(request, record);
  if (notModified) return notModified;
  const headers = objectHeaders(record);
  const range = rangeOf(request, record);
  if (range) {
    const stream = head ? undefined : store.readObject(bucket.name, key, range);
    return ok(request, {
      status: 206,
      headers: {
        ...headers,
        'content-range': `bytes ${range.start}-${range.end}/${record.size}`,
        'content-length': String(range.end - range.start + 1),
      },
      ...(stream && { stream }),
    });
  }
  // The SDK asks for checksums (x-amz-checksum-mode: ENABLED) and validates the body against them.
  const checksum: Record<string, string> =
    request.headers['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED'
      ? { 'x-amz-checksum-crc32': record.crc32, 'x-amz-checksum-type': 'FULL_OBJECT' }
      : {};
  // An empty object has nothing to stream (and a read stream cannot express an empty byte range).
  const stream = head || record.size === 0 ? undefined : store.readObject(bucket.name, key);
  return {
    status: 200,
    headers: {
      'x-amz-request-id': request.requestId,
      ...headers,
      ...checksum,
      'content-length': String(record.size),
    },
    ...(stream && { stream }),
  };
};
