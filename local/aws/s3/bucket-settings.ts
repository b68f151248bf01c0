// S3 bucket policy and Object Ownership controls: Get/Put/DeleteBucketPolicy (stored as the JSON text sent, checked
// the way S3 first checks a policy: JSON whose first byte is `{`, with a Statement) and
// Get/Put/DeleteBucketOwnershipControls (one rule; BucketOwnerEnforced only when the ACL is the owner's alone).
import { AwsError } from '../errors.js';
import type { AwsRequest, AwsResponse } from '../types.js';
import { s3Document, xmlChild, xmlChildren, xmlText } from '../xml.js';
import { isOwnerOnly } from './acl.js';
import { parseXmlBody, requestBodyOf } from './body.js';
import { malformedXml, ok } from './errors.js';
import { type BucketRecord, OBJECT_OWNERSHIPS, type ObjectOwnership } from './model.js';
import type { S3Store } from './store.js';

export const getBucketPolicy = (bucket: BucketRecord): AwsResponse => {
  if (!bucket.policy) {
    throw new AwsError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, {
      fields: { BucketName: bucket.name },
    });
  }
  return { status: 200, headers: { 'content-type': 'application/json' }, body: bucket.policy };
};

export const putBucketPolicy = (store: S3Store, request: AwsRequest, bucket: BucketRecord): AwsResponse => {
  const text = requestBodyOf(request).toString('utf8').trim();
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

export const deleteBucketPolicy = (store: S3Store, request: AwsRequest, bucket: BucketRecord): AwsResponse => {
  store.updateBucket(bucket.name, (record) => {
    delete record.policy;
  });
  return ok(request, { status: 204 });
};

export const getOwnershipControls = (request: AwsRequest, bucket: BucketRecord): AwsResponse => {
  if (!bucket.ownership) {
    throw new AwsError('OwnershipControlsNotFoundError', 'The bucket ownership controls were not found', 404, {
      fields: { BucketName: bucket.name },
    });
  }
  return ok(request, { body: s3Document('OwnershipControls', { Rule: { ObjectOwnership: bucket.ownership } }) });
};

export const putOwnershipControls = (store: S3Store, request: AwsRequest, bucket: BucketRecord): AwsResponse => {
  const controls = xmlChild(parseXmlBody(request), 'OwnershipControls');
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

export const deleteOwnershipControls = (store: S3Store, request: AwsRequest, bucket: BucketRecord): AwsResponse => {
  store.updateBucket(bucket.name, (record) => {
    delete record.ownership;
  });
  return ok(request, { status: 204 });
};
