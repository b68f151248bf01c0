// Whether ElastiCache itself may use an S3 bucket for an export: a pure evaluation of the bucket's ACL, bucket
// policy and Object Ownership against what ElastiCache needs. No AWS calls here; handlers/lib/aws/s3.ts fetches
// the inputs and handlers/validate-export.ts turns the answer into ElastiCache's own error messages.
import { isOptInRegion } from './partition.js';
import { isRecord } from './records.js';

/** The bucket ACL permissions ElastiCache documents, in the order its errors report them. */
export type ElastiCachePermission = 'READ' | 'WRITE' | 'READ_ACP';

export const ELASTICACHE_PERMISSIONS: readonly ElastiCachePermission[] = ['READ', 'WRITE', 'READ_ACP'];

/** ElastiCache's canonical user ID for bucket ACL grants, in every Region but GovCloud (US-West). */
export const ELASTICACHE_CANONICAL_USER_ID = '540804c33a284a299d2547575ce1010f2312ef3da9b3a053c8bc45bf233e4353';
/** ElastiCache's canonical user ID in AWS GovCloud (US-West). */
export const ELASTICACHE_GOVCLOUD_CANONICAL_USER_ID =
  '40fa568277ad703bd160f66ae4f83fc9dfdfd06c2f1b5060ca22442ac3ef8be6';

export const elastiCacheCanonicalUserId = (region: string): string =>
  region === 'us-gov-west-1' ? ELASTICACHE_GOVCLOUD_CANONICAL_USER_ID : ELASTICACHE_CANONICAL_USER_ID;

/** The service principal a bucket policy grants (required in opt-in Regions, accepted everywhere). */
export const elastiCacheServicePrincipal = (region: string): string => `${region}.elasticache-snapshot.amazonaws.com`;

/**
 * The bucket-policy actions ElastiCache's documentation lists, grouped under the ACL permission whose error
 * message a missing action should produce: READ is "List and Read", WRITE is "Upload/Delete" (multipart upload
 * included), READ_ACP is "View Permissions".
 */
export const POLICY_ACTIONS: Readonly<Record<ElastiCachePermission, readonly string[]>> = {
  READ: ['s3:ListBucket', 's3:GetObject', 's3:ListBucketMultipartUploads'],
  WRITE: ['s3:PutObject', 's3:ListMultipartUploadParts'],
  READ_ACP: ['s3:GetBucketAcl'],
};

/** Actions whose resource is an object ARN (`bucket/key`); the others act on the bucket ARN. */
const OBJECT_ACTIONS = new Set(['s3:getobject', 's3:putobject', 's3:listmultipartuploadparts']);

/** The part of an S3 ACL grant we read; the SDK's `Grant` fits it. */
export interface AclGrant {
  Grantee?: { Type?: string | undefined; ID?: string | undefined } | undefined;
  Permission?: string | undefined;
}

export interface BucketAccessInput {
  /** The Region of the snapshot (and, once checked, of the bucket). */
  region: string;
  bucket: string;
  /** GetBucketAcl's grants. */
  grants: readonly AclGrant[];
  /** GetBucketPolicy's document, or undefined when the bucket has none. */
  policy?: string | undefined;
  /** GetBucketOwnershipControls' rule; `BucketOwnerEnforced` disables ACLs, so only the policy counts. */
  objectOwnership?: string | undefined;
  /**
   * The keys the export will write. Object-level statements must cover all of them; without keys a statement
   * must cover `bucket/*`, so a statement limited to another prefix does not count as a grant.
   */
  objectKeys?: readonly string[] | undefined;
}

/** One ACL permission ElastiCache lacks, with what the bucket's ACL and policy say about it. */
export interface PermissionGap {
  permission: ElastiCachePermission;
  /**
   * Why ACL grants do not count, if they do not: Object Ownership BucketOwnerEnforced disables ACLs, and in an
   * opt-in Region ElastiCache exports only through the bucket policy.
   */
  aclIgnored?: 'BucketOwnerEnforced' | 'OptInRegion';
  /** The permission's policy actions that no Allow statement grants ElastiCache, in POLICY_ACTIONS order. */
  notAllowed: string[];
  /** The permission's policy actions an unconditional Deny takes away from ElastiCache. */
  denied: string[];
}

