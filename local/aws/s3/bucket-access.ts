// Bucket access as ElastiCache's export checks it: whether a bucket's ACL grants ElastiCache's canonical user a
// permission, whether its policy allows ElastiCache's service principal an action, and those identities per Region.
import type { BucketRecord, Permission } from './model.js';

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
