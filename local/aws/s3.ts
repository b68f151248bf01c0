// Emulated Amazon S3 (REST/XML): buckets with Region, owner, ACL, policy and Object Ownership; objects on disk.
// Path-style (`/bucket/key`) and virtual-hosted (`bucket.localhost`) addressing. Another account's bucket answers
// AccessDenied; a bucket in another Region than the signature answers 301 PermanentRedirect (HeadBucket too, with
// `x-amz-bucket-region`), except GetBucketLocation, which S3 answers from any Region.
import { createHash } from 'node:crypto';
import { AwsError, s3ErrorResponse } from './errors.js';
import {
  type BucketRecord,
  canonicalUserIdFor,
  crc32Of,
  displayNameFor,
  ELASTICACHE_CANONICAL_ID,
  type Grant,
  type Grantee,
  OBJECT_OWNERSHIPS,
  type ObjectOwnership,
  type ObjectRecord,
  ownerFullControl,
  PERMISSIONS,
  type Permission,
  type S3Store,
} from './store.js';
import type { AwsRequest, AwsResponse, Caller, EmulatedService } from './types.js';
import {
  parseXml,
  s3Document,
  type XmlNode,
  type XmlValue,
  XmlWithAttributes,
  xmlChild,
  xmlChildren,
  xmlFlatList,
  xmlList,
  xmlText,
} from './xml.js';

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

const GROUPS = {
  allUsers: 'http://acs.amazonaws.com/groups/global/AllUsers',
  authenticatedUsers: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
  logDelivery: 'http://acs.amazonaws.com/groups/s3/LogDelivery',
};

const noSuchBucket = (name: string): AwsError =>
  new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404, { fields: { BucketName: name } });
const accessDenied = (): AwsError => new AwsError('AccessDenied', 'Access Denied', 403);
const malformedXml = (): AwsError =>
  new AwsError(
    'MalformedXML',
    'The XML you provided was not well-formed or did not validate against our published schema',
    400,
  );
const invalidArgument = (message: string, name: string, value: string): AwsError =>
  new AwsError('InvalidArgument', message, 400, { fields: { ArgumentName: name, ArgumentValue: value } });

/** S3's general purpose bucket naming rules. */
const isValidBucketName = (name: string): boolean =>
  name.length >= 3 &&
  name.length <= 63 &&
  /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name) &&
  !name.includes('..') &&
  !/^\d{1,3}(\.\d{1,3}){3}$/.test(name) &&
  !name.startsWith('xn--') &&
  !name.startsWith('sthree-') &&
  !name.endsWith('-s3alias') &&
  !name.endsWith('--ol-s3');

/** `EU` is the legacy name of eu-west-1; us-east-1 has no constraint. */
const regionOfConstraint = (constraint: string): string => (constraint === 'EU' ? 'eu-west-1' : constraint);

const isoDate = (iso: string): string => new Date(iso).toISOString();
const httpDate = (iso: string): string => new Date(iso).toUTCString();

// ------------------------------------------------------------------------------------------------ addressing

