// S3 adapter: the only place that speaks to S3.
import {
  GetBucketAclCommand,
  GetBucketLocationCommand,
  GetBucketOwnershipControlsCommand,
  GetBucketPolicyCommand,
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

/** Every object under a key prefix, all pages. */
export const listObjects = (client: S3Client, bucket: string, prefix: string): Promise<ExportedObject[]> =>
  callAws('ListObjectsV2', async () => {
    const objects: ExportedObject[] = [];
    for await (const page of paginateListObjectsV2({ client }, { Bucket: bucket, Prefix: prefix })) {
      for (const object of page.Contents ?? []) {
        if (object.Key) objects.push({ key: object.Key, size: object.Size ?? 0 });
      }
    }
    return objects;
  });
