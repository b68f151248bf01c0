// S3 adapter: the only place that speaks to S3.
import {
  DeleteObjectsCommand,
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  type Grant,
  HeadBucketCommand,
  paginateListBuckets,
  paginateListObjectsV2,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ExportedObject } from '../contracts.js';
import { awsErrorFacts, callAws, toAwsFailure } from './failures.js';

/** Names of the buckets the caller's account owns (s3:ListAllMyBuckets). */
export const listOwnedBucketNames = (client: S3Client): Promise<Set<string>> =>
  callAws('ListBuckets', async () => {
    const names = new Set<string>();
    for await (const page of paginateListBuckets({ client }, {})) {
      for (const bucket of page.Buckets ?? []) if (bucket.Name) names.add(bucket.Name);
    }
    return names;
  });

export type BucketPresence = 'exists' | 'missing' | 'forbidden';

/** Whether a bucket exists at all, whoever owns it. */
export const bucketPresence = async (client: S3Client, bucket: string): Promise<BucketPresence> => {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return 'exists';
  } catch (error) {
    const { httpStatusCode, code } = awsErrorFacts(error);
    if (httpStatusCode === 404 || code === 'NotFound' || code === 'NoSuchBucket') return 'missing';
    if (httpStatusCode === 403 || code === 'Forbidden' || code === 'AccessDenied') return 'forbidden';
    // A 301 means the bucket exists in another Region.
    if (httpStatusCode === 301 || httpStatusCode === 400) return 'exists';
    throw toAwsFailure(error, 'HeadBucket');
  }
};

/** The bucket's Region. S3 reports us-east-1 as an empty constraint and eu-west-1 as the legacy `EU`. */
export const bucketRegion = (client: S3Client, bucket: string): Promise<string> =>
  callAws('GetBucketLocation', async () => {
    const { LocationConstraint } = await client.send(new GetBucketLocationCommand({ Bucket: bucket }));
    if (!LocationConstraint) return 'us-east-1';
    return LocationConstraint === 'EU' ? 'eu-west-1' : LocationConstraint;
  });

export const bucketAclGrants = (client: S3Client, bucket: string): Promise<Grant[]> =>
  callAws('GetBucketAcl', async () => (await client.send(new GetBucketAclCommand({ Bucket: bucket }))).Grants ?? []);

/** The bucket policy document, or undefined when the bucket has none. */
export const bucketPolicy = async (client: S3Client, bucket: string): Promise<string | undefined> => {
  try {
    return (await client.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy;
  } catch (error) {
    if (awsErrorFacts(error).code === 'NoSuchBucketPolicy') return undefined;
    throw toAwsFailure(error, 'GetBucketPolicy');
  }
};

/** The bucket's Object Ownership setting, or undefined when none is set (ACLs then apply). */
export const bucketObjectOwnership = async (client: S3Client, bucket: string): Promise<string | undefined> => {
  try {
    const { OwnershipControls } = await client.send(new GetBucketOwnershipControlsCommand({ Bucket: bucket }));
    return OwnershipControls?.Rules?.[0]?.ObjectOwnership;
  } catch (error) {
    if (awsErrorFacts(error).code === 'OwnershipControlsNotFoundError') return undefined;
    throw toAwsFailure(error, 'GetBucketOwnershipControls');
  }
};

/** An object as ListObjectsV2 describes it; `lastModified` is ISO 8601, so the value can travel as task output. */
export interface ListedObject extends ExportedObject {
  lastModified?: string;
}

/** Every object under a key prefix, all pages, with its LastModified. */
export const listObjectsByPrefix = (client: S3Client, bucket: string, prefix: string): Promise<ListedObject[]> =>
  callAws('ListObjectsV2', async () => {
    const objects: ListedObject[] = [];
    for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
      for (const { Key, Size, LastModified } of page.Contents ?? []) {
        if (Key)
          objects.push({
            key: Key,
            size: Size ?? 0,
            ...(LastModified && { lastModified: LastModified.toISOString() }),
          });
      }
    }
    return objects;
  });

/** Every object under a key prefix, all pages. */
export const listObjects = async (client: S3Client, bucket: string, prefix: string): Promise<ExportedObject[]> =>
  (await listObjectsByPrefix(client, bucket, prefix)).map(({ key, size }) => ({ key, size }));

