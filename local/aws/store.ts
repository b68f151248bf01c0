// State of the emulated services. ElastiCache and SNS state lives in memory, one copy per account and Region, as
// AWS partitions it. S3 is one global namespace (a bucket name is unique across accounts and Regions): buckets and
// objects persist on disk under `<dataDir>/s3/<bucket>/<key>` as real files, with their metadata in
// `<dataDir>/s3-meta/<bucket>.json`, and are reloaded when the emulator restarts.
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

/** Per account and Region state, created on first use. */
export class RegionalStore<T> {
  private readonly states = new Map<string, T>();

  public constructor(private readonly create: (accountId: string, region: string) => T) {}

  public get(scope: { accountId: string; region: string }): T {
    const key = `${scope.accountId}/${scope.region}`;
    let state = this.states.get(key);
    if (!state) {
      state = this.create(scope.accountId, scope.region);
      this.states.set(key, state);
    }
    return state;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// S3 data model

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
}

export interface ObjectInput {
  contentType?: string | undefined;
  contentEncoding?: string | undefined;
  cacheControl?: string | undefined;
  contentDisposition?: string | undefined;
  contentLanguage?: string | undefined;
  metadata?: Record<string, string>;
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

// A key segment stored as is on disk: no leading dot (so `.blobs` and `..` cannot occur), portable characters.
const SAFE_SEGMENT = /^[A-Za-z0-9_\-=+,@()~][A-Za-z0-9._\-=+,@()~ ]*$/;
const MAX_SEGMENT_BYTES = 200;

const isSafeKeyPath = (key: string): boolean =>
  key.split('/').every((segment) => SAFE_SEGMENT.test(segment) && Buffer.byteLength(segment) <= MAX_SEGMENT_BYTES);

interface BucketFile {
  bucket: BucketRecord;
  objects: ObjectRecord[];
}

/** Buckets and objects on disk; every change is written through, so a restart finds them again. */
export class S3Store {
  private readonly buckets = new Map<string, { bucket: BucketRecord; objects: Map<string, ObjectRecord> }>();
  private readonly objectsDir: string;
  private readonly metaDir: string;
  private readonly tmpDir: string;

  public constructor(dataDir: string) {
    this.objectsDir = path.join(dataDir, 's3');
    this.metaDir = path.join(dataDir, 's3-meta');
    this.tmpDir = path.join(dataDir, '.tmp');
    for (const dir of [this.objectsDir, this.metaDir, this.tmpDir]) fs.mkdirSync(dir, { recursive: true });
    this.load();
  }

  private load(): void {
    for (const entry of fs.readdirSync(this.metaDir)) {
      if (!entry.endsWith('.json')) continue;
      const saved = JSON.parse(fs.readFileSync(path.join(this.metaDir, entry), 'utf8')) as BucketFile;
      const objects = new Map<string, ObjectRecord>();
      for (const object of saved.objects) {
        // The files are the truth for content: an object whose file was removed by hand is gone.
        if (fs.existsSync(this.objectPath(saved.bucket.name, object.file))) objects.set(object.key, object);
      }
      this.buckets.set(saved.bucket.name, { bucket: saved.bucket, objects });
    }
  }

  private bucketDir(bucket: string): string {
    return path.join(this.objectsDir, bucket);
  }

  private objectPath(bucket: string, file: string): string {
    return path.join(this.bucketDir(bucket), file);
  }

  private writeAtomically(target: string, content: Buffer | string): void {
    const temporary = path.join(this.tmpDir, randomUUID());
    fs.writeFileSync(temporary, content);
    fs.renameSync(temporary, target);
  }

  private saveMeta(name: string): void {
    const entry = this.buckets.get(name);
    if (!entry) return;
    const file: BucketFile = { bucket: entry.bucket, objects: [...entry.objects.values()] };
    this.writeAtomically(path.join(this.metaDir, `${name}.json`), JSON.stringify(file, null, 2));
  }

