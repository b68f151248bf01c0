// S3 (REST/XML): method, bucket, key and subresource → the operation (as s3/routing.ts routes it) → the IAM action S3
// authorizes it with, on the bucket ARN (`arn:aws:s3:::bucket`) or the object ARN (`arn:aws:s3:::bucket/key`). The
// action of each operation is the one its Amazon S3 API Reference page names under Permissions (HeadBucket and
// ListObjects(V2) need s3:ListBucket, HeadObject s3:GetObject, DeleteBucketOwnershipControls
// s3:PutBucketOwnershipControls, ListBuckets s3:ListAllMyBuckets on `*`, its only resource: the action has no
// resource type in the service authorization data).
import { AwsError } from '../errors.js';
import { subresourceOf, type Target, targetOf } from '../s3/addressing.js';
import { requestBodyOf } from '../s3/body.js';
import { parseDeleteRequest } from '../s3/deletion.js';
import { partitionFor } from '../sigv4.js';
import type { AwsRequest } from '../types.js';
import { type Check, type Denial, notAuthorizedMessage, type OperationChecks, type ServiceChecks } from './checks.js';

/** Request headers that set an ACL, which S3 authorizes with s3:PutBucketAcl or s3:PutObjectAcl besides the write. */
const ACL_HEADERS = [
  'x-amz-acl',
  'x-amz-grant-full-control',
  'x-amz-grant-read',
  'x-amz-grant-read-acp',
  'x-amz-grant-write',
  'x-amz-grant-write-acp',
];

const hasAclHeader = (request: AwsRequest): boolean => ACL_HEADERS.some((name) => request.headers[name] !== undefined);

/**
 * The keys a DeleteObjects body names, read as S3 reads them (s3/deletion.ts); S3 authorizes s3:DeleteObject on each.
 * A body it cannot read names none (S3 refuses it as malformed).
 */
const deletedKeys = (request: AwsRequest): string[] => {
  try {
    return parseDeleteRequest(requestBodyOf(request)).keys;
  } catch {
    return [];
  }
};

const bucketOperation = (
  request: AwsRequest,
  bucket: string,
  sub: string | undefined,
  arnOf: (resource: string) => string,
): OperationChecks | undefined => {
  const on = (operation: string, ...actions: string[]): OperationChecks => ({
    operation,
    checks: actions.map((action) => ({ action, resource: arnOf(bucket) })),
  });
  switch (`${request.method} ${sub ?? ''}`) {
    case 'PUT ': {
      // CreateBucket: ACL headers also need s3:PutBucketAcl, an Object Ownership header s3:PutBucketOwnershipControls.
      const extra = [
        ...(hasAclHeader(request) ? ['s3:PutBucketAcl'] : []),
        ...(request.headers['x-amz-object-ownership'] ? ['s3:PutBucketOwnershipControls'] : []),
      ];
      return on('CreateBucket', 's3:CreateBucket', ...extra);
    }
    case 'HEAD ':
      return on('HeadBucket', 's3:ListBucket');
    case 'GET ':
      return on(request.query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects', 's3:ListBucket');
    case 'DELETE ':
      return on('DeleteBucket', 's3:DeleteBucket');
    case 'GET location':
      return on('GetBucketLocation', 's3:GetBucketLocation');
    case 'GET acl':
      return on('GetBucketAcl', 's3:GetBucketAcl');
    case 'PUT acl':
      return on('PutBucketAcl', 's3:PutBucketAcl');
    case 'GET policy':
      return on('GetBucketPolicy', 's3:GetBucketPolicy');
    case 'PUT policy':
      return on('PutBucketPolicy', 's3:PutBucketPolicy');
    case 'DELETE policy':
      return on('DeleteBucketPolicy', 's3:DeleteBucketPolicy');
    case 'GET ownershipControls':
      return on('GetBucketOwnershipControls', 's3:GetBucketOwnershipControls');
    case 'PUT ownershipControls':
      return on('PutBucketOwnershipControls', 's3:PutBucketOwnershipControls');
    case 'DELETE ownershipControls':
      return on('DeleteBucketOwnershipControls', 's3:PutBucketOwnershipControls');
    case 'POST delete':
      // Each key on its own: S3 answers a key its caller may not delete with an AccessDenied <Error> for that key.
      return {
        operation: 'DeleteObjects',
        perItem: true,
        checks: deletedKeys(request).map((key) => ({
          action: 's3:DeleteObject',
          resource: arnOf(`${bucket}/${key}`),
          item: key,
        })),
      };
    default:
      return undefined;
  }
};

const objectOperation = (
  request: AwsRequest,
  target: Required<Target>,
  arnOf: (resource: string) => string,
): OperationChecks | undefined => {
  const resource = arnOf(`${target.bucket}/${target.key}`);
  const check = (action: string): Check => ({ action, resource });
  switch (request.method) {
    case 'PUT':
      return {
        operation: 'PutObject',
        checks: [check('s3:PutObject'), ...(hasAclHeader(request) ? [check('s3:PutObjectAcl')] : [])],
      };
    case 'GET':
      return { operation: 'GetObject', checks: [check('s3:GetObject')] };
    case 'HEAD':
      return { operation: 'HeadObject', checks: [check('s3:GetObject')] };
    case 'DELETE':
      return { operation: 'DeleteObject', checks: [check('s3:DeleteObject')] };
    default:
      return undefined;
  }
};

const checksOf = (request: AwsRequest): OperationChecks | undefined => {
  let target: Target;
  try {
    target = targetOf(request);
  } catch {
    // A path S3 cannot parse is refused by S3 itself (InvalidURI), before authorization.
    return undefined;
  }
  const sub = subresourceOf(request.query);
  const arnOf = (resource: string) => `arn:${partitionFor(request.caller.region)}:s3:::${resource}`;
  if (target.bucket === undefined) {
    return request.method === 'GET' && !sub
      ? { operation: 'ListBuckets', checks: [{ action: 's3:ListAllMyBuckets', resource: '*' }] }
      : undefined;
  }
  if (target.key === undefined) return bucketOperation(request, target.bucket, sub, arnOf);
  // Object subresources and CopyObject are not emulated: S3's NotImplemented answers them.
  if (sub || request.headers['x-amz-copy-source'] !== undefined) return undefined;
  return objectOperation(request, { bucket: target.bucket, key: target.key }, arnOf);
};

export const s3Checks: ServiceChecks = {
  service: 's3',
  checksOf,
  // AccessDenied (403) with IAM's message, the resource in quotes (Amazon S3 User Guide, "Troubleshoot access denied
  // (403 Forbidden) errors": S3 names the principal, action and resource of a same-account refusal since 2023).
  refusal: (denial: Denial) =>
    new AwsError('AccessDenied', notAuthorizedMessage(denial, { resource: `"${denial.resource}"` }), 403),
};