/**
 * The permissions ElastiCache lacks on the bucket, in the order READ, WRITE, READ_ACP, each with the policy
 * actions missing or denied; empty when it may export.
 *
 * A permission is there when the ACL grants it to ElastiCache's canonical user (FULL_CONTROL counts as all three;
 * ignored when Object Ownership is BucketOwnerEnforced, and in opt-in Regions) or the policy allows every action listed for it in
 * POLICY_ACTIONS; and no explicit Deny in the policy takes one of those actions away.
 *
 * Conditions cannot be evaluated here. We assume: an Allow naming ElastiCache explicitly still applies under a
 * condition (AWS recommends aws:SourceAccount / aws:SourceArn guards on service principals); an Allow to everyone
 * under a condition does not (aws:PrincipalOrgID, aws:SourceVpce and the like never match ElastiCache); a
 * conditional Deny does not apply (the common "deny unless aws:SecureTransport" statement must not count). If
 * a guess is wrong, CopySnapshot itself fails with its own message, which the error catalogue explains.
 */
export const elastiCacheAccessGaps = (input: BucketAccessInput): PermissionGap[] => {
  const aclIgnored = isOptInRegion(input.region)
    ? ('OptInRegion' as const)
    : input.objectOwnership === 'BucketOwnerEnforced'
      ? ('BucketOwnerEnforced' as const)
      : undefined;
  const aclPermissions = !aclIgnored
    ? aclPermissionsOf(input.grants, elastiCacheCanonicalUserId(input.region))
    : new Set<string>();
  const statements = parseStatements(input.policy);
  const target: Target = {
    servicePrincipal: elastiCacheServicePrincipal(input.region).toLowerCase(),
    canonicalUserId: elastiCacheCanonicalUserId(input.region),
    bucketResource: `s3:::${input.bucket}`,
    objectResources:
      input.objectKeys && input.objectKeys.length > 0
        ? input.objectKeys.map((key) => `s3:::${input.bucket}/${key}`)
        : [`s3:::${input.bucket}/*`],
  };
  return ELASTICACHE_PERMISSIONS.flatMap((permission): PermissionGap[] => {
    const actions = POLICY_ACTIONS[permission];
    const denied = actions.filter((action) => isDenied(statements, target, action));
    const notAllowed = actions.filter((action) => !isAllowed(statements, target, action));
    const byAcl = aclPermissions.has(permission) || aclPermissions.has('FULL_CONTROL');
    if (denied.length === 0 && (byAcl || notAllowed.length === 0)) return [];
    return [{ permission, ...(aclIgnored && { aclIgnored }), notAllowed, denied }];
  });
};

/** The permissions ElastiCache lacks on the bucket, in the order READ, WRITE, READ_ACP; empty when it may export. */
export const missingElastiCachePermissions = (input: BucketAccessInput): ElastiCachePermission[] =>
  elastiCacheAccessGaps(input).map((gap) => gap.permission);

const aclPermissionsOf = (grants: readonly AclGrant[], canonicalUserId: string): Set<string> =>
  new Set(
    grants
      .filter(
        (grant) => grant.Grantee?.ID === canonicalUserId && (grant.Grantee.Type ?? 'CanonicalUser') === 'CanonicalUser',
      )
      .map((grant) => grant.Permission ?? ''),
  );

// ---- Bucket policy ----------------------------------------------------------------------------------------

interface Target {
  servicePrincipal: string;
  canonicalUserId: string;
  /** ARNs without `arn:<partition>:`, so GovCloud and China partitions compare alike. */
  bucketResource: string;
  objectResources: string[];
}

interface Statement {
  effect: 'Allow' | 'Deny';
  principal?: unknown;
  notPrincipal?: unknown;
  action?: string[];
  notAction?: string[];
  resource?: string[];
  notResource?: string[];
  conditional: boolean;
}

/** A policy element that may be a string or a list of strings; non-strings are dropped. */
const stringList = (value: unknown): string[] | undefined => {
  if (value === undefined) return undefined;
  const values = Array.isArray(value) ? value : [value];
  return values.filter((item): item is string => typeof item === 'string');
};