  public getBucket(name: string): BucketRecord | undefined {
    return this.buckets.get(name)?.bucket;
  }

  public listBuckets(): BucketRecord[] {
    return [...this.buckets.values()].map((entry) => entry.bucket).sort((a, b) => a.name.localeCompare(b.name));
  }

  public createBucket(bucket: BucketRecord): void {
    this.buckets.set(bucket.name, { bucket, objects: new Map() });
    fs.mkdirSync(this.bucketDir(bucket.name), { recursive: true });
    this.saveMeta(bucket.name);
  }

  public updateBucket(name: string, change: (bucket: BucketRecord) => void): void {
    const entry = this.buckets.get(name);
    if (!entry) throw new Error(`No bucket ${name}`);
    change(entry.bucket);
    this.saveMeta(name);
  }

  public deleteBucket(name: string): void {
    this.buckets.delete(name);
    fs.rmSync(this.bucketDir(name), { recursive: true, force: true });
    fs.rmSync(path.join(this.metaDir, `${name}.json`), { force: true });
  }

  /** Objects of a bucket sorted by key (UTF-8 binary order, as S3 lists them). */
  public listObjects(bucket: string): ObjectRecord[] {
    const objects = [...(this.buckets.get(bucket)?.objects.values() ?? [])];
    return objects.sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  public headObject(bucket: string, key: string): ObjectRecord | undefined {
    return this.buckets.get(bucket)?.objects.get(key);
  }

  public getObject(bucket: string, key: string): { record: ObjectRecord; body: Buffer } | undefined {
    const record = this.headObject(bucket, key);
    if (!record) return undefined;
    return { record, body: fs.readFileSync(this.objectPath(bucket, record.file)) };
  }

  /** The absolute path of an object's file (for tests and the demo). */
  public objectFile(bucket: string, key: string): string | undefined {
    const record = this.headObject(bucket, key);
    return record ? this.objectPath(bucket, record.file) : undefined;
  }

  public putObject(bucket: string, key: string, body: Buffer, input: ObjectInput = {}): ObjectRecord {
    const entry = this.buckets.get(bucket);
    if (!entry) throw new Error(`No bucket ${bucket}`);
    const previous = entry.objects.get(key);
    if (previous) this.removeFile(bucket, previous.file);
    const file = this.placeFor(bucket, key);
    const target = this.objectPath(bucket, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    this.writeAtomically(target, body);
    const record: ObjectRecord = {
      key,
      size: body.length,
      etag: `"${md5Hex(body)}"`,
      lastModified: new Date().toISOString(),
      crc32: crc32Of(body),
      metadata: input.metadata ?? {},
      file,
      ...(input.contentType && { contentType: input.contentType }),
      ...(input.contentEncoding && { contentEncoding: input.contentEncoding }),
      ...(input.cacheControl && { cacheControl: input.cacheControl }),
      ...(input.contentDisposition && { contentDisposition: input.contentDisposition }),
      ...(input.contentLanguage && { contentLanguage: input.contentLanguage }),
    };
    entry.objects.set(key, record);
    this.saveMeta(bucket);
    return record;
  }

  public deleteObject(bucket: string, key: string): boolean {
    const entry = this.buckets.get(bucket);
    const record = entry?.objects.get(key);
    if (!entry || !record) return false;
    entry.objects.delete(key);
    this.removeFile(bucket, record.file);
    this.saveMeta(bucket);
    return true;
  }

  /**
   * The file for a key: the key itself as a path when every segment is portable and no other object's file or
   * folder is in the way (`a` and `a/b` cannot both be files), else `.blobs/<sha256 of key>`.
   */
  private placeFor(bucket: string, key: string): string {
    const bucketDir = this.bucketDir(bucket);
    if (isSafeKeyPath(key)) {
      const segments = key.split('/');
      let blocked = false;
      for (let depth = 1; depth < segments.length && !blocked; depth += 1) {
        const parent = path.join(bucketDir, ...segments.slice(0, depth));
        blocked = fs.existsSync(parent) && !fs.statSync(parent).isDirectory();
      }
      const target = path.join(bucketDir, ...segments);
      if (!blocked && !(fs.existsSync(target) && fs.statSync(target).isDirectory())) return segments.join('/');
    }
    return `.blobs/${createHash('sha256').update(key).digest('hex')}`;
  }

  private removeFile(bucket: string, file: string): void {
    const bucketDir = this.bucketDir(bucket);
    let target = this.objectPath(bucket, file);
    fs.rmSync(target, { force: true });
    // Prune folders left empty, up to the bucket's folder.
    target = path.dirname(target);
    while (target.startsWith(bucketDir) && target !== bucketDir) {
      try {
        fs.rmdirSync(target);
      } catch {
        break;
      }
      target = path.dirname(target);
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Bucket access as ElastiCache's export checks it

/** Whether the bucket's ACL grants `permission` (or FULL_CONTROL) to a canonical user; ACLs are off when enforced. */
export const aclGrants = (bucket: BucketRecord, canonicalId: string, permission: Permission): boolean => {
  if (bucket.ownership === 'BucketOwnerEnforced') return false;
  return bucket.acl.some(
    (grant) =>
      grant.grantee.type === 'CanonicalUser' &&
      grant.grantee.id === canonicalId &&
      (grant.permission === permission || grant.permission === 'FULL_CONTROL'),
  );
};

interface PolicyStatement {
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
}

const asStrings = (value: unknown): string[] => {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
};

const wildcardMatch = (pattern: string, value: string, caseInsensitive = false): boolean => {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, caseInsensitive ? 'i' : '').test(value);
};

const principalMatches = (principal: unknown, servicePrincipal: string): boolean => {
  if (principal === '*') return true;
  if (typeof principal !== 'object' || principal === null) return false;
  const record = principal as Record<string, unknown>;
  return asStrings(record.Service).includes(servicePrincipal) || asStrings(record.AWS).includes('*');
};

/**
 * Whether the bucket policy allows a service principal an action on a resource. Explicit Deny wins; Condition
 * blocks are not evaluated (assumed satisfied), which is lenient but enough for local checks.
 */
export const policyAllows = (
  policyText: string | undefined,
  servicePrincipal: string,
  action: string,
  resource: string,
): boolean => {
  if (!policyText) return false;
  let statements: PolicyStatement[];
  try {
    const document = JSON.parse(policyText) as { Statement?: unknown };
    const raw = document.Statement;
    statements = (Array.isArray(raw) ? raw : [raw]).filter(
      (statement): statement is PolicyStatement => typeof statement === 'object' && statement !== null,
    );
  } catch {
    return false;
  }
  const applies = (statement: PolicyStatement): boolean =>
    principalMatches(statement.Principal, servicePrincipal) &&
    asStrings(statement.Action).some((pattern) => wildcardMatch(pattern, action, true)) &&
    asStrings(statement.Resource).some((pattern) => wildcardMatch(pattern, resource));
  if (statements.some((statement) => statement.Effect === 'Deny' && applies(statement))) return false;
  return statements.some((statement) => statement.Effect === 'Allow' && applies(statement));
};

/** The canonical user ElastiCache exports as, in default Regions (and GovCloud US-West). */
export const ELASTICACHE_CANONICAL_ID = '540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353';
const GOVCLOUD_WEST_ELASTICACHE_CANONICAL_ID = '40fa568277ad703bd160f66ae4f83fc9dfdfd06c2f1b5060ca22442ac3ef8be6';

export const elastiCacheCanonicalIdFor = (region: string): string =>
  region === 'us-gov-west-1' ? GOVCLOUD_WEST_ELASTICACHE_CANONICAL_ID : ELASTICACHE_CANONICAL_ID;

/** The service principal a bucket policy names to let ElastiCache export (opt-in Regions). */
export const elastiCacheServicePrincipalFor = (region: string): string =>
  `${region}.elasticache-snapshot.amazonaws.com`;
