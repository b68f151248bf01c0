// State of the emulated services, one import path for all of it. ElastiCache and SNS state lives in memory, one copy
// per account and Region, as AWS partitions it (regional-store.ts). S3 is one global namespace (a bucket name is
// unique across accounts and Regions), persisted on disk (s3/store.ts, data model in s3/model.ts); the bucket-access
// rules ElastiCache's export checks apply to it are in s3/bucket-access.ts.
export { RegionalStore } from './regional-store.js';
export {
  aclGrants,
  ELASTICACHE_CANONICAL_ID,
  elastiCacheCanonicalIdFor,
  elastiCacheServicePrincipalFor,
  policyAllows,
} from './s3/bucket-access.js';
export {
  type BucketRecord,
  canonicalUserIdFor,
  crc32Of,
  displayNameFor,
  type Grant,
  type Grantee,
  md5Hex,
  OBJECT_OWNERSHIPS,
  type ObjectInput,
  type ObjectOwnership,
  type ObjectRecord,
  ownerFullControl,
  PERMISSIONS,
  type Permission,
} from './s3/model.js';
export { type ObjectContent, S3Store } from './s3/store.js';
