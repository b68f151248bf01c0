// Emulated Amazon S3 (REST/XML): buckets with Region, owner, ACL, policy and Object Ownership; objects on disk,
// streamed in and out. Path-style (`/bucket/key`) and virtual-hosted (`bucket.localhost`) addressing. Another
// account's bucket answers AccessDenied, and so does any bucket to an unsigned (anonymous) request; a bucket in
// another Region than the signature answers 301 PermanentRedirect (HeadBucket too, with `x-amz-bucket-region`),
// except GetBucketLocation, which S3 answers from any Region.
//
// Files by concern: routing.ts (operation routing) and addressing.ts (bucket, key, subresource), buckets.ts,
// bucket-settings.ts (policy, ownership controls), acl.ts, objects.ts, deletion.ts, listing.ts, body.ts (aws-chunked,
// checksums, streaming uploads), integrity.ts (checksums of small bodies), errors.ts (shared errors and response helpers), store.ts (disk), model.ts (records),
// bucket-access.ts (the checks ElastiCache's export makes). This file is the public API.
import { AwsError, s3ErrorResponse } from '../errors.js';
import type { EmulatedService } from '../types.js';
import { ELASTICACHE_CANONICAL_ID } from './bucket-access.js';
import {
  type BucketRecord,
  type Grant,
  type ObjectOwnership,
  type ObjectRecord,
  ownerFullControl,
  type Permission,
} from './model.js';
import { routeS3 } from './routing.js';
import type { S3Store } from './store.js';

export { AwsChunkedParser, decodeAwsChunked, MAX_PUT_OBJECT_BYTES } from './body.js';

export interface SeedBucketInput {
  name: string;
  accountId?: string;
  region?: string;
  /** Default: `BucketOwnerPreferred` when ElastiCache is granted by ACL, else `BucketOwnerEnforced` (S3's default). */
  objectOwnership?: ObjectOwnership;
  /** Grant ElastiCache's canonical user READ, WRITE and READ_ACP by ACL (or the permissions listed). */
  grantElastiCache?: boolean | Permission[];
  /** A bucket policy document. */
  policy?: string | Record<string, unknown>;
}

export interface S3Handle {
  /** The disk-backed store, for direct inspection. */
  readonly store: S3Store;
  /** Creates a bucket directly (no API call); replaces its settings if it exists, keeping its objects. */
  seedBucket(input: SeedBucketInput): BucketRecord;
  putObject(bucket: string, key: string, body: Buffer | string, contentType?: string): ObjectRecord;
  listObjects(bucket: string): ObjectRecord[];
  /** The file an object's content is stored in. */
  objectFile(bucket: string, key: string): string | undefined;
}

export const createS3Service = (deps: { store: S3Store }): { service: EmulatedService; handle: S3Handle } => {
  const { store } = deps;

  const service: EmulatedService = {
    name: 's3',
    handle: async (request) => {
      try {
        return await routeS3(store, request);
      } catch (error) {
        if (error instanceof AwsError) return s3ErrorResponse(error, request.requestId, request.method);
        throw error;
      }
    },
  };

  const handle: S3Handle = {
    store,
    seedBucket: (input) => {
      const accountId = input.accountId ?? '000000000000';
      const grantPermissions: Permission[] =
        input.grantElastiCache === true
          ? ['READ', 'WRITE', 'READ_ACP']
          : Array.isArray(input.grantElastiCache)
            ? input.grantElastiCache
            : [];
      const acl: Grant[] = [
        ownerFullControl(accountId),
        ...grantPermissions.map(
          (permission): Grant => ({ grantee: { type: 'CanonicalUser', id: ELASTICACHE_CANONICAL_ID }, permission }),
        ),
      ];
      const ownership: ObjectOwnership =
        input.objectOwnership ?? (grantPermissions.length > 0 ? 'BucketOwnerPreferred' : 'BucketOwnerEnforced');
      const policy = typeof input.policy === 'object' ? JSON.stringify(input.policy) : input.policy;
      const record: BucketRecord = {
        name: input.name,
        ownerAccountId: accountId,
        region: input.region ?? 'us-east-1',
        createdAt: store.getBucket(input.name)?.createdAt ?? new Date().toISOString(),
        acl,
        ownership,
        ...(policy !== undefined && { policy }),
      };
      if (store.getBucket(input.name)) {
        store.updateBucket(input.name, (existing) => Object.assign(existing, record));
      } else {
        store.createBucket(record);
      }
      return record;
    },
    putObject: (bucket, key, body, contentType) =>
      store.putObject(bucket, key, Buffer.isBuffer(body) ? body : Buffer.from(body), { contentType }),
    listObjects: (bucket) => [...store.listObjects(bucket)],
    objectFile: (bucket, key) => store.objectFile(bucket, key),
  };

  return { service, handle };
};
