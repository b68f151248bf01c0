// S3 access control lists: canned ACLs, `x-amz-grant-*` headers and `<AccessControlPolicy>` bodies as S3 parses and
// checks them, how grants are rendered back (with the display names S3 resolves), and the GetBucketAcl and
// PutBucketAcl operations. With Object Ownership `BucketOwnerEnforced` ACLs are disabled: only "owner has full
// control" is accepted, and that is all GetBucketAcl reports.
import { AwsError } from '../errors.js';
import type { AwsRequest, AwsResponse } from '../types.js';
import {
  parseXml,
  s3Document,
  type XmlNode,
  type XmlValue,
  XmlWithAttributes,
  xmlChild,
  xmlChildren,
  xmlList,
  xmlText,
} from '../xml.js';
import { requestBodyOf } from './body.js';
import { invalidArgument, malformedXml, ok, ownerXml } from './errors.js';
import {
  type BucketRecord,
  canonicalUserIdFor,
  displayNameFor,
  type Grant,
  type Grantee,
  ownerFullControl,
  PERMISSIONS,
  type Permission,
} from './model.js';
import type { S3Store } from './store.js';

const GROUPS = {
  allUsers: 'http://acs.amazonaws.com/groups/global/AllUsers',
  authenticatedUsers: 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers',
  logDelivery: 'http://acs.amazonaws.com/groups/s3/LogDelivery',
};

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
export const grantsFromHeaders = (headers: Record<string, string>): Grant[] | undefined => {
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
export const isOwnerOnly = (grants: Grant[], ownerAccountId: string): boolean => {
  const ownerId = canonicalUserIdFor(ownerAccountId);
  return grants.every(
    (grant) =>
      grant.grantee.type === 'CanonicalUser' && grant.grantee.id === ownerId && grant.permission === 'FULL_CONTROL',
  );
};

/** The ACL a request sets: canned header, grant headers or (if `allowBody`) an AccessControlPolicy body. */
export const aclFromRequest = (
  request: AwsRequest,
  ownerAccountId: string,
  allowBody: boolean,
): Grant[] | undefined => {
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
  const body = allowBody ? requestBodyOf(request) : undefined;
  if (body && body.length > 0) return grantsFromXml(body);
  return undefined;
};

export const putBucketAcl = (store: S3Store, request: AwsRequest, bucket: BucketRecord): AwsResponse => {
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

/** Canonical id → account id, for the display names S3 shows in ACLs. */
const knownAccounts = (store: S3Store): Map<string, string> => {
  const accounts = new Map<string, string>();
  for (const bucket of store.listBuckets()) {
    accounts.set(canonicalUserIdFor(bucket.ownerAccountId), bucket.ownerAccountId);
  }
  return accounts;
};

export const getBucketAcl = (store: S3Store, request: AwsRequest, bucket: BucketRecord): AwsResponse => {
  const accounts = knownAccounts(store);
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