/** The policy's statements; a document that is not valid JSON grants nothing (S3 never returns one). */
const parseStatements = (policy: string | undefined): Statement[] => {
  if (!policy) return [];
  let document: unknown;
  try {
    document = JSON.parse(policy);
  } catch {
    return [];
  }
  if (!isRecord(document)) return [];
  const raw = Array.isArray(document.Statement) ? document.Statement : [document.Statement];
  return raw.filter(isRecord).flatMap((statement): Statement[] => {
    if (statement.Effect !== 'Allow' && statement.Effect !== 'Deny') return [];
    const parsed: Statement = {
      effect: statement.Effect,
      conditional: isRecord(statement.Condition) && Object.keys(statement.Condition).length > 0,
    };
    if (statement.Principal !== undefined) parsed.principal = statement.Principal;
    if (statement.NotPrincipal !== undefined) parsed.notPrincipal = statement.NotPrincipal;
    const action = stringList(statement.Action);
    const notAction = stringList(statement.NotAction);
    const resource = stringList(statement.Resource);
    const notResource = stringList(statement.NotResource);
    if (action) parsed.action = action;
    if (notAction) parsed.notAction = notAction;
    if (resource) parsed.resource = resource;
    if (notResource) parsed.notResource = notResource;
    return [parsed];
  });
};

/** An IAM wildcard pattern (`*`, `?`) as a regular expression. */
const globToRegExp = (pattern: string, flags: string): RegExp =>
  new RegExp(
    `^${pattern
      .split('')
      .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
      .join('')}$`,
    flags,
  );

// Action names are case-insensitive in IAM; resource ARNs are not.
const actionMatches = (patterns: readonly string[], action: string): boolean =>
  patterns.some((pattern) => globToRegExp(pattern, 'i').test(action));

const stripPartition = (arn: string): string => (arn === '*' ? arn : arn.replace(/^arn:[^:]*:/, ''));

const resourceMatches = (patterns: readonly string[], resource: string): boolean =>
  patterns.some((pattern) => globToRegExp(stripPartition(pattern), '').test(resource));

/** How a Principal element names ElastiCache: by name, through a wildcard, or not at all. */
type PrincipalMatch = 'named' | 'wildcard' | 'none';

const principalMatch = (principal: unknown, target: Target): PrincipalMatch => {
  if (principal === '*') return 'wildcard';
  if (!isRecord(principal)) return 'none';
  const services = (stringList(principal.Service) ?? []).map((service) => service.toLowerCase());
  const canonicalUsers = stringList(principal.CanonicalUser) ?? [];
  if (services.includes(target.servicePrincipal) || canonicalUsers.includes(target.canonicalUserId)) return 'named';
  if ((stringList(principal.AWS) ?? []).includes('*')) return 'wildcard';
  return 'none';
};

const statementPrincipal = (statement: Statement, target: Target): PrincipalMatch => {
  if (statement.principal !== undefined) return principalMatch(statement.principal, target);
  // NotPrincipal: the statement applies to everyone it does not name.
  if (statement.notPrincipal !== undefined) {
    return principalMatch(statement.notPrincipal, target) === 'none' ? 'wildcard' : 'none';
  }
  return 'none';
};

const coversAction = (statement: Statement, action: string): boolean => {
  if (statement.action) return actionMatches(statement.action, action);
  if (statement.notAction) return !actionMatches(statement.notAction, action);
  return false;
};

const coversResource = (statement: Statement, resource: string): boolean => {
  if (statement.resource) return resourceMatches(statement.resource, resource);
  if (statement.notResource) return !resourceMatches(statement.notResource, resource);
  return true;
};

const resourcesFor = (target: Target, action: string): string[] =>
  OBJECT_ACTIONS.has(action.toLowerCase()) ? target.objectResources : [target.bucketResource];

/** Whether some Allow statement grants ElastiCache `action` on every resource the export touches. */
const isAllowed = (statements: readonly Statement[], target: Target, action: string): boolean =>
  resourcesFor(target, action).every((resource) =>
    statements.some((statement) => {
      if (statement.effect !== 'Allow') return false;
      const principal = statementPrincipal(statement, target);
      if (principal === 'none' || (principal === 'wildcard' && statement.conditional)) return false;
      return coversAction(statement, action) && coversResource(statement, resource);
    }),
  );

/** Whether an unconditional Deny statement takes `action` away from ElastiCache on any resource the export touches. */
const isDenied = (statements: readonly Statement[], target: Target, action: string): boolean =>
  resourcesFor(target, action).some((resource) =>
    statements.some(
      (statement) =>
        statement.effect === 'Deny' &&
        !statement.conditional &&
        statementPrincipal(statement, target) !== 'none' &&
        coversAction(statement, action) &&
        coversResource(statement, resource),
    ),
  );