/** A key S3 refused to delete, with S3's own code (AccessDenied under Object Lock or a deny policy, InternalError). */
export interface DeleteObjectError {
  key: string;
  code: string;
  message: string;
}

export interface DeleteObjectsResult {
  deleted: string[];
  errors: DeleteObjectError[];
}

/** DeleteObjects takes at most 1000 keys per request. */
const DELETE_BATCH_SIZE = 1000;

/**
 * Deletes the keys, 1000 per DeleteObjects request in Quiet mode (S3 then answers with the failures only). A key S3
 * refuses is returned in `errors`, not thrown; a refused request (AccessDenied, throttling) throws, as every call
 * here does. Safe to run twice: deleting a key that is already gone succeeds. In a versioned bucket this adds
 * delete markers; the older versions stay until a lifecycle rule expires them.
 */
export const deleteObjects = async (
  client: S3Client,
  bucket: string,
  keys: readonly string[],
): Promise<DeleteObjectsResult> => {
  const unique = [...new Set(keys)];
  const result: DeleteObjectsResult = { deleted: [], errors: [] };
  for (let start = 0; start < unique.length; start += DELETE_BATCH_SIZE) {
    const batch = unique.slice(start, start + DELETE_BATCH_SIZE);
    const { Errors } = await callAws('DeleteObjects', () =>
      client.send(
        new DeleteObjectsCommand({
          Bucket: bucket,
          Delete: { Objects: batch.map((key) => ({ Key: key })), Quiet: true },
        }),
      ),
    );
    const failed = new Set<string>();
    for (const { Key, Code, Message } of Errors ?? []) {
      // S3 names the key of every failure; one without a key is still reported, never lost.
      if (Key) failed.add(Key);
      result.errors.push({ key: Key ?? '', code: Code ?? 'Unknown', message: Message ?? '' });
    }
    result.deleted.push(...batch.filter((key) => !failed.has(key)));
  }
  return result;
};

/** One byte range of an object as GetObject returns it: the bytes as they arrive, and what S3 said of the object. */
export interface ObjectRange {
  body: AsyncIterable<Uint8Array>;
  /** The object's ETag: passed as IfMatch on the next ranges, so every range is read from the same object. */
  etag?: string;
  /** The whole object's size, from Content-Range. */
  objectSize?: number;
  /** x-amz-server-side-encryption: `AES256` (SSE-S3), `aws:kms`, `aws:kms:dsse`. */
  serverSideEncryption?: string;
}

export interface RangeRequest {
  /** First byte, inclusive; negative: the last -start bytes (a suffix range). */
  start: number;
  /** Last byte, inclusive; ignored for a suffix range. */
  end?: number;
  ifMatch?: string;
  abortSignal?: AbortSignal;
}

/**
 * A ranged GetObject (s3:GetObject on the object), its body streamed: nothing is held in memory beyond the chunk
 * being read. An object replaced meanwhile fails the IfMatch with PreconditionFailed, thrown as every failure here.
 */
export const getObjectRange = (
  client: S3Client,
  bucket: string,
  key: string,
  range: RangeRequest,
): Promise<ObjectRange> =>
  callAws('GetObject', async () => {
    const header = range.start < 0 ? `bytes=${range.start}` : `bytes=${range.start}-${range.end ?? ''}`;
    const response = await client.send(
      new GetObjectCommand({
        Bucket: bucket,
        Key: key,
        Range: header,
        ...(range.ifMatch !== undefined && { IfMatch: range.ifMatch }),
      }),
      ...(range.abortSignal ? [{ abortSignal: range.abortSignal }] : []),
    );
    const total = /\/(\d+)$/.exec(response.ContentRange ?? '')?.[1];
    const body = response.Body as AsyncIterable<Uint8Array> | undefined;
    return {
      body: body ?? (async function* () {})(),
      ...(response.ETag && { etag: response.ETag }),
      ...(total !== undefined && { objectSize: Number(total) }),
      ...(response.ServerSideEncryption && { serverSideEncryption: response.ServerSideEncryption }),
    };
  });