interface Target {
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
const targetOf = (request: AwsRequest): Target => {
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

const subresourceOf = (query: URLSearchParams): string | undefined =>
  [...query.keys()].find(
    (name) => !ARGUMENTS.has(name) && !name.toLowerCase().startsWith('x-amz-') && !name.startsWith('response-'),
  );

const VERB: Record<string, string> = { GET: 'Get', PUT: 'Put', DELETE: 'Delete', POST: 'Post', HEAD: 'Head' };

/** A name for an operation the emulator does not implement, for the NotImplemented message. */
const operationName = (method: string, target: Target, query: URLSearchParams, sub: string | undefined): string => {
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
  return `${VERB[method] ?? method}${scope}${suffix}`;
};

const notImplemented = (operation: string): AwsError =>
  new AwsError('NotImplemented', `${operation} is not implemented by the local AWS emulator.`, 501);

// ------------------------------------------------------------------------------------------------ ACLs

const granteeXml = (grantee: Grantee): XmlValue => {
  const content =
    grantee.type === 'CanonicalUser'
      ? { ID: grantee.id, DisplayName: grantee.displayName }
      : grantee.type === 'Group'
        ? { URI: grantee.uri }
        : { EmailAddress: grantee.emailAddress };
  return new XmlWithAttributes(
    { 'xmlns:xsi': 'http://www.w3.org/2001/XMLSchema-instance', 'xsi:type': grantee.type },
    content,
  );
};

const CANNED_BUCKET_ACLS = new Set([
  'private',
  'public-read',
  'public-read-write',
  'authenticated-read',
  'log-delivery-write',
  'bucket-owner-read',
  'bucket-owner-full-control',
  'aws-exec-read',
]);

const cannedAcl = (acl: string, ownerAccountId: string): Grant[] => {
  const owner = ownerFullControl(ownerAccountId);
  const group = (uri: string, permission: Permission): Grant => ({ grantee: { type: 'Group', uri }, permission });
  switch (acl) {
    case 'public-read':
      return [owner, group(GROUPS.allUsers, 'READ')];
    case 'public-read-write':
      return [owner, group(GROUPS.allUsers, 'READ'), group(GROUPS.allUsers, 'WRITE')];
    case 'authenticated-read':
      return [owner, group(GROUPS.authenticatedUsers, 'READ')];
    case 'log-delivery-write':
      return [owner, group(GROUPS.logDelivery, 'WRITE'), group(GROUPS.logDelivery, 'READ_ACP')];
    default:
      return [owner];
  }
};

const canonicalIdIsValid = (id: string): boolean => /^[0-9a-f]{64}$/.test(id);

const checkGrantee = (grantee: Grantee): Grantee => {
  if (grantee.type === 'CanonicalUser' && !canonicalIdIsValid(grantee.id)) {
    throw invalidArgument('Invalid id', 'CanonicalUser/ID', grantee.id);
  }
  if (grantee.type === 'AmazonCustomerByEmail') {
    throw new AwsError(
      'UnresolvableGrantByEmailAddress',
      'The e-mail address you provided does not match any account on record.',
      400,
    );
  }
  return grantee;
};

/** The known canonical ids get their display names back, as S3 resolves them. */
const withDisplayName = (grantee: Grantee, accounts: Map<string, string>): Grantee => {
  if (grantee.type !== 'CanonicalUser') return grantee;
  const accountId = accounts.get(grantee.id);
  return accountId ? { ...grantee, displayName: displayNameFor(accountId) } : { type: 'CanonicalUser', id: grantee.id };
};

const GRANT_HEADERS: Array<[string, Permission]> = [
  ['x-amz-grant-full-control', 'FULL_CONTROL'],
  ['x-amz-grant-read', 'READ'],
  ['x-amz-grant-write', 'WRITE'],
  ['x-amz-grant-read-acp', 'READ_ACP'],
  ['x-amz-grant-write-acp', 'WRITE_ACP'],
];

/** `x-amz-grant-read: id="…", uri="…", emailAddress="…"` headers; undefined when none is present. */
const grantsFromHeaders = (headers: Record<string, string>): Grant[] | undefined => {
  const present = GRANT_HEADERS.filter(([header]) => headers[header] !== undefined);
  if (present.length === 0) return undefined;
  const grants: Grant[] = [];
  for (const [header, permission] of present) {
    const value = headers[header] ?? '';
    const entries = [...value.matchAll(/(id|uri|emailAddress)\s*=\s*"?([^",]*)"?/gi)];
    if (entries.length === 0) throw invalidArgument('Invalid grant header', header, value);
    for (const [, kind = '', raw = ''] of entries) {
      const lower = kind.toLowerCase();
      const grantee: Grantee =
        lower === 'id'
          ? { type: 'CanonicalUser', id: raw.trim() }
          : lower === 'uri'
            ? { type: 'Group', uri: raw.trim() }
            : { type: 'AmazonCustomerByEmail', emailAddress: raw.trim() };
      grants.push({ grantee: checkGrantee(grantee), permission });
    }
  }
  return grants;
};

/** An `<AccessControlPolicy>` body. */
const grantsFromXml = (body: Buffer): Grant[] => {
  let document: XmlNode;
  try {
    document = parseXml(body);
  } catch {
    throw malformedXml();
  }
  const policy = xmlChild(document, 'AccessControlPolicy');
  if (!policy) throw malformedXml();
  const list = xmlChild(policy, 'AccessControlList');
  return xmlChildren(list, 'Grant').map((grant) => {
    const granteeNode = xmlChild(grant, 'Grantee');
    const permission = xmlText(grant, 'Permission') as Permission | undefined;
    if (!granteeNode || !permission || !PERMISSIONS.includes(permission)) throw malformedXml();
    const type = String(granteeNode['@_type'] ?? granteeNode['@_xsi:type'] ?? '');
    const id = xmlText(granteeNode, 'ID');
    const uri = xmlText(granteeNode, 'URI');
    const email = xmlText(granteeNode, 'EmailAddress');
    let grantee: Grantee;
    if (type === 'CanonicalUser' && id) grantee = { type, id };
    else if (type === 'Group' && uri) grantee = { type, uri };
    else if (type === 'AmazonCustomerByEmail' && email) grantee = { type, emailAddress: email };
    else throw malformedXml();
    return { grantee: checkGrantee(grantee), permission };
  });
};

/** With ACLs disabled, S3 accepts only ACLs equivalent to "the owner has full control". */
const isOwnerOnly = (grants: Grant[], ownerAccountId: string): boolean => {
  const ownerId = canonicalUserIdFor(ownerAccountId);
  return grants.every(
    (grant) =>
      grant.grantee.type === 'CanonicalUser' && grant.grantee.id === ownerId && grant.permission === 'FULL_CONTROL',
  );
};

// ------------------------------------------------------------------------------------------------ bodies

/**
 * Decodes `Content-Encoding: aws-chunked` (the SDK's streaming uploads with trailing checksums):
 * `<hex size>[;chunk-signature=…]\r\n<data>\r\n … 0\r\n<trailer>:<value>\r\n\r\n`.
 */
export const decodeAwsChunked = (body: Buffer): { data: Buffer; trailers: Record<string, string> } => {
  const chunks: Buffer[] = [];
  const trailers: Record<string, string> = {};
  let position = 0;
  const incomplete = (): AwsError => new AwsError('IncompleteBody', 'The request body terminated unexpectedly', 400);
  for (;;) {
    const lineEnd = body.indexOf('\r\n', position);
    if (lineEnd === -1) throw incomplete();
    const sizeText = body.subarray(position, lineEnd).toString('latin1').split(';')[0]?.trim() ?? '';
    const size = Number.parseInt(sizeText, 16);
    if (!/^[0-9a-fA-F]+$/.test(sizeText) || Number.isNaN(size)) throw incomplete();
    position = lineEnd + 2;
    if (size === 0) break;
    if (position + size > body.length) throw incomplete();
    chunks.push(body.subarray(position, position + size));
    position += size + 2;
  }
  const rest = body.subarray(position).toString('latin1');
  for (const line of rest.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { data: Buffer.concat(chunks), trailers };
};

/** Each flexible checksum S3 accepts, with the length of its digest in bytes. */
const CHECKSUM_BYTES: Readonly<Record<string, number>> = { crc32: 4, crc32c: 4, crc64nvme: 8, sha1: 20, sha256: 32 };

/** Whether a checksum value is the base64 of a digest of the algorithm's length (values are echoed as headers). */
const isChecksumValue = (value: string, bytes: number): boolean => {
  const digest = Buffer.from(value, 'base64');
  return digest.length === bytes && digest.toString('base64') === value;
};

/** The uploaded bytes, with aws-chunked decoded and Content-MD5 and the checksums we can compute verified. */
const uploadedBody = (request: AwsRequest): { data: Buffer; checksums: Record<string, string> } => {
  const encodings = (request.headers['content-encoding'] ?? '').split(',').map((e) => e.trim());
  const sha256Header = request.headers['x-amz-content-sha256'] ?? '';
  const chunked = encodings.includes('aws-chunked') || sha256Header.startsWith('STREAMING-');
  const { data, trailers } = chunked ? decodeAwsChunked(request.body) : { data: request.body, trailers: {} };
  const decodedLength = request.headers['x-amz-decoded-content-length'];
  if (chunked && decodedLength !== undefined && Number(decodedLength) !== data.length) {
    throw new AwsError(
      'IncompleteBody',
      'You did not provide the number of bytes specified by the Content-Length HTTP header',
      400,
    );
  }
  const checksums: Record<string, string> = {};
  for (const [name, bytes] of Object.entries(CHECKSUM_BYTES)) {
    const value = trailers[`x-amz-checksum-${name}`] ?? request.headers[`x-amz-checksum-${name}`];
    if (!value) continue;
    if (!isChecksumValue(value, bytes)) {
      throw new AwsError('InvalidRequest', `Value for x-amz-checksum-${name} header is invalid.`, 400);
    }
    checksums[name] = value;
  }
  const mismatch = (algorithm: string): AwsError =>
    new AwsError('BadDigest', `The ${algorithm} you specified did not match the calculated checksum.`, 400);
  if (checksums.crc32 !== undefined && checksums.crc32 !== crc32Of(data)) throw mismatch('CRC32');
  if (checksums.sha1 !== undefined && checksums.sha1 !== createHash('sha1').update(data).digest('base64')) {
    throw mismatch('SHA1');
  }
  if (checksums.sha256 !== undefined && checksums.sha256 !== createHash('sha256').update(data).digest('base64')) {
    throw mismatch('SHA256');
  }
  const md5 = request.headers['content-md5'];
  if (md5 !== undefined && md5 !== createHash('md5').update(data).digest('base64')) {
    throw new AwsError('BadDigest', 'The Content-MD5 you specified did not match what we received.', 400);
  }
  return { data, checksums };
};

const parseBody = (body: Buffer): XmlNode => {
  try {
    return parseXml(body);
  } catch {
    throw malformedXml();
  }
};

// ------------------------------------------------------------------------------------------------ listing

interface ListPage {
  contents: ObjectRecord[];
  commonPrefixes: string[];
  truncated: boolean;
  /** Where the next page starts: after this key, or after every key under this common prefix. */
  last?: { value: string; isPrefix: boolean };
}

/** One page of keys after `after`, grouped by `delimiter` the way S3 groups them (a common prefix counts as one). */
const listPage = (
  objects: ObjectRecord[],
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

// ------------------------------------------------------------------------------------------------ service

export const createS3Service = (deps: { store: S3Store }): { service: EmulatedService; handle: S3Handle } => {
  const { store } = deps;

  /** Canonical id → account id, for the display names S3 shows in ACLs. */
  const knownAccounts = (): Map<string, string> => {
    const accounts = new Map<string, string>();
    for (const bucket of store.listBuckets()) {
      accounts.set(canonicalUserIdFor(bucket.ownerAccountId), bucket.ownerAccountId);
    }
    return accounts;
  };

  const ownerXml = (accountId: string): XmlValue => ({
    ID: canonicalUserIdFor(accountId),
    DisplayName: displayNameFor(accountId),
  });

  const permanentRedirect = (bucket: BucketRecord): AwsError =>
    new AwsError(
      'PermanentRedirect',
      'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.',
      301,
      {
        fields: { Endpoint: `${bucket.name}.s3.${bucket.region}.amazonaws.com`, Bucket: bucket.name },
        headers: { 'x-amz-bucket-region': bucket.region },
      },
    );

  /** The bucket, checked the way S3 checks it: exists, then Region (unless `anyRegion`), then owner. */
  const accessibleBucket = (caller: Caller, name: string, options: { anyRegion?: boolean } = {}): BucketRecord => {
    const bucket = store.getBucket(name);
    if (!bucket) throw noSuchBucket(name);
    if (!options.anyRegion && bucket.region !== caller.region) throw permanentRedirect(bucket);
    if (bucket.ownerAccountId !== caller.accountId) throw accessDenied();
    return bucket;
  };

  const ok = (request: AwsRequest, extra: Partial<AwsResponse> & { status?: number } = {}): AwsResponse => ({
    status: extra.status ?? 200,
    headers: {
      'x-amz-request-id': request.requestId,
      'x-amz-id-2': Buffer.from(request.requestId).toString('base64'),
      ...(extra.body !== undefined && { 'content-type': 'application/xml' }),
      ...extra.headers,
    },
    ...(extra.body !== undefined && { body: extra.body }),
  });

  // -------------------------------------------------------------------------------------------- bucket operations

  const listBuckets = (request: AwsRequest): AwsResponse => {
    const { query, caller } = request;
    const prefix = query.get('prefix') ?? '';
    const region = query.get('bucket-region');
    const maxRaw = query.get('max-buckets');
    const max = maxRaw ? Number(maxRaw) : 10_000;
    if (!Number.isInteger(max) || max < 1 || max > 10_000) {
      throw invalidArgument(
        'Argument max-buckets must be an integer between 1 and 10000.',
        'max-buckets',
        maxRaw ?? '',
      );
    }
    const token = query.get('continuation-token');
    const owned = store
      .listBuckets()
      .filter((bucket) => bucket.ownerAccountId === caller.accountId)
      .filter((bucket) => bucket.name.startsWith(prefix) && (!region || bucket.region === region))
      .filter((bucket) => !token || bucket.name > Buffer.from(token, 'base64').toString('utf8'));
    const page = owned.slice(0, max);
    const lastOnPage = page[page.length - 1];
    const next = owned.length > max && lastOnPage ? Buffer.from(lastOnPage.name).toString('base64') : undefined;
    return ok(request, {
      body: s3Document('ListAllMyBucketsResult', {
        Buckets: xmlList(
          'Bucket',
          page.map((bucket) => ({
            Name: bucket.name,
            CreationDate: isoDate(bucket.createdAt),
            BucketRegion: bucket.region,
          })),
        ),
        Owner: ownerXml(caller.accountId),
        ContinuationToken: next,
        Prefix: query.has('prefix') ? prefix : undefined,
      }),
    });
  };

  const createBucket = (request: AwsRequest, name: string): AwsResponse => {
    const { caller, headers } = request;
    if (!isValidBucketName(name)) {
      throw new AwsError('InvalidBucketName', 'The specified bucket is not valid.', 400, {
        fields: { BucketName: name },
      });
    }
    let constraint: string | undefined;
    if (request.body.length > 0) {
      const configuration = xmlChild(parseBody(request.body), 'CreateBucketConfiguration');
      if (!configuration) throw malformedXml();
      constraint = xmlText(configuration, 'LocationConstraint') || undefined;
    }
    if (constraint === 'us-east-1') {
      throw new AwsError('InvalidLocationConstraint', 'The specified location-constraint is not valid', 400, {
        fields: { LocationConstraint: constraint },
      });
    }
    // The us-east-1 endpoint accepts any constraint; a Regional endpoint only its own.
    const region = constraint ? regionOfConstraint(constraint) : 'us-east-1';
    if (caller.region !== 'us-east-1' && region !== caller.region) {
      throw new AwsError(
        'IllegalLocationConstraintException',
        constraint
          ? `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`
          : 'The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.',
        400,
      );
    }
    const existing = store.getBucket(name);
    if (existing) {
      // us-east-1 keeps its legacy answer: re-creating your own bucket there succeeds.
      if (existing.ownerAccountId === caller.accountId && existing.region === 'us-east-1' && region === 'us-east-1') {
        return ok(request, { headers: { location: `/${name}` } });
      }
      if (existing.ownerAccountId === caller.accountId) {
        throw new AwsError(
          'BucketAlreadyOwnedByYou',
          'Your previous request to create the named bucket succeeded and you already own it.',
          409,
          { fields: { BucketName: name } },
        );
      }
      throw new AwsError(
        'BucketAlreadyExists',
        'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
        409,
        { fields: { BucketName: name } },
      );
    }
    const ownershipHeader = headers['x-amz-object-ownership'];
    if (ownershipHeader !== undefined && !OBJECT_OWNERSHIPS.includes(ownershipHeader as ObjectOwnership)) {
      throw invalidArgument('Invalid x-amz-object-ownership header', 'x-amz-object-ownership', ownershipHeader);
    }
    // Since April 2023 new buckets have ACLs disabled unless the request says otherwise.
    const ownership = (ownershipHeader as ObjectOwnership | undefined) ?? 'BucketOwnerEnforced';
    const acl = aclFromRequest(request, caller.accountId, false) ?? [ownerFullControl(caller.accountId)];
    if (ownership === 'BucketOwnerEnforced' && !isOwnerOnly(acl, caller.accountId)) {
      throw new AwsError(
        'InvalidBucketAclWithObjectOwnership',
        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
        400,
      );
    }
    store.createBucket({
      name,
      ownerAccountId: caller.accountId,
      region,
      createdAt: new Date().toISOString(),
      acl,
      ownership,
    });
    return ok(request, { headers: { location: `/${name}` } });
  };

  /** The ACL a request sets: canned header, grant headers or (if `allowBody`) an AccessControlPolicy body. */
  const aclFromRequest = (request: AwsRequest, ownerAccountId: string, allowBody: boolean): Grant[] | undefined => {
    const canned = request.headers['x-amz-acl'];
    const headerGrants = grantsFromHeaders(request.headers);
    if (canned !== undefined && headerGrants) {
      throw new AwsError('InvalidRequest', 'Specifying both Canned ACLs and Header Grants is not allowed', 400);
    }
    if (canned !== undefined) {
      if (!CANNED_BUCKET_ACLS.has(canned)) throw invalidArgument('', 'x-amz-acl', canned);
      return cannedAcl(canned, ownerAccountId);
    }
    if (headerGrants) return headerGrants;
    if (allowBody && request.body.length > 0) return grantsFromXml(request.body);
    return undefined;
  };

  const putBucketAcl = (request: AwsRequest, bucket: BucketRecord): AwsResponse => {
    const grants = aclFromRequest(request, bucket.ownerAccountId, true);
    if (!grants) {
      throw new AwsError('MissingSecurityHeader', 'Your request was missing a required header', 400, {
        fields: { MissingHeaderName: 'x-amz-acl' },
      });
    }
    if (bucket.ownership === 'BucketOwnerEnforced' && !isOwnerOnly(grants, bucket.ownerAccountId)) {
      throw new AwsError('AccessControlListNotSupported', 'The bucket does not allow ACLs', 400);
    }
    store.updateBucket(bucket.name, (record) => {
      record.acl = grants;
    });
    return ok(request);
  };

  const getBucketAcl = (request: AwsRequest, bucket: BucketRecord): AwsResponse => {
    const accounts = knownAccounts();
    // With ACLs disabled, S3 reports the owner's full control only.
    const grants = bucket.ownership === 'BucketOwnerEnforced' ? [ownerFullControl(bucket.ownerAccountId)] : bucket.acl;
    return ok(request, {
      body: s3Document('AccessControlPolicy', {
        Owner: ownerXml(bucket.ownerAccountId),
        AccessControlList: xmlList(
          'Grant',
          grants.map((grant) => ({
            Grantee: granteeXml(withDisplayName(grant.grantee, accounts)),
            Permission: grant.permission,
          })),
        ),
      }),
    });
  };

  const putBucketPolicy = (request: AwsRequest, bucket: BucketRecord): AwsResponse => {
    const text = request.body.toString('utf8').trim();
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch {
      document = undefined;
    }
    if (!text.startsWith('{') || typeof document !== 'object' || document === null) {
      throw new AwsError('MalformedPolicy', "Policies must be valid JSON and the first byte must be '{'", 400);
    }
    if (!('Statement' in document)) {
      throw new AwsError('MalformedPolicy', 'Missing required field Statement', 400);
    }
    store.updateBucket(bucket.name, (record) => {
      record.policy = text;
    });
    return ok(request, { status: 204 });
  };

  const putOwnershipControls = (request: AwsRequest, bucket: BucketRecord): AwsResponse => {
    const controls = xmlChild(parseBody(request.body), 'OwnershipControls');
    const rules = xmlChildren(controls, 'Rule');
    const value = rules.length === 1 ? xmlText(rules[0], 'ObjectOwnership') : undefined;
    if (!value || !OBJECT_OWNERSHIPS.includes(value as ObjectOwnership)) throw malformedXml();
    const ownership = value as ObjectOwnership;
    if (ownership === 'BucketOwnerEnforced' && !isOwnerOnly(bucket.acl, bucket.ownerAccountId)) {
      throw new AwsError(
        'InvalidBucketAclWithObjectOwnership',
        "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting",
        400,
      );
    }
    store.updateBucket(bucket.name, (record) => {
      record.ownership = ownership;
    });
    return ok(request);
  };

  const listObjectsV2 = (request: AwsRequest, bucket: BucketRecord): AwsResponse => {
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

  const listObjectsV1 = (request: AwsRequest, bucket: BucketRecord): AwsResponse => {
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

  const deleteObjects = (request: AwsRequest, bucket: BucketRecord): AwsResponse => {
    const remove = xmlChild(parseBody(request.body), 'Delete');
    if (!remove) throw malformedXml();
    const objects = xmlChildren(remove, 'Object');
    if (objects.length > 1000) throw malformedXml();
    const quiet = xmlText(remove, 'Quiet') === 'true';
    const keys = objects.map((object) => xmlText(object, 'Key') ?? '');
    for (const key of keys) store.deleteObject(bucket.name, key);
    return ok(request, {
      body: s3Document('DeleteResult', { Deleted: xmlFlatList(quiet ? [] : keys.map((key) => ({ Key: key }))) }),
    });
  };

  // -------------------------------------------------------------------------------------------- object operations

  const putObject = (request: AwsRequest, bucket: BucketRecord, key: string): AwsResponse => {
    if (Buffer.byteLength(key) > 1024) {
      throw new AwsError('KeyTooLongError', 'Your key is too long', 400);
    }
    const { data, checksums } = uploadedBody(request);
    const { headers } = request;
    const acl = headers['x-amz-acl'];
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
    const metadata: Record<string, string> = {};
    for (const [name, value] of Object.entries(headers)) {
      if (name.startsWith('x-amz-meta-')) metadata[name.slice('x-amz-meta-'.length)] = value;
    }
    const record = store.putObject(bucket.name, key, data, {
      contentType: headers['content-type'] ?? 'binary/octet-stream',
      contentEncoding: contentEncoding || undefined,
      cacheControl: headers['cache-control'],
      contentDisposition: headers['content-disposition'],
      contentLanguage: headers['content-language'],
      metadata,
    });
    const echoed = Object.fromEntries(
      Object.entries(checksums).map(([name, value]) => [`x-amz-checksum-${name}`, value]),
    );
    return ok(request, {
      headers: {
        etag: record.etag,
        'x-amz-server-side-encryption': 'AES256',
        ...echoed,
        ...(Object.keys(echoed).length > 0 && { 'x-amz-checksum-type': 'FULL_OBJECT' }),
      },
    });
  };

  const objectHeaders = (record: ObjectRecord): Record<string, string> => ({
    etag: record.etag,
    'last-modified': httpDate(record.lastModified),
    'content-type': record.contentType ?? 'binary/octet-stream',
    'accept-ranges': 'bytes',
    'x-amz-server-side-encryption': 'AES256',
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

  const getObject = (request: AwsRequest, bucket: BucketRecord, key: string, head: boolean): AwsResponse => {
    const found = head ? undefined : store.getObject(bucket.name, key);
    const record = head ? store.headObject(bucket.name, key) : found?.record;
    if (!record) {
      throw new AwsError('NoSuchKey', 'The specified key does not exist.', 404, { fields: { Key: key } });
    }
    const notModified = preconditionResponse(request, record);
    if (notModified) return notModified;
    const headers = objectHeaders(record);
    const range = request.headers.range;
    if (range !== undefined) {
      const match = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
      let start = match?.[1] ? Number(match[1]) : undefined;
      let end = match?.[2] ? Number(match[2]) : undefined;
      if (start === undefined && end !== undefined) {
        start = Math.max(0, record.size - end);
        end = record.size - 1;
      }
      if (match && start !== undefined && start < record.size) {
        end = Math.min(end ?? record.size - 1, record.size - 1);
        if (end >= start) {
          const length = end - start + 1;
          return ok(request, {
            status: 206,
            headers: {
              ...headers,
              'content-range': `bytes ${start}-${end}/${record.size}`,
              'content-length': String(length),
            },
            ...(!head && found && { body: found.body.subarray(start, end + 1) }),
          });
        }
      }
      if (match) {
        throw new AwsError('InvalidRange', 'The requested range is not satisfiable', 416, {
          fields: { RangeRequested: range, ActualObjectSize: String(record.size) },
        });
      }
    }
    // The SDK asks for checksums (x-amz-checksum-mode: ENABLED) and validates the body against them.
    const checksum: Record<string, string> =
      request.headers['x-amz-checksum-mode']?.toUpperCase() === 'ENABLED'
        ? { 'x-amz-checksum-crc32': record.crc32, 'x-amz-checksum-type': 'FULL_OBJECT' }
        : {};
    return {
      status: 200,
      headers: {
        'x-amz-request-id': request.requestId,
        ...headers,
        ...checksum,
        'content-length': String(record.size),
      },
      ...(!head && found && { body: found.body }),
    };
  };

  // -------------------------------------------------------------------------------------------- routing

  const route = (request: AwsRequest): AwsResponse => {
    const { method, query, caller } = request;
    const target = targetOf(request);
    const sub = subresourceOf(query);
    const unsupported = (): AwsError => notImplemented(operationName(method, target, query, sub));

    if (target.bucket === undefined) {
      if (method === 'GET' && !sub) return listBuckets(request);
      throw unsupported();
    }
    const name = target.bucket;

    if (target.key === undefined) {
      if (method === 'PUT' && !sub) return createBucket(request, name);
      if (method === 'GET' && sub === 'location') {
        const bucket = accessibleBucket(caller, name, { anyRegion: true });
        const xmlns = 'http://s3.amazonaws.com/doc/2006-03-01/';
        // us-east-1 is reported as an empty constraint.
        const content = bucket.region === 'us-east-1' ? '' : bucket.region;
        return ok(request, {
          body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${xmlns}">${content}</LocationConstraint>`,
        });
      }
      if (method === 'HEAD' && !sub) {
        const bucket = accessibleBucket(caller, name);
        return ok(request, {
          headers: { 'x-amz-bucket-region': bucket.region, 'x-amz-access-point-alias': 'false' },
        });
      }
      const isKnown =
        (method === 'GET' && (!sub || ['acl', 'policy', 'ownershipControls'].includes(sub))) ||
        (method === 'PUT' && sub !== undefined && ['acl', 'policy', 'ownershipControls'].includes(sub)) ||
        (method === 'DELETE' && (!sub || ['policy', 'ownershipControls'].includes(sub))) ||
        (method === 'POST' && sub === 'delete');
      if (!isKnown) throw unsupported();
      const bucket = accessibleBucket(caller, name);
      switch (`${method} ${sub ?? ''}`) {
        case 'GET ':
          return query.get('list-type') === '2' ? listObjectsV2(request, bucket) : listObjectsV1(request, bucket);
        case 'GET acl':
          return getBucketAcl(request, bucket);
        case 'PUT acl':
          return putBucketAcl(request, bucket);
        case 'GET policy':
          if (!bucket.policy) {
            throw new AwsError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, {
              fields: { BucketName: name },
            });
          }
          return { status: 200, headers: { 'content-type': 'application/json' }, body: bucket.policy };
        case 'PUT policy':
          return putBucketPolicy(request, bucket);
        case 'DELETE policy':
          store.updateBucket(name, (record) => {
            delete record.policy;
          });
          return ok(request, { status: 204 });
        case 'GET ownershipControls':
          if (!bucket.ownership) {
            throw new AwsError('OwnershipControlsNotFoundError', 'The bucket ownership controls were not found', 404, {
              fields: { BucketName: name },
            });
          }
          return ok(request, {
            body: s3Document('OwnershipControls', { Rule: { ObjectOwnership: bucket.ownership } }),
          });
        case 'PUT ownershipControls':
          return putOwnershipControls(request, bucket);
        case 'DELETE ownershipControls':
          store.updateBucket(name, (record) => {
            delete record.ownership;
          });
          return ok(request, { status: 204 });
        case 'POST delete':
          return deleteObjects(request, bucket);
        case 'DELETE ':
          if (store.listObjects(name).length > 0) {
            throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, {
              fields: { BucketName: name },
            });
          }
          store.deleteBucket(name);
          return ok(request, { status: 204 });
        default:
          throw unsupported();
      }
    }

    const key = target.key;
    if (sub || request.headers['x-amz-copy-source'] !== undefined) {
      throw notImplemented(
        request.headers['x-amz-copy-source'] ? 'CopyObject' : operationName(method, target, query, sub),
      );
    }
    if (!['GET', 'HEAD', 'PUT', 'DELETE'].includes(method)) throw unsupported();
    const bucket = accessibleBucket(caller, name);
    switch (method) {
      case 'PUT':
        return putObject(request, bucket, key);
      case 'GET':
        return getObject(request, bucket, key, false);
      case 'HEAD':
        return getObject(request, bucket, key, true);
      default:
        store.deleteObject(name, key);
        return ok(request, { status: 204 });
    }
  };

  const service: EmulatedService = {
    name: 's3',
    handle: async (request) => {
      try {
        return route(request);
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
    listObjects: (bucket) => store.listObjects(bucket),
    objectFile: (bucket, key) => store.objectFile(bucket, key),
  };

  return { service, handle };
};
