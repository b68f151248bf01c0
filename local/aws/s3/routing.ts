// Operation routing for the emulated S3: method, bucket, key and subresource to the operation that serves it, with
// the access check each needs; anything else is NotImplemented, naming the operation.

import type { AwsError } from '../errors.js';
import type { AwsRequest, AwsResponse } from '../types.js';
import { getBucketAcl, putBucketAcl } from './acl.js';
import { operationName, subresourceOf, targetOf } from './addressing.js';
import {
  deleteBucketPolicy,
  deleteOwnershipControls,
  getBucketPolicy,
  getOwnershipControls,
  putBucketPolicy,
  putOwnershipControls,
} from './bucket-settings.js';
import { accessibleBucket, createBucket, deleteBucket, getBucketLocation, headBucket, listBuckets } from './buckets.js';
import { deleteObject, deleteObjects } from './deletion.js';
import { notImplemented } from './errors.js';
import { listObjectsV1, listObjectsV2 } from './listing.js';
import { getObject, putObject } from './objects.js';
import type { S3Store } from './store.js';

/** The bucket subresources served, by method (keyed by the request's method: a Map, so no prototype names). */
const BUCKET_SUBRESOURCES = new Map<string, readonly string[]>([
  ['GET', ['acl', 'policy', 'ownershipControls']],
  ['PUT', ['acl', 'policy', 'ownershipControls']],
  ['DELETE', ['policy', 'ownershipControls']],
  ['POST', ['delete']],
]);

export const routeS3 = async (store: S3Store, request: AwsRequest): Promise<AwsResponse> => {
  const { method, query, caller } = request;
  const target = targetOf(request);
  const sub = subresourceOf(query);
  const unsupported = (): AwsError => notImplemented(operationName(method, target, query, sub));

  if (target.bucket === undefined) {
    if (method === 'GET' && !sub) return listBuckets(store, request);
    throw unsupported();
  }
  const name = target.bucket;

  if (target.key === undefined) {
    if (method === 'PUT' && !sub) return createBucket(store, request, name);
    if (method === 'GET' && sub === 'location') return getBucketLocation(store, request, name);
    if (method === 'HEAD' && !sub) return headBucket(store, request, name);
    const isKnown =
      ((method === 'GET' || method === 'DELETE') && !sub) ||
      (sub !== undefined && (BUCKET_SUBRESOURCES.get(method) ?? []).includes(sub));
    if (!isKnown) throw unsupported();
    const bucket = accessibleBucket(store, caller, name);
    switch (`${method} ${sub ?? ''}`) {
      case 'GET ':
        return query.get('list-type') === '2'
          ? listObjectsV2(store, request, bucket)
          : listObjectsV1(store, request, bucket);
      case 'GET acl':
        return getBucketAcl(store, request, bucket);
      case 'PUT acl':
        return putBucketAcl(store, request, bucket);
      case 'GET policy':
        return getBucketPolicy(bucket);
      case 'PUT policy':
        return putBucketPolicy(store, request, bucket);
      case 'DELETE policy':
        return deleteBucketPolicy(store, request, bucket);
      case 'GET ownershipControls':
        return getOwnershipControls(request, bucket);
      case 'PUT ownershipControls':
        return putOwnershipControls(store, request, bucket);
      case 'DELETE ownershipControls':
        return deleteOwnershipControls(store, request, bucket);
      case 'POST delete':
        return deleteObjects(store, request, bucket);
      case 'DELETE ':
        return deleteBucket(store, request, bucket);
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
  const bucket = accessibleBucket(store, caller, name);
  switch (method) {
    case 'PUT':
      return putObject(store, request, bucket, key);
    case 'GET':
      return getObject(store, request, bucket, key, false);
    case 'HEAD':
      return getObject(store, request, bucket, key, true);
    default:
      return deleteObject(store, request, bucket, key);
  }
};
