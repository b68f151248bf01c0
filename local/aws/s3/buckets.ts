// S3 buckets: who may reach a bucket (exists, then Region, then owner; anonymous callers are denied, as for a
// private bucket), and ListBuckets, CreateBucket (naming rules, location constraints, Object Ownership and ACL at
// creation), HeadBucket, GetBucketLocation and DeleteBucket.
import { AwsError } from '../errors.js';
import type { AwsRequest, AwsResponse, Caller } from '../types.js';
import { s3Document, xmlChild, xmlList, xmlText } from '../xml.js';
import { aclFromRequest, isOwnerOnly } from './acl.js';
import { parseXmlBody, requestBodyOf } from './body.js';
import { accessDenied, invalidArgument, isoDate, malformedXml, noSuchBucket, ok, ownerXml } from './errors.js';
import { type BucketRecord, OBJECT_OWNERSHIPS, type ObjectOwnership, ownerFullControl } from './model.js';
import type { S3Store } from './store.js';

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

/**
 * The bucket, checked the way S3 checks it: exists, then Region (unless `anyRegion`), then owner. An anonymous
 * caller has no Region of its own to be redirected from and is denied any bucket (every emulated bucket is
 * private: ACL grants to other accounts or to AllUsers are recorded, not enforced).
 */
export const accessibleBucket = (
  store: S3Store,
  caller: Caller,
  name: string,
  options: { anyRegion?: boolean } = {},
): BucketRecord => {
  const bucket = store.getBucket(name);
  if (!bucket) throw noSuchBucket(name);
  if (caller.anonymous) throw accessDenied();
  if (!options.anyRegion && bucket.region !== caller.region) throw permanentRedirect(bucket);
  if (bucket.ownerAccountId !== caller.accountId) throw accessDenied();
  return bucket;
};

export const listBuckets = (store: S3Store, request: AwsRequest): AwsResponse => {
  const { query, caller } = request;
  // Anonymous requests cannot list buckets: they have no account whose buckets to list.
  if (caller.anonymous) throw accessDenied();
  const prefix = query.get('prefix') ?? '';
  const region = query.get('bucket-region');
  const maxRaw = query.get('max-buckets');
  const max = maxRaw ? Number(maxRaw) : 10_000;
  if (!Number.isInteger(max) || max < 1 || max > 10_000) {
    throw invalidArgument('Argument max-buckets must be an integer between 1 and 10000.', 'max-buckets', maxRaw ?? '');
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

export const createBucket = (store: S3Store, request: AwsRequest, name: string): AwsResponse => {
  const { caller, headers } = request;
  if (caller.anonymous) throw accessDenied();
  if (!isValidBucketName(name)) {
    throw new AwsError('InvalidBucketName', 'The specified bucket is not valid.', 400, {
      fields: { BucketName: name },
    });
  }
  let constraint: string | undefined;
  if (requestBodyOf(request).length > 0) {
    const configuration = xmlChild(parseXmlBody(request), 'CreateBucketConfiguration');
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

export const getBucketLocation = (store: S3Store, request: AwsRequest, name: string): AwsResponse => {
  const bucket = accessibleBucket(store, request.caller, name, { anyRegion: true });
  const xmlns = 'http://s3.amazonaws.com/doc/2006-03-01/';
  // us-east-1 is reported as an empty constraint.
  const content = bucket.region === 'us-east-1' ? '' : bucket.region;
  return ok(request, {
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="${xmlns}">${content}</LocationConstraint>`,
  });
};

export const headBucket = (store: S3Store, request: AwsRequest, name: string): AwsResponse => {
  const bucket = accessibleBucket(store, request.caller, name);
  return ok(request, { headers: { 'x-amz-bucket-region': bucket.region, 'x-amz-access-point-alias': 'false' } });
};

export const deleteBucket = (store: S3Store, request: AwsRequest, bucket: BucketRecord): AwsResponse => {
  if (store.listObjects(bucket.name).length > 0) {
    throw new AwsError('BucketNotEmpty', 'The bucket you tried to delete is not empty', 409, {
      fields: { BucketName: bucket.name },
    });
  }
  store.deleteBucket(bucket.name);
  return ok(request, { status: 204 });
};
