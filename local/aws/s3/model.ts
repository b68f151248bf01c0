// The S3 data model shared by the emulated S3 and the ElastiCache export checks: buckets (owner, Region, ACL,
// policy, Object Ownership), grants, object records, and the identities S3 derives (canonical user ids, display
// names) plus the digests an object record carries (MD5 ETag, CRC32).
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';

export type Permission = 'FULL_CONTROL' | 'READ' | 'WRITE' | 'READ_ACP' | 'WRITE_ACP';
export const PERMISSIONS: readonly Permission[] = ['FULL_CONTROL', 'READ', 'WRITE', 'READ_ACP', 'WRITE_ACP'];

export type Grantee =
  | { type: 'CanonicalUser'; id: string; displayName?: string }
  | { type: 'Group'; uri: string }
  | { type: 'AmazonCustomerByEmail'; emailAddress: string };

export interface Grant {
  grantee: Grantee;
  permission: Permission;
}

export type ObjectOwnership = 'BucketOwnerEnforced' | 'BucketOwnerPreferred' | 'ObjectWriter';
export const OBJECT_OWNERSHIPS: readonly ObjectOwnership[] = [
  'BucketOwnerEnforced',
  'BucketOwnerPreferred',
  'ObjectWriter',
];

export interface BucketRecord {
  name: string;
  ownerAccountId: string;
  region: string;
  createdAt: string;
  acl: Grant[];
  /** The bucket policy document as sent (JSON text). */
  policy?: string;
  /** Object Ownership; undefined when the bucket has no ownership controls (ACLs then apply). */
  ownership?: ObjectOwnership;
}

export interface ObjectRecord {
  key: string;
  size: number;
  /** Quoted MD5 hex, as S3 sends it for single-part uploads. */
  etag: string;
  lastModified: string;
  /** Base64 big-endian CRC32 of the content. */
  crc32: string;
  contentType?: string;
  contentEncoding?: string;
  cacheControl?: string;
  contentDisposition?: string;
  contentLanguage?: string;
  /** `x-amz-meta-*` headers without the prefix, lowercased names. */
  metadata: Record<string, string>;
  /** Where the content is, relative to the bucket's folder. */
  file: string;
  /** `aws:kms` or `aws:kms:dsse` when PutObject asked for it; absent means SSE-S3 (`AES256`), S3's default. */
  serverSideEncryption?: 'aws:kms' | 'aws:kms:dsse';
  /** The KMS key of an SSE-KMS object, as given (x-amz-server-side-encryption-aws-kms-key-id). */
  sseKmsKeyId?: string;
}

export interface ObjectInput {
  contentType?: string | undefined;
  contentEncoding?: string | undefined;
  cacheControl?: string | undefined;
  contentDisposition?: string | undefined;
  contentLanguage?: string | undefined;
  metadata?: Record<string, string>;
  serverSideEncryption?: 'aws:kms' | 'aws:kms:dsse' | undefined;
  sseKmsKeyId?: string | undefined;
}

/**
 * A deterministic canonical user id per emulated account (64 hex digits, like S3's). Accounts have no real
 * canonical ids here, so this derives one.
 */
export const canonicalUserIdFor = (accountId: string): string =>
  createHash('sha256').update(`local-aws-canonical-user:${accountId}`).digest('hex');

export const displayNameFor = (accountId: string): string => `account-${accountId}`;

export const ownerFullControl = (accountId: string): Grant => ({
  grantee: { type: 'CanonicalUser', id: canonicalUserIdFor(accountId), displayName: displayNameFor(accountId) },
  permission: 'FULL_CONTROL',
});

/** Base64 big-endian CRC32, as S3's x-amz-checksum-crc32 carries it. */
export const crc32Of = (body: Buffer): string => {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32BE(zlib.crc32(body) >>> 0);
  return buffer.toString('base64');
};

export const md5Hex = (body: Buffer): string => createHash('md5').update(body).digest('hex');
